#!/usr/bin/env python3
"""Compiles a GGUF file with tmc and checks its logits and greedy ids against transformers.

    check_gguf.py model.gguf --work DIR --input-ids IDS.npy [--reference CHECKPOINT_DIR]
        [--generate N] [--tmc tmc] [--atol 1e-4] [--rtol 0] [--prompt-atol A]
    check_gguf.py model.gguf --work DIR --text-prompt TEXT [--text-prompt TEXT ...] [--text-tokens 64]

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
  --text-prompt TEXT (each)        text in, text out against transformers' model and its
                                   tokenizer loaded from the same GGUF (check_text_prompt):
                                   the prompt's ids (`tmc tokenize`), the logits of every
                                   prompt position, and --text-tokens greedy tokens
                                   (`tmc run --prompt`, eos disabled): their ids, the logits
                                   each was picked from, and the streamed text, which must
                                   equal transformers' decode(ids, skip_special_tokens=True)
"""

import argparse
import os
import shutil
import sys

# No progress bars from transformers' GGUF loader (tqdm reads this at import).
os.environ.setdefault("TQDM_DISABLE", "1")
import numpy as np  # noqa: E402
import torch  # noqa: E402

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


def quantize_linear_inputs(model):
    """Rounds the inputs of every linear that tmc compile --activation-dtype int8
    multiplies in int8 (a weight of 16k rows and 32k columns in blocks) as its
    kernels do: per block of 32, d = max|x| / 127 and x -> d * roundeven(x * (127 /
    max|x|)), in float32 (docs/CPU_PERFORMANCE.md); the products then run in
    float32 on the rounded inputs."""
    def quantize(module, inputs):
        x = inputs[0]
        blocks = x.reshape(*x.shape[:-1], -1, 32)
        amax = blocks.abs().amax(dim=-1, keepdim=True)
        d = amax / 127
        inverse = torch.where(amax > 0, 127 / amax, torch.zeros_like(amax))
        return ((blocks * inverse).round() * d).reshape(x.shape),

    for module in model.modules():
        if (isinstance(module, torch.nn.Linear) and module.in_features % 32 == 0
                and module.out_features % 16 == 0):
            module.register_forward_pre_hook(quantize)


def round_linear_inputs_to_bf16(model):
    """Rounds the inputs of every linear that tmc compile --activation-dtype
    bfloat16 multiplies by bf16 products (a bf16 weight of 32k rows and 32k
    columns) to bfloat16 (nearest even) and back; the products then run in
    float32 on the rounded inputs and the bf16 weights' values."""
    def round_inputs(module, inputs):
        return inputs[0].to(torch.bfloat16).to(inputs[0].dtype),

    for module in model.modules():
        if (isinstance(module, torch.nn.Linear) and module.in_features % 32 == 0
                and module.out_features % 32 == 0):
            module.register_forward_pre_hook(round_inputs)


def load_reference_tokenizer(gguf_path):
    """transformers' tokenizer built from the GGUF's tokenizer metadata (its own converter)."""
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(os.path.dirname(os.path.abspath(gguf_path)),
                                         gguf_file=os.path.basename(gguf_path))


def tmc_tokenize(tmc, gguf_path, texts):
    """The ids `tmc tokenize` gives each text, with the GGUF's own tokenizer."""
    if not texts:
        return []
    command = [tmc, "tokenize", gguf_path]
    for text in texts:
        command += ["--text", text]
    lines = run(command).stdout.splitlines()
    if len(lines) != len(texts):
        sys.exit("tmc tokenize printed %d lines for %d texts" % (len(lines), len(texts)))
    return [[int(t) for t in line.split(",")] if line else [] for line in lines]


def check_text_prompt(number, text, tmc_ids, model, tokenizer, tmc, gguf_path, artifact, work,
                      new_tokens, atol, prompt_atol):
    """Text in, text out for one prompt; prints one line per check, returns the names that failed."""
    failures = []
    label = "prompt %d" % number

    def report(what, detail, ok):
        print("%-40s %s  %s" % ("%s %s" % (label, what), detail, "ok" if ok else "FAIL"))
        if not ok:
            failures.append("%s %s" % (label, what))

    want_ids = tokenizer(text)["input_ids"]
    report("ids vs transformers' tokenizer", "%d tokens %s" % (len(tmc_ids), ",".join(map(str, tmc_ids))),
           tmc_ids == want_ids)
    if not tmc_ids:
        return failures + ["%s is empty" % label]
    prompt = torch.tensor([want_ids])

    # The prompt's logits at every position, through the forward entry.
    with torch.no_grad():
        want_logits = model(prompt).logits.numpy()
    logits_path = os.path.join(work, "prompt%d-logits.npy" % number)
    run([tmc, "run", artifact, "--weights", gguf_path, "--input-ids", rows_text(prompt.numpy()),
         "--output", logits_path])
    got_logits = np.load(logits_path)
    err = max_abs_diff(got_logits, want_logits)
    report("logits %s" % (want_logits.shape,), "max abs %.3e (atol %.0e)" % (err, prompt_atol),
           err <= prompt_atol)

    # Greedy continuation through the decode entry, from the text itself.
    with torch.no_grad():
        out = model.generate(prompt, attention_mask=torch.ones_like(prompt), do_sample=False,
                             max_new_tokens=new_tokens, min_new_tokens=new_tokens, eos_token_id=None,
                             pad_token_id=0, output_logits=True, return_dict_in_generate=True)
    want_new = out.sequences[0, prompt.shape[1]:].tolist()
    want_step_logits = torch.stack(out.logits, dim=1).float().numpy()  # [1, steps, vocab]
    want_text = tokenizer.decode(want_new, skip_special_tokens=True)
    # An eos id that no token matches keeps tmc going for all the tokens too.
    common = [tmc, "run", artifact, "--weights", gguf_path, "--prompt", text,
              "--max-new-tokens", str(new_tokens), "--eos-id", str(2**40)]
    step_logits_path = os.path.join(work, "prompt%d-step-logits.npy" % number)
    printed = run(common + ["--output-ids", "--output", step_logits_path]).stdout
    got_new = [int(t) for t in printed.strip().splitlines()[-1].split(",")]
    # Where the ids part, later logits come from different prefixes: compare up to there.
    same = next((i for i, (a, b) in enumerate(zip(got_new, want_new)) if a != b), min(len(got_new), len(want_new)))
    err = max_abs_diff(np.load(step_logits_path)[:, :same + 1], want_step_logits[:, :same + 1])
    report("greedy %d ids vs transformers" % new_tokens,
           "step logits max abs %.3e (atol %.0e)" % (err, atol), got_new == want_new and err <= atol)
    if got_new != want_new:
        print("  want %s\n  got  %s (first difference at step %d)" % (want_new, got_new, same))
    streamed = run(common).stdout
    got_text = streamed[:-1] if streamed.endswith("\n") else streamed  # tmc run ends the text with a newline
    report("greedy %d text vs transformers" % new_tokens, repr(got_text), got_text == want_text)
    if got_text != want_text:
        print("  want %r" % want_text)
    return failures


def check_stored(artifact, storage):
    """The artifact's weights stored as `storage`: a block format, or a float dtype's torch name."""
    import json
    with open(os.path.join(artifact, "manifest.json")) as f:
        params = json.load(f)["params"]
    names = {"bfloat16": "BF16", "float16": "F16"}
    stored = [p["name"] for p in params
              if p.get("block_format") == storage or (storage in names and p["dtype"] == names[storage])]
    ok = len(stored) > 0
    print("%-40s %d of %d weights  %s" % ("stored as %s" % storage, len(stored), len(params), "ok" if ok else "FAIL"))
    return [] if ok else ["stored"]


def max_abs_diff(got, want):
    """max |got - want| in float64; infinite when the shapes differ."""
    if got.shape != want.shape:
        return float("inf")
    return float(np.abs(got.astype(np.float64) - want.astype(np.float64)).max())


def check_chat(tmc, artifact, gguf_path, model, text, n):
    """tmc run --prompt TEXT --chat against transformers on the same GGUF: the
    template's ids from transformers' GGUF tokenizer, generate() stopping at
    the checkpoint's eos as tmc does, the text decoded without special tokens."""
    tokenizer = load_reference_tokenizer(gguf_path)
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
    parser.add_argument("--input-ids", help=".npy of int64 (batch, seq)")
    parser.add_argument("--reference", help="HF checkpoint directory to compare with (default: the GGUF)")
    parser.add_argument("--generate", type=int, default=0)
    parser.add_argument("--chat", help="text: one user message in the GGUF's chat template; tmc run "
                        "--prompt TEXT --chat must generate transformers' greedy ids and text from it")
    parser.add_argument("--text-prompt", action="append", default=[],
                        help="text in, text out against transformers' model and tokenizer (repeatable)")
    parser.add_argument("--text-tokens", type=int, default=64, help="greedy tokens per --text-prompt")
    parser.add_argument("--checkpoint", help="compile and run this checkpoint instead of the GGUF "
                        "(the GGUF still gives the tokenizer)")
    parser.add_argument("--compile-flag", action="append", default=[],
                        help="extra tmc compile flag, e.g. --compile-flag=--weight-dtype=q4_1 (repeatable)")
    parser.add_argument("--expect-stored", metavar="STORAGE",
                        help="fail unless the artifact reads weights stored as STORAGE (q4_1, bfloat16, ...) "
                        "and names how many")
    parser.add_argument("--bf16-inputs", action="store_true",
                        help="the reference rounds linears' inputs to bfloat16, as tmc's "
                        "--activation-dtype bfloat16 kernels do")
    parser.add_argument("--int8-inputs", action="store_true",
                        help="the reference rounds linears' inputs to int8 per block of 32, as "
                        "tmc's --activation-dtype int8 kernels do")
    parser.add_argument("--tmc", default="tmc")
    parser.add_argument("--atol", type=float, default=1e-4)
    parser.add_argument("--prompt-atol", type=float,
                        help="the --text-prompt logits' bound (default --atol)")
    parser.add_argument("--rtol", type=float, default=0.0)
    args = parser.parse_args()
    if not args.input_ids and not args.text_prompt and not args.chat:
        parser.error("give --input-ids, --text-prompt or --chat")
    if args.generate and not args.input_ids:
        parser.error("--generate continues the first row of --input-ids")

    # One thread: on a loaded machine (lit runs tests side by side) ATen's parallel
    # regions stall on a descheduled second thread, which made the reference's
    # 64-token generations 4-9x slower (docs/BENCHMARKS.md, decode); the results
    # are the same up to rounding either way.
    torch.set_num_threads(1)
    tmc = shutil.which(args.tmc) or args.tmc
    os.makedirs(args.work, exist_ok=True)
    model = load_reference(args.gguf, args.reference)
    if args.int8_inputs:
        quantize_linear_inputs(model)
    if args.bf16_inputs:
        round_linear_inputs_to_bf16(model)
    ids = np.load(args.input_ids) if args.input_ids else np.zeros((1, 0), np.int64)
    text_prompt_ids = tmc_tokenize(tmc, args.gguf, args.text_prompt)
    # The KV cache holds the longest prompt with its new tokens.
    max_seq = max([ids.shape[1] + args.generate] + [len(t) + args.text_tokens for t in text_prompt_ids]) + 8
    artifact = os.path.join(args.work, "artifact")
    if args.chat:  # the template's system prompt and headers, then up to 32 new tokens
        max_seq = max(max_seq, 128)
    weights = args.checkpoint or args.gguf
    run([tmc, "compile", weights, "-o", artifact, "--max-seq-len", str(max_seq)] + args.compile_flag)
    failures = []
    if args.expect_stored:
        failures += check_stored(artifact, args.expect_stored)

    if args.input_ids:
        with torch.no_grad():
            want = model(torch.from_numpy(ids)).logits.float().numpy()
        logits = os.path.join(args.work, "logits.npy")
        run([tmc, "run", artifact, "--weights", weights, "--input-ids", rows_text(ids), "--output", logits])
        got = np.load(logits)
        scale = float(np.abs(want).max())
        tolerance = args.atol + args.rtol * scale
        err = max_abs_diff(got, want)
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
        printed = run([tmc, "run", artifact, "--weights", weights, "--input-ids", rows_text(ids[:1]),
                       "--max-new-tokens", str(args.generate), "--eos-id", str(2**40)]).stdout
        got_ids = [int(t) for t in printed.strip().splitlines()[-1].split(",")]
        ok = got_ids == want_ids
        print("%-40s %s  %s" % ("greedy %d tokens vs transformers" % args.generate,
                                ",".join(map(str, got_ids)), "ok" if ok else "FAIL (want %s)" % want_ids))
        if not ok:
            failures.append("generate")
    if args.text_prompt:
        tokenizer = load_reference_tokenizer(args.gguf)
        for number, (text, tmc_ids) in enumerate(zip(args.text_prompt, text_prompt_ids), 1):
            failures += check_text_prompt(number, text, tmc_ids, model, tokenizer, tmc, args.gguf, artifact,
                                          args.work, args.text_tokens, args.atol,
                                          args.prompt_atol if args.prompt_atol is not None else args.atol)
    if args.chat and not check_chat(tmc, artifact, args.gguf, model, args.chat, 32):
        failures.append("chat")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
