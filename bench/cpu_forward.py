#!/usr/bin/env python3
"""CPU prefill benchmark: tmc compiled code vs the LibTorch executor vs PyTorch eager.

A Llama decoder (default hidden 1024, 8 layers, 16/8 heads, intermediate 2816,
vocab 32000, ~170M parameters) runs one forward over 1 x 128 tokens with the
same random weights in three ways:
  - tmc compiled:  `tmc compile` + `tmc run --stats` (OpenBLAS sgemm, loops elsewhere)
  - tmc LibTorch:  `tmc run --backend torch`, the reference executor, op by op
  - PyTorch eager: transformers' LlamaForCausalLM (eager attention, fp32)
all with the same number of threads. A second table compares the two GEMM
lowerings (`--gemm blas` and `--gemm loops`) on one linear layer. Medians of
--repeat runs after one warm-up; ratios are against PyTorch eager.

    bench/cpu_forward.py [--threads 2] [--repeat 5] [--tokens 128]
"""

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

import torch
from safetensors.torch import load_file

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "bench"))
import llama_graph  # noqa: E402


def tmc_binary():
    return os.path.join(os.environ.get("TMC_BUILD_DIR", os.path.join(ROOT, "build")), "bin", "tmc")


def run_tmc(args, env):
    result = subprocess.run([tmc_binary()] + args, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"tmc {' '.join(args)} failed:\n{result.stderr}")
    return result


def tmc_median_ms(artifact, weights, ids, repeat, env, backend="compiled"):
    result = run_tmc(["run", artifact, "--weights", weights, "--input-ids", ids,
                      "--backend", backend, "--repeat", str(repeat + 1), "--stats"], env)
    return float(re.search(r"median ([0-9.]+) ms", result.stderr).group(1))


def torch_eager_ms(config, weights, tokens, repeat):
    from transformers import LlamaConfig, LlamaForCausalLM

    model = LlamaForCausalLM(LlamaConfig(**config, attn_implementation="eager")).eval()
    model.load_state_dict(load_file(weights), strict=True)
    ids = torch.randint(0, config["vocab_size"], (1, tokens))
    times = []
    with torch.no_grad():
        for i in range(repeat + 1):
            start = time.perf_counter()
            model(input_ids=ids, use_cache=False)
            if i:  # the first run warms up
                times.append((time.perf_counter() - start) * 1e3)
    return statistics.median(times)


def table(title, rows, reference):
    print(f"\n{title}")
    print(f"{'':32} {'median ms':>10} {'tokens/s':>10} {'vs ' + reference:>16}")
    base = dict(rows)[reference]
    for name, ms in rows:
        print(f"{name:32} {ms:10.2f} {TOKENS / ms * 1e3:10.1f} {base / ms:15.2f}x")


def main():
    global TOKENS
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--tokens", type=int, default=128)
    llama_graph.add_model_arguments(p)
    a = p.parse_args()
    TOKENS = a.tokens
    torch.set_num_threads(a.threads)
    env = dict(os.environ, OPENBLAS_NUM_THREADS=str(a.threads), OMP_NUM_THREADS=str(a.threads))

    with tempfile.TemporaryDirectory(prefix="tmc-bench-") as work:
        graph = os.path.join(work, "llama.mlir")
        with open(graph, "w") as f:
            f.write(llama_graph.graph(a))
        weights = os.path.join(work, "model.safetensors")
        run_tmc(["init-weights", graph, "--seed", "0", "-o", weights], env)
        start = time.perf_counter()
        run_tmc(["compile", graph, "-o", os.path.join(work, "artifact")], env)
        compile_s = time.perf_counter() - start

        ids = ",".join(str(i % a.vocab) for i in range(a.tokens))
        artifact = os.path.join(work, "artifact")
        config = dict(vocab_size=a.vocab, hidden_size=a.hidden, intermediate_size=a.intermediate,
                      num_hidden_layers=a.layers, num_attention_heads=a.heads,
                      num_key_value_heads=a.kv_heads, rms_norm_eps=a.eps, rope_theta=a.rope_theta,
                      tie_word_embeddings=False, max_position_embeddings=max(2048, a.tokens))
        params = sum(t.numel() for t in load_file(weights).values())
        print(f"Llama hidden {a.hidden}, {a.layers} layers, {a.heads}/{a.kv_heads} heads, "
              f"{params / 1e6:.0f}M parameters; forward over 1 x {a.tokens} tokens; "
              f"{a.threads} threads; tmc compile {compile_s:.1f} s")
        table("Prefill (fp32)", [
            ("PyTorch eager (transformers)", torch_eager_ms(config, weights, a.tokens, a.repeat)),
            ("tmc compiled", tmc_median_ms(artifact, weights, ids, a.repeat, env)),
            ("tmc LibTorch executor", tmc_median_ms(artifact, weights, ids, a.repeat, env, "torch")),
        ], "PyTorch eager (transformers)")

        # One linear layer [tokens, hidden] x [4 hidden, hidden]^T, both GEMM lowerings.
        linear = os.path.join(work, "linear.mlir")
        out = 4 * a.hidden
        with open(linear, "w") as f:
            f.write(f'tmc.param @"w" : tensor<{out}x{a.hidden}xf32>\n'
                    f"func.func @forward(%ids: tensor<?x?xi64>) -> tensor<?x?x{out}xf32> {{\n"
                    f'  %t = tmc.get_param @"w" : tensor<{out}x{a.hidden}xf32>\n'
                    f"  %x = tmc.embedding %ids, %t : (tensor<?x?xi64>, tensor<{out}x{a.hidden}xf32>)"
                    f" -> tensor<?x?x{a.hidden}xf32>\n"
                    f"  %y = tmc.linear %x, %t : (tensor<?x?x{a.hidden}xf32>, tensor<{out}x{a.hidden}xf32>)"
                    f" -> tensor<?x?x{out}xf32>\n"
                    f"  return %y : tensor<?x?x{out}xf32>\n}}\n")
        linear_weights = os.path.join(work, "linear.safetensors")
        run_tmc(["init-weights", linear, "-o", linear_weights], env)
        rows = []
        for gemm in ("blas", "loops"):
            art = os.path.join(work, f"linear-{gemm}")
            run_tmc(["compile", linear, "--gemm", gemm, "-o", art], env)
            rows.append((f"tmc --gemm {gemm}", tmc_median_ms(art, linear_weights, ids, a.repeat, env)))
        w = load_file(linear_weights)["w"]
        x = w[torch.tensor([i % out for i in range(a.tokens)])]
        times = []
        for i in range(a.repeat + 1):
            start = time.perf_counter()
            torch.nn.functional.linear(x, w)
            if i:
                times.append((time.perf_counter() - start) * 1e3)
        rows.insert(0, ("PyTorch F.linear", statistics.median(times)))
        gflop = 2 * a.tokens * a.hidden * out / 1e9
        table(f"One linear {a.tokens}x{a.hidden} -> {out} ({gflop:.1f} GFLOP; tmc rows include "
              f"its embedding gather)", rows, "PyTorch F.linear")


if __name__ == "__main__":
    main()
