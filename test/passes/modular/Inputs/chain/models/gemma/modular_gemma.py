"""Gemma: Llama with a GELU MLP and no pretraining_tp."""

import torch
from ..llama.modeling_llama import LlamaConfig, LlamaMLP


def act(x):
    return torch.nn.functional.gelu(x)


class GemmaConfig(LlamaConfig):
    pretraining_tp = AttributeError()

    def __init__(self, hidden_size=32, head_dim=8, **super_kwargs):
        super().__init__(**super_kwargs)
        self.head_dim = head_dim


class GemmaMLP(LlamaMLP):
    pass
