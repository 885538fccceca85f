#!/usr/bin/env python3
"""tmc's tokenizer against Hugging Face `tokenizers` on many random strings.

    check_tokenizer.py --tmc build/bin/tmc TOKENIZER.json [--count 500] [--seed 0]

Draws --count strings (fixed seed) mixing scripts, emoji and combining marks,
digits, whitespace runs and line breaks, words of a small corpus and the
tokenizer's own added tokens; then checks, for each string, that
`tmc tokenize` gives the reference's ids with and without special tokens, and
that `tmc detokenize` gives the reference's decode of those ids (with and without
--skip-special-tokens) and, with --stream, the pieces of the reference's
DecodeStream. Prints one summary line; exits 1 listing the first mismatches.
"""

import argparse
import json
import random
import subprocess
import sys

from tokenizers import Tokenizer
from tokenizers.decoders import DecodeStream

# Code point ranges to draw from: (first, last, weight).
RANGES = [
    (0x20, 0x7E, 30),       # ASCII
    (0xA0, 0xFF, 4),        # Latin-1 (NBSP, accents)
    (0x100, 0x24F, 3),      # Latin extended
    (0x300, 0x36F, 2),      # combining marks
    (0x370, 0x3FF, 2),      # Greek
    (0x400, 0x4FF, 2),      # Cyrillic
    (0x5D0, 0x5EA, 1),      # Hebrew
    (0x620, 0x64A, 1),      # Arabic
    (0x900, 0x97F, 1),      # Devanagari
    (0x3040, 0x30FF, 2),    # Hiragana, Katakana
    (0x4E00, 0x9FFF, 3),    # CJK
    (0xAC00, 0xD7A3, 1),    # Hangul
    (0xFF01, 0xFF5E, 1),    # fullwidth forms (NFKC changes them)
    (0x2000, 0x206F, 1),    # general punctuation, odd spaces, ZWJ
    (0x1F300, 0x1FAFF, 3),  # emoji
    (0x1D400, 0x1D7FF, 1),  # mathematical letters
    (0x1, 0x1F, 1),         # control characters (no NUL: argv cannot carry it)
]
SPACES = [" ", "  ", "   ", "\t", "\n", "\n\n", "\r\n", " \n ", "\u00a0", "\u3000", "\u0085"]
WORDS = ("the quick brown fox jumps over lazy dog hello world tokenizer I'm don't we'll "
         "they've 42 3.14 1,000 2024 007 Café naïve Straße 東京 你好 привет καλημέρα 😀 👍🏽 "
         "def return { } ( ) [ ] == += -> // # ; : ! ? ... -- '' \"").split(" ")


def random_text(rng, added):
    parts = []
    for _ in range(rng.randint(0, 12)):
        kind = rng.random()
        if kind < 0.3:
            first, last, _ = rng.choices(RANGES, weights=[r[2] for r in RANGES])[0]
            parts.append("".join(chr(rng.randint(first, last)) for _ in range(rng.randint(1, 6))))
        elif kind < 0.6:
            parts.append(rng.choice(WORDS))
        elif kind < 0.85:
            parts.append(rng.choice(SPACES))
        elif kind < 0.93 and added:
            parts.append(rng.choice(added))
        else:
            parts.append(str(rng.randint(0, 10 ** rng.randint(1, 9))))
    return "".join(parts)


def run(cmd):
    result = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if result.returncode != 0:
        sys.stderr.write("check_tokenizer.py: command failed: %s\n%s" % (
            " ".join(cmd[:4]) + " ...", result.stderr.decode("utf-8", "replace")))
        raise SystemExit(1)
    return result.stdout.decode("utf-8").split("\n")[:-1]


def chunks(items, size):
    for i in range(0, len(items), size):
        yield items[i:i + size]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("tokenizer")
    parser.add_argument("--tmc", required=True)
    parser.add_argument("--count", type=int, default=500)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    ref = Tokenizer.from_file(args.tokenizer)
    ref.no_padding()
    ref.no_truncation()
    added = [t.content for t in ref.get_added_tokens_decoder().values()]
    rng = random.Random(args.seed)
    texts = [random_text(rng, added) for _ in range(args.count)]

    failures = []
    id_lists = []
    for add_special in (True, False):
        want = [ref.encode(t, add_special_tokens=add_special).ids for t in texts]
        got = []
        for batch in chunks(texts, 100):
            cmd = [args.tmc, "tokenize", args.tokenizer] + [a for t in batch for a in ("--text", t)]
            got += run(cmd + ([] if add_special else ["--no-special-tokens"]))
        for text, w, g in zip(texts, want, got):
            if ",".join(map(str, w)) != g:
                failures.append("encode%s %r: want %s, got %s" % (
                    "" if add_special else " (no special)", text, w, g))
        id_lists += want

    decodes = 0
    for skip in (False, True):
        flags = ["--json"] + (["--skip-special-tokens"] if skip else [])
        for batch in chunks(id_lists, 200):
            ids_args = [a for ids in batch for a in ("--ids", ",".join(map(str, ids)))]
            texts_got = run([args.tmc, "detokenize", args.tokenizer] + ids_args + flags)
            pieces_got = run([args.tmc, "detokenize", args.tokenizer, "--stream"] + ids_args + flags)
            for ids, text, pieces in zip(batch, texts_got, pieces_got):
                decodes += 1
                want = ref.decode(ids, skip_special_tokens=skip)
                if json.loads(text) != want:
                    failures.append("decode%s %s: want %r, got %r" % (
                        " (skip special)" if skip else "", ids, want, json.loads(text)))
                stream = DecodeStream(skip_special_tokens=skip)
                want_pieces = [stream.step(ref, i) for i in ids]
                if json.loads(pieces) != want_pieces:
                    failures.append("stream%s %s: want %r, got %r" % (
                        " (skip special)" if skip else "", ids, want_pieces, json.loads(pieces)))

    name = args.tokenizer.split("/")[-1]
    print("%s: %d texts encoded twice, %d id lists decoded and streamed: %d mismatches" % (
        name, len(texts), decodes, len(failures)))
    for failure in failures[:10]:
        print("  " + failure)
    raise SystemExit(1 if failures else 0)


if __name__ == "__main__":
    main()
