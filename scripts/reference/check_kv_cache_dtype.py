#!/usr/bin/env python3
"""Checks `tmc compile --kv-cache-dtype` against transformers with its KV cache rounded the same way.

    check_kv_cache_dtype.py CHECKPOINT_DIR --work DIR [--tmc tmc] [--kv-cache-dtype float16]
        [--max-seq-len 64] [--backends compiled,torch] [--atol 1e-4] [--min-effect 3]

CHECKPOINT_DIR is what make_hf_checkpoint.py writes, with its generation
fixtures (generate_b1_*: one 5-token prompt; generate_b2_*: prompts of 5 and
3 tokens, the second left-padded). The reference is transformers' greedy
`generate()` (eager attention, float32) on the same prompts with a
DynamicCache whose update rounds each new key and value to --kv-cache-dtype
before storing it, so attention reads rounded keys and values, as tmc's cache
holds them (the prompt's own keys included: both attend over what the cache
returns). tmc compiles the checkpoint with --kv-cache-dtype and runs both
batches (`tmc run --max-new-tokens n --output L.npy`) on each of --backends
(the compiled code, and the LibTorch executor on the artifact's graph).
Checked, one line each:

- the new ids equal the rounded reference's (up to each row's eos);
- the decode logits are within --atol (1e-4, DESIGN.md §8) of the rounded
  reference's, up to each row's eos or first differing id. (For float16 the
  RUN line widens it, and says why: an f32 key one ulp away from
  transformers' before rounding can round to the neighbouring f16 value, a
  difference of 2^-11 of that element, where bf16's ulp is rarely crossed);
- the rounding matters: the rounded reference's logits differ from the exact
  ones (the checkpoint's generate_b*_logits, an f32 cache) by more than
  --min-effect times tmc's difference from the rounded reference, so that a
  tmc that ignored the flag (as far from the rounded reference as the exact
  one is) fails. (Reported as FAIL: choose another --scale or --seed for
  make_hf_checkpoint.py.)

Also printed: tmc's logits against the exact reference, the cost of the
narrower cache. Exits 1 on any FAIL.
"""

import argparse
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tmc_cli import rows_text, run  # noqa: E402

TORCH_DTYPES = {"float16": "float16", "bfloat16": "bfloat16", "float32": "float32"}


def rounded_generate(ckpt, batches, dtype_name, max_new_tokens, pad_id):
    """transformers' greedy ids and logits per batch with every cached key and value rounded."""
    import torch
    from transformers import AutoModelForCausalLM, DynamicCache

    narrow = getattr(torch, TORCH_DTYPES[dtype_name])

    class RoundedCache(DynamicCache):
        """A DynamicCache that stores (and so returns) keys and values rounded to `narrow`."""

        def update(self, key_states, value_states, layer_idx, *args, **kwargs):
            return super().update(key_states.to(narrow).to(key_states.dtype),
                                  value_states.to(narrow).to(value_states.dtype), layer_idx, *args, **kwargs)

    model = AutoModelForCausalLM.from_pretrained(ckpt, attn_implementation="eager", dtype=torch.float32).eval()
    results = {}
    with torch.no_grad():
        for name, (ids, mask) in batches.items():
            ids_t = torch.tensor(ids)
            mask_t = torch.tensor(mask) if mask is not None else torch.ones_like(ids_t)
            out = model.generate(ids_t, attention_mask=mask_t, do_sample=False, max_new_tokens=max_new_tokens,
                                 pad_token_id=pad_id, return_dict_in_generate=True, output_logits=True,
                                 past_key_values=RoundedCache(config=model.config))
            results[name] = (out.sequences[:, ids_t.shape[1]:].numpy(), torch.stack(out.logits, dim=1).numpy())
    return results


def steps_to_compare(got, want, eos_ids):
    """Steps of a row both took: up to the reference's eos and the first differing id, inclusive."""
    end = next((i + 1 for i, t in enumerate(want) if t in eos_ids), len(want))
    diverged = next((t for t, (a, b) in enumerate(zip(got, want)) if a != b), None)
    return min(end, len(got), diverged + 1 if diverged is not None else len(got))


def max_abs(a, b):
    if a.shape != b.shape or not np.all(np.isfinite(a)):
        return float("inf")
    return float(np.abs(a.astype(np.float64) - b.astype(np.float64)).max()) if a.size else 0.0


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("checkpoint")
    parser.add_argument("--work", required=True, help="directory for the artifact and outputs")
    parser.add_argument("--tmc", default="tmc")
    parser.add_argument("--kv-cache-dtype", default="float16", choices=["float16", "bfloat16"])
    parser.add_argument("--max-seq-len", type=int, default=64)
    parser.add_argument("--backends", default="compiled,torch")
    parser.add_argument("--atol", type=float, default=1e-4, help="tmc against the rounded reference")
    parser.add_argument("--min-effect", type=float, default=3.0,
                        help="the rounding must move the reference's logits this many times tmc's difference")
    args = parser.parse_args()

    ckpt = args.checkpoint
    os.makedirs(args.work, exist_ok=True)
    with open(os.path.join(ckpt, "fixtures.json")) as f:
        fixtures = json.load(f)
    pad_id = fixtures["pad_token_id"]
    eos = fixtures.get("eos_token_id")
    eos_ids = set(eos if isinstance(eos, list) else [] if eos is None else [eos])
    batches = {}
    for name in ("b1", "b2"):
        ids = np.load(os.path.join(ckpt, "generate_%s_input_ids.npy" % name))
        mask_path = os.path.join(ckpt, "generate_%s_attention_mask.npy" % name)
        batches[name] = (ids, np.load(mask_path) if os.path.exists(mask_path) else None)
    new_tokens = np.load(os.path.join(ckpt, "generate_b1_output_ids.npy")).shape[1] - batches["b1"][0].shape[1]
    reference = rounded_generate(ckpt, batches, args.kv_cache_dtype, new_tokens, pad_id)

    artifact = os.path.join(args.work, "artifact-kv-" + args.kv_cache_dtype)
    run([args.tmc, "compile", ckpt, "--max-seq-len", str(args.max_seq_len), "--attn-implementation", "eager",
         "--kv-cache-dtype", args.kv_cache_dtype, "-o", artifact])
    failed = False
    for backend, (name, (ids, mask)) in ((b, item) for b in args.backends.split(",") for item in batches.items()):
        want_ids, want_logits = reference[name]
        exact_logits = np.load(os.path.join(ckpt, "generate_%s_logits.npy" % name))
        logits_path = os.path.join(args.work, "decode-%s-%s-%s.npy" % (args.kv_cache_dtype, backend, name))
        out = run([args.tmc, "run", artifact, "--weights", ckpt, "--input-ids", rows_text(ids, mask),
                   "--max-new-tokens", str(want_ids.shape[1]), "--pad-id", str(pad_id),
                   "--backend", backend, "--output", logits_path]).stdout.strip().splitlines()
        got = [[int(t) for t in line.split(",")] for line in out]
        want = [[int(t) for t in row] for row in want_ids]
        tag = "kv-cache %s %s" % (args.kv_cache_dtype, backend)
        same = len(got) == len(want) and all(
            g == w[:len(g)] and all(t == pad_id for t in w[len(g):]) for g, w in zip(got, want))
        failed |= not same
        print("%s generate %s: %d rows x %d tokens %s" % (tag, name, len(want), len(want[0]), "ok" if same else "FAIL"))
        if not same:
            for g, w in zip(got, want):
                print("  tmc:          %s" % g)
                print("  transformers: %s" % w)
        decoded = np.load(logits_path)
        worst = effect = exact = 0.0
        compared = 0
        for r, (g, w) in enumerate(zip(got, want)):
            steps = steps_to_compare(g, w, eos_ids)
            compared += steps
            worst = max(worst, max_abs(decoded[r, :steps], want_logits[r, :steps]))
            exact = max(exact, max_abs(decoded[r, :steps], exact_logits[r, :steps]))
            effect = max(effect, max_abs(want_logits[r, :steps], exact_logits[r, :steps]))
        ok = worst <= args.atol and compared > 0
        failed |= not ok
        print("%s decode logits %s vs rounded transformers: %d steps, max abs %.2e (atol %.0e) %s"
              % (tag, name, compared, worst, args.atol, "ok" if ok else "FAIL"))
        ok = effect > args.min_effect * worst and effect > args.atol
        failed |= not ok
        print("%s rounding effect %s (rounded vs exact transformers): max abs %.2e (> %.0f x %.2e) %s"
              % (tag, name, effect, args.min_effect, worst, "ok" if ok else "FAIL"))
        print("%s decode logits %s vs exact transformers: max abs %.2e" % (tag, name, exact))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
