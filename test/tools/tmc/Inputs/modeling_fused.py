"""A hand-written MLP with fused gate and up projections, for
`tmc modular-candidates` (test/tools/tmc/modular-candidates.test): Phi-3's, so
phi3 (or glm, whose MLP is Phi-3's) should come first for it."""

import torch
from torch import nn
import torch.nn.functional as F


class FusedMLP(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.config = config
        # One matmul for both projections.
        self.gate_up_proj = nn.Linear(config.hidden_size, 2 * config.intermediate_size, bias=False)
        self.down_proj = nn.Linear(config.intermediate_size, config.hidden_size, bias=False)
        self.activation_fn = F.silu

    def forward(self, hidden_states):
        up_states = self.gate_up_proj(hidden_states)
        gate, up_states = up_states.chunk(2, dim=-1)
        up_states = up_states * self.activation_fn(gate)
        return self.down_proj(up_states)
