#!/usr/bin/env python3
"""Checks a model's modeling_<name>.py against Hugging Face transformers on random weights.

    check_modeling.py models/llama --config models/llama/configs/tiny.json \\
        [--attn-implementation eager|sdpa|eager,sdpa] [--seq-len 12] [--set KEY=JSON]...
        [--set-ours KEY=JSON]... [--write-fixture DIR]

Loads models/<name>/modeling_<name>.py by path (plain PyTorch, no tmc), builds
transformers' implementation of the same architecture from the same config
(`AutoConfig.for_model(model_type, **config)`, `AutoModelForCausalLM.from_config`,
eager attention, fp32), draws one random state dict (fixed seed: norm weights
1 + N(0, 0.1), or N(0, 0.1) where transformers initializes a norm to zeros (the
(1 + weight) norms of Gemma), biases N(0, 0.1), every other weight
N(0, 1 / fan_in), so that attention is far from uniform), and loads it into
both with strict=True: every key used, none missing, and the same weights tied
on both sides. Then it compares logits on two inputs:
  - batch 2 without an attention mask;
  - batch 3 left-padded to different lengths with a 2-D attention_mask, compared
    on the non-padded positions only.
It prints the max abs error of each and exits 1 when one exceeds --atol (1e-5).
--attn-implementation picks the attention of the file under test (eager, sdpa,
or eager,sdpa for both in one run); transformers always runs eager, the
reference semantics. --set KEY=JSON overrides a config field on both sides;
--set-ours KEY=JSON only on the side under test, to see that the check can fail
(e.g. `--set-ours sliding_window=9` must fail for a sliding-window model).

--write-fixture DIR writes, for the compiled-path tests: model.safetensors (the
weights, without the tied lm_head.weight, as save_pretrained does), config.json
(the given config), input_ids.npy (int64, batch 2) and logits.npy (float32, from
transformers), plus padded_input_ids.npy, padded_attention_mask.npy and
padded_logits.npy for the padded batch.
"""

import argparse
import importlib.util
import json
import os
import sys

import numpy as np
import torch


def load_modeling(model_dir):
    """Imports <model_dir>/modeling_<name>.py as a module, by path."""
    name = os.path.basename(os.path.normpath(model_dir))
    path = os.path.join(model_dir, "modeling_%s.py" % name)
    if not os.path.isfile(path):
        raise SystemExit("check_modeling: no modeling file %s" % path)
    spec = importlib.util.spec_from_file_location("tmc_modeling_%s" % name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return name, module


def own_class(module, suffix):
    """The one class defined in `module` whose name ends with `suffix`."""
    found = [
        value
        for key, value in vars(module).items()
        if isinstance(value, type) and key.endswith(suffix) and value.__module__ == module.__name__
    ]
    if len(found) != 1:
        names = ", ".join(sorted(c.__name__ for c in found)) or "none"
        raise SystemExit("check_modeling: need one *%s class in %s, found %s" % (suffix, module.__file__, names))
    return found[0]


def parse_overrides(items):
    """["tie_word_embeddings=true", "attention_bias=true"] -> {...}, values parsed as JSON."""
    overrides = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep:
            raise SystemExit("check_modeling: --set wants KEY=JSON, got %r" % item)
        try:
            overrides[key] = json.loads(value)
        except json.JSONDecodeError:
            overrides[key] = value
    return overrides


def random_state_dict(reference, seed):
    """One random tensor per parameter of `reference`; names that share a tensor there share it here."""
    generator = torch.Generator().manual_seed(seed)
    state = {}
    by_storage = {}
    for name, tensor in reference.state_dict().items():
        key = (tensor.data_ptr(), tuple(tensor.shape))
        if key in by_storage:
            state[name] = by_storage[key]
            continue
        shape = tuple(tensor.shape)
        noise = torch.randn(shape, generator=generator, dtype=torch.float32)
        if tensor.dim() == 1 and "norm" in name:
            # Noise around the norm's own initial scale: ones, or zeros for norms
            # that scale by (1 + weight) (Gemma).
            center = 0.0 if bool((tensor == 0).all()) else 1.0
            value = center + 0.1 * noise
        elif tensor.dim() == 1:
            value = 0.1 * noise  # biases
        else:
            value = noise * shape[-1] ** -0.5  # std 1 / sqrt(fan_in)
        value = value.to(tensor.dtype)
        by_storage[key] = value
        state[name] = value
    return state


def test_inputs(config, seq, seed):
    """The inputs of the comparison: input_ids (2, seq), and a left-padded batch (3, seq) with its mask.

    Row 0 of the padded batch is full, rows 1 and 2 are shorter by 2 and by seq // 2
    tokens; padding holds config's pad_token_id (0 when it has none).
    """
    vocab = config["vocab_size"]
    generator = torch.Generator().manual_seed(seed + 1)
    input_ids = torch.randint(0, vocab, (2, seq), generator=generator, dtype=torch.int64)
    pad_id = config.get("pad_token_id")
    pad_id = 0 if pad_id is None else pad_id
    padded_ids = torch.randint(0, vocab, (3, seq), generator=generator, dtype=torch.int64)
    attention_mask = torch.ones(3, seq, dtype=torch.int64)
    for row, pads in enumerate([0, 2, seq // 2]):
        attention_mask[row, :pads] = 0
        padded_ids[row, :pads] = pad_id
    return input_ids, padded_ids, attention_mask


def alias_groups(model):
    """Sets of state-dict names that share one tensor (tied weights), as a comparable set."""
    groups = {}
    for name, tensor in model.state_dict().items():
        groups.setdefault(tensor.data_ptr(), []).append(name)
    return {tuple(sorted(names)) for names in groups.values() if len(names) > 1}


def load_strict(model, state, who):
    try:
        model.load_state_dict(state, strict=True)
    except RuntimeError as error:
        raise SystemExit("check_modeling: %s does not load the state dict strictly:\n%s" % (who, error))


def logits_of(output):
    """Logits from a tensor, a tuple (logits first) or a transformers output."""
    if isinstance(output, torch.Tensor):
        return output
    if hasattr(output, "logits"):
        return output.logits
    return output[0]


def compare(ours, label, expected, padded_expected, input_ids, padded_ids, attention_mask, atol):
    """Prints the max abs errors of `ours` against transformers' logits; True when one exceeds atol."""
    seq = input_ids.shape[1]
    failed = False
    with torch.no_grad():
        got = logits_of(ours(input_ids))
        error = (got - expected).abs().max().item()
        print("%s: batch 2, seq %d: max abs error %.3g (max |logit| %.3g)"
              % (label, seq, error, expected.abs().max().item()))
        failed = failed or not error <= atol

        padded_got = logits_of(ours(padded_ids, attention_mask=attention_mask))
        tokens = attention_mask.bool()
        padded_error = (padded_got[tokens] - padded_expected[tokens]).abs().max().item()
        print("%s: batch 3 left-padded (lengths %s), seq %d: max abs error %.3g on non-padded positions"
              % (label, attention_mask.sum(-1).tolist(), seq, padded_error))
        failed = failed or not padded_error <= atol
        if not torch.isfinite(padded_got).all():
            print("%s: non-finite logits in the padded batch" % label)
            failed = True
    return failed


def backends(text):
    """"eager", "sdpa" or "eager,sdpa" -> the list of attention backends to check."""
    names = text.split(",")
    for backend in names:
        if backend not in ("eager", "sdpa"):
            raise argparse.ArgumentTypeError("unknown attention implementation %r (eager, sdpa)" % backend)
    return names


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model_dir", help="models/<name>, holding modeling_<name>.py")
    parser.add_argument("--config", required=True, help="config.json of the model (e.g. configs/tiny.json)")
    parser.add_argument("--attn-implementation", default="eager", type=backends,
                        help="attention of the file under test: eager, sdpa, or both as eager,sdpa "
                             "(transformers runs eager)")
    parser.add_argument("--seq-len", type=int, default=12, help="sequence length (default 12)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the weights and inputs")
    parser.add_argument("--atol", type=float, default=1e-5, help="max abs error allowed on logits")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=JSON",
                        help="override a config field, e.g. --set tie_word_embeddings=true")
    parser.add_argument("--set-ours", action="append", default=[], metavar="KEY=JSON",
                        help="override a config field of the file under test only (a negative check)")
    parser.add_argument("--write-fixture", metavar="DIR", help="write weights, config, inputs and logits here")
    args = parser.parse_args()
    if args.seq_len < 4:
        parser.error("--seq-len must be at least 4")

    import transformers
    from transformers import AutoConfig, AutoModelForCausalLM

    name, module = load_modeling(args.model_dir)
    with open(args.config) as f:
        config = json.load(f)
    config.update(parse_overrides(args.set))
    config.pop("attn_implementation", None)
    config.pop("_attn_implementation", None)
    model_type = config.get("model_type", name)

    torch.manual_seed(args.seed)
    hf_fields = {key: value for key, value in config.items() if key != "model_type"}
    hf_config = AutoConfig.for_model(model_type, **hf_fields)
    reference = AutoModelForCausalLM.from_config(hf_config, attn_implementation="eager", dtype=torch.float32)
    reference = reference.to(torch.float32).eval()

    config_class = own_class(module, "Config")
    model_class = own_class(module, "ForCausalLM")
    ours_config = dict(config, **parse_overrides(args.set_ours))
    state = random_state_dict(reference, args.seed)
    load_strict(reference, state, "transformers' %s" % type(reference).__name__)

    seq = args.seq_len
    input_ids, padded_ids, attention_mask = test_inputs(config, seq, args.seed)
    with torch.no_grad():
        expected = logits_of(reference(input_ids=input_ids))
        padded_expected = logits_of(reference(input_ids=padded_ids, attention_mask=attention_mask))

    failed = False
    for backend in args.attn_implementation:
        ours = model_class(config_class(**ours_config, attn_implementation=backend))
        ours = ours.to(torch.float32).eval()
        load_strict(ours, state, "%s (%s)" % (model_class.__name__, module.__file__))
        if alias_groups(ours) != alias_groups(reference):
            raise SystemExit("check_modeling: tied weights differ: %s ties %s, transformers ties %s"
                             % (model_class.__name__, sorted(alias_groups(ours)), sorted(alias_groups(reference))))
        label = "%s %s (transformers %s, eager)" % (name, backend, transformers.__version__)
        failed = compare(ours, label, expected, padded_expected, input_ids, padded_ids, attention_mask,
                         args.atol) or failed

    if args.write_fixture:
        from safetensors.torch import save_file

        os.makedirs(args.write_fixture, exist_ok=True)
        # As save_pretrained: one tensor per storage, the tied lm_head.weight left out.
        tied = set(getattr(reference, "_tied_weights_keys", None) or {}) if config.get("tie_word_embeddings") else set()
        weights = {key: value.contiguous() for key, value in state.items() if key not in tied}
        save_file(weights, os.path.join(args.write_fixture, "model.safetensors"), metadata={"format": "pt"})
        with open(os.path.join(args.write_fixture, "config.json"), "w") as f:
            json.dump(config, f, indent=2)
            f.write("\n")
        np.save(os.path.join(args.write_fixture, "input_ids.npy"), input_ids.numpy())
        np.save(os.path.join(args.write_fixture, "logits.npy"), expected.numpy().astype(np.float32))
        np.save(os.path.join(args.write_fixture, "padded_input_ids.npy"), padded_ids.numpy())
        np.save(os.path.join(args.write_fixture, "padded_attention_mask.npy"), attention_mask.numpy())
        np.save(os.path.join(args.write_fixture, "padded_logits.npy"), padded_expected.numpy().astype(np.float32))
        print("%s: fixture written to %s" % (label, args.write_fixture))

    if failed:
        print("FAIL: %s differs from transformers by more than %g" % (module.__file__, args.atol))
        sys.exit(1)
    print("OK")


if __name__ == "__main__":
    main()
