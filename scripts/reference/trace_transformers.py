#!/usr/bin/env python3
"""Writes transformers' own activation trace of a checkpoint: the reference for `tmc trace-diff`.

    trace_transformers.py CHECKPOINT_DIR --input-ids IDS.npy -o trace.json
        [--attn-implementation eager|sdpa] [--prune-layers]

Loads CHECKPOINT_DIR with `AutoModelForCausalLM.from_pretrained` (fp32 unless the
checkpoint says otherwise), runs one forward over the int64 (batch, seq) ids of
IDS.npy inside transformers' `model_addition_debugger_context` (the
model-addition debugger), and copies the SUMMARY file it writes
(`<Class>_debug_tree_SUMMARY.json`: every module's inputs and, for leaf
modules, outputs, as shape, dtype, mean, std, min and max) to -o. Every layer
is kept unless --prune-layers (transformers' default keeps the first and
last). Nothing here is tmc's: the file is what transformers writes.
"""

import argparse
import os
import shutil
import tempfile

import numpy as np
import torch
from transformers import AutoModelForCausalLM
from transformers.model_debugging_utils import model_addition_debugger_context


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("checkpoint")
    p.add_argument("--input-ids", required=True, help="int64 (batch, seq) .npy")
    p.add_argument("-o", "--output", required=True, help="the SUMMARY trace to write")
    p.add_argument("--attn-implementation", default="eager")
    p.add_argument("--prune-layers", action="store_true")
    a = p.parse_args()

    model = AutoModelForCausalLM.from_pretrained(
        a.checkpoint, attn_implementation=a.attn_implementation).eval()
    ids = torch.from_numpy(np.load(a.input_ids))
    with tempfile.TemporaryDirectory() as work:
        with model_addition_debugger_context(model, debug_path=work,
                                             do_prune_layers=a.prune_layers):
            with torch.no_grad():
                model(input_ids=ids, use_cache=False)
        summary = os.path.join(work, f"{type(model).__name__}_debug_tree_SUMMARY.json")
        shutil.copyfile(summary, a.output)


if __name__ == "__main__":
    main()
