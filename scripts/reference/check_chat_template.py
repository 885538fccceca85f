#!/usr/bin/env python3
"""tmc's chat templates against transformers' apply_chat_template.

    check_chat_template.py --tmc tmc --work DIR --tokenizer TOKENIZER.json
        (--config tokenizer_config.json | --jinja chat_template.jinja)
        [--add-tokens "<|im_start|>,<|im_end|>"]
    check_chat_template.py --tmc tmc --work DIR --gguf model.gguf

Writes a checkpoint directory: the tokenizer (with --add-tokens and the
config's bos/eos tokens added as special tokens, as the model's tokenizer.json
has them) and the template (in tokenizer_config.json, or as chat_template.jinja
beside a config without one). Then, for every conversation below, with and
without the generation prompt, checks that `tmc tokenize DIR --chat --messages`
gives transformers' rendered text (`--rendered`, tokenize=False) and its ids
(tokenize=True), and that where the template raises an error (jinja2's
TemplateError) tmc fails with the same message. With --gguf both read the GGUF
file itself: tmc its tokenizer.chat_template metadata, transformers its
GGUF tokenizer (from_pretrained(dir, gguf_file=...)). Prints one summary line;
exits 1 listing the first mismatches.
"""

import argparse
import json
import os
import subprocess
import sys

from tokenizers import AddedToken, Tokenizer

CONVERSATIONS = [
    [{"role": "user", "content": "What is the capital of France?"}],
    [{"role": "user", "content": "  Hello, world!  \n"}],
    [{"role": "user", "content": "¿Qué tal? 東京 😀 naïve\tCafé"}],
    [{"role": "user", "content": ""}],
    [{"role": "user", "content": "Line one\nLine two\n\nLine four"}],
    [{"role": "system", "content": "You are terse."}, {"role": "user", "content": "Hi"}],
    [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello! How can I help?"},
     {"role": "user", "content": "Tell me a joke."}],
    [{"role": "system", "content": " Be brief. "}, {"role": "user", "content": "2+2?"},
     {"role": "assistant", "content": "4"}, {"role": "user", "content": "And 3+3?"}],
    [{"role": "user", "content": "One"}, {"role": "user", "content": "Two"}],
    [{"role": "assistant", "content": "I start."}],
    [{"role": "tool", "content": "{\"result\": 42}"}],
]


def write_checkpoint(args):
    """The checkpoint directory of --tokenizer and --config or --jinja, and
    transformers' tokenizer of it."""
    from transformers import AutoTokenizer

    if args.config:
        with open(args.config, encoding="utf-8") as f:
            config = json.load(f)
    else:
        config = {"bos_token": "<s>", "eos_token": "</s>"}
        with open(args.jinja, encoding="utf-8") as f, \
                open(os.path.join(args.work, "chat_template.jinja"), "w", encoding="utf-8") as out:
            out.write(f.read())
    config["tokenizer_class"] = "PreTrainedTokenizerFast"
    with open(os.path.join(args.work, "tokenizer_config.json"), "w", encoding="utf-8") as f:
        json.dump(config, f, ensure_ascii=False)
    tokenizer = Tokenizer.from_file(args.tokenizer)
    special = [t for t in args.add_tokens.split(",") if t]
    special += [config[k] for k in ("bos_token", "eos_token") if isinstance(config.get(k), str)]
    tokenizer.add_special_tokens([AddedToken(t, special=True, normalized=False) for t in special])
    tokenizer.save(os.path.join(args.work, "tokenizer.json"))
    return AutoTokenizer.from_pretrained(args.work)


def compare(args, checkpoint, reference):
    from jinja2.exceptions import TemplateError

    failures = []
    checked = raised = 0
    for index, conversation in enumerate(CONVERSATIONS):
        messages = os.path.join(args.work, "messages%d.json" % index)
        with open(messages, "w", encoding="utf-8") as f:
            json.dump(conversation, f, ensure_ascii=False)
        for generation_prompt in (True, False):
            flags = [] if generation_prompt else ["--no-generation-prompt"]
            command = [args.tmc, "tokenize", checkpoint, "--chat", "--messages", messages] + flags
            got_text = subprocess.run(command + ["--rendered"], capture_output=True, text=True)
            got_ids = subprocess.run(command, capture_output=True, text=True)
            label = "conversation %d, add_generation_prompt=%s" % (index, generation_prompt)
            try:
                want_text = reference.apply_chat_template(conversation, tokenize=False,
                                                          add_generation_prompt=generation_prompt)
                want_ids = reference.apply_chat_template(conversation, tokenize=True,
                                                         add_generation_prompt=generation_prompt)
                if not isinstance(want_ids, list):
                    want_ids = want_ids["input_ids"]
            except TemplateError as error:
                raised += 1
                want = "the template raised an error: %s" % error.message
                if got_text.returncode == 0 or want not in got_text.stderr:
                    failures.append("%s: transformers raises %r; tmc: %r" % (label, want,
                                                                            got_text.stderr or got_text.stdout))
                continue
            checked += 1
            if got_text.returncode != 0 or got_ids.returncode != 0:
                failures.append("%s: tmc failed: %s" % (label, got_text.stderr + got_ids.stderr))
                continue
            text = json.loads(got_text.stdout)
            ids = [int(t) for t in got_ids.stdout.strip().split(",") if t]
            if text != want_text:
                failures.append("%s: text %r, transformers %r" % (label, text, want_text))
            elif ids != want_ids:
                failures.append("%s: ids %s, transformers %s" % (label, ids, want_ids))
    name = os.path.basename(args.gguf or args.config or args.jinja)
    print("%s: %d renders compared with transformers' text and ids, %d raised errors: %d mismatches"
          % (name, checked, raised, len(failures)))
    for failure in failures[:5]:
        print("  " + failure)
    return 1 if failures else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tmc", default="tmc")
    parser.add_argument("--work", required=True)
    parser.add_argument("--tokenizer", help="a tokenizer.json (not with --gguf)")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--gguf", help="a GGUF file with tokenizer.chat_template")
    source.add_argument("--config", help="a tokenizer_config.json with chat_template")
    source.add_argument("--jinja", help="a chat_template.jinja (bos <s>, eos </s>)")
    parser.add_argument("--add-tokens", default="", help="special tokens the template writes, comma separated")
    args = parser.parse_args()
    if bool(args.gguf) == bool(args.tokenizer):
        parser.error("give --tokenizer with --config or --jinja, and not with --gguf")

    os.makedirs(args.work, exist_ok=True)
    if args.gguf:
        from transformers import AutoTokenizer

        reference = AutoTokenizer.from_pretrained(os.path.dirname(os.path.abspath(args.gguf)),
                                                  gguf_file=os.path.basename(args.gguf))
        return compare(args, args.gguf, reference)
    return compare(args, args.work, write_checkpoint(args))


if __name__ == "__main__":
    sys.exit(main())
