#!/usr/bin/env python3
"""Chunked attention (Llama 4's `chunked_attention` layers) against transformers' chunked mask.

    check_chunked.py CHECKPOINT_DIR --work DIR --chunk C [--attn eager,sdpa]

No bundled model has chunked layers yet, so this builds one from the bundled
Llama: its modeling file with `chunk_size=C` given to the @compiles_to("causal_mask")
function, compiled from CHECKPOINT_DIR (a Llama save_pretrained checkpoint).
The reference is transformers' LlamaForCausalLM on the same weights given the
4-D mask of transformers' `create_chunked_causal_mask` (query i sees key j when
j <= i and both are in one chunk of C positions, chunks counted from each row's
first token). For each attention implementation:
  forward:  logits of a left-padded batch (rows of 11 and 7 tokens), max abs
            <= --atol vs the reference;
  generate: `tmc run --max-new-tokens N --output` (the decode entry, whose
            chunked layers keep a full cache) picks each token from logits
            within --atol of the reference run on prompt + generated tokens
            (positions as generate() gives them), and the ids are the
            reference's greedy picks.
Prints one line per check and exits 1 on a failure.
"""

import argparse
import os
import sys

import numpy as np
import torch
from transformers import AutoConfig, LlamaForCausalLM
from transformers.masking_utils import create_chunked_causal_mask

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
sys.path.insert(0, os.path.join(ROOT, "scripts", "reference"))
from tmc_cli import rows_text, run  # noqa: E402


def chunked_modeling_file(chunk, path):
    """The bundled Llama with its causal mask chunked: two textual edits, checked."""
    with open(os.path.join(ROOT, "models", "llama", "modeling_llama.py")) as f:
        text = f.read()
    edits = [
        ("def create_causal_mask(attention_mask, batch_size, seq_len, dtype, device):",
         "def create_causal_mask(attention_mask, batch_size, seq_len, dtype, device, chunk_size=None):"),
        ("attention_mask, batch_size, seq_len, inputs_embeds.dtype, inputs_embeds.device\n",
         "attention_mask, batch_size, seq_len, inputs_embeds.dtype, inputs_embeds.device, chunk_size=%d\n" % chunk),
    ]
    for old, new in edits:
        if text.count(old) != 1:
            sys.exit("check_chunked: models/llama/modeling_llama.py changed; update the edit of: " + old)
        text = text.replace(old, new)
    with open(path, "w") as f:
        f.write(text)


def reference_logits(model, config, ids, mask, position_ids):
    """transformers' Llama on `ids` under the chunked mask of `mask` (no cache)."""
    embeds = model.model.embed_tokens(ids)
    chunked = create_chunked_causal_mask(config=config, inputs_embeds=embeds, attention_mask=mask,
                                         cache=None, position_ids=position_ids)
    with torch.no_grad():
        return model(input_ids=ids, attention_mask=chunked, position_ids=position_ids).logits.numpy()


def left_padded(rows, pad=0):
    width = max(len(r) for r in rows)
    ids = torch.tensor([[pad] * (width - len(r)) + r for r in rows])
    mask = torch.tensor([[0] * (width - len(r)) + [1] * len(r) for r in rows])
    return ids, mask


def report(name, diff, atol, failures):
    ok = diff <= atol
    print("%s: max abs %.3g (tol %g) %s" % (name, diff, atol, "ok" if ok else "FAIL"))
    if not ok:
        failures.append(name)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("checkpoint")
    parser.add_argument("--work", required=True)
    parser.add_argument("--tmc", default="tmc")
    parser.add_argument("--chunk", type=int, default=4)
    parser.add_argument("--attn", default="eager,sdpa")
    parser.add_argument("--new-tokens", type=int, default=12)
    # fp32 logits of a tiny random model; the same bound as the model tests (DESIGN.md §8).
    parser.add_argument("--atol", type=float, default=1e-4)
    args = parser.parse_args()

    modeling = os.path.join(args.work, "modeling_llama.py")
    chunked_modeling_file(args.chunk, modeling)
    config = AutoConfig.from_pretrained(args.checkpoint)
    config.attention_chunk_size = args.chunk
    config._attn_implementation = "eager"
    model = LlamaForCausalLM.from_pretrained(args.checkpoint, attn_implementation="eager").eval()

    generator = torch.Generator().manual_seed(0)
    rows = [torch.randint(1, config.vocab_size, (n,), generator=generator).tolist() for n in (11, 7)]
    ids, mask = left_padded(rows)
    forward_positions = torch.arange(ids.shape[1]).unsqueeze(0)
    expected = reference_logits(model, config, ids, mask, forward_positions)

    failures = []
    for attn in args.attn.split(","):
        artifact = os.path.join(args.work, "chunked-" + attn)
        run([args.tmc, "compile", modeling, "--config", os.path.join(args.checkpoint, "config.json"),
             "--attn-implementation", attn, "--max-seq-len", "32", "-o", artifact])
        logits_path = os.path.join(args.work, attn + "-forward.npy")
        run([args.tmc, "run", artifact, "--weights", args.checkpoint, "--input-ids", rows_text(rows),
             "--output", logits_path])
        got = np.load(logits_path)
        # Padding queries attend to nothing real; compare token positions only.
        keep = mask.numpy().astype(bool)
        report("forward %s" % attn, float(np.abs(got[keep] - expected[keep]).max()), args.atol, failures)

        generated_path = os.path.join(args.work, attn + "-generate.npy")
        out = run([args.tmc, "run", artifact, "--weights", args.checkpoint, "--input-ids", rows_text(rows),
                   "--max-new-tokens", str(args.new_tokens), "--eos-id", "-1",  # no early stop
                   "--output", generated_path]).stdout
        new_ids = [[int(t) for t in line.split(",")] for line in out.strip().splitlines()]
        step_logits = np.load(generated_path)  # (batch, new, vocab)
        full_ids, full_mask = left_padded([r + n for r, n in zip(rows, new_ids)])
        positions = full_mask.cumsum(-1) - 1
        positions = positions.masked_fill(full_mask == 0, 1)
        reference = reference_logits(model, config, full_ids, full_mask, positions)
        # The logits that picked new token t sit at the position before it.
        width = full_ids.shape[1]
        picked_at = reference[:, width - args.new_tokens - 1:width - 1, :]
        report("generate %s" % attn, float(np.abs(step_logits - picked_at).max()), args.atol, failures)
        greedy = picked_at.argmax(-1).tolist()
        same = greedy == new_ids
        print("generate %s ids: %s %s" % (attn, new_ids, "ok" if same else "FAIL (reference %s)" % greedy))
        if not same:
            failures.append("generate ids " + attn)
    if failures:
        sys.exit("check_chunked: FAIL: " + ", ".join(failures))


if __name__ == "__main__":
    main()
