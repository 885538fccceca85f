#!/usr/bin/env python3
"""Decode latency with a KV cache: tmc compiled CPU code vs transformers.

bench/prefill.py's ~125M-parameter Llama (hidden 768, 12 layers, 12 heads / 4
kv heads, head_dim 64, intermediate 2048, vocab 32000, untied lm_head, fp32;
max_position_embeddings raised to fit the longest context, which changes no
weight) with the project's fixed-seed random weights
(scripts/reference/make_hf_checkpoint.py, a transformers `save_pretrained`
checkpoint) generates --new-tokens greedy tokens after a prompt of `context`
random ids (seed 0), batch 1, for each of --contexts, as:
  - tmc compiled:  `tmc compile CHECKPOINT --max-seq-len M -o ART` (M = context +
                   new tokens, rounded up to 64), then `tmc run ART --weights
                   CHECKPOINT --input-ids @ids.npy --max-new-tokens N --stats
                   --eos-id=-1`; tmc's --stats line gives the prefill ms (the
                   decode entry on the whole prompt) and the median ms of the
                   N - 1 single-token decode calls
  - transformers:  LlamaForCausalLM with attn_implementation eager (the reference
                   row) and sdpa, torch.inference_mode, a DynamicCache, and a
                   manual greedy loop: one forward over the prompt (prefill,
                   logits of the last position only, as generate() does), then
                   N - 1 single-token forwards, each timed alone; median ms.
                   One short generation per model first warms it up (the first
                   calls of a model pay one-time setup)
eos is disabled on both sides (tmc's --eos-id=-1; the loop never stops), so
every row makes exactly N - 1 decode steps. The first new token comes from the
prefill on both sides. Each row's greedy ids are compared with transformers
eager's: they must be equal (a mismatch is reported, not asserted).

Every row uses the same thread count (torch.set_num_threads,
OMP/OPENBLAS/MKL_NUM_THREADS). The set is measured --rounds times, interleaved;
the table gives the median over rounds of each row's median and the min-max
across rounds. ratio = transformers ms / tmc ms (> 1: tmc is faster). Nothing
about time is asserted.

    bench/decode.py [--contexts 128,2048] [--new-tokens 32] [--threads 2]
                    [--rounds 3] [--no-sdpa] [--keep DIR]

The helpers above main() are shared: bench/attention_memory.py,
bench/tensor_parallel.py and bench/smollm2.py import this module.
"""

import argparse
import inspect
import json
import os
import re
import shutil
import statistics
import sys
import tempfile
import time

BENCH = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH)


def import_prefill(threads):
    """bench/prefill.py as a module (CONFIG, tmc_binary, run, load_avg).

    prefill.py parses its command line when imported and sets the thread
    variables from it, then imports torch; it is given only --threads."""
    argv = sys.argv
    sys.path.insert(0, BENCH)
    sys.argv = [os.path.join(BENCH, "prefill.py"), "--threads", str(threads)]
    try:
        import prefill
    finally:
        sys.argv = argv
    return prefill


def make_checkpoint(prefill, config, directory):
    """A save_pretrained checkpoint of `config` (seed 0) in `directory`, made
    as prefill.py makes it; reused when it is there with the same config.
    Returns its parameter count."""
    config_path = directory + "-config.json"
    weights = os.path.join(directory, "model.safetensors")
    same = False
    if os.path.exists(config_path):
        with open(config_path) as f:
            same = json.load(f) == config
    if not (same and os.path.exists(weights)):
        with open(config_path, "w") as f:
            json.dump(config, f, indent=2)
        prefill.run([sys.executable, os.path.join(ROOT, "scripts/reference/make_hf_checkpoint.py"),
                     os.path.join(ROOT, "models/llama"), "-o", directory, "--config", config_path,
                     "--no-generate", "--seed", "0"])
    import numpy as np
    from safetensors import safe_open
    with safe_open(weights, "np") as f:
        return sum(int(np.prod(f.get_slice(k).get_shape())) for k in f.keys())


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--contexts", default="128,2048", help="prompt lengths, comma separated")
    p.add_argument("--new-tokens", type=int, default=32, help="greedy tokens per generation")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--rounds", type=int, default=3, help="interleaved rounds of every row")
    p.add_argument("--no-sdpa", action="store_true", help="skip the transformers sdpa rows")
    p.add_argument("--keep", help="keep the checkpoint, ids and artifacts in this directory")
    return p.parse_args()


def tmc_generate(P, artifact, checkpoint, ids_path, new_tokens):
    """(prefill ms, median decode ms/step, greedy ids) from `tmc run --stats`."""
    result = P.run([P.tmc_binary(), "run", artifact, "--weights", checkpoint,
                    "--input-ids", "@" + ids_path, "--max-new-tokens", str(new_tokens),
                    "--stats", "--eos-id=-1"])
    stats = re.search(r"prefill \d+ tokens in ([0-9.]+) ms.*, (\d+) decode steps, "
                      r"median ([0-9.]+) ms/step", result.stderr)
    if not stats:
        sys.exit(f"no --stats line in tmc run's stderr:\n{result.stderr}")
    ids = [int(t) for t in result.stdout.strip().split(",")]
    return float(stats.group(1)), float(stats.group(3)), ids


def hf_generate(model, ids, new_tokens):
    """(prefill ms, median decode ms/step, greedy ids): transformers' KV cache,
    a manual greedy loop, each forward timed alone (the argmax is not)."""
    import torch
    from transformers import DynamicCache

    params = inspect.signature(model.forward).parameters
    cache_arg = "cache" if "cache" in params else "past_key_values"  # renamed in transformers 5
    try:
        cache = DynamicCache(config=model.config)
    except TypeError:
        cache = DynamicCache()
    steps = []
    with torch.inference_mode():
        start = time.perf_counter()
        out = model(input_ids=ids, use_cache=True, logits_to_keep=1, **{cache_arg: cache})
        prefill_ms = (time.perf_counter() - start) * 1e3
        token = out.logits[:, -1].argmax(-1, keepdim=True)
        tokens = [int(token)]
        for _ in range(new_tokens - 1):
            start = time.perf_counter()
            out = model(input_ids=token, use_cache=True, **{cache_arg: cache})
            steps.append((time.perf_counter() - start) * 1e3)
            token = out.logits[:, -1].argmax(-1, keepdim=True)
            tokens.append(int(token))
    return prefill_ms, statistics.median(steps), tokens


def first_mismatch(ids, reference):
    """The first step where two id lists differ, or None when they are equal."""
    return next((i for i, (a, b) in enumerate(zip(ids, reference)) if a != b),
                None if len(ids) == len(reference) else min(len(ids), len(reference)))


def main():
    A = parse_args()
    if A.new_tokens < 2:
        sys.exit("--new-tokens must be at least 2 (the first token comes from the prefill)")
    P = import_prefill(A.threads)  # sets the thread variables before torch is imported
    import numpy as np
    import torch
    import transformers
    from transformers import AutoModelForCausalLM

    torch.set_num_threads(A.threads)
    transformers.utils.logging.disable_progress_bar()
    transformers.utils.logging.set_verbosity_error()
    contexts = [int(c) for c in A.contexts.split(",")]
    N = A.new_tokens
    work = A.keep or tempfile.mkdtemp(prefix="tmc-decode-")
    os.makedirs(work, exist_ok=True)
    try:
        longest = max(contexts) + N
        config = dict(P.CONFIG, max_position_embeddings=max(P.CONFIG["max_position_embeddings"],
                                                            -(-longest // 1024) * 1024))
        checkpoint = os.path.join(work, "checkpoint")
        params = make_checkpoint(P, config, checkpoint)

        ids, ids_path, artifacts, compile_s = {}, {}, {}, {}
        for ctx in contexts:
            ids[ctx] = torch.randint(3, config["vocab_size"], (1, ctx),  # no pad/bos/eos
                                     generator=torch.Generator().manual_seed(0), dtype=torch.int64)
            ids_path[ctx] = os.path.join(work, f"ids-{ctx}.npy")
            np.save(ids_path[ctx], ids[ctx].numpy())
            max_seq_len = -(-(ctx + N) // 64) * 64
            artifacts[ctx] = os.path.join(work, f"artifact-{max_seq_len}")
            start = time.perf_counter()
            P.run([P.tmc_binary(), "compile", checkpoint, "--max-seq-len", str(max_seq_len),
                   "-o", artifacts[ctx]])
            compile_s[max_seq_len] = time.perf_counter() - start

        attns = ["eager"] + ([] if A.no_sdpa else ["sdpa"])
        models = {attn: AutoModelForCausalLM.from_pretrained(
            checkpoint, attn_implementation=attn, dtype=torch.float32).eval() for attn in attns}
        for model in models.values():  # warm-up
            hf_generate(model, ids[contexts[0]][:, :16], 4)
        rows = [("tmc", lambda ctx: tmc_generate(P, artifacts[ctx], checkpoint, ids_path[ctx], N))]
        rows += [(f"transformers {attn}", lambda ctx, m=models[attn]: hf_generate(m, ids[ctx], N))
                 for attn in attns]

        # results[ctx][row] = [(prefill ms, step ms, ids) per round]
        results = {ctx: {name: [] for name, _ in rows} for ctx in contexts}
        loads = [P.load_avg()]
        started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
        for _ in range(A.rounds):
            for ctx in contexts:
                for name, fn in rows:
                    results[ctx][name].append(fn(ctx))
                    prefill_ms, step_ms, _ = results[ctx][name][-1]
                    print(f"  {name} at {ctx}: prefill {prefill_ms:.0f} ms, "
                          f"{step_ms:.1f} ms/token, load {P.load_avg():.1f}",
                          file=sys.stderr, flush=True)
            loads.append(P.load_avg())

        print(f"Llama hidden {config['hidden_size']}, {config['num_hidden_layers']} layers, "
              f"{config['num_attention_heads']}/{config['num_key_value_heads']} heads (head_dim "
              f"{config['head_dim']}), intermediate {config['intermediate_size']}, vocab "
              f"{config['vocab_size']}, untied: {params:,} parameters, fp32")
        print(f"batch 1, greedy, {N} new tokens ({N - 1} timed single-token decode steps), "
              f"{A.threads} threads; {A.rounds} interleaved rounds from {started}, load average "
              f"{min(loads):.1f}-{max(loads):.1f} (1 min); torch {torch.__version__}, "
              f"transformers {transformers.__version__}")

        def cell(ctx, name, field):
            """'median (min-max)' over rounds, and the median."""
            values = [r[field] for r in results[ctx][name]]
            m = statistics.median(values)
            digits = 1 if field == 1 else 0
            return f"{m:.{digits}f} ({min(values):.{digits}f}-{max(values):.{digits}f})", m

        def verdict(ctx, name):
            reference = results[ctx]["transformers eager"][0][2]
            bad = [first_mismatch(r[2], reference) for r in results[ctx][name]]
            if all(b is None for b in bad):
                return "equal"
            return "MISMATCH at step " + "/".join("-" if b is None else str(b) for b in bad)

        torch_rows = [name for name, _ in rows[1:]]
        for title, field in (("decode ms/token", 1), ("prefill ms", 0)):
            print(f"\n{title}, median (min-max) over rounds; ratio = transformers / tmc, "
                  f"> 1: tmc is faster")
            head = f"{'context':>7} {'tmc':>20}"
            for name in torch_rows:
                head += f" {name:>24} {'ratio':>6}"
            print(head)
            for ctx in contexts:
                text, tmc_ms = cell(ctx, "tmc", field)
                line = f"{ctx:7} {text:>20}"
                for name in torch_rows:
                    text, ms = cell(ctx, name, field)
                    line += f" {text:>24} {ms / tmc_ms:5.2f}x"
                print(line)

        print(f"\ngreedy ids ({N} tokens) against transformers eager's, every round:")
        for ctx in contexts:
            print(f"  context {ctx}: " + ", ".join(f"{name} {verdict(ctx, name)}"
                                                   for name, _ in rows
                                                   if name != "transformers eager"))
            print(f"    {','.join(map(str, results[ctx]['transformers eager'][0][2]))}")
        print("\n" + "\n".join(f"tmc compile --max-seq-len {m} (forward + decode entries): "
                               f"{s:.1f} s" for m, s in compile_s.items()))
    finally:
        if not A.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
