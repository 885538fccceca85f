#!/usr/bin/env python3
"""Checks the CUDA artifacts of scripts/gpu-bundle against transformers on the same GPU.

    check_gpu.py --bundle DIR --work DIR --runner "CMD ..." [--models llama,qwen2,...]
        [--device cuda] [--jobs 4]

Runs where a GPU is (scripts/test-gpu calls it). For every model it writes two
checkpoints with make_hf_checkpoint.py --device cuda (fixtures computed by
transformers on the GPU, TF32 off), fp32 and bf16, then runs the bundle's
precompiled artifacts with tmc-run (the --runner command) and compares:

  fp32 logits      eager artifact vs transformers fp32, unpadded batch      max abs <= 1e-4
  fp32 padded      the left-padded batch, at the real tokens                max abs <= 1e-4
  greedy 32        `--max-new-tokens 32` ids vs generate(do_sample=False)   equal
  sdpa vs eager    the sdpa artifact vs the eager one, fp32                 max abs <= 1e-5
  bf16 logits      bf16 artifact vs transformers bf16                       max abs <= 2^-4 * max(1, max |logit|)

The bf16 bound: bf16 keeps 8 significand bits (one ulp is 2^-8 of a value).
Both sides accumulate GEMMs in f32 and round once, but tmc rounds rope and
attention once where PyTorch rounds after each elementwise op, and the GEMM
libraries may sum in different orders, so results differ by ulps that
compound through the 2 layers: on the CPU target the same comparison
measures 1.5-3.5% of the largest logit (scripts/test-gpu --device cpu).
2^-4 (6.25%, 16 ulps) leaves a margin of about 2 over that and still fails
a wrong kernel, whose errors are of the logits' own size.

Prints one line per comparison, then a table, and exits 1 on any failure.
"""

import argparse
import concurrent.futures
import json
import os
import shlex
import subprocess
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
from tmc_cli import rows_text  # noqa: E402


# Weights whose greedy continuation varies (at least 4 distinct ids before an
# eos), as the CPU generation tests draw them (test/e2e/generate/*.test).
CHECKPOINT_FLAGS = {
    "gemma": ["--scale", "*.o_proj.weight=8", "--scale", "*.down_proj.weight=8"],
    "gemma2": ["--scale", "model.embed_tokens.weight=0.125"],
    "glm": ["--seed", "1"],
    "phi3": ["--seed", "2"],
}


def make_checkpoint(model, out, dtype, device):
    cmd = [sys.executable, os.path.join(HERE, "make_hf_checkpoint.py"), os.path.join(ROOT, "models", model),
           "-o", out, "--dtype", dtype, "--device", device] + CHECKPOINT_FLAGS.get(model, [])
    if dtype != "float32":
        cmd.append("--no-generate")
    result = subprocess.run(cmd, capture_output=True, text=True)
    return result.returncode == 0, result.stdout + result.stderr


class Checks:
    def __init__(self, runner):
        self.runner = runner
        self.failures = []
        self.table = {}

    def record(self, model, column, text, ok):
        self.table.setdefault(model, {})[column] = text + ("" if ok else " FAIL")
        print("%-8s %-14s %s" % (model, column, text + ("  ok" if ok else "  FAIL")))
        if not ok:
            self.failures.append("%s %s" % (model, column))

    def run(self, model, column, args):
        try:
            # A tiny model's call takes a second; a hung kernel must not stop the table.
            result = subprocess.run(self.runner + args, capture_output=True, text=True, timeout=180)
        except subprocess.TimeoutExpired:
            self.record(model, column, "tmc-run timed out after 180 s", False)
            return None
        if result.returncode != 0:
            self.record(model, column, "tmc-run failed: " + (result.stderr.strip().splitlines() or ["?"])[-1],
                        False)
            return None
        return result.stdout

    def max_abs(self, model, column, got, want, atol, mask=None):
        if got.shape != want.shape:
            self.record(model, column, "shape %s != %s" % (got.shape, want.shape), False)
            return None
        diff = np.abs(got.astype(np.float64) - want.astype(np.float64))
        if mask is not None:
            diff = diff[mask.astype(bool)]
        err = float(diff.max())
        self.record(model, column, "%.2e (<= %.0e)" % (err, atol), np.isfinite(err) and err <= atol)
        return err


def check_model(checks, model, bundle, work):
    art = lambda variant: os.path.join(bundle, "artifacts", "%s-%s" % (model, variant))
    f32, bf16 = (os.path.join(work, "ckpt", "%s-%s" % (model, d)) for d in ("f32", "bf16"))
    out = lambda name: os.path.join(work, "out", "%s-%s.npy" % (model, name))
    with open(os.path.join(f32, "fixtures.json")) as f:
        fixtures = json.load(f)

    ids = os.path.join(f32, "input_ids.npy")
    if checks.run(model, "fp32 logits", [art("f32-eager"), "--weights", f32, "--input-ids", "@" + ids,
                                         "--output", out("eager")]) is not None:
        eager = np.load(out("eager"))
        checks.max_abs(model, "fp32 logits", eager, np.load(os.path.join(f32, "logits.npy")), 1e-4)
        if checks.run(model, "sdpa vs eager", [art("f32-sdpa"), "--weights", f32, "--input-ids", "@" + ids,
                                               "--output", out("sdpa")]) is not None:
            checks.max_abs(model, "sdpa vs eager", np.load(out("sdpa")), eager, 1e-5)

    mask = np.load(os.path.join(f32, "padded_attention_mask.npy"))
    if checks.run(model, "fp32 padded", [art("f32-eager"), "--weights", f32,
                                         "--input-ids", "@" + os.path.join(f32, "padded_input_ids.npy"),
                                         "--attention-mask", "@" + os.path.join(f32, "padded_attention_mask.npy"),
                                         "--output", out("padded")]) is not None:
        want = np.load(os.path.join(f32, "padded_logits.npy"))
        rows = np.broadcast_to(mask[:, :, None], want.shape)
        checks.max_abs(model, "fp32 padded", np.load(out("padded")), want, 1e-4, rows)

    prompt = np.load(os.path.join(f32, "generate_b1_input_ids.npy"))
    expected = np.load(os.path.join(f32, "generate_b1_output_ids.npy"))[0, prompt.shape[1]:].tolist()
    text = checks.run(model, "greedy 32", [art("f32-eager"), "--weights", f32, "--input-ids", rows_text(prompt),
                                           "--max-new-tokens", str(len(expected)),
                                           "--pad-id", str(fixtures["pad_token_id"])])
    if text is not None:
        got = [int(t) for t in text.strip().splitlines()[0].split(",")]
        # transformers pads a row that ended early; tmc stops at the eos.
        same = got == expected[:len(got)] and all(t == fixtures["pad_token_id"] for t in expected[len(got):])
        distinct = len(set(expected))
        checks.record(model, "greedy 32", "%d ids, %d distinct, %s" % (len(got), distinct,
                                                                       "equal" if same else "differ"),
                      same and distinct >= 4)

    bf16_ids = os.path.join(bf16, "input_ids.npy")
    if checks.run(model, "bf16 logits", [art("bf16-eager"), "--weights", bf16, "--input-ids", "@" + bf16_ids,
                                         "--output", out("bf16")]) is not None:
        want = np.load(os.path.join(bf16, "logits.npy"))
        checks.max_abs(model, "bf16 logits", np.load(out("bf16")), want,
                       2.0 ** -4 * max(1.0, float(np.abs(want).max())))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bundle", required=True, help="the unpacked gpu-bundle directory")
    parser.add_argument("--work", required=True)
    parser.add_argument("--runner", required=True, help="the command that runs tmc-run (a shell word list)")
    parser.add_argument("--models", help="comma separated (default: the bundle's)")
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--jobs", type=int, default=4, help="checkpoints made at once")
    args = parser.parse_args()

    with open(os.path.join(args.bundle, "BUNDLE.json")) as f:
        bundle = json.load(f)
    models = args.models.split(",") if args.models else bundle["models"].split()
    os.makedirs(os.path.join(args.work, "out"), exist_ok=True)
    checks = Checks(shlex.split(args.runner))

    jobs = [(m, d) for m in models for d in ("float32", "bfloat16")]
    made = {}
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        futures = {pool.submit(make_checkpoint, m, os.path.join(args.work, "ckpt", "%s-%s" % (
            m, "f32" if d == "float32" else "bf16")), d, args.device): (m, d) for m, d in jobs}
        for future in concurrent.futures.as_completed(futures):
            made[futures[future]] = future.result()
    for model in models:
        broken = [log for d in ("float32", "bfloat16") for ok, log in [made[(model, d)]] if not ok]
        if broken:
            checks.record(model, "checkpoint", "make_hf_checkpoint failed: " + broken[0].strip().splitlines()[-1],
                          False)
            continue
        check_model(checks, model, args.bundle, args.work)

    columns = ["fp32 logits", "fp32 padded", "greedy 32", "sdpa vs eager", "bf16 logits"]
    print()
    print("tmc %s, %s artifacts" % (bundle["tmc_commit"], bundle["cuda_arch"]))
    print("| model | " + " | ".join(columns) + " |")
    print("|---" * (len(columns) + 1) + "|")
    for model in models:
        row = checks.table.get(model, {})
        print("| %s | %s |" % (model, " | ".join(row.get(c, row.get("checkpoint", "-")) for c in columns)))
    print()
    print("%d failures%s" % (len(checks.failures), (": " + ", ".join(checks.failures)) if checks.failures else ""))
    return 1 if checks.failures else 0


if __name__ == "__main__":
    sys.exit(main())
