#!/usr/bin/env python3
"""Batch-1 decode and prefill on a GPU: tmc's CUDA artifacts vs transformers, and the roofline.

Runs on the GPU machine, from the bundle scripts/gpu-bundle made on the build
machine (which compiles bench/ artifacts of the Llama-3-8B shape,
models/llama/configs/llama-3-8b.json, bf16, --max-seq-len 4160):

    bench/gpu_decode.py --bundle DIR --runner "CMD ..." [--contexts 128,2048,4096]
                        [--new-tokens 32] [--torch-compile 128] [--random-weights]
                        [--work DIR] [--device cuda]

scripts/test-gpu --bench runs it with the bundle it unpacked.

The weights: transformers builds LlamaForCausalLM from the config on the GPU
in bf16 with its own random initialization (seed 0) and saves it with
save_pretrained; tmc-run loads that checkpoint, and the transformers rows run
the same model object, so every row computes with the same weights. With
--random-weights tmc-run draws its own (same shapes and dtype, other values)
and no checkpoint is written.

For each context C (a prompt of C random ids, seed 0):
  - tmc:  `tmc-run ART --weights CKPT --input-ids @ids.npy --max-new-tokens N
          --stats --eos-id=-1`; its --stats line gives the prefill ms (the
          whole prompt in one call) and the median ms of the N - 1 one-token
          decode calls (each call includes copying the token in and the
          logits back, and the host's argmax)
  - transformers eager and sdpa: a DynamicCache and a greedy loop: one forward
          over the prompt with logits_to_keep=1, then N - 1 one-token forwards,
          each timed alone with torch.cuda.synchronize(); median ms, after a
          4-token warm-up generation at the same context
  - transformers under torch.compile (--torch-compile C1,C2: at those contexts,
          since each compiles for a minute or more): a StaticCache and
          torch.compile(mode="reduce-overhead", fullgraph=True) of the forward
          (CUDA graphs), warmed up with one generation first
Roofline: the bytes one decode step must read (every weight once, except the
embedding table of which it reads one row, plus the K and V caches of C
positions) over the measured device-to-device copy bandwidth (a 2 GiB
tensor's copy_, read + written bytes over time). ratio = roofline ms / ms
(1.0 is the bandwidth limit). Prefill is compared with the measured cuBLAS
bf16 GEMM peak (torch.matmul of 2048x4096 by 4096x14336): prefill TFLOP/s
count only the linears' 2 * parameters * tokens. Nothing is asserted;
the greedy ids of tmc and transformers eager are compared and reported
(random bf16 weights give nearly flat logits, so they may part early).
"""

import argparse
import json
import os
import re
import shlex
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

BENCH = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH)
CONFIG = os.path.join(ROOT, "models", "llama", "configs", "llama-3-8b.json")


def build_model(config_path, device, seed):
    import torch
    import transformers
    config = transformers.AutoConfig.from_pretrained(os.path.dirname(config_path)
                                                     if os.path.isdir(config_path) else config_path)
    torch.manual_seed(seed)
    with torch.device(device):
        model = transformers.AutoModelForCausalLM.from_config(config, dtype=torch.bfloat16)
    return model.eval()


def copy_bandwidth(device):
    import torch
    src = torch.empty(1 << 30, dtype=torch.bfloat16, device=device)
    dst = torch.empty_like(src)
    for _ in range(3):
        dst.copy_(src)
    torch.cuda.synchronize()
    start, rounds = time.perf_counter(), 20
    for _ in range(rounds):
        dst.copy_(src)
    torch.cuda.synchronize()
    return 2 * src.numel() * src.element_size() * rounds / (time.perf_counter() - start)


def gemm_peak(device):
    import torch
    a = torch.randn(2048, 4096, dtype=torch.bfloat16, device=device)
    b = torch.randn(4096, 14336, dtype=torch.bfloat16, device=device)
    for _ in range(5):
        a @ b
    torch.cuda.synchronize()
    start, rounds = time.perf_counter(), 50
    for _ in range(rounds):
        a @ b
    torch.cuda.synchronize()
    return 2 * 2048 * 4096 * 14336 * rounds / (time.perf_counter() - start)


def step_bytes(model, context):
    config = model.config
    weights = sum(p.numel() * p.element_size() for p in model.parameters())
    embed = model.get_input_embeddings().weight
    weights -= embed.numel() * embed.element_size() - embed.shape[1] * embed.element_size()
    if config.tie_word_embeddings:
        weights += embed.numel() * embed.element_size()
    head_dim = getattr(config, "head_dim", None) or config.hidden_size // config.num_attention_heads
    cache = 2 * config.num_hidden_layers * config.num_key_value_heads * head_dim * context * 2
    return weights + cache


def linear_params(model):
    embed = model.get_input_embeddings().weight
    return sum(p.numel() for p in model.parameters() if p.dim() == 2 and p is not embed)


def sync(device):
    import torch
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def hf_decode(model, ids, new_tokens, attn, device):
    import torch
    from transformers import DynamicCache
    model.set_attn_implementation(attn)
    with torch.inference_mode():
        cache = DynamicCache(config=model.config)
        sync(device)
        start = time.perf_counter()
        out = model(input_ids=ids, past_key_values=cache, use_cache=True, logits_to_keep=1)
        token = out.logits[:, -1].argmax(-1, keepdim=True)
        sync(device)
        prefill = (time.perf_counter() - start) * 1e3
        tokens, steps = [int(token)], []
        for _ in range(new_tokens - 1):
            start = time.perf_counter()
            out = model(input_ids=token, past_key_values=cache, use_cache=True)
            token = out.logits[:, -1].argmax(-1, keepdim=True)
            sync(device)
            steps.append((time.perf_counter() - start) * 1e3)
            tokens.append(int(token))
    return prefill, statistics.median(steps), tokens


def hf_compiled_decode(model, ids, new_tokens, device):
    import torch
    from transformers import StaticCache
    model.set_attn_implementation("sdpa")
    context = ids.shape[1]
    forward = torch.compile(model.forward, mode="reduce-overhead", fullgraph=True)

    def run():
        cache = StaticCache(config=model.config, max_cache_len=context + new_tokens)
        with torch.inference_mode():
            sync(device)
            start = time.perf_counter()
            out = model(input_ids=ids, past_key_values=cache, use_cache=True, logits_to_keep=1,
                        cache_position=torch.arange(context, device=device))
            token = out.logits[:, -1].argmax(-1, keepdim=True)
            sync(device)
            prefill = (time.perf_counter() - start) * 1e3
            tokens, steps = [int(token)], []
            for i in range(new_tokens - 1):
                start = time.perf_counter()
                out = forward(input_ids=token, past_key_values=cache, use_cache=True,
                              cache_position=torch.tensor([context + i], device=device))
                token = out.logits[:, -1].argmax(-1, keepdim=True).clone()
                sync(device)
                steps.append((time.perf_counter() - start) * 1e3)
                tokens.append(int(token))
        return prefill, statistics.median(steps), tokens

    start = time.perf_counter()
    run()  # compiles and records the CUDA graphs
    compile_s = time.perf_counter() - start
    prefill, step, tokens = run()
    return prefill, step, tokens, compile_s


def tmc_decode(runner, artifact, checkpoint, ids_path, new_tokens):
    weights = ["--random-weights"] if checkpoint is None else ["--weights", checkpoint]
    cmd = runner + [artifact] + weights + ["--input-ids", "@" + ids_path,
                    "--max-new-tokens", str(new_tokens), "--stats", "--eos-id=-1"]
    start = time.perf_counter()
    try:
        result = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    except subprocess.TimeoutExpired:
        raise RuntimeError("tmc-run timed out after 600 s")
    wall = time.perf_counter() - start
    if result.returncode != 0:
        raise RuntimeError("tmc-run failed: " + result.stderr.strip()[-2000:])
    line = re.search(r"prefill (\d+) tokens in ([\d.]+) ms.*median ([\d.]+) ms/step", result.stderr)
    if not line:
        raise RuntimeError("no --stats line in: " + result.stderr[-2000:])
    tokens = [int(t) for t in result.stdout.strip().splitlines()[0].split(",")]
    return float(line.group(2)), float(line.group(3)), tokens, wall


def same_prefix(a, b):
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return n


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bundle", required=True, help="the unpacked gpu-bundle directory")
    parser.add_argument("--runner", required=True, help="the command that runs tmc-run (a shell word list)")
    parser.add_argument("--contexts", default="128,2048,4096")
    parser.add_argument("--new-tokens", type=int, default=32)
    parser.add_argument("--torch-compile", default="", metavar="CONTEXTS",
                        help="also time transformers under torch.compile at these contexts (each compiles anew)")
    parser.add_argument("--config", default=CONFIG, help="the model config (default: Llama-3-8B's shape)")
    parser.add_argument("--work", help="where the checkpoint goes (default: a temporary directory)")
    parser.add_argument("--random-weights", action="store_true",
                        help="tmc draws its own weights (tmc-run --random-weights): no checkpoint is "
                             "written, and tmc's ids are not compared with transformers'")
    parser.add_argument("--device", default="cuda")
    args = parser.parse_args()

    import torch
    import transformers
    runner = shlex.split(args.runner)
    bench_dir = os.path.join(args.bundle, "bench")
    artifacts = sorted(d for d in os.listdir(bench_dir) if os.path.isdir(os.path.join(bench_dir, d)))
    work = args.work or tempfile.mkdtemp(prefix="gpu_decode.")
    contexts = [int(c) for c in args.contexts.split(",")]
    gpu = torch.cuda.get_device_name() if args.device.startswith("cuda") else "cpu"
    print("device: %s; torch %s, transformers %s; tmc artifacts: %s" % (
        gpu, torch.__version__, transformers.__version__, ", ".join(artifacts)), flush=True)

    start = time.perf_counter()
    model = build_model(args.config, args.device, seed=0)
    checkpoint = None
    if not args.random_weights:
        checkpoint = os.path.join(work, "checkpoint")
        model.save_pretrained(checkpoint)
        print("checkpoint: %.1f GB of bf16 weights written in %.1f s" % (
            sum(p.numel() * 2 for p in model.parameters()) / 1e9, time.perf_counter() - start), flush=True)
    bandwidth = copy_bandwidth(args.device) if args.device.startswith("cuda") else None
    peak = gemm_peak(args.device) if args.device.startswith("cuda") else None
    if bandwidth:
        print("device-to-device copy: %.0f GB/s; bf16 GEMM 2048x4096x14336: %.0f TFLOP/s" % (
            bandwidth / 1e9, peak / 1e12), flush=True)

    rows = []
    rng = np.random.RandomState(0)
    for context in contexts:
        ids = rng.randint(0, model.config.vocab_size, (1, context)).astype(np.int64)
        ids_path = os.path.join(work, "ids-%d.npy" % context)
        np.save(ids_path, ids)
        ids_t = torch.from_numpy(ids).to(args.device)
        roofline = step_bytes(model, context) / bandwidth * 1e3 if bandwidth else None
        reference = None
        for attn in ("eager", "sdpa"):
            try:
                # The first calls of an implementation at a shape pay its setup.
                hf_decode(model, ids_t, 4, attn, args.device)
                prefill, step, tokens = hf_decode(model, ids_t, args.new_tokens, attn, args.device)
            except torch.OutOfMemoryError as error:
                rows.append((context, "transformers " + attn, None, None, None, "out of memory: %s" % error))
                torch.cuda.empty_cache()
                continue
            reference = reference or tokens
            rows.append((context, "transformers " + attn, prefill, step, roofline, ""))
            print(rows[-1], flush=True)
        if str(context) in args.torch_compile.split(","):
            try:
                prefill, step, tokens, compile_s = hf_compiled_decode(model, ids_t, args.new_tokens, args.device)
                rows.append((context, "transformers torch.compile", prefill, step, roofline,
                             "compiled in %.0f s" % compile_s))
            except Exception as error:  # a failed compile is a row, not the end of the table
                rows.append((context, "transformers torch.compile", None, None, None,
                             "failed: %s" % str(error).splitlines()[0][:120]))
            print(rows[-1], flush=True)
        for artifact in artifacts:
            try:
                prefill, step, tokens, wall = tmc_decode(runner, os.path.join(bench_dir, artifact), checkpoint,
                                                         ids_path, args.new_tokens)
            except RuntimeError as error:
                rows.append((context, "tmc " + artifact, None, None, None, str(error).splitlines()[-1][:200]))
                print(rows[-1], flush=True)
                continue
            note = "%.0f s in all" % wall
            if reference and checkpoint:
                note += "; ids equal to eager's for %d of %d" % (same_prefix(tokens, reference), len(reference))
            rows.append((context, "tmc " + artifact, prefill, step, roofline, note))
            print(rows[-1], flush=True)

    params = linear_params(model)
    print()
    print("Batch-1 bf16 decode of %s (%s), %d new tokens; roofline = bytes read per step / %s" % (
        os.path.basename(args.config), gpu, args.new_tokens,
        "%.0f GB/s" % (bandwidth / 1e9) if bandwidth else "-"))
    print("| context | row | prefill tok/s | prefill / GEMM peak | decode ms/token | tokens/s | "
          "roofline ms | of roofline | notes |")
    print("|---:|---|---:|---:|---:|---:|---:|---:|---|")
    for context, name, prefill, step, roofline, note in rows:
        if prefill is None:
            print("| %d | %s | - | - | - | - | - | - | %s |" % (context, name, note))
            continue
        tps = context / prefill * 1e3
        share = "%.2f" % (2 * params * tps / peak) if peak else "-"
        print("| %d | %s | %.0f | %s | %.2f | %.1f | %s | %s | %s |" % (
            context, name, tps, share, step, 1e3 / step,
            "%.2f" % roofline if roofline else "-", "%.2f" % (roofline / step) if roofline else "-", note))
    return 0


if __name__ == "__main__":
    sys.exit(main())
