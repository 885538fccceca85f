"""Gemma2: Gemma with a scaled MLP output."""

from ..gemma.modeling_gemma import GemmaConfig, GemmaMLP


class Gemma2Config(GemmaConfig):
    def __init__(self, scale=2.0, **super_kwargs):
        super().__init__(**super_kwargs)
        self.scale = scale


class Gemma2MLP(GemmaMLP):
    def forward(self, x):
        return self.down_proj(act(self.up_proj(x))) * 2
