#!/usr/bin/env python3
"""Small tokenizer.json fixtures and their reference ids, from Hugging Face `tokenizers`.

Trains tiny tokenizers offline on a built-in corpus, with the components real
checkpoints use, and writes them under test/runtime/tokenizer/Inputs/:

  gpt2.json      byte-level BPE, GPT-2's ByteLevel pre-tokenizer regex, an lstrip
                 <mask> (RoBERTa style) and a normalized non-special added token
  llama3.json    byte-level BPE, Llama 3's Split regex, ignore_merges, <|begin_of_text|>
  qwen2.json     byte-level BPE, NFC, Qwen2's Split regex (single digits)
  smollm.json    byte-level BPE, Digits(individual) + ByteLevel regex (SmolLM2), a
                 single_word added token
  llama2.json    SentencePiece BPE with byte_fallback: Prepend/Replace normalizers and
                 the Replace/ByteFallback/Fuse/Strip decoder (Llama 2 as converted)
  mistral.json   SentencePiece BPE with byte_fallback: Metaspace(prepend "first")
  bert.json      WordPiece, BertNormalizer(lowercase), TemplateProcessing [CLS] $A [SEP]
  bert-cased.json WordPiece, no lowercase/accents, BertProcessing

The training gives each a real vocabulary and real merges; the JSON around them is
written in the layout of the real checkpoints' files, then loaded back with
`tokenizers` (so every fixture is a file the reference library accepts).

For each fixture, <name>.expected holds FileCheck lines with the reference ids of
texts.txt (one text per line; with and without special tokens) and of the texts
with newlines that reference-ids.test passes with --text, and the reference's
decode of the ids (keeping and skipping special tokens) and DecodeStream pieces,
as JSON. Training breaks ties between equally frequent pairs differently from run
to run, so a rerun changes the vocabularies: commit all the files of one run.
Rerun after changing anything:

    scripts/reference/make_tokenizer_fixtures.py [--out test/runtime/tokenizer/Inputs]
"""

import argparse
import json
import os

from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, trainers

CORPUS = """\
The quick brown fox jumps over the lazy dog. It's 3.14159 and 2024-06-01, isn't it?
I'm sure we'll see they've done it; she'd said you're right. DON'T SHOUT, WE'LL HEAR.
Hello world! Hello, World. hello_world = 42 # a comment
def tokenize(text): return [ord(c) for c in text if c != ' ']
for (int i = 0; i < 1000; ++i) { sum += values[i] * 0.5f; }
Numbers: 1, 22, 333, 4444, 55555, 123456789, 1,000,000.00 and 007.
Café, naïve, résumé, façade, jalapeño, Ångström, Straße, Øresund, coöperate.
Ελληνικά: Καλημέρα κόσμε. Русский: Привет, мир! Українська: Добрий день.
日本語のテキスト：東京は大きな都市です。中文：你好，世界！我爱自然语言处理。
한국어: 안녕하세요 세계. العربية: مرحبا بالعالم. עברית: שלום עולם. हिन्दी: नमस्ते दुनिया।
Emoji: 😀 😂 👍🏽 ❤️ 🇫🇷 👩‍💻 🎉✨ and math ∑ ∫ √2 ≈ 1.414, arrows → ← ↑.
   leading spaces, trailing spaces   , tabs\tand\ttabs, multiple    spaces here.
Line one
Line two

Paragraph after a blank line.\r\nWindows line end.
The tokenizer splits words, numbers and punctuation: (a), [b], {c}, <d>, "e", 'f'.
Transformers process tokens; tokenizers turn text into token ids and back again.
"""

TEXTS = [
    "Hello world",
    "",
    "Hello, World!",
    " leading space",
    "trailing space ",
    "multiple    spaces   between",
    "I'm sure we'll see they've done it, isn't it? DON'T",
    "Numbers 1234567890 3.14 1,000,000 007",
    "Café naïve résumé Straße Ångström",
    "Cafe\u0301 decomposed accent (e + U+0301)",
    "日本語のテキスト 東京 你好世界",
    "안녕하세요 مرحبا שלום नमस्ते",
    "Emoji 😀👍🏽❤️🇫🇷👩‍💻 end",
    "tabs\tbetween\twords",
    "code: for (i = 0; i < n; ++i) { x += y[i]; }",
    "ﬁ ligature, ①, ｆｕｌｌｗｉｄｔｈ, ㎏ (compatibility forms)",
    "unknown chars: ☃ ♞ ⌘ 𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
    "   ",
]

# Texts with line breaks (passed with --text "$(printf ...)" by tokenize.test,
# in this order; the printf spelling is the second element).
MULTILINE = [
    ("Line one\nLine two", "Line one\\nLine two"),
    ("a\n\n\nb\r\nc", "a\\n\\n\\nb\\r\\nc"),
    ("  \n  indented\n\tend", "  \\n  indented\\n\\tend"),
]


def special(content, **flags):
    token = {"content": content, "single_word": False, "lstrip": False, "rstrip": False,
             "normalized": False, "special": True}
    token.update(flags)
    return token


def with_ids(added, vocab):
    """added_tokens entries with their ids: the vocabulary's, or new ones after it."""
    next_id = max(vocab.values()) + 1
    result = []
    for token in added:
        if token["content"] in vocab:
            token_id = vocab[token["content"]]
        else:
            token_id = next_id
            next_id += 1
        result.append({"id": token_id, **token})
    return result


def train_bpe(pre_tokenizer, normalizer, vocab_size, special_tokens, byte_level, **model_args):
    tok = Tokenizer(models.BPE(**model_args))
    tok.normalizer = normalizer
    tok.pre_tokenizer = pre_tokenizer
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size, special_tokens=special_tokens, show_progress=False,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet() if byte_level else [],
        **({} if byte_level else {"limit_alphabet": 70}))
    tok.train_from_iterator(CORPUS.splitlines(), trainer)
    model = json.loads(tok.to_str())["model"]
    return model["vocab"], model["merges"]


def byte_level_file(split, normalizer=None, extra_added=(), ignore_merges=False,
                    bos=None, digits=False):
    """A byte-level BPE tokenizer.json: GPT-2's own regex, or a Split regex (Llama 3)."""
    eos = "<|endoftext|>" if bos is None else "<|end_of_text|>"
    specials = [eos] + ([bos, "<|eot_id|>"] if bos else [])
    if split is None:
        byte_level = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True,
                      "use_regex": True}
        pre = byte_level
        if digits:
            pre = {"type": "Sequence", "pretokenizers": [
                {"type": "Digits", "individual_digits": True}, byte_level]}
    else:
        pre = {"type": "Sequence", "pretokenizers": [
            {"type": "Split", "pattern": {"Regex": split}, "behavior": "Isolated",
             "invert": False},
            {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True,
             "use_regex": False}]}
    trained = Tokenizer.from_str(json.dumps(skeleton(
        {"type": "BPE", "vocab": {}, "merges": []}, pre, normalizer)))
    vocab, merges = train_bpe(trained.pre_tokenizer, trained.normalizer, 420, specials, True)
    added = [special(t) for t in specials] + list(extra_added)
    post = {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": False,
            "use_regex": True}
    if bos:
        post = {"type": "Sequence", "processors": [
            {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": False,
             "use_regex": True},
            template([bos, "$A"], {bos: vocab[bos]})]}
    model = {"type": "BPE", "dropout": None, "unk_token": None,
             "continuing_subword_prefix": None, "end_of_word_suffix": None, "fuse_unk": False,
             "byte_fallback": False, "ignore_merges": ignore_merges, "vocab": vocab,
             "merges": merges}
    decoder = {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True,
               "use_regex": True}
    return skeleton(model, pre, normalizer, with_ids(added, vocab), post, decoder)


def template(single, specials):
    pieces = [{"Sequence": {"id": "A", "type_id": 0}} if p == "$A"
              else {"SpecialToken": {"id": p, "type_id": 0}} for p in single]
    return {"type": "TemplateProcessing", "single": pieces, "pair": pieces + [
        {"Sequence": {"id": "B", "type_id": 1}}],
        "special_tokens": {t: {"id": t, "ids": [i], "tokens": [t]} for t, i in specials.items()}}


def skeleton(model, pre=None, normalizer=None, added=(), post=None, decoder=None):
    return {"version": "1.0", "truncation": None, "padding": None, "added_tokens": list(added),
            "normalizer": normalizer, "pre_tokenizer": pre, "post_processor": post,
            "decoder": decoder, "model": model}


def sentencepiece_file(metaspace):
    """A Llama 2 / Mistral style BPE with <0xNN> byte fallback tokens."""
    specials = ["<unk>", "<s>", "</s>"] + ["<0x%02X>" % b for b in range(256)]
    if metaspace:
        normalizer = None
        pre = {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "first",
               "split": False}
    else:
        normalizer = {"type": "Sequence", "normalizers": [
            {"type": "Prepend", "prepend": "\u2581"},
            {"type": "Replace", "pattern": {"String": " "}, "content": "\u2581"}]}
        pre = None
    shell = Tokenizer.from_str(json.dumps(skeleton(
        {"type": "BPE", "vocab": {}, "merges": []}, pre, normalizer)))
    vocab, merges = train_bpe(shell.pre_tokenizer, shell.normalizer, 560, specials, False,
                              byte_fallback=True, unk_token="<unk>", fuse_unk=True)
    model = {"type": "BPE", "dropout": None, "unk_token": "<unk>",
             "continuing_subword_prefix": None, "end_of_word_suffix": None, "fuse_unk": True,
             "byte_fallback": True, "ignore_merges": False, "vocab": vocab, "merges": merges}
    decoder = {"type": "Sequence", "decoders": [
        {"type": "Replace", "pattern": {"String": "\u2581"}, "content": " "},
        {"type": "ByteFallback"}, {"type": "Fuse"},
        {"type": "Strip", "content": " ", "start": 1, "stop": 0}]}
    added = [special(t) for t in ["<unk>", "<s>", "</s>"]]
    post = template(["<s>", "$A"], {"<s>": vocab["<s>"]})
    return skeleton(model, pre, normalizer, with_ids(added, vocab), post, decoder)


def wordpiece_file(lowercase):
    from tokenizers.implementations import BertWordPieceTokenizer
    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    bert = BertWordPieceTokenizer(lowercase=lowercase, strip_accents=None if lowercase else False)
    bert.train_from_iterator(CORPUS.splitlines(), vocab_size=420, limit_alphabet=120,
                             special_tokens=specials, show_progress=False)
    vocab = json.loads(bert._tokenizer.to_str())["model"]["vocab"]
    model = {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
             "max_input_chars_per_word": 12, "vocab": vocab}
    normalizer = {"type": "BertNormalizer", "clean_text": True, "handle_chinese_chars": True,
                  "strip_accents": None if lowercase else False, "lowercase": lowercase}
    if lowercase:
        post = {"type": "TemplateProcessing",
                "single": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}},
                           {"Sequence": {"id": "A", "type_id": 0}},
                           {"SpecialToken": {"id": "[SEP]", "type_id": 0}}],
                "pair": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}},
                         {"Sequence": {"id": "A", "type_id": 0}},
                         {"SpecialToken": {"id": "[SEP]", "type_id": 0}},
                         {"Sequence": {"id": "B", "type_id": 1}},
                         {"SpecialToken": {"id": "[SEP]", "type_id": 1}}],
                "special_tokens": {t: {"id": t, "ids": [vocab[t]], "tokens": [t]}
                                   for t in ["[CLS]", "[SEP]"]}}
    else:
        post = {"type": "BertProcessing", "sep": ["[SEP]", vocab["[SEP]"]],
                "cls": ["[CLS]", vocab["[CLS]"]]}
    decoder = {"type": "WordPiece", "prefix": "##", "cleanup": True}
    added = [special(t) for t in specials]
    return skeleton(model, {"type": "BertPreTokenizer"}, normalizer, with_ids(added, vocab),
                    post, decoder)


GPT2_REGEX = None
LLAMA3_REGEX = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|"
                r" ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")
QWEN2_REGEX = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}|"
               r" ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")


def fixtures():
    return {
        "gpt2": byte_level_file(GPT2_REGEX, extra_added=[
            special("<mask>", lstrip=True),
            special("hello world", special=False, normalized=True)]),
        "llama3": byte_level_file(LLAMA3_REGEX, ignore_merges=True, bos="<|begin_of_text|>"),
        "qwen2": byte_level_file(QWEN2_REGEX, normalizer={"type": "NFC"}),
        "smollm": byte_level_file(GPT2_REGEX, digits=True, extra_added=[
            special("<tool>", special=False, single_word=True, rstrip=True)]),
        "llama2": sentencepiece_file(metaspace=False),
        "mistral": sentencepiece_file(metaspace=True),
        "bert": wordpiece_file(lowercase=True),
        "bert-cased": wordpiece_file(lowercase=False),
    }


# Each fixture's added tokens inline; every fixture tokenizes all of them, so
# each also sees the others' special tokens as plain text.
INLINE = {
        "gpt2": "a<|endoftext|>b  <mask> c hello world!",
        "llama3": "<|begin_of_text|>Hi<|eot_id|> there<|end_of_text|>",
        "qwen2": "x<|endoftext|>y <|endoftext|> z",
        "smollm": "call <tool> now, not<tool>this <tool>",
        "llama2": "<s>Hello</s> <unk> world<s>",
        "mistral": "<s>Hello</s> <unk> world<s>",
        "bert": "[CLS] hello [MASK] world [SEP]",
        "bert-cased": "[CLS] Hello [MASK] World[SEP]",
}


def checkable(text):
    """`text` as a FileCheck pattern: only {{ and [[ are special there."""
    return text.replace("{{", "{{[{][{]}}").replace("[[", "{{[[][[]}}")


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default=os.path.join(here, "..", "..", "test", "runtime",
                                                      "tokenizer", "Inputs"))
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "texts.txt"), "w", encoding="utf-8", newline="\n") as f:
        f.write("".join(t + "\n" for t in TEXTS + list(INLINE.values())))
    for name, content in fixtures().items():
        text = json.dumps(content, ensure_ascii=False, separators=(",", ":"))
        tok = Tokenizer.from_str(text)  # the reference accepts the file
        with open(os.path.join(args.out, name + ".json"), "w", encoding="utf-8") as f:
            f.write(text + "\n")
        texts = TEXTS + list(INLINE.values())
        file_ids = [",".join(str(i) for i in tok.encode(t, add_special_tokens=True).ids)
                    for t in texts]
        plain_ids = [",".join(str(i) for i in tok.encode(t, add_special_tokens=False).ids)
                     for t in texts]
        multi_ids = [",".join(str(i) for i in tok.encode(t).ids) for t, _ in MULTILINE]
        encoded = [tok.encode(t).ids for t in texts]
        decoded = [checkable(json.dumps(tok.decode(ids, skip_special_tokens=False), ensure_ascii=False))
                   for ids in encoded]
        skipped = [checkable(json.dumps(tok.decode(ids, skip_special_tokens=True), ensure_ascii=False))
                   for ids in encoded]
        streamed = []
        for ids in encoded:
            stream = decoders.DecodeStream(skip_special_tokens=False)
            streamed.append(checkable(json.dumps([stream.step(tok, i) for i in ids], ensure_ascii=False, separators=(",", ":"))))
        out = ["; Reference ids and texts from tokenizers %s "
               "(scripts/reference/make_tokenizer_fixtures.py)" % __import__("tokenizers").__version__]
        for prefix, lines in (("FILE", file_ids), ("PLAIN", plain_ids), ("MULTI", multi_ids),
                              ("DECODE", decoded), ("SKIP", skipped), ("STREAM", streamed)):
            for i, line in enumerate(lines):
                directive = "%s%s:" % (prefix, "" if i == 0 else "-NEXT")
                # No space after the colon: the tests match with --strict-whitespace.
                out.append("%s%s" % (directive, line) if line else prefix + "-EMPTY:")
        with open(os.path.join(args.out, name + ".expected"), "w", encoding="utf-8") as f:
            f.write("\n".join(out) + "\n")
        print("%-11s vocab %4d  %6d bytes" % (name, tok.get_vocab_size(), len(text)))


if __name__ == "__main__":
    main()
