"""Gemma: Llama with a GELU MLP and no pretraining_tp."""

import torch
from torch import nn


def act(x):
    return torch.nn.functional.gelu(x)


class GemmaConfig:
    model_type = "gemma"

    def __init__(self, hidden_size=32, intermediate_size=128, head_dim=8, **kwargs):
        self.hidden_size = hidden_size
        self.intermediate_size = intermediate_size
        self.head_dim = head_dim


class GemmaMLP(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.up_proj = nn.Linear(config.hidden_size, config.intermediate_size, bias=False)
        self.down_proj = nn.Linear(config.intermediate_size, config.hidden_size, bias=False)

    def forward(self, x):
        return self.down_proj(act(self.up_proj(x)))
