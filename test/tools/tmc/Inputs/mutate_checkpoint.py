#!/usr/bin/env python3
"""Writes a broken copy of a checkpoint: mutate_checkpoint.py IN OUT drop|reshape|bf16 TENSOR.

drop removes TENSOR, reshape flattens it to a square of the same size, bf16
stores it as bfloat16: the three ways a checkpoint stops fitting an artifact.
"""
import sys

import torch
from safetensors.torch import load_file, save_file

src, dst, action, name = sys.argv[1:5]
tensors = load_file(src)
if action == "drop":
    del tensors[name]
elif action == "reshape":
    n = tensors[name].numel()
    side = int(round(n ** 0.5))
    tensors[name] = tensors[name].reshape(side, n // side).contiguous()
elif action == "bf16":
    tensors[name] = tensors[name].to(torch.bfloat16)
else:
    raise SystemExit("mutate_checkpoint: unknown action " + action)
save_file(tensors, dst)
