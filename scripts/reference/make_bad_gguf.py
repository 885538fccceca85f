#!/usr/bin/env python3
"""Writes a tiny valid Llama GGUF and broken variants of it, for tests of tmc's errors.

    make_bad_gguf.py -o DIR

Every file is written by llama.cpp's gguf-py (GGUFWriter), then, for the
byte-level breakage, edited at a known place. DIR gets:

  good.gguf              models/llama/configs/tiny.json's shapes, random F32 weights
  truncated-header.gguf  good.gguf cut to 100 bytes (inside the metadata)
  truncated-infos.gguf   good.gguf cut to 1200 bytes (inside the tensor infos)
  bad-magic.gguf         'GGUX' instead of 'GGUF'
  version-4.gguf         version 4 (tmc reads 2 and 3)
  data-past-eof.gguf     good.gguf without its last 64 bytes (the last tensor's data)
  q6_k.gguf              one weight of type Q6_K (zero bytes; tmc does not decode it)
  falcon.gguf            general.architecture 'falcon'
  no-block-count.gguf    without llama.block_count
  string-block-count.gguf  llama.block_count written as a STRING
"""

import argparse
import json
import os

import gguf
import numpy as np

TINY = os.path.join(os.path.dirname(__file__), "..", "..", "models", "llama", "configs", "tiny.json")


def tensors(config):
    """HF-shaped random weights of the tiny Llama, by GGUF name."""
    rng = np.random.default_rng(0)
    hidden, inter, vocab = config["hidden_size"], config["intermediate_size"], config["vocab_size"]
    heads, kv, head_dim = config["num_attention_heads"], config["num_key_value_heads"], config["head_dim"]
    out = {"token_embd.weight": (vocab, hidden), "output_norm.weight": (hidden,), "output.weight": (vocab, hidden)}
    for i in range(config["num_hidden_layers"]):
        out.update({
            "blk.%d.attn_norm.weight" % i: (hidden,),
            "blk.%d.attn_q.weight" % i: (heads * head_dim, hidden),
            "blk.%d.attn_k.weight" % i: (kv * head_dim, hidden),
            "blk.%d.attn_v.weight" % i: (kv * head_dim, hidden),
            "blk.%d.attn_output.weight" % i: (hidden, heads * head_dim),
            "blk.%d.ffn_norm.weight" % i: (hidden,),
            "blk.%d.ffn_gate.weight" % i: (inter, hidden),
            "blk.%d.ffn_up.weight" % i: (inter, hidden),
            "blk.%d.ffn_down.weight" % i: (hidden, inter),
        })
    return {name: (rng.standard_normal(shape) * 0.1).astype(np.float32) for name, shape in out.items()}


def write(path, config, arch="llama", skip=(), overrides=None, raw_type=None):
    overrides = overrides or {}
    writer = gguf.GGUFWriter(path, arch)
    fields = {
        "context_length": config["max_position_embeddings"],
        "embedding_length": config["hidden_size"],
        "block_count": config["num_hidden_layers"],
        "feed_forward_length": config["intermediate_size"],
        "attention.head_count": config["num_attention_heads"],
        "attention.head_count_kv": config["num_key_value_heads"],
        "attention.key_length": config["head_dim"],
        "attention.value_length": config["head_dim"],
        "rope.dimension_count": config["head_dim"],
    }
    for key, value in fields.items():
        if key in skip:
            continue
        if key in overrides:
            writer.add_string("%s.%s" % (arch, key), overrides[key])
        else:
            writer.add_uint32("%s.%s" % (arch, key), value)
    writer.add_float32("%s.attention.layer_norm_rms_epsilon" % arch, config["rms_norm_eps"])
    writer.add_float32("%s.rope.freq_base" % arch, config["rope_theta"])
    for name, data in tensors(config).items():
        if raw_type and name == "blk.0.ffn_down.weight":
            # Q6_K: 256 values per 210-byte block; the bytes need not mean anything.
            rows, cols = data.shape
            writer.add_tensor(name, np.zeros((rows, cols // 256 * 210), dtype=np.uint8), raw_dtype=raw_type)
        else:
            writer.add_tensor(name, data)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--output", required=True)
    args = parser.parse_args()
    os.makedirs(args.output, exist_ok=True)
    with open(TINY) as f:
        config = json.load(f)
    # Q6_K rows are 256 values: a wider FFN makes ffn_down's rows whole blocks.
    config["intermediate_size"] = 256

    def out(name):
        return os.path.join(args.output, name)

    write(out("good.gguf"), config)
    with open(out("good.gguf"), "rb") as f:
        good = f.read()
    edits = {
        "truncated-header.gguf": good[:100],
        "truncated-infos.gguf": good[:1200],
        "bad-magic.gguf": b"GGUX" + good[4:],
        "version-4.gguf": good[:4] + (4).to_bytes(4, "little") + good[8:],
        "data-past-eof.gguf": good[:-64],
    }
    for name, data in edits.items():
        with open(out(name), "wb") as f:
            f.write(data)
    write(out("q6_k.gguf"), config, raw_type=gguf.GGMLQuantizationType.Q6_K)
    write(out("falcon.gguf"), config, arch="falcon")
    write(out("no-block-count.gguf"), config, skip={"block_count"})
    write(out("string-block-count.gguf"), config, overrides={"block_count": "two"})


if __name__ == "__main__":
    main()
