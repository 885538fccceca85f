#!/usr/bin/env python3
"""Compiles a Hugging Face checkpoint with tmc and checks its logits against transformers and LibTorch.

    check_compiled.py CHECKPOINT_DIR --work DIR [--tmc tmc] [--attn eager,sdpa]
        [--atol-reference 1e-4] [--atol-torch 1e-5] [--dtype float32]

CHECKPOINT_DIR is what make_hf_checkpoint.py writes: transformers' own
save_pretrained output (config.json, model.safetensors or shards) plus the
fixtures input_ids.npy / logits.npy and the left-padded batch
padded_input_ids.npy / padded_attention_mask.npy / padded_logits.npy, all
computed by transformers. For each attention implementation it runs
`tmc compile CHECKPOINT_DIR --attn-implementation A` (no renaming or conversion
step) and `tmc run` on both batches, with the compiled backend and with the
LibTorch executor, and compares:

  compiled vs transformers        max abs <= --atol-reference (1e-4, DESIGN.md §8)
  compiled vs LibTorch executor   max abs <= --atol-torch (1e-5)
  each implementation vs eager    max abs <= --atol-torch (1e-5)

Padded rows are compared on token positions only (transformers' logits at
padding positions are not meaningful). Prints one line per comparison and
exits 1 when one exceeds its tolerance.
"""

import argparse
import os
import shutil
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tmc_cli import Comparisons, run  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("checkpoint")
    parser.add_argument("--work", required=True, help="directory for artifacts and outputs")
    parser.add_argument("--tmc", default="tmc")
    parser.add_argument("--attn", default="eager,sdpa")
    parser.add_argument("--dtype", default=None, help="passed to tmc compile --dtype")
    parser.add_argument("--atol-reference", type=float, default=1e-4)
    parser.add_argument("--atol-torch", type=float, default=1e-5)
    args = parser.parse_args()

    tmc = shutil.which(args.tmc) or args.tmc
    ckpt = args.checkpoint
    os.makedirs(args.work, exist_ok=True)
    batches = {
        "batch": (os.path.join(ckpt, "input_ids.npy"), None, os.path.join(ckpt, "logits.npy")),
        "padded": (
            os.path.join(ckpt, "padded_input_ids.npy"),
            os.path.join(ckpt, "padded_attention_mask.npy"),
            os.path.join(ckpt, "padded_logits.npy"),
        ),
    }
    comparisons = Comparisons(width=52)
    failures = comparisons.failures
    check = comparisons.check
    outputs = {}


    for attn in args.attn.split(","):
        artifact = os.path.join(args.work, "artifact-" + attn)
        cmd = [tmc, "compile", ckpt, "--attn-implementation", attn, "-o", artifact]
        if args.dtype:
            cmd += ["--dtype", args.dtype]
        run(cmd)
        for name, (ids, mask, reference) in batches.items():
            for backend in ("compiled", "torch"):
                out = os.path.join(args.work, "%s-%s-%s.npy" % (attn, name, backend))
                cmd = [tmc, "run", artifact, "--weights", ckpt, "--input-ids", "@" + ids, "--output", out,
                       "--backend", backend]
                if mask:
                    cmd += ["--attention-mask", "@" + mask]
                run(cmd)
                outputs[(attn, name, backend)] = np.load(out)
            token_mask = np.load(mask) if mask else None
            if token_mask is not None:
                token_mask = np.broadcast_to(token_mask[:, :, None], outputs[(attn, name, "compiled")].shape)
            compiled = outputs[(attn, name, "compiled")]
            check("%s %s: compiled vs transformers" % (attn, name), compiled, np.load(reference), token_mask,
                  args.atol_reference)
            check("%s %s: compiled vs LibTorch executor" % (attn, name), compiled,
                  outputs[(attn, name, "torch")], token_mask, args.atol_torch)
            if attn != "eager" and ("eager", name, "compiled") in outputs:
                check("%s %s: compiled vs eager compiled" % (attn, name), compiled,
                      outputs[("eager", name, "compiled")], token_mask, args.atol_torch)
    if failures:
        print("check_compiled: %d comparison(s) failed" % len(failures))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
