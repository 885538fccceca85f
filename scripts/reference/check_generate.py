#!/usr/bin/env python3
"""Compiles a Hugging Face checkpoint with tmc and checks greedy generation against transformers.

    check_generate.py CHECKPOINT_DIR --work DIR [--tmc tmc] [--attn eager,sdpa]
        [--max-seq-len 64] [--backends compiled] [--atol 1e-5] [--atol-reference 1e-4]
        [--min-distinct 4] [--reference-only]

CHECKPOINT_DIR is what make_hf_checkpoint.py writes, with its generation
fixtures: generate_b1_* (one 5-token prompt) and generate_b2_* (prompts of 5
and 3 tokens, the second left-padded), each `model.generate(do_sample=False,
max_new_tokens=n)` of transformers on the same weights. For each attention
implementation it runs `tmc compile CHECKPOINT_DIR --max-seq-len N
--attn-implementation A` and `tmc run ARTIFACT --max-new-tokens n` on both
batches and compares the new ids exactly; prints one line per comparison and
exits 1 on a mismatch.

It also checks the decode entry's numbers (`tmc run --max-new-tokens n
--output L.npy` writes the logits each token was picked from): on both
batches against transformers' (generate_b*_logits, `output_logits` of the
same generate calls: its KV cache and, for b2, the padded attention mask),
max abs <= --atol-reference (1e-4, DESIGN.md §8), over each row's steps up to
its eos (and up to the first differing id when the ids differ); for the
unpadded batch, against the forward entry run on prompt + generated tokens
(the same positions, no cache); and every attention implementation against
the first one (eager), max abs <= --atol (1e-5).

First it checks that the reference is worth matching: every row of
transformers' output must hold at least --min-distinct (4) distinct new ids
(up to its eos) and not only the prompt's last token, else a decoder that
echoed its input would pass. A reference that fails this is reported as FAIL:
choose another --seed or --scale for make_hf_checkpoint.py. --reference-only
stops after this check.
"""

import argparse
import json
import os
import shutil
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tmc_cli import rows_text, run  # noqa: E402


def new_tokens(row, eos_ids):
    """A reference row's generated ids up to and including its first eos (the rest is padding)."""
    row = [int(t) for t in row]
    end = next((i + 1 for i, t in enumerate(row) if t in eos_ids), len(row))
    return row[:end]


def references_vary(ckpt, eos_ids, min_distinct):
    """Whether every row transformers generated varies; prints one line per row."""
    ok = True
    for name in ("b1", "b2"):
        ids = np.load(os.path.join(ckpt, "generate_%s_input_ids.npy" % name))
        out = np.load(os.path.join(ckpt, "generate_%s_output_ids.npy" % name))[:, ids.shape[1]:]
        for r in range(len(out)):
            tokens = new_tokens(out[r], eos_ids)
            distinct = len(set(tokens))
            echo = all(t == int(ids[r, -1]) for t in tokens)
            row_ok = distinct >= min_distinct and not echo
            ok &= row_ok
            print("reference %s row %d: %d new ids, %d distinct (at least %d)%s %s"
                  % (name, r, len(tokens), distinct, min_distinct,
                     ", only the prompt's last token" if echo else "", "ok" if row_ok else "FAIL"))
            if not row_ok:
                print("  transformers: %s\n  a decoder that repeated its input could match this; make the"
                      " checkpoint with another --seed or --scale" % tokens)
    return ok


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("checkpoint")
    parser.add_argument("--work", required=True, help="directory for artifacts and outputs")
    parser.add_argument("--tmc", default="tmc")
    parser.add_argument("--attn", default="eager")
    parser.add_argument("--max-seq-len", type=int, default=64)
    parser.add_argument("--backends", default="compiled", help="compiled,torch")
    parser.add_argument("--dtype", default=None, help="passed to tmc compile --dtype")
    parser.add_argument("--atol", type=float, default=1e-5)
    parser.add_argument("--atol-reference", type=float, default=1e-4,
                        help="decode logits vs transformers' (max abs)")
    parser.add_argument("--min-distinct", type=int, default=4,
                        help="distinct new ids each reference row must hold")
    parser.add_argument("--reference-only", action="store_true",
                        help="only check that the reference varies; compile and run nothing")
    args = parser.parse_args()

    tmc = shutil.which(args.tmc) or args.tmc
    ckpt = args.checkpoint
    os.makedirs(args.work, exist_ok=True)
    with open(os.path.join(ckpt, "fixtures.json")) as f:
        fixtures = json.load(f)
    eos_ids = fixtures.get("eos_token_id")
    eos_ids = set(eos_ids if isinstance(eos_ids, list) else [] if eos_ids is None else [eos_ids])
    failed = not references_vary(ckpt, eos_ids, args.min_distinct)
    if args.reference_only:
        return 1 if failed else 0
    first_logits = {}
    for attn in args.attn.split(","):
        artifact = os.path.join(args.work, "artifact-generate-" + attn)
        cmd = [tmc, "compile", ckpt, "--max-seq-len", str(args.max_seq_len), "--attn-implementation", attn,
               "-o", artifact]
        if args.dtype:
            cmd += ["--dtype", args.dtype]
        run(cmd)
        for name in ("b1", "b2"):
            ids = np.load(os.path.join(ckpt, "generate_%s_input_ids.npy" % name))
            mask_path = os.path.join(ckpt, "generate_%s_attention_mask.npy" % name)
            mask = np.load(mask_path) if os.path.exists(mask_path) else None
            expected = np.load(os.path.join(ckpt, "generate_%s_output_ids.npy" % name))[:, ids.shape[1]:]
            for backend in args.backends.split(","):
                logits_path = os.path.join(args.work, "decode-%s-%s-%s.npy" % (attn, backend, name))
                cmd = [tmc, "run", artifact, "--weights", ckpt, "--input-ids", rows_text(ids, mask),
                       "--max-new-tokens", str(expected.shape[1]), "--pad-id", str(fixtures["pad_token_id"]),
                       "--backend", backend, "--output", logits_path]
                out = run(cmd).stdout.strip().splitlines()
                got = [[int(t) for t in line.split(",")] for line in out]
                want = [list(map(int, row)) for row in expected]
                # transformers pads rows that finished early; tmc stops when all rows finished.
                same = len(got) == len(want) and all(g == w[:len(g)] and all(t == fixtures["pad_token_id"] for t in w[len(g):]) for g, w in zip(got, want))
                status = "ok" if same else "FAIL"
                print("%s %s generate %s: %d rows x %d tokens %s" % (attn, backend, name, len(want), len(want[0]), status))
                if not same:
                    failed = True
                    for g, w in zip(got, want):
                        print("  tmc:          %s" % g)
                        print("  transformers: %s" % w)
                decoded = np.load(logits_path)
                # transformers' logits at the steps each row really took (to its eos), up to
                # and including the first step whose pick differs (its inputs still agree).
                hf_logits = np.load(os.path.join(ckpt, "generate_%s_logits.npy" % name))
                worst, compared = 0.0, 0
                for r, (g, w) in enumerate(zip(got, want)):
                    steps = new_tokens(w, eos_ids)
                    diverged = next((t for t, (a, b) in enumerate(zip(g, w)) if a != b), None)
                    steps = min(len(steps), len(g), diverged + 1 if diverged is not None else len(g))
                    if steps > decoded.shape[1] or steps > hf_logits.shape[1] or decoded.shape[2] != hf_logits.shape[2]:
                        worst = float("inf")
                        continue
                    diff = np.abs(decoded[r, :steps].astype(np.float64) - hf_logits[r, :steps].astype(np.float64))
                    worst = max(worst, float(diff.max()) if diff.size else 0.0)
                    worst = worst if np.all(np.isfinite(decoded[r, :steps])) else float("inf")
                    compared += steps
                ok = worst <= args.atol_reference and compared > 0
                failed |= not ok
                print("%s %s decode logits %s vs transformers: %d steps, max abs %.2e (atol %.0e) %s"
                      % (attn, backend, name, compared, worst, args.atol_reference, "ok" if ok else "FAIL"))
                key = (backend, name)
                if key in first_logits:
                    err = float(np.abs(decoded - first_logits[key][1]).max()) if decoded.shape == first_logits[key][1].shape else float("inf")
                    ok = err <= args.atol
                    failed |= not ok
                    print("%s %s decode logits %s vs %s: max abs %.2e %s" % (attn, backend, name, first_logits[key][0], err, "ok" if ok else "FAIL"))
                else:
                    first_logits[key] = (attn, decoded)
                if name == "b1" and backend == "compiled" and same:
                    # The forward entry on the whole sequence (positions 0.., no cache) gives
                    # the logits each new token was picked from at positions prompt-1...
                    sequence = [int(t) for t in ids[0]] + got[0][:-1]
                    forward_path = os.path.join(args.work, "forward-%s-%s.npy" % (attn, name))
                    run([tmc, "run", artifact, "--weights", ckpt, "--input-ids", ",".join(map(str, sequence)),
                         "--output", forward_path])
                    forward = np.load(forward_path)[:, ids.shape[1] - 1:, :]
                    err = float(np.abs(decoded - forward).max()) if decoded.shape == forward.shape else float("inf")
                    ok = err <= args.atol
                    failed |= not ok
                    print("%s %s decode logits %s vs forward: max abs %.2e %s" % (attn, backend, name, err, "ok" if ok else "FAIL"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
