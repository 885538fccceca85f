#!/usr/bin/env python3
"""Compile time per layer count: `tmc compile llama --config C.json -o ART`.

The Llama-3-8B architecture (hidden 4096, intermediate 14336, 32 heads / 8 kv
heads, head_dim 128, vocab 128256, rope_theta 500000, rms_norm_eps 1e-5, untied
lm_head) is compiled from models/llama/modeling_llama.py at each --layers count
(default 2 and 32; no weights are needed). DESIGN.md §13 asks for compile time
that grows with the kinds of layers, not with layers: the goal of issue #5 is
the 32-layer build within 1.5x of the 2-layer build.

Table 1: wall clock and CPU seconds (user + sys of the tmc process and its
linker child) of the whole `tmc compile`, median of --repeat runs, and the
ratio against the smallest layer count.

Table 2 (--split, on by default): where the time goes, per stage, re-run
outside tmc on the IR that `tmc compile --dump-ir-dir` writes, with the MLIR
and LLVM tools of the same LLVM (CPU seconds, median of --repeat):
  startup      `tmc --version` (loading tmc and its shared libraries)
  frontend     `tmc-opt 1-mdl/00-mdl.mlir --tmc-graph-pipeline` (the Python
               parse is in tmc compile only; it is the same for every config)
  mlir         `tmc-opt graph.mlir --tmc-schedule-pipeline --tmc-lower-to-cpu
               --tmc-cpu-to-llvm` (the scheduled, target and llvm phases)
  llvm-opt     `mlir-translate --mlir-to-llvmir` + `opt -O3` on the pipeline's
               last MLIR (tmc runs the same O3 in-process)
  codegen      `llc -O3 -mcpu=native -relocation-model=pic` on the optimized IR
  link         `cc -shared ... -lopenblas -lm`
followed by the codegen seconds of each function of the optimized module
(`llvm-extract --func F` then llc), which shows which function grows with the
layer count. The stage figures approximate tmc's in-process stages (same
passes, separate processes); their sum is close to the whole compile.

    bench/compile_time.py [--layers 2,32] [--repeat 3] [--no-split] [--keep DIR]
"""

import argparse
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LLVM_BIN = os.environ.get("TMC_LLVM_BIN", "/usr/lib/llvm-22/bin")

LLAMA3_8B = {
    "architectures": ["LlamaForCausalLM"],
    "model_type": "llama",
    "vocab_size": 128256,
    "hidden_size": 4096,
    "intermediate_size": 14336,
    "num_hidden_layers": 32,
    "num_attention_heads": 32,
    "num_key_value_heads": 8,
    "head_dim": 128,
    "hidden_act": "silu",
    "max_position_embeddings": 8192,
    "rms_norm_eps": 1e-05,
    "rope_theta": 500000.0,
    "attention_bias": False,
    "mlp_bias": False,
    "tie_word_embeddings": False,
    "bos_token_id": 128000,
    "eos_token_id": 128001,
    "torch_dtype": "float32",
}


def tool(name):
    build = os.environ.get("TMC_BUILD_DIR", os.path.join(ROOT, "build"))
    if name.startswith("tmc"):
        return os.path.join(build, "bin", name)
    return os.path.join(LLVM_BIN, name)


def timed(cmd, **kwargs):
    """Runs cmd; returns (wall s, CPU s of the child and its children, stdout+stderr)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    result = subprocess.run(cmd, capture_output=True, text=True, **kwargs)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed:\n{result.stdout}{result.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, result.stdout + result.stderr


def median_of(repeat, cmd, **kwargs):
    runs = [timed(cmd, **kwargs) for _ in range(repeat)]
    return statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)


def write_config(work, layers):
    path = os.path.join(work, f"llama3-8b-{layers}l.json")
    with open(path, "w") as f:
        json.dump(dict(LLAMA3_8B, num_hidden_layers=layers), f, indent=2)
    return path


def top_level_args(text):
    """Number of comma-separated items of an LLVM argument list, nesting respected."""
    depth, count = 0, 1 if text.strip() else 0
    for ch in text:
        if ch in "([{<":
            depth += 1
        elif ch in ")]}>":
            depth -= 1
        elif ch == "," and depth == 0:
            count += 1
    return count


def call_arguments(line):
    """The argument text of the first call on a line of LLVM IR ('' if none)."""
    m = re.search(r"call [^@]*@[\w.$]+\(", line) or re.match(r"define [^@]*@[\w.$]+\(", line)
    if not m:
        return None
    depth, start = 1, m.end()
    for i in range(start, len(line)):
        depth += {"(": 1, ")": -1}.get(line[i], 0)
        if depth == 0:
            return line[start:i]
    return None


def defined_functions(ll_path):
    with open(ll_path) as f:
        return re.findall(r"^define [^@]*@([\w.$]+)\(", f.read(), re.M)


def split(work, layers, config, repeat, max_seq_len):
    """CPU seconds per stage (dict) and codegen seconds per function (list)."""
    dump = os.path.join(work, f"ir-{layers}")
    art = os.path.join(work, f"art-dump-{layers}")
    timed([tool("tmc"), "compile", "llama", "--config", config, "--max-seq-len", str(max_seq_len),
           "-o", art, "--dump-ir-dir", dump], cwd=ROOT)
    phase_dir = lambda name: os.path.join(dump, next(d for d in os.listdir(dump)
                                                     if d.endswith("-" + name)))
    mdl = os.path.join(phase_dir("mdl"), "00-mdl.mlir")
    llvm_dir = phase_dir("llvm")
    last = os.path.join(llvm_dir, sorted(os.listdir(llvm_dir))[-1])
    pre = os.path.join(work, f"pre-{layers}.ll")
    post = os.path.join(work, f"post-{layers}.ll")
    obj = os.path.join(work, f"model-{layers}.o")
    # mlir-translate leaves the target out; tmc sets the host's (as in its llvm-ir.ll),
    # and without it opt neither vectorizes nor unrolls as tmc does.
    with open(os.path.join(phase_dir("artifact"), "model.ll")) as f:
        target = "".join(line for line in f if line.startswith("target "))
    translated = subprocess.run([tool("tmc-translate"), "--tmc-to-llvmir", last],
                                capture_output=True, text=True, check=True).stdout
    with open(pre, "w") as f:
        f.write(target + translated)
    llc = [tool("llc"), "-O3", "-mcpu=native", "-relocation-model=pic", "-filetype=obj"]

    stages = {}
    stages["startup"] = median_of(repeat, [tool("tmc"), "--version"])[1]
    stages["frontend"] = median_of(repeat, [tool("tmc-opt"), mdl,
                                            f"--tmc-graph-pipeline=config={config} max-seq-len={max_seq_len}",
                                            "-o", os.devnull])[1]
    stages["mlir"] = median_of(repeat, [tool("tmc-opt"), os.path.join(art, "graph.mlir"),
                                        "--tmc-schedule-pipeline", "--tmc-lower-to-cpu",
                                        "--tmc-cpu-to-llvm", "-o", os.devnull])[1]
    translate = median_of(repeat, [tool("tmc-translate"), "--tmc-to-llvmir", last,
                                   "-o", os.devnull])[1]
    stages["llvm-opt"] = translate + median_of(repeat, [tool("opt"), "-O3", "-mcpu=native", "-S",
                                                        pre, "-o", post])[1]
    stages["codegen"] = median_of(repeat, llc + [post, "-o", obj])[1]
    stages["link"] = median_of(repeat, ["cc", "-shared", "-o", os.path.join(work, "m.so"), obj,
                                        "-lopenblas", "-lm"])[1]

    per_function = []
    for fn in defined_functions(post):
        bc = os.path.join(work, "fn.bc")
        subprocess.run([tool("llvm-extract"), f"--func={fn}", post, "-o", bc], check=True)
        seconds = median_of(repeat, llc + [bc, "-o", os.path.join(work, "fn.o")])[1]
        with open(post) as f:
            text = f.read()
        body = re.search(r"^define [^@]*@" + re.escape(fn) + r"\(.*?^}", text, re.M | re.S).group(0)
        lines = body.split("\n")
        params = top_level_args(call_arguments(lines[0]))
        call_args = max((top_level_args(args) for args in map(call_arguments, lines[1:])
                         if args is not None), default=0)
        per_function.append((fn, seconds, body.count("\n"), params, call_args))
    per_function.sort(key=lambda row: -row[1])
    return stages, per_function


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--layers", default="2,32", help="comma-separated layer counts (default 2,32)")
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--no-split", action="store_true", help="skip the per-stage table")
    p.add_argument("--keep", help="keep configs, artifacts and IR in this directory")
    p.add_argument("--max-seq-len", type=int, default=256,
                   help="KV cache of the decode entry (tmc's default 256; 0: forward only)")
    a = p.parse_args()
    layer_counts = [int(n) for n in a.layers.split(",")]

    work = a.keep or tempfile.mkdtemp(prefix="tmc-compile-time-")
    os.makedirs(work, exist_ok=True)
    try:
        configs = {n: write_config(work, n) for n in layer_counts}
        rows = {}
        for n in layer_counts:
            art = os.path.join(work, f"art-{n}")
            rows[n] = median_of(a.repeat, [tool("tmc"), "compile", "llama", "--config", configs[n],
                                           "--max-seq-len", str(a.max_seq_len), "-o", art], cwd=ROOT)
        base = rows[layer_counts[0]]
        print(f"tmc compile llama, Llama-3-8B architecture (hidden 4096, 32/8 heads, "
              f"intermediate 14336, vocab 128256), fp32, CPU target, --max-seq-len {a.max_seq_len}; "
              f"median of {a.repeat}; CPU = user + sys seconds; load average "
              f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        print(f"{'layers':>6} {'wall s':>8} {'CPU s':>8} {'wall ratio':>11} {'CPU ratio':>10}")
        for n in layer_counts:
            wall, cpu = rows[n]
            print(f"{n:6d} {wall:8.2f} {cpu:8.2f} {wall / base[0]:10.2f}x {cpu / base[1]:9.2f}x")

        if a.no_split:
            return
        results = {n: split(work, n, configs[n], a.repeat, a.max_seq_len) for n in layer_counts}
        names = ["startup", "frontend", "mlir", "llvm-opt", "codegen", "link"]
        print(f"\nPer stage, CPU seconds (separate tools on tmc's dumped IR, median of {a.repeat})")
        print(f"{'stage':10}" + "".join(f"{str(n) + ' layers':>11}" for n in layer_counts))
        for name in names + ["sum"]:
            values = [sum(results[n][0].values()) if name == "sum" else results[n][0][name]
                      for n in layer_counts]
            print(f"{name:10}" + "".join(f"{v:11.2f}" for v in values))
        for n in layer_counts:
            print(f"\nCodegen (llc) per function, {n} layers")
            print(f"  {'function':32} {'CPU s':>6} {'IR lines':>8} {'params':>6} {'max call args':>13}")
            for fn, seconds, lines, params, args in results[n][1][:6]:
                print(f"  {fn:32} {seconds:6.2f} {lines:8d} {params:6d} {args:13d}")
    finally:
        if not a.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
