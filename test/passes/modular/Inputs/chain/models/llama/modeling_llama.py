"""Llama, the hand-written base of the chain gemma2 <- gemma <- llama."""

import torch
from torch import nn


class LlamaConfig:
    model_type = "llama"

    def __init__(self, hidden_size=64, intermediate_size=128, pretraining_tp=1, **kwargs):
        self.hidden_size = hidden_size
        self.intermediate_size = intermediate_size
        self.pretraining_tp = pretraining_tp


def act(x):
    return torch.relu(x)


class LlamaMLP(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.up_proj = nn.Linear(config.hidden_size, config.intermediate_size, bias=False)
        self.down_proj = nn.Linear(config.intermediate_size, config.hidden_size, bias=False)

    def forward(self, x):
        return self.down_proj(act(self.up_proj(x)))
