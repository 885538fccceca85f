"""Phi-3: Mistral with fused projections and, when the config says so, partial rotary embeddings.

As Hugging Face transformers' `modular_phi3.py`: attention computes q, k and v with
one fused `qkv_proj` (split by slicing), the MLP computes gate and up with one
fused `gate_up_proj` (split with `chunk`), no projection has a bias, and the
rotary embedding turns only the first `head_dim * partial_rotary_factor`
features of each head (`partial_rotary_factor`, at the top level of config.json
or in `rope_parameters`; 1.0 by default); the other features pass through
unrotated. A `sliding_window` (None by default) limits attention as in Mistral.
The residual dropouts of transformers' Phi3DecoderLayer are identities at
inference and left out. Expanded into `modeling_phi3.py` by `tmc expand phi3`.
"""

import torch
from torch import nn
from ..mistral.modeling_mistral import MistralConfig, MistralModel, MistralForCausalLM
from ..llama.modeling_llama import LlamaAttention, LlamaRotaryEmbedding


class Phi3Config(MistralConfig):
    """Phi-3 hyperparameters, with the defaults of transformers' Phi3Config (Phi-3-mini).

    Built from a checkpoint's config.json with `Phi3Config(**json.load(f))`; keys
    this model does not use are ignored. `sliding_window` None means full causal
    attention; `partial_rotary_factor` is the rotated fraction of each head.
    """

    model_type = "phi3"
    # Tensor-parallel plan of the base model `Phi3Model`: the fused projections' outputs are
    # gathered (slicing qkv and chunking gate_up need the whole row), the inputs of o_proj
    # and down_proj are split.
    base_model_tp_plan = {
        "layers.*.self_attn.qkv_proj": "colwise_gather_output",
        "layers.*.self_attn.o_proj": "rowwise_split_input",
        "layers.*.mlp.gate_up_proj": "colwise_gather_output",
        "layers.*.mlp.down_proj": "rowwise_split_input",
    }

    pretraining_tp = AttributeError()
    attention_bias = AttributeError()
    mlp_bias = AttributeError()

    def __init__(
        self,
        vocab_size=32064,
        hidden_size=3072,
        intermediate_size=8192,
        num_key_value_heads=None,
        max_position_embeddings=4096,
        rms_norm_eps=1e-5,
        pad_token_id=32000,
        eos_token_id=32000,
        sliding_window=None,
        resid_pdrop=0.0,
        embd_pdrop=0.0,
        original_max_position_embeddings=4096,
        partial_rotary_factor=1.0,
        **super_kwargs,
    ):
        super().__init__(**super_kwargs)
        self.resid_pdrop = resid_pdrop
        self.embd_pdrop = embd_pdrop
        self.original_max_position_embeddings = original_max_position_embeddings
        if rope_parameters is not None:
            partial_rotary_factor = rope_parameters.get("partial_rotary_factor", partial_rotary_factor)
        self.partial_rotary_factor = partial_rotary_factor
        self.rope_parameters["partial_rotary_factor"] = partial_rotary_factor


class Phi3MLP(nn.Module):
    """Gated feed-forward with fused gate and up projections: down_proj(up * act(gate))."""

    def __init__(self, config):
        super().__init__()

        self.config = config
        self.gate_up_proj = nn.Linear(config.hidden_size, 2 * config.intermediate_size, bias=False)
        self.down_proj = nn.Linear(config.intermediate_size, config.hidden_size, bias=False)
        self.activation_fn = ACT2FN[config.hidden_act]

    def forward(self, hidden_states):
        up_states = self.gate_up_proj(hidden_states)  # (batch, seq, 2 * intermediate)

        gate, up_states = up_states.chunk(2, dim=-1)
        up_states = up_states * self.activation_fn(gate)

        return self.down_proj(up_states)


class Phi3RotaryEmbedding(LlamaRotaryEmbedding):
    """Default RoPE over the first head_dim * partial_rotary_factor features of a head.

    cos and sin have the rotary dim `dim` as their last axis; inv_freq = 1 /
    theta^(2i / dim), computed as transformers computes its `inv_freq` buffer.
    """

    def __init__(self, config):
        super().__init__(config)
        self.dim = int(config.head_dim * config.partial_rotary_factor)


@compiles_to("rope")
def apply_rotary_pos_emb(q, k, cos, sin, unsqueeze_dim=1):
    """Applies rotary position embeddings to the first rotary_dim features of q and k.

    q and k (batch, heads, seq, head_dim); cos and sin (batch, seq, rotary_dim) get a
    heads axis at `unsqueeze_dim`. Features from rotary_dim on pass through.
    """
    cos = cos.unsqueeze(unsqueeze_dim)
    sin = sin.unsqueeze(unsqueeze_dim)

    rotary_dim = cos.shape[-1]
    q_rot, q_pass = q[..., :rotary_dim], q[..., rotary_dim:]
    k_rot, k_pass = k[..., :rotary_dim], k[..., rotary_dim:]

    q_embed = torch.cat([(q_rot * cos) + (rotate_half(q_rot) * sin), q_pass], dim=-1)
    k_embed = torch.cat([(k_rot * cos) + (rotate_half(k_rot) * sin), k_pass], dim=-1)
    return q_embed, k_embed


class Phi3Attention(LlamaAttention):
    def __init__(self, config, layer_idx):
        super().__init__(config, layer_idx)
        self.num_key_value_heads = config.num_key_value_heads
        del self.q_proj, self.k_proj, self.v_proj
        self.o_proj = nn.Linear(config.num_attention_heads * self.head_dim, config.hidden_size, bias=False)
        op_size = (
            config.num_attention_heads * self.head_dim
            + 2 * (config.num_key_value_heads * self.head_dim)
        )
        self.qkv_proj = nn.Linear(config.hidden_size, op_size, bias=False)

    def forward(self, hidden_states, position_embeddings, attention_mask=None):
        batch, seq_len, _ = hidden_states.shape
        hidden_shape = (batch, seq_len, -1, self.head_dim)

        qkv = self.qkv_proj(hidden_states)  # (batch, seq, (heads + 2 * kv_heads) * head_dim)
        query_pos = self.config.num_attention_heads * self.head_dim
        query_states = qkv[..., :query_pos]
        key_states = qkv[..., query_pos : query_pos + self.num_key_value_heads * self.head_dim]
        value_states = qkv[..., query_pos + self.num_key_value_heads * self.head_dim :]

        query_states = query_states.view(hidden_shape).transpose(1, 2)
        key_states = key_states.view(hidden_shape).transpose(1, 2)
        value_states = value_states.view(hidden_shape).transpose(1, 2)
        # query_states: (batch, heads, seq, head_dim); key/value_states: (batch, kv_heads, seq, head_dim)

        cos, sin = position_embeddings
        query_states, key_states = apply_rotary_pos_emb(query_states, key_states, cos, sin)

        attention_interface = ALL_ATTENTION_FUNCTIONS[self.config.attn_implementation]
        attn_output, attn_weights = attention_interface(
            self, query_states, key_states, value_states, attention_mask, scaling=self.scaling
        )

        attn_output = attn_output.reshape(batch, seq_len, -1).contiguous()  # (batch, seq, heads * head_dim)
        attn_output = self.o_proj(attn_output)
        return attn_output, attn_weights


class Phi3Model(MistralModel):
    pass


class Phi3ForCausalLM(MistralForCausalLM):
    pass
