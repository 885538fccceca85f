"""GLM-4: Llama with Phi-3's fused MLP and interleaved partial rotary embeddings.

As Hugging Face transformers' `modular_glm.py`: the MLP is Phi-3's (one fused
`gate_up_proj`), q, k and v have biases (`attention_bias`, True by default) and
the output projection none, and the rotary embedding turns only the first
`head_dim * partial_rotary_factor` features of each head (0.5 by default), as
interleaved pairs (x0, x1), (x2, x3), ... rather than Llama's two halves.
Expanded into `modeling_glm.py` by `tmc expand glm`.
"""

import torch
from torch import nn
from ..llama.modeling_llama import LlamaConfig, LlamaAttention, LlamaForCausalLM
from ..phi3.modeling_phi3 import Phi3MLP, Phi3RotaryEmbedding


class GlmConfig(LlamaConfig):
    """GLM hyperparameters, with the defaults of transformers' GlmConfig (GLM-4-9B).

    Built from a checkpoint's config.json with `GlmConfig(**json.load(f))`; keys
    this model does not use are ignored. `partial_rotary_factor` (at the top level
    of config.json or in `rope_parameters`) is the rotated fraction of each head.
    """

    model_type = "glm"
    base_model_tp_plan = {
        "layers.*.self_attn.q_proj": "colwise",
        "layers.*.self_attn.k_proj": "colwise",
        "layers.*.self_attn.v_proj": "colwise",
        "layers.*.self_attn.o_proj": "rowwise",
        "layers.*.mlp.gate_up_proj": "colwise_gather_output",
        "layers.*.mlp.down_proj": "rowwise_split_input",
    }

    pretraining_tp = AttributeError()
    mlp_bias = AttributeError()

    def __init__(
        self,
        vocab_size=151552,
        intermediate_size=13696,
        num_hidden_layers=40,
        num_key_value_heads=2,
        max_position_embeddings=131072,
        rms_norm_eps=0.00000015625,
        pad_token_id=151329,
        bos_token_id=None,
        eos_token_id=[151329, 151336, 151338],
        attention_bias=True,
        head_dim=128,
        partial_rotary_factor=0.5,
        **super_kwargs,
    ):
        super().__init__(**super_kwargs)
        if rope_parameters is not None:
            partial_rotary_factor = rope_parameters.get("partial_rotary_factor", partial_rotary_factor)
        self.partial_rotary_factor = partial_rotary_factor
        self.rope_parameters["partial_rotary_factor"] = partial_rotary_factor


class GlmMLP(Phi3MLP):
    pass


class GlmRotaryEmbedding(Phi3RotaryEmbedding):
    pass


def rotate_half(x):
    """Rotates interleaved pairs of the last dim: (x0, x1, x2, x3, ...) -> (-x1, x0, -x3, x2, ...)."""
    x1 = x[..., 0::2]
    x2 = x[..., 1::2]
    return torch.stack((-x2, x1), dim=-1).flatten(-2)


@compiles_to("rope_interleaved")
def apply_rotary_pos_emb(q, k, cos, sin, unsqueeze_dim=1):
    """Applies rotary position embeddings to interleaved pairs of the first rotary_dim features of q and k.

    q and k (batch, heads, seq, head_dim); cos and sin (batch, seq, rotary_dim), as
    the rotary module makes them (two equal halves), get a heads axis at
    `unsqueeze_dim`. Features from rotary_dim on pass through.
    """
    cos = cos.unsqueeze(unsqueeze_dim)
    sin = sin.unsqueeze(unsqueeze_dim)

    # Interleave them instead of usual shape
    cos = cos[..., : cos.shape[-1] // 2].repeat_interleave(2, dim=-1)
    sin = sin[..., : sin.shape[-1] // 2].repeat_interleave(2, dim=-1)

    # Keep half or full tensor for later concatenation
    rotary_dim = cos.shape[-1]
    q_rot, q_pass = q[..., :rotary_dim], q[..., rotary_dim:]
    k_rot, k_pass = k[..., :rotary_dim], k[..., rotary_dim:]

    # Apply rotary embeddings on the first half or full tensor
    q_embed = (q_rot * cos) + (rotate_half(q_rot) * sin)
    k_embed = (k_rot * cos) + (rotate_half(k_rot) * sin)

    # Concatenate back to full shape
    q_embed = torch.cat([q_embed, q_pass], dim=-1)
    k_embed = torch.cat([k_embed, k_pass], dim=-1)
    return q_embed, k_embed


class GlmAttention(LlamaAttention):
    def __init__(self, config, layer_idx):
        super().__init__(config, layer_idx)
        self.o_proj = nn.Linear(config.num_attention_heads * self.head_dim, config.hidden_size, bias=False)


class GlmForCausalLM(LlamaForCausalLM):
    pass
