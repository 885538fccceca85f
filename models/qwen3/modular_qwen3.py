"""Qwen3: Qwen2 with an RMSNorm over each head of q and k, and Llama's attention biases.

As Hugging Face transformers' `modular_qwen3.py`: the attention projections have
biases only when `attention_bias` is set (as in Llama), `head_dim` is a config
field of its own (128 by default, not hidden_size / heads), and q and k pass
through `q_norm` and `k_norm`, RMSNorms over head_dim shared by all heads, before
the rotary embedding. Sliding windows, the MLP and the rest are Qwen2's.
Expanded into `modeling_qwen3.py` by `tmc expand qwen3`.
"""

import torch
from ..qwen2.modeling_qwen2 import Qwen2Config, Qwen2ForCausalLM
from ..llama.modeling_llama import LlamaAttention


class Qwen3Config(Qwen2Config):
    """Qwen3 hyperparameters, with the defaults of transformers' Qwen3Config (Qwen3-8B).

    Built from a checkpoint's config.json with `Qwen3Config(**json.load(f))`; keys
    this model does not use are ignored. `sliding_window` applies only with
    `use_sliding_window`, to the layers `layer_types` marks `sliding_attention`
    (by default those from `max_window_layers` on).
    """

    def __init__(self, head_dim=128, attention_bias=False, **super_kwargs):
        super().__init__(**super_kwargs)
        self.attention_bias = attention_bias


class Qwen3Attention(LlamaAttention):
    def __init__(self, config, layer_idx):
        super().__init__(config, layer_idx)
        self.q_norm = Qwen3RMSNorm(self.head_dim, eps=config.rms_norm_eps)  # unlike olmo, only on the head dim
        self.k_norm = Qwen3RMSNorm(self.head_dim, eps=config.rms_norm_eps)  # shared by all heads

    def forward(self, hidden_states, position_embeddings, attention_mask=None):
        batch, seq_len, _ = hidden_states.shape
        hidden_shape = (batch, seq_len, -1, self.head_dim)

        query_states = self.q_norm(self.q_proj(hidden_states).view(hidden_shape)).transpose(1, 2)
        key_states = self.k_norm(self.k_proj(hidden_states).view(hidden_shape)).transpose(1, 2)
        value_states = self.v_proj(hidden_states).view(hidden_shape).transpose(1, 2)
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


class Qwen3ForCausalLM(Qwen2ForCausalLM):
    pass
