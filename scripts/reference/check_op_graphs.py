#!/usr/bin/env python3
"""Compiles small tmc graphs and checks their compiled CPU results against the LibTorch executor.

    check_op_graphs.py --work DIR --input-ids "3,1,4;1,5,9" --atol 1e-5 [--seed 1] [--std 1.0]
        [--compile-args "--gemm loops"] [--against REF.mlir] GRAPH.mlir...

Each GRAPH is a tmc module whose entry point takes token ids, looks up rows
of its parameters (`tmc.embedding`) and applies the ops under test to them.
For each GRAPH it runs `tmc init-weights GRAPH --seed S --std D` (random
normal weights: inputs of both signs, magnitudes about D), `tmc compile
GRAPH` (with --compile-args), then `tmc run` of the artifact with the compiled code and with
`--backend torch` (the graph run op by op by ATen in the LibTorch executor)
on the same ids, and compares the two results: same shape, finite, max abs
difference <= --atol. A reference that is constant across its elements
fails too (a test of it would prove little). Prints one line per graph;
exits 1 when any fails.

With --against REF.mlir the compiled result of each GRAPH is compared with
the executor's result of REF (same parameters) instead: a test runs it under
`not` to show that the tolerance tells a wrong lowering (sub computed as add)
from a right one.
"""

import argparse
import os
import shutil
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tmc_cli import run  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("graphs", nargs="+")
    parser.add_argument("--work", required=True, help="directory for weights, artifacts and outputs")
    parser.add_argument("--tmc", default="tmc")
    parser.add_argument("--input-ids", required=True)
    parser.add_argument("--atol", type=float, required=True)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--std", type=float, default=1.0)
    parser.add_argument("--compile-args", default="", help="more tmc compile arguments, space separated")
    parser.add_argument("--against", help="executor graph to compare with instead of GRAPH itself")
    args = parser.parse_args()

    tmc = shutil.which(args.tmc) or args.tmc
    os.makedirs(args.work, exist_ok=True)
    width = max(len(os.path.basename(g)) for g in args.graphs) + 1
    failed = False
    for graph in args.graphs:
        name = os.path.splitext(os.path.basename(graph))[0]
        work = os.path.join(args.work, name)
        os.makedirs(work, exist_ok=True)
        weights = os.path.join(work, "weights.safetensors")
        run([tmc, "init-weights", graph, "--seed", str(args.seed), "--std", str(args.std), "-o", weights])
        outputs = {}
        for backend, source in (("compiled", graph), ("torch", args.against or graph)):
            artifact = os.path.join(work, "artifact-" + backend)
            run([tmc, "compile", source, "-o", artifact] + args.compile_args.split())
            outputs[backend] = os.path.join(work, backend + ".npy")
            run([tmc, "run", artifact, "--backend", backend, "--weights", weights, "--input-ids", args.input_ids,
                 "--output", outputs[backend]])
        got, want = np.load(outputs["compiled"]), np.load(outputs["torch"])
        label = "%-*s" % (width, os.path.basename(graph) + ":")
        if got.shape != want.shape:
            print("%s shape %s, executor %s  FAIL" % (label, got.shape, want.shape))
            failed = True
            continue
        if not np.all(np.isfinite(want)) or not np.all(np.isfinite(got)):
            print("%s shape %s: non-finite values (compiled %s, executor %s)  FAIL"
                  % (label, got.shape, bool(np.all(np.isfinite(got))), bool(np.all(np.isfinite(want)))))
            failed = True
            continue
        if want.size < 2 or float(want.max() - want.min()) == 0.0:
            print("%s shape %s: the executor's result is constant (%s)  FAIL" % (label, want.shape, want.flat[0]))
            failed = True
            continue
        err = float(np.abs(got.astype(np.float64) - want.astype(np.float64)).max())
        ok = err <= args.atol
        failed |= not ok
        print("%s shape %s, max abs %.3e (atol %.0e), executor range [%.3g, %.3g]  %s"
              % (label, got.shape, err, args.atol, float(want.min()), float(want.max()), "ok" if ok else "FAIL"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
