#!/usr/bin/env python3
"""Writes the tmc-dialect graph of a Llama decoder (LlamaForCausalLM, no cache).

The same program as test/e2e/llama/llama-2layer.mlir, for any size: one
@decoder_layer function called once per layer with its weights (DESIGN.md
§13), eager causal attention with GQA, untied lm_head, fp32.

    llama_graph.py --hidden 1024 --layers 8 --heads 16 --kv-heads 8 \\
        --intermediate 2816 --vocab 32000 -o llama.mlir
"""

import argparse


def tensor(*dims):
    return "tensor<" + "x".join(str(d) for d in dims) + "xf32>"


def layer_weights(h, kv, inter):
    """(name, type) of one layer's weights, in @decoder_layer argument order."""
    return [
        ("input_layernorm.weight", tensor(h)),
        ("self_attn.q_proj.weight", tensor(h, h)),
        ("self_attn.k_proj.weight", tensor(kv, h)),
        ("self_attn.v_proj.weight", tensor(kv, h)),
        ("self_attn.o_proj.weight", tensor(h, h)),
        ("post_attention_layernorm.weight", tensor(h)),
        ("mlp.gate_proj.weight", tensor(inter, h)),
        ("mlp.up_proj.weight", tensor(inter, h)),
        ("mlp.down_proj.weight", tensor(h, inter)),
    ]


def graph(a):
    h, heads, kv_heads, inter, vocab = a.hidden, a.heads, a.kv_heads, a.intermediate, a.vocab
    d = h // heads
    kv = kv_heads * d
    act = f"tensor<?x?x{h}xf32>"
    weights = layer_weights(h, kv, inter)
    lines = [f'tmc.param @"model.embed_tokens.weight" : {tensor(vocab, h)}']
    for i in range(a.layers):
        lines += [f'tmc.param @"model.layers.{i}.{n}" : {t}' for n, t in weights]
    lines += [f'tmc.param @"model.norm.weight" : {tensor(h)}',
              f'tmc.param @"lm_head.weight" : {tensor(vocab, h)}', ""]

    layer_type = ", ".join([act, "tensor<?xi64>"] + [t for _, t in weights])
    lines += [
        f"func.func @forward(%input_ids: tensor<?x?xi64>) -> tensor<?x?x{vocab}xf32> {{",
        "  %c0 = arith.constant 0 : index",
        "  %c1 = arith.constant 1 : index",
        "  %seq = tensor.dim %input_ids, %c1 : tensor<?x?xi64>",
        "  %positions = tmc.arange %c0, %seq : tensor<?xi64>",
        f'  %embed = tmc.get_param @"model.embed_tokens.weight" : {tensor(vocab, h)}',
        f"  %h0 = tmc.embedding %input_ids, %embed : (tensor<?x?xi64>, {tensor(vocab, h)}) -> {act}",
    ]
    for i in range(a.layers):
        names = []
        for j, (n, t) in enumerate(weights):
            lines.append(f'  %l{i}_{j} = tmc.get_param @"model.layers.{i}.{n}" : {t}')
            names.append(f"%l{i}_{j}")
        lines.append(f"  %h{i + 1} = func.call @decoder_layer(%h{i}, %positions, {', '.join(names)})"
                     f" : ({layer_type}) -> {act}")
    lines += [
        f'  %norm_w = tmc.get_param @"model.norm.weight" : {tensor(h)}',
        f"  %normed = tmc.rms_norm %h{a.layers}, %norm_w eps = {a.eps:e} : ({act}, {tensor(h)}) -> {act}",
        f'  %lm_head = tmc.get_param @"lm_head.weight" : {tensor(vocab, h)}',
        f"  %logits = tmc.linear %normed, %lm_head : ({act}, {tensor(vocab, h)}) -> tensor<?x?x{vocab}xf32>",
        f"  return %logits : tensor<?x?x{vocab}xf32>",
        "}",
        "",
    ]

    q4, k4 = f"tensor<?x?x{heads}x{d}xf32>", f"tensor<?x?x{kv_heads}x{d}xf32>"
    qt, kt = f"tensor<?x{heads}x?x{d}xf32>", f"tensor<?x{kv_heads}x?x{d}xf32>"
    kvact, iact = f"tensor<?x?x{kv}xf32>", f"tensor<?x?x{inter}xf32>"
    args = ", ".join([f"%hidden: {act}", "%positions: tensor<?xi64>"] +
                     [f"%w{j}: {t}" for j, (_, t) in enumerate(weights)])
    lines += [
        f"func.func private @decoder_layer({args}) -> {act} {{",
        "  %c0 = arith.constant 0 : index",
        "  %c1 = arith.constant 1 : index",
        f"  %b = tensor.dim %hidden, %c0 : {act}",
        f"  %s = tensor.dim %hidden, %c1 : {act}",
        f"  %x = tmc.rms_norm %hidden, %w0 eps = {a.eps:e} : ({act}, {tensor(h)}) -> {act}",
        f"  %q = tmc.linear %x, %w1 : ({act}, {tensor(h, h)}) -> {act}",
        f"  %k = tmc.linear %x, %w2 : ({act}, {tensor(kv, h)}) -> {kvact}",
        f"  %v = tmc.linear %x, %w3 : ({act}, {tensor(kv, h)}) -> {kvact}",
        f"  %q4 = tmc.reshape %q sizes [%b, %s] : {act} -> {q4}",
        f"  %k4 = tmc.reshape %k sizes [%b, %s] : {kvact} -> {k4}",
        f"  %v4 = tmc.reshape %v sizes [%b, %s] : {kvact} -> {k4}",
        f"  %qt = tmc.transpose %q4 permutation = [0, 2, 1, 3] : {q4} -> {qt}",
        f"  %kt = tmc.transpose %k4 permutation = [0, 2, 1, 3] : {k4} -> {kt}",
        f"  %vt = tmc.transpose %v4 permutation = [0, 2, 1, 3] : {k4} -> {kt}",
        f"  %qr = tmc.rope %qt, %positions theta = {a.rope_theta:e} rotary_dim = {d} : ({qt}, tensor<?xi64>) -> {qt}",
        f"  %kr = tmc.rope %kt, %positions theta = {a.rope_theta:e} rotary_dim = {d} : ({kt}, tensor<?xi64>) -> {kt}",
        f"  %attn = tmc.attention %qr, %kr, %vt scale = {d ** -0.5:e} causal : ({qt}, {kt}, {kt}) -> {qt}",
        f"  %attn_t = tmc.transpose %attn permutation = [0, 2, 1, 3] : {qt} -> {q4}",
        f"  %attn_m = tmc.reshape %attn_t sizes [%b, %s] : {q4} -> {act}",
        f"  %attn_o = tmc.linear %attn_m, %w4 : ({act}, {tensor(h, h)}) -> {act}",
        f"  %h1 = tmc.add %hidden, %attn_o : ({act}, {act}) -> {act}",
        f"  %y = tmc.rms_norm %h1, %w5 eps = {a.eps:e} : ({act}, {tensor(h)}) -> {act}",
        f"  %gate = tmc.linear %y, %w6 : ({act}, {tensor(inter, h)}) -> {iact}",
        f"  %silu = tmc.silu %gate : {iact}",
        f"  %up = tmc.linear %y, %w7 : ({act}, {tensor(inter, h)}) -> {iact}",
        f"  %prod = tmc.mul %silu, %up : ({iact}, {iact}) -> {iact}",
        f"  %down = tmc.linear %prod, %w8 : ({iact}, {tensor(h, inter)}) -> {act}",
        f"  %out = tmc.add %h1, %down : ({act}, {act}) -> {act}",
        f"  return %out : {act}",
        "}",
    ]
    return "\n".join(lines) + "\n"


def add_model_arguments(p):
    """The Llama size flags, shared with the benchmarks that build this graph."""
    p.add_argument("--hidden", type=int, default=1024)
    p.add_argument("--layers", type=int, default=8)
    p.add_argument("--heads", type=int, default=16)
    p.add_argument("--kv-heads", type=int, default=8)
    p.add_argument("--intermediate", type=int, default=2816)
    p.add_argument("--vocab", type=int, default=32000)
    p.add_argument("--eps", type=float, default=1e-6)
    p.add_argument("--rope-theta", type=float, default=10000.0)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_model_arguments(p)
    p.add_argument("-o", "--output", required=True)
    a = p.parse_args()
    with open(a.output, "w") as f:
        f.write(graph(a))


if __name__ == "__main__":
    main()
