#!/usr/bin/env python3
"""Compiles a Hugging Face checkpoint for N tensor-parallel ranks and checks it against one rank and transformers.

    check_parallel.py CHECKPOINT_DIR --work DIR --tp N [--ranks mpi|threads] [--tmc tmc]
        [--attn eager,sdpa] [--tp-plan plan.json] [--max-seq-len 64] [--no-generate]
        [--atol-reference 1e-4] [--atol-single 1e-5] [--min-distinct 4]

CHECKPOINT_DIR is what make_hf_checkpoint.py writes (transformers' save_pretrained
output and fixtures computed by transformers). For each attention implementation
it compiles the checkpoint twice, `tmc compile CKPT` (one rank) and
`tmc compile CKPT --tp N [--tp-plan P]`, runs both on the batch and the
left-padded batch, N ranks launched by `mpirun -n N tmc run ...` (--ranks mpi)
or as threads of one process (`tmc run --ranks threads`), and compares:

  N ranks vs one rank          max abs <= --atol-single (1e-5)
  N ranks vs transformers      max abs <= --atol-reference (1e-4, DESIGN.md §8)

Then (unless --no-generate) it compiles with --max-seq-len, generates 32 greedy
tokens on N ranks from the fixtures' prompts (batch 1, and batch 2 left-padded)
and compares the ids with transformers' generate(do_sample=False) exactly;
with --min-distinct N, first checks that those vary (check_generate.py's
rule: each row at least N distinct new ids, not the prompt's last token
repeated).
Padded rows are compared on token positions only. Prints one line per
comparison and exits 1 when one fails.
"""

import argparse
import json
import os
import shutil
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from check_generate import references_vary  # noqa: E402
from tmc_cli import Comparisons, rows_text, run  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("checkpoint")
    parser.add_argument("--work", required=True, help="directory for artifacts and outputs")
    parser.add_argument("--tp", type=int, required=True)
    parser.add_argument("--ranks", default="mpi", choices=["mpi", "threads"])
    parser.add_argument("--tmc", default="tmc")
    parser.add_argument("--mpirun", default="mpirun")
    parser.add_argument("--attn", default="eager,sdpa")
    parser.add_argument("--tp-plan", help="passed to tmc compile --tp-plan")
    parser.add_argument("--max-seq-len", type=int, default=64)
    parser.add_argument("--no-generate", action="store_true")
    parser.add_argument("--atol-reference", type=float, default=1e-4)
    parser.add_argument("--atol-single", type=float, default=1e-5)
    parser.add_argument("--min-distinct", type=int, default=0,
                        help="first require each row of transformers' greedy output to hold this many distinct new ids")
    args = parser.parse_args()

    tmc = shutil.which(args.tmc) or args.tmc
    ckpt = args.checkpoint
    os.makedirs(args.work, exist_ok=True)
    tp_flags = ["--tp", str(args.tp)] + (["--tp-plan", args.tp_plan] if args.tp_plan else [])

    def launch(cmd):
        """`tmc run ...` on N ranks."""
        if args.ranks == "mpi":
            return run([args.mpirun, "-n", str(args.tp)] + cmd)
        return run(cmd + ["--ranks", "threads"])

    comparisons = Comparisons(width=56)
    failures = comparisons.failures
    check = comparisons.check
    if args.min_distinct and not args.no_generate:
        # An echo of the prompt's last token as reference would let an echoing decoder pass.
        with open(os.path.join(ckpt, "fixtures.json")) as f:
            eos_ids = json.load(f).get("eos_token_id")
        eos_ids = set(eos_ids if isinstance(eos_ids, list) else [] if eos_ids is None else [eos_ids])
        if not references_vary(ckpt, eos_ids, args.min_distinct):
            failures.append("reference")

    batches = {
        "batch": ("input_ids.npy", None, "logits.npy"),
        "padded": ("padded_input_ids.npy", "padded_attention_mask.npy", "padded_logits.npy"),
    }
    for attn in args.attn.split(","):
        single = os.path.join(args.work, "tp1-" + attn)
        sharded = os.path.join(args.work, "tp%d-%s" % (args.tp, attn))
        run([tmc, "compile", ckpt, "--attn-implementation", attn, "--max-seq-len", "0", "-o", single])
        run([tmc, "compile", ckpt, "--attn-implementation", attn, "--max-seq-len", "0", "-o", sharded] + tp_flags)
        for name, (ids, mask, reference) in batches.items():
            inputs = ["--input-ids", "@" + os.path.join(ckpt, ids)]
            if mask:
                inputs += ["--attention-mask", "@" + os.path.join(ckpt, mask)]
            one = os.path.join(args.work, "%s-%s-tp1.npy" % (attn, name))
            many = os.path.join(args.work, "%s-%s-tp%d.npy" % (attn, name, args.tp))
            run([tmc, "run", single, "--weights", ckpt, "--output", one] + inputs)
            launch([tmc, "run", sharded, "--weights", ckpt, "--output", many] + inputs)
            got = np.load(many)
            token_mask = None
            if mask:
                token_mask = np.broadcast_to(np.load(os.path.join(ckpt, mask))[:, :, None], got.shape)
            check("%s %s: tp=%d vs tp=1" % (attn, name, args.tp), got, np.load(one), token_mask, args.atol_single)
            check("%s %s: tp=%d vs transformers" % (attn, name, args.tp), got,
                  np.load(os.path.join(ckpt, reference)), token_mask, args.atol_reference)

        if args.no_generate:
            continue
        with open(os.path.join(ckpt, "fixtures.json")) as f:
            fixtures = json.load(f)
        decoding = os.path.join(args.work, "tp%d-generate-%s" % (args.tp, attn))
        run([tmc, "compile", ckpt, "--attn-implementation", attn, "--max-seq-len", str(args.max_seq_len),
             "-o", decoding] + tp_flags)
        for name in ("b1", "b2"):
            ids = np.load(os.path.join(ckpt, "generate_%s_input_ids.npy" % name))
            mask_path = os.path.join(ckpt, "generate_%s_attention_mask.npy" % name)
            mask = np.load(mask_path) if os.path.exists(mask_path) else None
            expected = np.load(os.path.join(ckpt, "generate_%s_output_ids.npy" % name))[:, ids.shape[1]:]
            out = launch([tmc, "run", decoding, "--weights", ckpt, "--input-ids", rows_text(ids, mask),
                          "--max-new-tokens", str(expected.shape[1]),
                          "--pad-id", str(fixtures["pad_token_id"])]).stdout.strip().splitlines()
            got = [[int(t) for t in line.split(",")] for line in out]
            want = [list(map(int, row)) for row in expected]
            # transformers pads rows that finished early; tmc stops when all rows finished.
            same = len(got) == len(want) and all(
                g == w[:len(g)] and all(t == fixtures["pad_token_id"] for t in w[len(g):]) for g, w in zip(got, want))
            what = "%s generate %s: tp=%d vs transformers" % (attn, name, args.tp)
            print("%-56s %d rows x %d tokens  %s" % (what, len(want), len(want[0]), "ok" if same else "FAIL"))
            if not same:
                failures.append(what)
                for g, w in zip(got, want):
                    print("  tmc:          %s" % g)
                    print("  transformers: %s" % w)
    if failures:
        print("check_parallel: %d comparison(s) failed" % len(failures))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
