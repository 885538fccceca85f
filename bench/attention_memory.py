#!/usr/bin/env python3
"""Peak memory of prefill per sequence length: tmc sdpa vs eager attention.

Eager attention materializes the scores, a [heads, s, s] f32 tensor per layer
(2 GiB at s = 8192 with 8 heads), so its memory grows with s^2; sdpa (tmc's
online softmax over blocks of 64 keys, PyTorch's flash-attention kernel) never
holds more than a block of them ([heads, s, 64] at a time in tmc), so its
memory grows with s. A small Llama (default: hidden 256, 2 layers, 8 heads / 4
kv heads, head_dim 32, intermediate 688, vocab 1024, fp32; bench/prefill.py's
config otherwise, fixed-seed random weights from
scripts/reference/make_hf_checkpoint.py) keeps the run affordable and the rest
of the activations small (the logits are [s, 1024]), so the attention shows.
For each of --lengths (batch 1, random ids, seed 0):
  - tmc:      `tmc compile CHECKPOINT --attn-implementation sdpa|eager
              --max-seq-len 0` (the forward entry only), then `tmc run ART
              --weights CHECKPOINT --input-ids @ids.npy --stats --output L.npy`
  - PyTorch:  transformers LlamaForCausalLM, attn_implementation sdpa|eager,
              one forward, use_cache=False, torch.inference_mode, in a
              subprocess of this script (reference rows; --no-torch skips them)
Each row is a fresh process; its peak resident memory is ru_maxrss from
os.wait4. Columns:
  forward ms   the forward call alone (tmc's --stats; PyTorch: timed around it)
  process s    the whole process (loading LibTorch / Python, weights, writing logits)
  peak MiB     peak RSS of the process (tmc links LibTorch: ~0.5 GiB at start)
  growth MiB   peak minus the same row's peak at the smallest length (a peak
               below the process's startup peak, ~0.55 GiB for tmc, does not
               show: growths under ~64 MiB are noise)
  scores MiB   one [heads, s, s] f32 score tensor, for comparison with the growth
  load         1-minute load average when the row started (the machine is shared)
The growth of each row per doubling of s (about 2x: linear, 4x: quadratic)
closes the table, followed by the largest difference between the logits of
sdpa and eager (tmc's, and tmc's against PyTorch eager's) at each length.
Nothing about time or memory is asserted.

    bench/attention_memory.py [--lengths 1024,2048,4096,8192] [--threads 2]
                              [--layers 2] [--heads 8] [--kv-heads 4] [--hidden 256]
                              [--no-torch] [--keep DIR]
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

from decode import ROOT, import_prefill, make_checkpoint

MIB = 1024 * 1024


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--lengths", default="1024,2048,4096,8192", help="comma separated")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--layers", type=int, default=2)
    p.add_argument("--hidden", type=int, default=256)
    p.add_argument("--heads", type=int, default=8)
    p.add_argument("--kv-heads", type=int, default=4)
    p.add_argument("--intermediate", type=int, default=688)
    p.add_argument("--vocab", type=int, default=1024)
    p.add_argument("--no-torch", action="store_true", help="skip the PyTorch reference rows")
    p.add_argument("--keep", help="keep the checkpoint, ids, artifacts, logits in this directory")
    p.add_argument("--torch-worker", nargs=5, metavar=("ATTN", "CHECKPOINT", "IDS", "LOGITS",
                                                        "THREADS"),
                   help=argparse.SUPPRESS)  # internal: one PyTorch row in its own process
    return p.parse_args()


def torch_worker(attn, checkpoint, ids_path, logits_path, threads):
    """One PyTorch forward; prints its milliseconds (the parent reads ru_maxrss)."""
    import numpy as np
    import torch
    import transformers
    from transformers import AutoModelForCausalLM

    torch.set_num_threads(int(threads))
    transformers.utils.logging.disable_progress_bar()
    model = AutoModelForCausalLM.from_pretrained(checkpoint, attn_implementation=attn,
                                                 dtype=torch.float32).eval()
    ids = torch.from_numpy(np.load(ids_path))
    with torch.inference_mode():
        start = time.perf_counter()
        logits = model(input_ids=ids, use_cache=False).logits
        ms = (time.perf_counter() - start) * 1e3
    np.save(logits_path, logits.numpy())
    print(f"forward {ms:.3f} ms")


def measure(cmd):
    """Runs cmd; returns (stdout, stderr, wall s, peak RSS bytes) of that process."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, text=True, cwd=ROOT)
        _, status, usage = os.wait4(proc.pid, 0)  # reaps it, so tell Popen the status
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if proc.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed:\n{stdout}{stderr}")
    return stdout, stderr, wall, usage.ru_maxrss * 1024  # ru_maxrss is in KiB on Linux


def mem_available():
    with open("/proc/meminfo") as f:
        return next(int(line.split()[1]) * 1024 for line in f if line.startswith("MemAvailable:"))


def main():
    A = parse_args()
    if A.torch_worker:
        return torch_worker(*A.torch_worker)
    P = import_prefill(A.threads)  # sets the thread variables
    import numpy as np

    lengths = sorted(int(s) for s in A.lengths.split(","))
    work = A.keep or tempfile.mkdtemp(prefix="tmc-attention-memory-")
    os.makedirs(work, exist_ok=True)
    try:
        config = dict(P.CONFIG, vocab_size=A.vocab, hidden_size=A.hidden,
                      intermediate_size=A.intermediate, num_hidden_layers=A.layers,
                      num_attention_heads=A.heads, num_key_value_heads=A.kv_heads,
                      head_dim=A.hidden // A.heads,
                      max_position_embeddings=max(2048, -(-max(lengths) // 1024) * 1024))
        checkpoint = os.path.join(work, "checkpoint")
        params = make_checkpoint(P, config, checkpoint)
        artifacts, compile_s = {}, {}
        for attn in ("sdpa", "eager"):
            artifacts[attn] = os.path.join(work, f"artifact-{attn}")
            start = time.perf_counter()
            P.run([P.tmc_binary(), "compile", checkpoint, "--attn-implementation", attn,
                   "--max-seq-len", "0", "-o", artifacts[attn]])
            compile_s[attn] = time.perf_counter() - start

        rows = ["tmc sdpa", "tmc eager"] + ([] if A.no_torch else ["PyTorch sdpa", "PyTorch eager"])
        started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
        results = {}  # (row, length) -> dict
        logits = {}   # (row, length) -> path
        for s in lengths:
            ids_path = os.path.join(work, f"ids-{s}.npy")
            np.save(ids_path, np.random.default_rng(0).integers(3, A.vocab, (1, s), dtype=np.int64))
            scores = A.heads * s * s * 4
            for row in rows:
                kind, attn = row.split()
                logits[row, s] = os.path.join(work, f"logits-{kind}-{attn}-{s}.npy")
                if attn == "eager" and 3 * scores > mem_available() - 2**30:
                    print(f"skipping {row} at {s}: ~3 score tensors of {scores / 2**30:.1f} GiB "
                          f"would not fit in the available memory", file=sys.stderr)
                    continue
                if kind == "tmc":
                    cmd = [P.tmc_binary(), "run", artifacts[attn], "--weights", checkpoint,
                           "--input-ids", "@" + ids_path, "--stats", "--output", logits[row, s]]
                else:
                    cmd = [sys.executable, os.path.abspath(__file__), "--torch-worker", attn,
                           checkpoint, ids_path, logits[row, s], str(A.threads)]
                load = P.load_avg()
                stdout, stderr, wall, peak = measure(cmd)
                forward = float(re.search(r"(?:median|forward) ([0-9.]+) ms",
                                          stderr if kind == "tmc" else stdout).group(1))
                results[row, s] = dict(forward=forward, wall=wall, peak=peak, load=load)
                print(f"  {row} at {s}: {forward:.0f} ms, peak {peak / MIB:.0f} MiB, "
                      f"load {load:.1f}", file=sys.stderr, flush=True)
        loads = [r["load"] for r in results.values()] + [P.load_avg()]

        print(f"Llama hidden {config['hidden_size']}, {config['num_hidden_layers']} layers, "
              f"{config['num_attention_heads']}/{config['num_key_value_heads']} heads (head_dim "
              f"{config['head_dim']}), intermediate {config['intermediate_size']}, vocab "
              f"{config['vocab_size']}: {params:,} parameters, fp32")
        print(f"prefill 1 x s, full logits, {A.threads} threads, one process per row; from "
              f"{started}, load average {min(loads):.1f}-{max(loads):.1f} (1 min)")
        print(f"\n{'s':>5} {'row':14} {'forward ms':>10} {'process s':>9} {'peak MiB':>9} "
              f"{'growth MiB':>10} {'scores MiB':>10} {'load':>5}")
        for s in lengths:
            for row in rows:
                r = results.get((row, s))
                if not r:
                    print(f"{s:5} {row:14} {'skipped':>10}")
                    continue
                base = results.get((row, lengths[0]))
                growth = f"{(r['peak'] - base['peak']) / MIB:10.0f}" if base else f"{'':>10}"
                print(f"{s:5} {row:14} {r['forward']:10.0f} {r['wall']:9.1f} "
                      f"{r['peak'] / MIB:9.0f} {growth} {A.heads * s * s * 4 / MIB:10.0f} "
                      f"{r['load']:5.1f}")

        print(f"\ngrowth over s = {lengths[0]} (MiB), and its ratio to the previous column "
              f"where that is >= 64 MiB (s doubles: ~2x linear, ~4x quadratic)")
        print(f"{'row':14}" + "".join(f" {s:>14}" for s in lengths[1:]))
        for row in rows + ["one score tensor"]:
            cells, previous = [], None
            for s in lengths[1:]:
                if row == "one score tensor":
                    growth = A.heads * (s * s - lengths[0] ** 2) * 4 / MIB
                elif (row, s) in results and (row, lengths[0]) in results:
                    growth = (results[row, s]["peak"] - results[row, lengths[0]]["peak"]) / MIB
                else:
                    cells.append(f"{'-':>14}")
                    previous = None
                    continue
                # below ~64 MiB a growth is within the noise of the startup peak
                ratio = f"({growth / previous:.1f}x)" if previous and previous >= 64 else ""
                cells.append(f" {growth:6.0f} {ratio:>7}")
                previous = growth
            print(f"{row:14}" + "".join(cells))

        print("\nlogits, max abs difference:")
        for s in lengths:
            pairs = [("tmc sdpa", "tmc eager"), ("tmc sdpa", "PyTorch eager"),
                     ("tmc eager", "PyTorch eager")]
            diffs = [f"{a} vs {b} {np.abs(np.load(logits[a, s]) - np.load(logits[b, s])).max():.1e}"
                     for a, b in pairs if (a, s) in results and (b, s) in results]
            print(f"  s = {s}: " + ("; ".join(diffs) or "-"))
        print("\n" + "\n".join(f"tmc compile --attn-implementation {attn} --max-seq-len 0: "
                               f"{t:.1f} s" for attn, t in compile_s.items()))
    finally:
        if not A.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
