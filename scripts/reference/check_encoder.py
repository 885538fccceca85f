#!/usr/bin/env python3
"""Compiles a BERT checkpoint with tmc and checks it against transformers, LibTorch and sentence-transformers.

    check_encoder.py CHECKPOINT_DIR --work DIR [--tmc tmc] [--attn eager,sdpa]
        [--sentences FILE] [--atol-reference 1e-4] [--atol-torch 1e-5] [--atol-embedding 1e-5]

    check_encoder.py --make-tiny CONFIG_JSON --work DIR ...

CHECKPOINT_DIR is a transformers BertModel checkpoint (config.json,
model.safetensors); with --make-tiny, transformers' own BertModel with seeded
random weights is saved from CONFIG_JSON into DIR/checkpoint first. For each
attention implementation it runs `tmc compile CHECKPOINT_DIR
--attn-implementation A` and `tmc run --output-dir` on a right-padded batch
(rows of different lengths, an attention mask; with --sentences, the
sentences tokenized by transformers' tokenizer, else random ids) with the
compiled code and the LibTorch executor, and compares:

  last hidden state, compiled vs transformers BertModel   max abs <= --atol-reference (1e-4)
  pooled output, compiled vs transformers                 max abs <= --atol-reference
  compiled vs LibTorch executor                           max abs <= --atol-torch (1e-5)
  each implementation vs eager                            max abs <= --atol-torch

With --modeling MODEL_DIR, MODEL_DIR/modeling_<name>.py itself, run by PyTorch
on the checkpoint's weights (loaded strictly) with each attention
implementation, is compared with transformers too: max abs <= --atol-torch.
Hidden states are compared on token positions only (padding positions carry
no meaning). With --sentences and a sentence-transformers checkpoint
(modules.json), `tmc run --prompt S1 --prompt S2 ...` (tmc's own tokenizer,
pooling and normalization, from the checkpoint's files) is compared with
`SentenceTransformer(CHECKPOINT_DIR).encode(sentences)`: max abs <=
--atol-embedding (1e-5). Exits 1 when a comparison exceeds its tolerance.
"""

import argparse
import json
import os
import shutil
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from check_modeling import load_modeling  # noqa: E402
from tmc_cli import Comparisons, rows_text, run  # noqa: E402


def make_tiny(config_path, out):
    import torch
    from transformers import BertConfig, BertModel

    torch.manual_seed(0)
    config = json.load(open(config_path))
    model = BertModel(BertConfig(**config)).eval()
    with torch.no_grad():  # std 0.02 leaves a tiny model near-constant; make it discriminating
        for p in model.parameters():
            p.normal_(0.0, 0.25)
    model.save_pretrained(out)
    return out


def right_padded_batch(checkpoint, sentences):
    """(input_ids, attention_mask) int64, right-padded, as transformers' tokenizer or random ids."""
    if sentences:
        from transformers import AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained(checkpoint)
        batch = tokenizer(sentences, padding=True, return_tensors="np")
        return batch["input_ids"].astype(np.int64), batch["attention_mask"].astype(np.int64)
    vocab = json.load(open(os.path.join(checkpoint, "config.json")))["vocab_size"]
    rng = np.random.default_rng(0)
    lengths = [9, 5, 7]
    ids = np.zeros((len(lengths), max(lengths)), dtype=np.int64)
    mask = np.zeros_like(ids)
    for r, n in enumerate(lengths):
        ids[r, :n] = rng.integers(1, vocab, n)
        mask[r, :n] = 1
    return ids, mask


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("checkpoint", nargs="?")
    parser.add_argument("--make-tiny", metavar="CONFIG_JSON")
    parser.add_argument("--work", required=True, help="directory for artifacts and outputs")
    parser.add_argument("--tmc", default="tmc")
    parser.add_argument("--attn", default="eager,sdpa")
    parser.add_argument("--sentences", help="a file of sentences, one per line")
    parser.add_argument("--modeling", metavar="MODEL_DIR", help="also check MODEL_DIR/modeling_<name>.py under PyTorch")
    parser.add_argument("--atol-reference", type=float, default=1e-4)
    parser.add_argument("--atol-torch", type=float, default=1e-5)
    parser.add_argument("--atol-embedding", type=float, default=1e-5)
    args = parser.parse_args()

    import torch
    from transformers import BertModel

    torch.set_num_threads(min(2, os.cpu_count() or 1))
    tmc = shutil.which(args.tmc) or args.tmc
    os.makedirs(args.work, exist_ok=True)
    ckpt = args.checkpoint
    if args.make_tiny:
        ckpt = make_tiny(args.make_tiny, os.path.join(args.work, "checkpoint"))
    sentences = [line.rstrip("\n") for line in open(args.sentences, encoding="utf-8")] if args.sentences else []
    sentences = [s for s in sentences if s]

    ids, mask = right_padded_batch(ckpt, sentences)
    np.save(os.path.join(args.work, "input_ids.npy"), ids)
    np.save(os.path.join(args.work, "attention_mask.npy"), mask)
    model = BertModel.from_pretrained(ckpt, attn_implementation="eager").eval()
    with torch.no_grad():
        out = model(input_ids=torch.from_numpy(ids), attention_mask=torch.from_numpy(mask))
    want_hidden = out.last_hidden_state.numpy()
    want_pooled = out.pooler_output.numpy()
    token_mask = np.broadcast_to(mask[:, :, None], want_hidden.shape)

    comparisons = Comparisons(width=56)
    check = comparisons.check
    if args.modeling:
        name, module = load_modeling(args.modeling)
        config = json.load(open(os.path.join(ckpt, "config.json")))
        for attn in args.attn.split(","):
            ours = module.BertModel(module.BertConfig(**dict(config, attn_implementation=attn))).eval()
            ours.load_state_dict(model.state_dict(), strict=True)
            with torch.no_grad():
                hidden, pooled = ours(torch.from_numpy(ids), attention_mask=torch.from_numpy(mask))
            check("%s: modeling_%s.py under PyTorch vs transformers" % (attn, name), hidden.numpy(), want_hidden,
                  token_mask, args.atol_torch)
            check("%s: its pooled output vs transformers" % attn, pooled.numpy(), want_pooled, None, args.atol_torch)
    results = {}
    for attn in args.attn.split(","):
        artifact = os.path.join(args.work, "artifact-" + attn)
        run([tmc, "compile", ckpt, "--attn-implementation", attn, "-o", artifact])
        for backend in ("compiled", "torch"):
            out_dir = os.path.join(args.work, "%s-%s" % (attn, backend))
            run([tmc, "run", artifact, "--weights", ckpt, "--input-ids", rows_text(ids, mask),
                 "--attention-mask", "@" + os.path.join(args.work, "attention_mask.npy"),
                 "--backend", backend, "--output-dir", out_dir])
            results[(attn, backend)] = [np.load(os.path.join(out_dir, "result%d.npy" % i)) for i in (0, 1)]
        hidden, pooled = results[(attn, "compiled")]
        check("%s: last hidden state vs transformers" % attn, hidden, want_hidden, token_mask, args.atol_reference)
        check("%s: pooled output vs transformers" % attn, pooled, want_pooled, None, args.atol_reference)
        check("%s: last hidden state vs LibTorch executor" % attn, hidden, results[(attn, "torch")][0],
              token_mask, args.atol_torch)
        if attn != "eager" and ("eager", "compiled") in results:
            check("%s: last hidden state vs eager compiled" % attn, hidden, results[("eager", "compiled")][0],
                  token_mask, args.atol_torch)

    if sentences and os.path.exists(os.path.join(ckpt, "modules.json")):
        from sentence_transformers import SentenceTransformer

        want = SentenceTransformer(ckpt, device="cpu").encode(sentences, batch_size=len(sentences))
        got_path = os.path.join(args.work, "embeddings.npy")
        attn = args.attn.split(",")[0]
        cmd = [tmc, "run", os.path.join(args.work, "artifact-" + attn), "--weights", ckpt, "--output", got_path]
        for s in sentences:
            cmd += ["--prompt", s]
        run(cmd)
        check("%s: %d sentence embeddings vs sentence-transformers" % (attn, len(sentences)),
              np.load(got_path), want, None, args.atol_embedding)

    if comparisons.failures:
        print("check_encoder: %d comparison(s) failed" % len(comparisons.failures))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
