#!/usr/bin/env python3
"""Tensor parallelism on CPU: one rank vs two, decode and prefill, and compile time per --tp.

Table 1 and 2: bench/prefill.py's ~125M-parameter Llama (hidden 768, 12 layers,
12 heads / 4 kv heads, head_dim 64, intermediate 2048, vocab 32000, untied
lm_head, fp32; fixed-seed random weights from scripts/reference/make_hf_checkpoint.py)
greedily generates --new-tokens tokens after a prompt of --prompt random ids
(seed 0), batch 1, eos disabled, as
  - tmc TP=1, 1 thread        `tmc compile CKPT -o ART1`, `tmc run ART1 ... --stats`
  - tmc TP=2 mpi, 1 thread/rank   `tmc compile CKPT --tp 2 -o ART2`,
                              `mpirun -n 2 tmc run ART2 ... --stats` (MPICH)
  - tmc TP=2 threads, 1 thread/rank   `tmc run ART2 ... --ranks threads --stats`
  - tmc TP=1, 2 threads       ART1 with OpenBLAS and the runtime on 2 threads: the
                              other way to spend the same two cores
  - transformers eager, 1 and 2 threads   LlamaForCausalLM, a DynamicCache and a
                              manual greedy loop (bench/decode.py's)
tmc's --stats give the prefill (the decode entry over the whole prompt) and the
median of the single-token decode steps, and, on two ranks, the share of the
run time spent inside the collectives (every rank's, summed; tmc_collective_*
calls, so it includes the wait for the slower rank). "1 thread" is
OMP/OPENBLAS/MKL_NUM_THREADS=1 and torch.set_num_threads(1); a tmc rank has
no other thread. The set is measured --rounds times, interleaved; cells give
the median over rounds and the min-max. speedup = TP=1 1-thread ms / row ms
(> 1: faster than one rank on one core). Every row's greedy ids are compared
with transformers eager's (a mismatch is reported, not asserted).

Table 3: compile time per --tp of the Llama-3-8B shape (bench/compile_time.py's,
32 heads / 8 kv heads, so every --tp up to 8 divides them) at --compile-layers
layers, `tmc compile llama --config C --tp N` (no weights needed), wall and CPU
seconds, median of --repeat; ratio against --tp 1 (the goal of issue #12: TP=8
within 1.1x of TP=1).

Nothing about time is asserted. Results and how to read them: docs/BENCHMARKS.md.

    bench/tensor_parallel.py [--prompt 512] [--new-tokens 32] [--rounds 3]
                             [--compile-tp 1,2,8] [--compile-layers 32] [--repeat 3]
                             [--no-torch] [--no-compile-time] [--mpirun mpirun] [--keep DIR]
"""

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

BENCH = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, BENCH)

import compile_time  # noqa: E402
import decode  # noqa: E402


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--prompt", type=int, default=512, help="prompt length in tokens")
    p.add_argument("--new-tokens", type=int, default=32, help="greedy tokens per generation")
    p.add_argument("--rounds", type=int, default=3, help="interleaved rounds of every row")
    p.add_argument("--compile-tp", default="1,2,8", help="--tp values for the compile-time table")
    p.add_argument("--compile-layers", type=int, default=32,
                   help="layers of the Llama-3-8B shape in the compile-time table")
    p.add_argument("--repeat", type=int, default=3, help="compiles per --tp value")
    p.add_argument("--no-torch", action="store_true", help="skip the transformers rows")
    p.add_argument("--no-compile-time", action="store_true", help="skip table 3")
    p.add_argument("--mpirun", default="mpirun", help="MPICH's launcher")
    p.add_argument("--keep", help="keep the checkpoint, ids and artifacts in this directory")
    return p.parse_args()


def thread_env(threads):
    return dict(os.environ, OMP_NUM_THREADS=str(threads), OPENBLAS_NUM_THREADS=str(threads),
                MKL_NUM_THREADS=str(threads))


def tmc_generate(P, launcher, ranks, artifact, checkpoint, ids_path, new_tokens, threads):
    """(prefill ms, median decode ms/step, greedy ids, % of time in collectives or None):
    `[launcher] tmc run ARTIFACT ... [ranks]` with `threads` threads per rank."""
    cmd = launcher + [P.tmc_binary(), "run", artifact, "--weights", checkpoint,
                      "--input-ids", "@" + ids_path, "--max-new-tokens", str(new_tokens),
                      "--stats", "--eos-id=-1"] + ranks
    result = subprocess.run(cmd, capture_output=True, text=True, env=thread_env(threads))
    if result.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed:\n{result.stdout}{result.stderr}")
    stats = re.search(r"prefill \d+ tokens in ([0-9.]+) ms.*, (\d+) decode steps, "
                      r"median ([0-9.]+) ms/step", result.stderr)
    if not stats:
        sys.exit(f"no --stats line in the stderr of {' '.join(cmd)}:\n{result.stderr}")
    share = re.search(r"collectives: .*?([0-9.]+)% of the run time", result.stderr)
    ids = [int(t) for t in result.stdout.strip().split(",")]
    return (float(stats.group(1)), float(stats.group(3)), ids,
            float(share.group(1)) if share else None)


def compile_times(A, work):
    """{tp: (wall s, CPU s)} of `tmc compile llama --config C --tp N`, median of --repeat."""
    config = compile_time.write_config(work, A.compile_layers)
    times = {}
    for tp in [int(t) for t in A.compile_tp.split(",")]:
        art = os.path.join(work, f"art-8b-tp{tp}")
        times[tp] = compile_time.median_of(
            A.repeat, [compile_time.tool("tmc"), "compile", "llama", "--config", config,
                       "--tp", str(tp), "-o", art], cwd=decode.ROOT)
        print(f"  compile --tp {tp}: {times[tp][0]:.1f} s wall, {times[tp][1]:.1f} s CPU",
              file=sys.stderr, flush=True)
        shutil.rmtree(art, ignore_errors=True)
    return times


def main():
    A = parse_args()
    if A.new_tokens < 2:
        sys.exit("--new-tokens must be at least 2 (the first token comes from the prefill)")
    P = decode.import_prefill(1)  # one thread unless a row says otherwise
    import numpy as np
    import torch

    work = A.keep or tempfile.mkdtemp(prefix="tmc-tensor-parallel-")
    os.makedirs(work, exist_ok=True)
    try:
        N = A.new_tokens
        seq = -(-(A.prompt + N) // 64) * 64
        config = dict(P.CONFIG, max_position_embeddings=max(P.CONFIG["max_position_embeddings"],
                                                            -(-seq // 1024) * 1024))
        checkpoint = os.path.join(work, "checkpoint")
        params = decode.make_checkpoint(P, config, checkpoint)
        ids = torch.randint(3, config["vocab_size"], (1, A.prompt),
                            generator=torch.Generator().manual_seed(0), dtype=torch.int64)
        ids_path = os.path.join(work, "ids.npy")
        np.save(ids_path, ids.numpy())
        artifacts = {}
        for tp in (1, 2):
            artifacts[tp] = os.path.join(work, f"artifact-tp{tp}")
            P.run([P.tmc_binary(), "compile", checkpoint, "--max-seq-len", str(seq),
                   "--tp", str(tp), "-o", artifacts[tp]])

        def tmc(tp, threads, launcher=(), ranks=()):
            return lambda: tmc_generate(P, list(launcher), list(ranks), artifacts[tp], checkpoint,
                                        ids_path, N, threads)
        rows = [("tmc TP=1, 1 thread", tmc(1, 1)),
                ("tmc TP=2 mpi, 1 thread/rank", tmc(2, 1, launcher=[A.mpirun, "-n", "2"])),
                ("tmc TP=2 threads, 1 thread/rank", tmc(2, 1, ranks=["--ranks", "threads"])),
                ("tmc TP=1, 2 threads", tmc(1, 2))]
        if not A.no_torch:
            import transformers
            from transformers import AutoModelForCausalLM
            transformers.utils.logging.disable_progress_bar()
            transformers.utils.logging.set_verbosity_error()
            model = AutoModelForCausalLM.from_pretrained(
                checkpoint, attn_implementation="eager", dtype=torch.float32).eval()

            def hf(threads):
                def measure():
                    torch.set_num_threads(threads)
                    prefill_ms, step_ms, tokens = decode.hf_generate(model, ids, N)
                    return prefill_ms, step_ms, tokens, None
                return measure
            torch.set_num_threads(1)
            decode.hf_generate(model, ids[:, :16], 4)  # warm-up
            rows += [("transformers eager, 1 thread", hf(1)),
                     ("transformers eager, 2 threads", hf(2))]

        results = {name: [] for name, _ in rows}
        loads = [P.load_avg()]
        started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
        for _ in range(A.rounds):
            for name, measure in rows:
                results[name].append(measure())
                prefill_ms, step_ms, _, share = results[name][-1]
                print(f"  {name}: prefill {prefill_ms:.0f} ms, {step_ms:.1f} ms/token"
                      + (f", {share:.1f}% in collectives" if share is not None else "")
                      + f", load {P.load_avg():.1f}", file=sys.stderr, flush=True)
            loads.append(P.load_avg())
        compiled = None if A.no_compile_time else compile_times(A, work)
        loads.append(P.load_avg())

        print(f"Llama hidden {config['hidden_size']}, {config['num_hidden_layers']} layers, "
              f"{config['num_attention_heads']}/{config['num_key_value_heads']} heads (head_dim "
              f"{config['head_dim']}), intermediate {config['intermediate_size']}, vocab "
              f"{config['vocab_size']}, untied: {params:,} parameters, fp32")
        print(f"batch 1, greedy, prompt {A.prompt} tokens, {N} new tokens ({N - 1} timed "
              f"decode steps); {A.rounds} interleaved rounds from {started}, load average "
              f"{min(loads):.1f}-{max(loads):.1f} (1 min); torch {torch.__version__}")

        def median(name, field):
            return statistics.median(r[field] for r in results[name])

        def spread(name, field, fmt):
            values = [fmt(r[field]) for r in results[name]]
            return f"{fmt(median(name, field)):.1f} ({min(values):.1f}-{max(values):.1f})"

        base = rows[0][0]
        tokens_per_s = lambda ms: A.prompt / ms * 1e3
        print(f"\n{'':34} {'decode ms/token':>20} {'speedup':>7}  {'prefill tokens/s':>22} "
              f"{'speedup':>7}  {'collectives':>11}")
        for name, _ in rows:
            shares = [r[3] for r in results[name]]
            share = "" if shares[0] is None else f"{statistics.median(shares):.1f}%"
            print(f"{name:34} {spread(name, 1, float):>20} "
                  f"{median(base, 1) / median(name, 1):6.2f}x  "
                  f"{spread(name, 0, tokens_per_s):>22} "
                  f"{median(base, 0) / median(name, 0):6.2f}x  {share:>11}")
        print("speedup: against tmc TP=1, 1 thread (> 1: faster); collectives: share of every "
              "rank's run time inside tmc_collective_* calls (median over rounds)")

        against = base if A.no_torch else "transformers eager, 1 thread"
        reference = results[against][0][2]
        print(f"\ngreedy ids ({N} tokens) against {against}'s, every round:")
        for name, _ in rows:
            bad = [decode.first_mismatch(r[2], reference) for r in results[name]]
            verdict = ("equal" if all(b is None for b in bad) else "MISMATCH at step "
                       + "/".join("-" if b is None else str(b) for b in bad))
            print(f"  {name}: {verdict}")

        if compiled:
            cfg = compile_time.LLAMA3_8B
            print(f"\ncompile time, Llama-3-8B shape ({A.compile_layers} layers, "
                  f"{cfg['num_attention_heads']}/{cfg['num_key_value_heads']} heads, vocab "
                  f"{cfg['vocab_size']}), `tmc compile llama --config C --tp N`, median of "
                  f"{A.repeat}")
            print(f"{'--tp':>5} {'wall s':>8} {'CPU s':>8} {'CPU ratio':>10}")
            first = min(compiled)
            for tp, (wall, cpu) in compiled.items():
                print(f"{tp:5} {wall:8.2f} {cpu:8.2f} {cpu / compiled[first][1]:9.2f}x")
            print(f"CPU ratio: against --tp {first} (goal: --tp 8 within 1.1x)")
    finally:
        if not A.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
