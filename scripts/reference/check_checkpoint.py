#!/usr/bin/env python3
"""Checks that a model's modeling_<name>.py loads a Hugging Face checkpoint and reproduces its fixtures.

    check_checkpoint.py models/qwen2 CHECKPOINT_DIR [--attn-implementation eager|sdpa] [--atol 1e-5]
        [--generate]

CHECKPOINT_DIR is what make_hf_checkpoint.py writes: config.json and the weights
exactly as transformers' `save_pretrained` writes them (model.safetensors, or
shards listed in model.safetensors.index.json), with input_ids.npy, logits.npy
and the padded_*.npy fixtures. The modeling file (plain PyTorch, no tmc) builds
its config from config.json as written (`<Name>Config(**json.load(f))`: the
keys of transformers 5.x such as `rope_parameters`, `layer_types` and `dtype`),
loads the weights with strict=True (a tied lm_head.weight, which the checkpoint
leaves out, comes from the embedding), runs in the checkpoint's dtype and
compares logits with the fixtures: max abs error <= --atol (1e-5; give a larger
one for bf16), on the non-padded positions of the padded batch.

--generate also decodes the generate_b1/b2 prompts greedily with the modeling
file, recomputing the whole sequence at each step (it has no KV cache), with
the position ids transformers' `generate` gives left-padded rows (the cumulative
sum of the attention mask minus 1, 0 on padding), stopping a row at eos and
padding it after, and requires exactly the token ids of generate_*_output_ids.npy.
"""

import argparse
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from check_modeling import load_modeling, own_class  # noqa: E402

DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}


def load_weights(directory):
    """The checkpoint's tensors by name, from model.safetensors or its shards."""
    from safetensors.torch import load_file

    index = os.path.join(directory, "model.safetensors.index.json")
    if os.path.isfile(index):
        with open(index) as f:
            shards = sorted(set(json.load(f)["weight_map"].values()))
    else:
        shards = ["model.safetensors"]
    state = {}
    for shard in shards:
        state.update(load_file(os.path.join(directory, shard)))
    return state, shards


def greedy(model, input_ids, attention_mask, new_tokens, eos_ids, pad_id):
    """Greedy decoding as transformers' generate(do_sample=False), without a KV cache."""
    ids, mask = input_ids, attention_mask
    done = torch.zeros(ids.shape[0], dtype=torch.bool)
    for _ in range(new_tokens):
        position_ids = (mask.cumsum(-1) - 1).masked_fill(mask == 0, 0)
        logits = model(ids, attention_mask=mask, position_ids=position_ids)
        token = logits[:, -1, :].float().argmax(-1)
        token = torch.where(done, torch.full_like(token, pad_id), token)
        ids = torch.cat([ids, token[:, None]], dim=-1)
        mask = torch.cat([mask, torch.ones_like(mask[:, :1])], dim=-1)
        done = done | torch.isin(token, torch.tensor(eos_ids, dtype=token.dtype))
        if bool(done.all()):
            break
    return ids


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model_dir", help="models/<name>, holding modeling_<name>.py")
    parser.add_argument("checkpoint", help="directory written by make_hf_checkpoint.py")
    parser.add_argument("--attn-implementation", default="eager", choices=["eager", "sdpa"])
    parser.add_argument("--atol", type=float, default=1e-5, help="max abs error allowed on logits")
    parser.add_argument("--generate", action="store_true", help="also check the greedy generation fixtures")
    args = parser.parse_args()

    name, module = load_modeling(args.model_dir)
    with open(os.path.join(args.checkpoint, "config.json")) as f:
        config = json.load(f)
    dtype = DTYPES[config.get("dtype", config.get("torch_dtype", "float32"))]
    config_class = own_class(module, "Config")
    model_class = own_class(module, "ForCausalLM")
    config.pop("attn_implementation", None)
    model = model_class(config_class(**config, attn_implementation=args.attn_implementation))

    state, shards = load_weights(args.checkpoint)
    if getattr(model.config, "tie_word_embeddings", False):
        for key, source in getattr(model_class, "_tied_weights_keys", {}).items():
            if key not in state and source in state:
                state[key] = state[source]
    try:
        model.load_state_dict(state, strict=True)
    except RuntimeError as error:
        raise SystemExit("check_checkpoint: %s does not load %s strictly:\n%s" % (model_class.__name__, args.checkpoint, error))
    model = model.to(dtype).eval()

    def fixture(fixture_name):
        return torch.from_numpy(np.load(os.path.join(args.checkpoint, fixture_name + ".npy")))

    label = "%s %s (%s, %d shard%s)" % (name, args.attn_implementation, str(dtype).replace("torch.", ""),
                                        len(shards), "" if len(shards) == 1 else "s")
    failed = False
    with torch.no_grad():
        got = model(fixture("input_ids")).float()
        error = (got - fixture("logits")).abs().max().item()
        print("%s: checkpoint logits: max abs error %.3g" % (label, error))
        failed = failed or not error <= args.atol

        mask = fixture("padded_attention_mask")
        padded = model(fixture("padded_input_ids"), attention_mask=mask).float()
        tokens = mask.bool()
        padded_error = (padded[tokens] - fixture("padded_logits")[tokens]).abs().max().item()
        print("%s: checkpoint padded logits: max abs error %.3g on non-padded positions" % (label, padded_error))
        failed = failed or not padded_error <= args.atol

        if args.generate:
            with open(os.path.join(args.checkpoint, "fixtures.json")) as f:
                settings = json.load(f)
            eos_ids = settings["eos_token_id"]
            eos_ids = [] if eos_ids is None else eos_ids if isinstance(eos_ids, list) else [eos_ids]
            for batch in ("b1", "b2"):
                prompt = fixture("generate_%s_input_ids" % batch)
                prompt_mask = (fixture("generate_b2_attention_mask") if batch == "b2" else torch.ones_like(prompt))
                expected = fixture("generate_%s_output_ids" % batch)
                got_ids = greedy(model, prompt, prompt_mask, settings["max_new_tokens"], eos_ids,
                                 settings["pad_token_id"])
                same = got_ids.shape == expected.shape and torch.equal(got_ids, expected)
                print("%s: greedy generation, batch %s, %d new tokens: %s" % (
                    label, batch[1], expected.shape[1] - prompt.shape[1], "same tokens" if same else "DIFFERENT tokens"))
                if not same:
                    print("  expected %s\n  got      %s" % (expected.tolist(), got_ids.tolist()))
                failed = failed or not same

    if failed:
        print("FAIL: %s differs from the checkpoint's fixtures by more than %g" % (module.__file__, args.atol))
        sys.exit(1)
    print("OK")


if __name__ == "__main__":
    main()
