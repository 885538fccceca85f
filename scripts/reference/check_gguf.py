#!/usr/bin/env python3
"""Compiles a GGUF file with tmc and checks its logits and greedy ids against transformers.

    check_gguf.py model.gguf --work DIR --input-ids IDS.npy [--reference CHECKPOINT_DIR]
        [--generate N] [--tmc tmc] [--atol 1e-4] [--rtol 0]

The reference is transformers' LlamaForCausalLM-style model (eager, float32):
loaded from --reference (the Hugging Face checkpoint the GGUF was converted
from, for lossless types), else from the GGUF itself with
`from_pretrained(dir, gguf_file=...)`, whose loader dequantizes with llama.cpp's
gguf-py and undoes the Q/K permutation with transformers' own code. tmc runs
`tmc compile model.gguf` and `tmc run ARTIFACT --weights model.gguf`, nothing
else: no conversion step.

Checks, one printed line each (exit 1 when one fails):
  logits of IDS.npy (batch, seq)   max abs <= --atol + --rtol * max abs reference
  --generate N                     the greedy ids of N new tokens from the first row,
                                   transformers' generate(do_sample=False) with the
                                   eos id disabled so that all N tokens are compared
  --chat TEXT                      `tmc run --prompt TEXT --chat`: ids and streamed text
                                   equal transformers' greedy generation (up to its eos)
                                   from apply_chat_template(TEXT, add_generation_prompt)
                                   with the GGUF's own tokenizer and template
"""

import argparse
import os
import shutil
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tmc_cli import rows_text, run  # noqa: E402


def load_reference(gguf_path, checkpoint):
    from transformers import AutoModelForCausalLM

    if checkpoint:
        model = AutoModelForCausalLM.from_pretrained(checkpoint, dtype=torch.float32, attn_implementation="eager")
    else:
        model = AutoModelForCausalLM.from_pretrained(os.path.dirname(os.path.abspath(gguf_path)),
                                                     gguf_file=os.path.basename(gguf_path),
                                                     dtype=torch.float32, attn_implementation="eager")
    return model.eval()


def check_chat(tmc, artifact, gguf_path, model, text, n):
    """tmc run --prompt TEXT --chat against transformers on the same GGUF: the
    template's ids from transformers' GGUF tokenizer, generate() stopping at
    the checkpoint's eos as tmc does, the text decoded without special tokens."""
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(os.path.dirname(os.path.abspath(gguf_path)),
                                              gguf_file=os.path.basename(gguf_path))
    prompt = tokenizer.apply_chat_template([{"role": "user", "content": text}], add_generation_prompt=True,
                                           tokenize=True, return_dict=True, return_tensors="pt")["input_ids"]
    with torch.no_grad():
        out = model.generate(prompt, attention_mask=torch.ones_like(prompt), do_sample=False, max_new_tokens=n,
                             pad_token_id=tokenizer.pad_token_id)
    want_ids = out[0, prompt.shape[1]:].tolist()
    want_text = tokenizer.decode(want_ids, skip_special_tokens=True)
    common = [artifact, "--weights", gguf_path, "--prompt", text, "--chat", "--max-new-tokens", str(n)]
    got_ids = [int(t) for t in run([tmc, "run"] + common + ["--output-ids"]).stdout.strip().splitlines()[-1].split(",")]
    got_text = run([tmc, "run"] + common).stdout.rstrip("\n")
    ok = got_ids == want_ids and got_text == want_text
    print("%-40s %r (%d tokens)  %s" % ("--chat text vs transformers", got_text, len(got_ids),
                                        "ok" if ok else "FAIL (want %r, ids %s, got ids %s)"
                                        % (want_text, want_ids, got_ids)))
    return ok


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("gguf")
    parser.add_argument("--work", required=True)
    parser.add_argument("--input-ids", required=True, help=".npy of int64 (batch, seq)")
    parser.add_argument("--reference", help="HF checkpoint directory to compare with (default: the GGUF)")
    parser.add_argument("--generate", type=int, default=0)
    parser.add_argument("--prompt", help="text: tmc run --prompt's streamed text must be the "
                        "detokenized ids transformers generates greedily from its tokens")
    parser.add_argument("--chat", help="text: one user message in the GGUF's chat template; tmc run "
                        "--prompt TEXT --chat must generate transformers' greedy ids and text from it")
    parser.add_argument("--tmc", default="tmc")
    parser.add_argument("--atol", type=float, default=1e-4)
    parser.add_argument("--rtol", type=float, default=0.0)
    args = parser.parse_args()

    tmc = shutil.which(args.tmc) or args.tmc
    os.makedirs(args.work, exist_ok=True)
    model = load_reference(args.gguf, args.reference)
    ids = np.load(args.input_ids)
    with torch.no_grad():
        want = model(torch.from_numpy(ids)).logits.float().numpy()

    artifact = os.path.join(args.work, "artifact")
    max_seq = ids.shape[1] + args.generate + 8
    if args.chat:  # the template's system prompt and headers, then up to 32 new tokens
        max_seq = max(max_seq, 128)
    run([tmc, "compile", args.gguf, "-o", artifact, "--max-seq-len", str(max_seq)])
    logits = os.path.join(args.work, "logits.npy")
    run([tmc, "run", artifact, "--weights", args.gguf, "--input-ids", rows_text(ids), "--output", logits])
    got = np.load(logits)
    failures = []
    scale = float(np.abs(want).max())
    tolerance = args.atol + args.rtol * scale
    err = float(np.abs(got.astype(np.float64) - want).max()) if got.shape == want.shape else float("inf")
    ok = err <= tolerance
    print("%-40s max abs %.3e (tolerance %.1e, max |logit| %.1f)  %s"
          % ("logits %s vs transformers" % (ids.shape,), err, tolerance, scale, "ok" if ok else "FAIL"))
    if not ok:
        failures.append("logits")

    if args.generate:
        prompt = torch.from_numpy(ids[:1])
        with torch.no_grad():
            out = model.generate(prompt, attention_mask=torch.ones_like(prompt), do_sample=False,
                                 max_new_tokens=args.generate, min_new_tokens=args.generate,
                                 eos_token_id=None, pad_token_id=0)
        want_ids = out[0, prompt.shape[1]:].tolist()
        # An eos id that no token matches keeps tmc going for all N tokens too.
        printed = run([tmc, "run", artifact, "--weights", args.gguf, "--input-ids", rows_text(ids[:1]),
                       "--max-new-tokens", str(args.generate), "--eos-id", str(2**40)]).stdout
        got_ids = [int(t) for t in printed.strip().splitlines()[-1].split(",")]
        ok = got_ids == want_ids
        print("%-40s %s  %s" % ("greedy %d tokens vs transformers" % args.generate,
                                ",".join(map(str, got_ids)), "ok" if ok else "FAIL (want %s)" % want_ids))
        if not ok:
            failures.append("generate")
    if args.prompt:
        # transformers has no GGUF tokenizer converter here: the tokens are
        # tmc's, the continuation transformers', and the text must be what
        # tmc prints for those ids as it generates them.
        n = args.generate or 16
        tokens = [int(t) for t in run([tmc, "tokenize", args.gguf, "--text", args.prompt]).stdout.split(",")]
        prompt = torch.tensor([tokens])
        with torch.no_grad():
            out = model.generate(prompt, attention_mask=torch.ones_like(prompt), do_sample=False,
                                 max_new_tokens=n, min_new_tokens=n, eos_token_id=None, pad_token_id=0)
        want_ids = out[0, prompt.shape[1]:].tolist()
        want_text = run([tmc, "detokenize", args.gguf, "--skip-special-tokens", "--ids",
                         ",".join(map(str, want_ids))]).stdout.rstrip("\n")
        common = [artifact, "--weights", args.gguf, "--prompt", args.prompt, "--max-new-tokens", str(n),
                  "--eos-id", str(2**40)]
        got_ids = [int(t) for t in run([tmc, "run"] + common + ["--output-ids"]).stdout.strip().splitlines()[-1].split(",")]
        got_text = run([tmc, "run"] + common).stdout.rstrip("\n")
        ok = got_ids == want_ids and got_text == want_text
        print("%-40s %r  %s" % ("--prompt text vs transformers", got_text,
                                "ok" if ok else "FAIL (want %r, ids %s, got ids %s)" % (want_text, want_ids, got_ids)))
        if not ok:
            failures.append("prompt")
    if args.chat and not check_chat(tmc, artifact, args.gguf, model, args.chat, 32):
        failures.append("chat")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
