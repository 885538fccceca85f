#!/usr/bin/env python3
"""Prefill throughput: tmc compiled CPU code vs PyTorch eager vs torch.compile.

A ~125M-parameter Llama (hidden 768, 12 layers, 12 heads / 4 kv heads (GQA),
head_dim 64, intermediate 2048, vocab 32000, untied lm_head, fp32) with the
project's fixed-seed random weights (scripts/reference/make_hf_checkpoint.py,
a transformers `save_pretrained` checkpoint) runs one forward over 1 x 512
tokens (full logits, no KV cache), on the same weights and ids, as:
  - tmc compiled:   `tmc compile CHECKPOINT --attn-implementation eager|sdpa`, then
                    `tmc run --weights CHECKPOINT --input-ids @ids.npy --repeat R --stats`
                    (median of R runs as tmc reports it; the first run is one of them)
  - PyTorch eager:  transformers LlamaForCausalLM, torch.no_grad, use_cache=False,
                    attn_implementation eager (the reference row) and sdpa
  - torch.compile:  the same eager-attention model under torch.compile (inductor);
                    its first call (compilation) is reported separately, not timed
PyTorch rows: one warm-up call, then the median of R calls. Every row uses the
same thread count (torch.set_num_threads, OMP/OPENBLAS/MKL_NUM_THREADS). The
whole set is measured --rounds times, interleaved, to see the noise of a shared
machine: the table gives the median over rounds of each row's median, and the
min-max across rounds. Ratios are tokens/s against PyTorch eager (eager attention).
tmc's logits are compared with PyTorch's (max abs difference) so the rows are
known to compute the same thing.

    bench/prefill.py [--threads 2] [--repeat 5] [--rounds 3] [--tokens 512]
                     [--compile-attn eager[,sdpa]] [--no-compile] [--keep DIR]
"""

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

CONFIG = {
    "architectures": ["LlamaForCausalLM"],
    "model_type": "llama",
    "vocab_size": 32000,
    "hidden_size": 768,
    "intermediate_size": 2048,
    "num_hidden_layers": 12,
    "num_attention_heads": 12,
    "num_key_value_heads": 4,
    "head_dim": 64,
    "hidden_act": "silu",
    "max_position_embeddings": 2048,
    "rms_norm_eps": 1e-06,
    "rope_theta": 10000.0,
    "attention_bias": False,
    "mlp_bias": False,
    "tie_word_embeddings": False,
    "bos_token_id": 1,
    "eos_token_id": 2,
    "pad_token_id": 0,
}


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--repeat", type=int, default=5, help="timed forwards per row and round")
    p.add_argument("--rounds", type=int, default=3, help="interleaved rounds of every row")
    p.add_argument("--tokens", type=int, default=512)
    p.add_argument("--layers", type=int, default=CONFIG["num_hidden_layers"])
    p.add_argument("--compile-attn", default="eager",
                   help="attention implementations to run under torch.compile (eager,sdpa)")
    p.add_argument("--no-compile", action="store_true", help="skip torch.compile")
    p.add_argument("--keep", help="keep the checkpoint, ids and artifacts in this directory")
    return p.parse_args()


A = parse_args()
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = str(A.threads)

import numpy as np  # noqa: E402
import torch  # noqa: E402


def tmc_binary():
    return os.path.join(os.environ.get("TMC_BUILD_DIR", os.path.join(ROOT, "build")), "bin", "tmc")


def run(cmd):
    result = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    if result.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed:\n{result.stdout}{result.stderr}")
    return result


def tmc_ms(artifact, checkpoint, ids_path, logits_path):
    result = run([tmc_binary(), "run", artifact, "--weights", checkpoint, "--input-ids", "@" + ids_path,
                  "--repeat", str(A.repeat), "--stats", "--output", logits_path])
    return float(re.search(r"median ([0-9.]+) ms", result.stderr).group(1))


def torch_ms(model, ids):
    times = []
    with torch.no_grad():
        for i in range(A.repeat + 1):
            start = time.perf_counter()
            model(input_ids=ids, use_cache=False)
            if i:  # the first call warms up
                times.append((time.perf_counter() - start) * 1e3)
    return statistics.median(times)


def load_avg():
    return os.getloadavg()[0]


def main():
    torch.set_num_threads(A.threads)
    import transformers
    from transformers import AutoModelForCausalLM

    transformers.utils.logging.disable_progress_bar()
    work = A.keep or tempfile.mkdtemp(prefix="tmc-prefill-")
    os.makedirs(work, exist_ok=True)
    try:
        config = dict(CONFIG, num_hidden_layers=A.layers)
        config_path = os.path.join(work, "config-in.json")
        with open(config_path, "w") as f:
            json.dump(config, f, indent=2)
        checkpoint = os.path.join(work, "checkpoint")
        if not os.path.exists(os.path.join(checkpoint, "model.safetensors")):
            run([sys.executable, os.path.join(ROOT, "scripts/reference/make_hf_checkpoint.py"),
                 os.path.join(ROOT, "models/llama"), "-o", checkpoint, "--config", config_path,
                 "--no-generate", "--seed", "0"])
        from safetensors import safe_open
        with safe_open(os.path.join(checkpoint, "model.safetensors"), "pt") as f:
            params = sum(int(np.prod(f.get_slice(k).get_shape())) for k in f.keys())

        ids = torch.randint(0, config["vocab_size"], (1, A.tokens),
                            generator=torch.Generator().manual_seed(0), dtype=torch.int64)
        ids_path = os.path.join(work, "ids.npy")
        np.save(ids_path, ids.numpy())

        artifacts, compile_s = {}, {}
        for attn in ("eager", "sdpa"):
            artifacts[attn] = os.path.join(work, f"artifact-{attn}")
            start = time.perf_counter()
            run([tmc_binary(), "compile", checkpoint, "--attn-implementation", attn,
                 "-o", artifacts[attn]])
            compile_s[attn] = time.perf_counter() - start

        models = {attn: AutoModelForCausalLM.from_pretrained(
            checkpoint, attn_implementation=attn, dtype=torch.float32).eval()
            for attn in ("eager", "sdpa")}
        with torch.no_grad():
            reference = models["eager"](input_ids=ids, use_cache=False).logits[0].numpy()

        compiled, warmup_s = {}, {}
        if not A.no_compile:
            for attn in A.compile_attn.split(","):
                compiled[attn] = torch.compile(models[attn])
                start = time.perf_counter()
                with torch.no_grad():
                    compiled[attn](input_ids=ids, use_cache=False)
                warmup_s[attn] = time.perf_counter() - start

        rows = [("PyTorch eager, attn eager", lambda: torch_ms(models["eager"], ids)),
                ("PyTorch eager, attn sdpa", lambda: torch_ms(models["sdpa"], ids))]
        for attn, model in compiled.items():
            rows.append((f"torch.compile, attn {attn}", lambda m=model: torch_ms(m, ids)))
        max_diff = {}
        for attn in ("eager", "sdpa"):
            logits_path = os.path.join(work, f"logits-{attn}.npy")

            def measure(attn=attn, logits_path=logits_path):
                ms = tmc_ms(artifacts[attn], checkpoint, ids_path, logits_path)
                max_diff[attn] = float(np.abs(np.load(logits_path)[0] - reference).max())
                return ms
            rows.append((f"tmc compiled, attn {attn}", measure))

        results = {name: [] for name, _ in rows}
        loads = []
        for _ in range(A.rounds):
            loads.append(load_avg())
            for name, fn in rows:
                results[name].append(fn())
        loads.append(load_avg())

        print(f"Llama hidden {config['hidden_size']}, {config['num_hidden_layers']} layers, "
              f"{config['num_attention_heads']}/{config['num_key_value_heads']} heads (head_dim "
              f"{config['head_dim']}), intermediate {config['intermediate_size']}, vocab "
              f"{config['vocab_size']}, untied: {params:,} parameters, fp32")
        print(f"prefill 1 x {A.tokens} tokens, full logits, {A.threads} threads; median of "
              f"{A.repeat} per round, {A.rounds} rounds; load average {min(loads):.1f}-"
              f"{max(loads):.1f} during the rounds; torch {torch.__version__}, transformers "
              f"{transformers.__version__}")
        base = statistics.median(results["PyTorch eager, attn eager"])
        print(f"\n{'':28} {'median ms':>10} {'min-max ms':>15} {'tokens/s':>9} {'vs eager':>9}")
        for name, _ in rows:
            ms = statistics.median(results[name])
            spread = f"{min(results[name]):.0f}-{max(results[name]):.0f}"
            print(f"{name:28} {ms:10.1f} {spread:>15} {A.tokens / ms * 1e3:9.1f} {base / ms:8.2f}x")
        notes = [f"tmc compile {attn}: {s:.1f} s" for attn, s in compile_s.items()]
        notes += [f"torch.compile warm-up (attn {attn}, first call): {s:.1f} s"
                  for attn, s in warmup_s.items()]
        notes += [f"tmc attn {attn} logits vs PyTorch eager: max abs diff {d:.1e}"
                  for attn, d in max_diff.items()]
        print("\n" + "\n".join(notes))
    finally:
        if not A.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
