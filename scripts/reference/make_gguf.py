#!/usr/bin/env python3
"""Converts a Hugging Face checkpoint into a GGUF file the way llama.cpp's convert_hf_to_gguf.py does.

    make_gguf.py CHECKPOINT_DIR -o model.gguf [--type f32|f16|bf16|q8_0|q4_0|q4_1]
        [--embedding-type TYPE] [--alignment N] [--dequantized DIR]

CHECKPOINT_DIR is what make_hf_checkpoint.py writes (config.json and
model.safetensors of a llama, qwen2, qwen3, gemma or gemma2 model).
The file is written with llama.cpp's own gguf-py (`pip install gguf`):
GGUFWriter for the format, gguf.quants.quantize for the quantized types, and
the converter's choices:

  names        token_embd, blk.N.attn_q/k/v/output, ffn_gate/up/down, attn_norm,
               ffn_norm (gemma2: post_attention_norm, ffn_norm as the pre-feedforward
               norm, post_ffw_norm), attn_q_norm/attn_k_norm, output_norm, output;
               no output.weight when the embeddings are tied
  Q/K rows     permuted for llama (LlamaModel.permute)
  Gemma norms  stored as 1 + weight (GemmaModel.modify_tensors)
  types        --type for 2-D weights, --embedding-type (default: --type) for
               token_embd; 1-D tensors (norms, biases) stay F32, as the converter
               keeps them, and rows that are no whole number of blocks fall back to F16
  metadata     <arch>.context_length, embedding_length, block_count,
               feed_forward_length, attention.head_count(_kv),
               attention.layer_norm_rms_epsilon, rope.freq_base, rope.dimension_count,
               attention.key_length/value_length, vocab_size, gemma2's softcaps and
               sliding window, tokenizer.ggml.{bos,eos,padding}_token_id and a
               placeholder token list

--dequantized DIR also writes the Hugging Face checkpoint of the weights the
file holds (config.json, model.safetensors): each tensor quantized to its type
and dequantized back with gguf-py (gguf.quants.dequantize), in the original
layout. Quantization blocks run along a row and the Q/K permutation moves whole
rows, so these are exactly the values the GGUF stores, unpermuted.

No tmc code is used: tests compare tmc reading this file with transformers
reading the original checkpoint (lossless types) or the --dequantized one.
"""

import argparse
import json
import os

import gguf
import numpy as np
from safetensors.numpy import load_file, save_file

TYPES = {
    "f32": gguf.GGMLQuantizationType.F32,
    "f16": gguf.GGMLQuantizationType.F16,
    "bf16": gguf.GGMLQuantizationType.BF16,
    "q8_0": gguf.GGMLQuantizationType.Q8_0,
    "q4_0": gguf.GGMLQuantizationType.Q4_0,
    "q4_1": gguf.GGMLQuantizationType.Q4_1,
}

ARCHES = {"llama", "qwen2", "qwen3", "gemma", "gemma2"}

LAYER_NAMES = {
    "self_attn.q_proj": "attn_q",
    "self_attn.k_proj": "attn_k",
    "self_attn.v_proj": "attn_v",
    "self_attn.o_proj": "attn_output",
    "self_attn.q_norm": "attn_q_norm",
    "self_attn.k_norm": "attn_k_norm",
    "mlp.gate_proj": "ffn_gate",
    "mlp.up_proj": "ffn_up",
    "mlp.down_proj": "ffn_down",
    "input_layernorm": "attn_norm",
}


def gguf_name(arch, name):
    """The GGUF name of HF tensor `name` (gguf-py's tensor_mapping.py)."""
    top = {"model.embed_tokens": "token_embd", "model.norm": "output_norm", "lm_head": "output"}
    stem, kind = name.rsplit(".", 1)
    if stem in top:
        return top[stem] + "." + kind
    parts = stem.split(".")
    assert parts[:2] == ["model", "layers"], name
    layer, module = parts[2], ".".join(parts[3:])
    norms = (
        {"post_attention_layernorm": "post_attention_norm", "pre_feedforward_layernorm": "ffn_norm",
         "post_feedforward_layernorm": "post_ffw_norm"}
        if arch == "gemma2"
        else {"post_attention_layernorm": "ffn_norm"}
    )
    return "blk.%s.%s.%s" % (layer, {**LAYER_NAMES, **norms}[module], kind)


def permute(weights, n_head, n_head_kv):
    """convert_hf_to_gguf.py's LlamaModel.permute, in NumPy."""
    if n_head_kv is not None and n_head != n_head_kv:
        n_head = n_head_kv
    return (weights.reshape(n_head, 2, weights.shape[0] // n_head // 2, *weights.shape[1:])
            .swapaxes(1, 2)
            .reshape(weights.shape))


def add_metadata(writer, arch, config, qtype):
    heads = config["num_attention_heads"]
    head_dim = config.get("head_dim") or config["hidden_size"] // heads
    writer.add_context_length(config["max_position_embeddings"])
    writer.add_embedding_length(config["hidden_size"])
    writer.add_block_count(config["num_hidden_layers"])
    writer.add_feed_forward_length(config["intermediate_size"])
    writer.add_head_count(heads)
    writer.add_head_count_kv(config.get("num_key_value_heads") or heads)
    writer.add_layer_norm_rms_eps(config["rms_norm_eps"])
    theta = config.get("rope_theta", (config.get("rope_parameters") or {}).get("rope_theta"))
    if theta is not None:
        writer.add_rope_freq_base(theta)
    writer.add_rope_dimension_count(head_dim)
    writer.add_key_length(head_dim)
    writer.add_value_length(head_dim)
    writer.add_vocab_size(config["vocab_size"])
    writer.add_file_type({"f32": 0, "f16": 1, "q4_0": 2, "q4_1": 3, "q8_0": 7, "bf16": 32}[qtype])
    if arch == "gemma2":
        writer.add_attn_logit_softcapping(config["attn_logit_softcapping"])
        writer.add_final_logit_softcapping(config["final_logit_softcapping"])
        writer.add_sliding_window(config["sliding_window"])
    # A placeholder vocabulary: the tests feed token ids, not text.
    writer.add_tokenizer_model("gpt2")
    writer.add_token_list(["<t%d>" % i for i in range(config["vocab_size"])])
    for key, add in (("bos_token_id", writer.add_bos_token_id), ("eos_token_id", writer.add_eos_token_id),
                     ("pad_token_id", writer.add_pad_token_id)):
        if isinstance(config.get(key), int):
            add(config[key])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkpoint")
    parser.add_argument("-o", "--output", required=True)
    parser.add_argument("--type", default="f32", choices=sorted(TYPES))
    parser.add_argument("--embedding-type", choices=sorted(TYPES))
    parser.add_argument("--alignment", type=int, help="general.alignment (default: GGUF's 32)")
    parser.add_argument("--dequantized", help="also write the HF checkpoint of the stored values here")
    args = parser.parse_args()

    with open(os.path.join(args.checkpoint, "config.json")) as f:
        config = json.load(f)
    arch = config["model_type"]
    if arch not in ARCHES:
        raise SystemExit("make_gguf.py: model_type %r is not one of %s" % (arch, sorted(ARCHES)))
    state = load_file(os.path.join(args.checkpoint, "model.safetensors"))

    writer = gguf.GGUFWriter(args.output, arch)
    if args.alignment:
        writer.add_custom_alignment(args.alignment)  # general.alignment; pads the data to it
    writer.add_name("tmc test " + arch)
    add_metadata(writer, arch, config, args.type)

    heads = config["num_attention_heads"]
    kv_heads = config.get("num_key_value_heads") or heads
    stored = {}
    for name in sorted(state):
        data = state[name].astype(np.float32)
        original = data
        if arch == "llama":
            if name.endswith(("q_proj.weight", "q_proj.bias")):
                data = permute(data, heads, heads)
            elif name.endswith(("k_proj.weight", "k_proj.bias")):
                data = permute(data, heads, kv_heads)
        if arch in ("gemma", "gemma2") and name.endswith("norm.weight"):
            data = data + 1
        qname = args.embedding_type if name == "model.embed_tokens.weight" and args.embedding_type else args.type
        qtype = TYPES[qname] if data.ndim == 2 else gguf.GGMLQuantizationType.F32
        try:
            raw = gguf.quants.quantize(data, qtype)
        except gguf.QuantError:  # rows not a whole number of blocks: the converter's fallback
            qtype = gguf.GGMLQuantizationType.F16
            raw = gguf.quants.quantize(data, qtype)
        writer.add_tensor(gguf_name(arch, name), raw, raw_dtype=qtype)
        stored[name] = gguf.quants.dequantize(gguf.quants.quantize(original, qtype), qtype).reshape(original.shape)

    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    if args.dequantized:
        os.makedirs(args.dequantized, exist_ok=True)
        save_file({k: np.ascontiguousarray(v, dtype=np.float32) for k, v in stored.items()},
                  os.path.join(args.dequantized, "model.safetensors"), metadata={"format": "pt"})
        with open(os.path.join(args.dequantized, "config.json"), "w") as f:
            json.dump({**config, "dtype": "float32", "torch_dtype": "float32"}, f, indent=2)
    print("%s: %d tensors, %s" % (args.output, len(state), args.type))


if __name__ == "__main__":
    main()
