#!/usr/bin/env python3
"""Writes a Hugging Face checkpoint of a model folder's config, with reference fixtures from transformers.

    make_hf_checkpoint.py models/qwen2 -o DIR [--config models/qwen2/configs/tiny.json]
        [--set KEY=JSON]... [--dtype float32|bfloat16] [--max-shard-size 50KB]
        [--seed 0] [--scale GLOB=FACTOR]... [--seq-len 12] [--max-new-tokens 32]
        [--no-generate] [--device cpu|cuda]

Builds transformers' own implementation of the model from the config (default
<model_dir>/configs/tiny.json, with --set overrides: `AutoConfig.for_model(
model_type, **config)`, `AutoModelForCausalLM.from_config`, eager attention),
draws its weights with a fixed seed exactly as check_modeling.py does (norm
weights 1 + N(0, 0.1), or N(0, 0.1) for the zero-initialized (1 + weight) norms
of Gemma, biases N(0, 0.1), every other weight N(0, 1 / fan_in)), multiplies
the weights whose names match a --scale glob by its factor, casts it to
--dtype, and writes into DIR:

  config.json, model.safetensors     `save_pretrained`, exactly as transformers writes
                                     them (tied weights stored once); with
                                     --max-shard-size (e.g. 50KB) the weights are split
                                     into model-0000i-of-0000n.safetensors with
                                     model.safetensors.index.json
  generation_config.json             written by save_pretrained too
  input_ids.npy                      int64 (2, seq)
  logits.npy                         float32 (2, seq, vocab), no attention mask
  padded_input_ids.npy               int64 (3, seq), left-padded to lengths seq,
  padded_attention_mask.npy            seq - 2, seq - seq // 2 (1 token, 0 padding)
  padded_logits.npy                  float32 (3, seq, vocab); rows at padded positions
                                     are not meaningful
  generate_b1_input_ids.npy          int64 (1, 5): one 5-token prompt
  generate_b1_output_ids.npy         int64 (1, 5 + n): `model.generate(do_sample=False,
                                     max_new_tokens=32)`, prompt included
  generate_b2_input_ids.npy          int64 (2, 5): prompts of 5 and 3 tokens, the
  generate_b2_attention_mask.npy       second left-padded with pad_token_id
  generate_b2_output_ids.npy         int64 (2, 5 + n), greedy as above
  generate_b{1,2}_logits.npy         float32 (batch, n, vocab): the logits each new
                                     token was picked from (generate's
                                     output_logits, the decode steps with the KV
                                     cache and, for b2, the padded attention mask)
  fixtures.json                      what was written: dtype, seed, seq_len, the
                                     tokens generation stops at and pads with,
                                     transformers' version

The inputs are check_modeling.py's (same seed, same draws), so logits.npy equals
the logits check_modeling.py compares. Logits come from the model in --dtype
(bf16 logits are computed in bf16 and stored as float32). Generation is greedy
with transformers' KV cache and stops a row at eos_token_id (from the config),
padding it with pad_token_id, as `generate` does; prompt tokens avoid the pad,
bos and eos ids. Every fixture comes from the checkpoint loaded back with
`from_pretrained(DIR, dtype=...)`, as a user runs it (its weights must equal
those saved; buffers such as RoPE's inv_freq stay fp32 there).

--scale makes greedy generation informative where these draws make it
degenerate: in a tied-embedding model (Gemma) the residual stream holds the
current token's own embedding row, scaled by sqrt(hidden), and lm_head is that
same table, so every step picks the token it was fed and generation repeats the
prompt's last token; `--scale '*.o_proj.weight=8' --scale '*.down_proj.weight=8'`
lets the layers outweigh it (Gemma 2's post-norms undo that: scale
`model.embed_tokens.weight` down instead, and its logits with it).
check_generate.py rejects references that repeat.

Example: a sharded bf16 checkpoint of the tiny Gemma 2 for a compiled-path test:

    make_hf_checkpoint.py models/gemma2 -o %t/gemma2 --dtype bfloat16 --max-shard-size 100KB

check_checkpoint.py then checks that a modeling file loads DIR and reproduces
the logits. Keep committed fixtures small: tests generate them into %t.
"""

import argparse
import fnmatch
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from check_modeling import logits_of, parse_overrides, random_state_dict, test_inputs  # noqa: E402

DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16}


def special_ids(config):
    """pad, bos and eos token ids of a config.json dict (eos may be a list)."""
    ids = set()
    for key in ("pad_token_id", "bos_token_id", "eos_token_id"):
        value = config.get(key)
        if isinstance(value, list):
            ids.update(value)
        elif value is not None:
            ids.add(value)
    return ids


def prompt_ids(config, length, generator):
    """`length` random token ids that are none of the special tokens."""
    vocab = config["vocab_size"]
    avoid = special_ids(config)
    ids = torch.randint(0, vocab, (length,), generator=generator, dtype=torch.int64).tolist()
    for i, token in enumerate(ids):
        while token in avoid:
            token = (token + 1) % vocab
        ids[i] = token
    return ids


def save_npy(directory, name, tensor):
    array = tensor.detach().cpu()
    array = array.float().numpy() if array.is_floating_point() else array.numpy()
    np.save(os.path.join(directory, name + ".npy"), array)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model_dir", help="models/<name>, holding configs/tiny.json")
    parser.add_argument("-o", "--output", required=True, help="directory to write the checkpoint and fixtures into")
    parser.add_argument("--config", help="config.json of the model (default: <model_dir>/configs/tiny.json)")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=JSON",
                        help="override a field of the config, e.g. --set hidden_size=48")
    parser.add_argument("--dtype", default="float32", choices=sorted(DTYPES), help="dtype of the weights")
    parser.add_argument("--max-shard-size", help="split the weights into shards of at most this size (e.g. 50KB)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the weights and inputs")
    parser.add_argument("--scale", action="append", default=[], metavar="GLOB=FACTOR",
                        help="multiply the weights whose names match GLOB (fnmatch) by FACTOR")
    parser.add_argument("--seq-len", type=int, default=12, help="sequence length of the logits fixtures")
    parser.add_argument("--max-new-tokens", type=int, default=32, help="tokens generate() adds")
    parser.add_argument("--no-generate", action="store_true", help="skip the generation fixtures")
    parser.add_argument("--device", default="cpu",
                        help="where transformers computes the fixtures (cuda: a GPU, TF32 off, "
                             "for the CUDA target's checks); the weights are drawn on the CPU either way")
    args = parser.parse_args()
    if args.seq_len < 4:
        parser.error("--seq-len must be at least 4")

    import transformers
    from transformers import AutoConfig, AutoModelForCausalLM

    transformers.utils.logging.disable_progress_bar()

    name = os.path.basename(os.path.normpath(args.model_dir))
    config_path = args.config or os.path.join(args.model_dir, "configs", "tiny.json")
    with open(config_path) as f:
        config = json.load(f)
    config.update(parse_overrides(args.set))
    config.pop("attn_implementation", None)
    config.pop("_attn_implementation", None)
    model_type = config.get("model_type", name)
    dtype = DTYPES[args.dtype]

    torch.manual_seed(args.seed)
    hf_config = AutoConfig.for_model(model_type, **{k: v for k, v in config.items() if k != "model_type"})
    model = AutoModelForCausalLM.from_config(hf_config, attn_implementation="eager", dtype=torch.float32)
    model = model.to(torch.float32).eval()
    state = random_state_dict(model, args.seed)
    for item in args.scale:
        pattern, _, factor = item.rpartition("=")
        try:
            factor = float(factor)
        except ValueError:
            parser.error("--scale %s: %r is not a number" % (item, factor))
        names = [n for n in state if fnmatch.fnmatchcase(n, pattern)]
        if not pattern or not names:
            parser.error("--scale %s: no weight matches %r (names look like %s)" % (item, pattern, next(iter(state))))
        scaled = set()
        for n in names:
            if id(state[n]) not in scaled:  # tied names share one tensor: scale it once
                scaled.add(id(state[n]))
                state[n].mul_(factor)
    model.load_state_dict(state, strict=True)
    model = model.to(dtype)

    out = args.output
    os.makedirs(out, exist_ok=True)
    save_kwargs = {}
    if args.max_shard_size:
        save_kwargs["max_shard_size"] = args.max_shard_size
    model.save_pretrained(out, **save_kwargs)

    # The fixtures come from the checkpoint as transformers loads it: `from_pretrained`
    # in --dtype keeps buffers such as RoPE's inv_freq in fp32, where `.to(bfloat16)`
    # on the built model would round them.
    saved = model.state_dict()
    model = AutoModelForCausalLM.from_pretrained(out, attn_implementation="eager", dtype=dtype).eval()
    for key, value in model.state_dict().items():
        if key in saved and not torch.equal(saved[key], value):
            raise SystemExit("make_hf_checkpoint: %s does not load back: %s differs" % (out, key))
    device = torch.device(args.device)
    if device.type == "cuda":
        # fp32 products in full fp32, as tmc's cuBLASLt calls compute them.
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False
    model = model.to(device)

    input_ids, padded_ids, attention_mask = (t.to(device) for t in test_inputs(config, args.seq_len, args.seed))
    with torch.no_grad():
        logits = logits_of(model(input_ids=input_ids))
        padded_logits = logits_of(model(input_ids=padded_ids, attention_mask=attention_mask))
    save_npy(out, "input_ids", input_ids)
    save_npy(out, "logits", logits)
    save_npy(out, "padded_input_ids", padded_ids)
    save_npy(out, "padded_attention_mask", attention_mask)
    save_npy(out, "padded_logits", padded_logits)

    pad_id = config.get("pad_token_id")
    pad_id = 0 if pad_id is None else pad_id
    eos_id = model.generation_config.eos_token_id
    written = ["input_ids", "logits", "padded_input_ids", "padded_attention_mask", "padded_logits"]
    if not args.no_generate:
        generator = torch.Generator().manual_seed(args.seed + 2)
        prompt = prompt_ids(config, 5, generator)
        short = prompt_ids(config, 3, generator)
        b1 = torch.tensor([prompt], dtype=torch.int64, device=device)
        b2 = torch.tensor([prompt, [pad_id] * 2 + short], dtype=torch.int64, device=device)
        b2_mask = torch.tensor([[1] * 5, [0] * 2 + [1] * 3], dtype=torch.int64, device=device)
        settings = dict(do_sample=False, max_new_tokens=args.max_new_tokens, pad_token_id=pad_id,
                        return_dict_in_generate=True, output_logits=True)
        with torch.no_grad():
            b1_out = model.generate(b1, attention_mask=torch.ones_like(b1), **settings)
            b2_out = model.generate(b2, attention_mask=b2_mask, **settings)
        save_npy(out, "generate_b1_input_ids", b1)
        save_npy(out, "generate_b1_output_ids", b1_out.sequences)
        save_npy(out, "generate_b1_logits", torch.stack(b1_out.logits, dim=1))
        save_npy(out, "generate_b2_input_ids", b2)
        save_npy(out, "generate_b2_attention_mask", b2_mask)
        save_npy(out, "generate_b2_output_ids", b2_out.sequences)
        save_npy(out, "generate_b2_logits", torch.stack(b2_out.logits, dim=1))
        written += ["generate_b1_input_ids", "generate_b1_output_ids", "generate_b1_logits",
                    "generate_b2_input_ids", "generate_b2_attention_mask", "generate_b2_output_ids",
                    "generate_b2_logits"]

    with open(os.path.join(out, "fixtures.json"), "w") as f:
        json.dump({
            "model_type": model_type,
            "config": os.path.abspath(config_path),
            "dtype": args.dtype,
            "seed": args.seed,
            "device": args.device,
            "scale": args.scale,
            "seq_len": args.seq_len,
            "max_new_tokens": args.max_new_tokens,
            "eos_token_id": eos_id,
            "pad_token_id": pad_id,
            "transformers": transformers.__version__,
            "fixtures": [n + ".npy" for n in written],
        }, f, indent=2)
        f.write("\n")

    files = sorted(os.listdir(out))
    print("%s (%s, transformers %s): wrote %s" % (name, args.dtype, transformers.__version__, ", ".join(files)))


if __name__ == "__main__":
    main()
