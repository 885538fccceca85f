#!/usr/bin/env python3
"""Reference logits for test/e2e/llama/llama-2layer.mlir, from Hugging Face transformers.

Builds the tiny 2-layer LlamaForCausalLM that the tmc program describes (hidden 64,
4 heads over 2 KV heads, intermediate 176, vocab 256, untied lm_head, eager
attention, fp32), loads a safetensors checkpoint into it strictly, runs it on the
given input ids without an attention mask, and writes the logits [batch, seq, 256]
as .npy.

    make_llama_2layer_fixture.py --weights model.safetensors \\
        --input-ids "1,2,3;4,5,6" --output logits.npy

Without --weights it creates a random model (fixed seed, --seed) and saves its
weights to --save-weights, so the same run also produces the test checkpoint. Its
weights are drawn larger than transformers' init (std 0.02, norm weights of 1), so
that attention is far from uniform and every weight, norms included, shows in the
logits.
"""

import argparse

import numpy as np
import torch
from safetensors.torch import load_file, save_file
from transformers import LlamaConfig, LlamaForCausalLM


def make_config() -> LlamaConfig:
    return LlamaConfig(
        vocab_size=256,
        hidden_size=64,
        intermediate_size=176,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        rms_norm_eps=1e-6,
        rope_theta=10000.0,
        tie_word_embeddings=False,
        attn_implementation="eager",
        max_position_embeddings=512,
    )


def randomize(model: LlamaForCausalLM) -> None:
    """Norm weights ~ 1 + N(0, 0.1); every other weight ~ N(0, 1 / in_features)."""
    with torch.no_grad():
        for name, param in model.named_parameters():
            if name.endswith("norm.weight"):
                param.copy_(1.0 + 0.1 * torch.randn_like(param))
            else:
                param.normal_(0.0, param.shape[-1] ** -0.5)


def parse_input_ids(text: str) -> torch.Tensor:
    """"1,2,3;4,5,6" -> int64 tensor [[1, 2, 3], [4, 5, 6]]; rows must have equal length."""
    rows = [[int(tok) for tok in row.split(",")] for row in text.split(";")]
    if len({len(row) for row in rows}) != 1:
        raise SystemExit("--input-ids: every batch row needs the same length")
    return torch.tensor(rows, dtype=torch.int64)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weights", help="safetensors checkpoint to load")
    parser.add_argument("--save-weights", help="without --weights: where to save the random model")
    parser.add_argument("--seed", type=int, default=0, help="seed of the random model")
    parser.add_argument("--input-ids", required=True, help='e.g. "1,2,3;4,5,6" (";" separates rows)')
    parser.add_argument("--output", required=True, help="where to write the logits (.npy)")
    args = parser.parse_args()
    if not args.weights and not args.save_weights:
        parser.error("give --weights, or --save-weights to create a random model")

    torch.manual_seed(args.seed)
    model = LlamaForCausalLM(make_config()).to(torch.float32).eval()
    if args.weights:
        model.load_state_dict(load_file(args.weights), strict=True)
    else:
        randomize(model)
        state = {name: t.contiguous() for name, t in model.state_dict().items()}
        save_file(state, args.save_weights)

    input_ids = parse_input_ids(args.input_ids)
    if input_ids.min() < 0 or input_ids.max() >= model.config.vocab_size:
        raise SystemExit("--input-ids: ids must lie in [0, 256)")
    with torch.no_grad():
        logits = model(input_ids=input_ids, use_cache=False).logits
    np.save(args.output, logits.to(torch.float32).numpy())
    print(f"wrote {args.output}: logits {tuple(logits.shape)}")


if __name__ == "__main__":
    main()
