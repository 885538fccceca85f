"""OLMo 2: Llama with norms after attention and MLP, and RMSNorms over the whole q and k projections.

As Hugging Face transformers' `modular_olmo2.py` (whose OLMo parent is Llama with
clipped qkv and non-affine LayerNorms): a decoder layer normalizes the outputs of
attention and of the MLP inside the residual, x + norm(attn(x)), then
x + norm(mlp(x)), and has no input norm; `q_norm` and `k_norm` are RMSNorms over
the whole q and k projections (all heads together) before the rotary embedding;
the RMSNorm multiplies by its weight before casting back to the input dtype; and
RoPE is applied in fp32 (cos and sin stay fp32). Expanded into
`modeling_olmo2.py` by `tmc expand olmo2`.
"""

import torch
from torch import nn
from ..llama.modeling_llama import (
    LlamaConfig,
    LlamaRMSNorm,
    LlamaRotaryEmbedding,
    LlamaAttention,
    LlamaDecoderLayer,
    LlamaModel,
    LlamaForCausalLM,
)


class Olmo2Config(LlamaConfig):
    """OLMo 2 hyperparameters, with the defaults of transformers' Olmo2Config (OLMo-2-7B).

    Built from a checkpoint's config.json with `Olmo2Config(**json.load(f))`; keys
    this model does not use are ignored.
    """

    model_type = "olmo2"
    # Tensor-parallel plan of the base model `Olmo2Model`: the outputs of q_proj, k_proj and
    # v_proj are gathered (q_norm and k_norm need whole rows), the input of o_proj is split.
    base_model_tp_plan = {
        "layers.*.self_attn.q_proj": "colwise_gather_output",
        "layers.*.self_attn.k_proj": "colwise_gather_output",
        "layers.*.self_attn.v_proj": "colwise_gather_output",
        "layers.*.self_attn.o_proj": "rowwise_split_input",
        "layers.*.mlp.gate_proj": "colwise",
        "layers.*.mlp.up_proj": "colwise",
        "layers.*.mlp.down_proj": "rowwise",
    }

    pretraining_tp = AttributeError()

    def __init__(
        self,
        vocab_size=50304,
        rms_norm_eps=1e-5,
        pad_token_id=1,
        bos_token_id=None,
        eos_token_id=50279,
        **super_kwargs,
    ):
        super().__init__(**super_kwargs)


# OLMo2 RMS norm is identical to Llama RMS norm except:
# - Weight and hidden states are multiplied before converting back to the input dtype, rather than after.
class Olmo2RMSNorm(LlamaRMSNorm):
    def forward(self, hidden_states):
        input_dtype = hidden_states.dtype
        hidden_states = hidden_states.to(torch.float32)
        variance = hidden_states.pow(2).mean(-1, keepdim=True)  # (batch, seq, 1)
        hidden_states = hidden_states * torch.rsqrt(variance + self.variance_epsilon)
        return (self.weight * hidden_states).to(input_dtype)


# OLMo's rotary embedding keeps cos and sin in fp32.
class Olmo2RotaryEmbedding(LlamaRotaryEmbedding):
    def forward(self, x, position_ids):
        # position_ids: (batch, seq) -> cos, sin: (batch, seq, head_dim), fp32
        inv_freq = 1.0 / (self.rope_theta ** (torch.arange(0, self.dim, 2, dtype=torch.float32) / self.dim))
        inv_freq = inv_freq.to(device=x.device, dtype=torch.float32)  # (head_dim / 2,)
        freqs = position_ids[..., None].float() * inv_freq  # (batch, seq, head_dim / 2)
        emb = torch.cat((freqs, freqs), dim=-1)  # (batch, seq, head_dim)
        cos = emb.cos() * self.attention_scaling
        sin = emb.sin() * self.attention_scaling
        return cos, sin


@compiles_to("rope")
def apply_rotary_pos_emb(q, k, cos, sin, unsqueeze_dim=1):
    """Applies rotary position embeddings to q and k (batch, heads, seq, head_dim), in cos's dtype (fp32).

    cos and sin (batch, seq, head_dim) get a heads axis at `unsqueeze_dim`; the
    results have the dtypes of q and k.
    """
    q_type, k_type = q.dtype, k.dtype
    cos = cos.unsqueeze(unsqueeze_dim)
    sin = sin.unsqueeze(unsqueeze_dim)
    q_embed = (q * cos) + (rotate_half(q) * sin)
    k_embed = (k * cos) + (rotate_half(k) * sin)
    return q_embed.to(q_type), k_embed.to(k_type)


# Olmo2 attention is identical to OLMo attention except:
# - Norm is applied to attention queries and keys.
# - No qkv clipping.
class Olmo2Attention(LlamaAttention):
    def __init__(self, config, layer_idx):
        super().__init__(config, layer_idx)
        self.q_norm = Olmo2RMSNorm(config.num_attention_heads * self.head_dim, config.rms_norm_eps)
        self.k_norm = Olmo2RMSNorm(config.num_key_value_heads * self.head_dim, config.rms_norm_eps)

    def forward(self, hidden_states, position_embeddings, attention_mask=None):
        batch, seq_len, _ = hidden_states.shape
        hidden_shape = (batch, seq_len, -1, self.head_dim)

        query_states = self.q_norm(self.q_proj(hidden_states))  # (batch, seq, heads * head_dim)
        key_states = self.k_norm(self.k_proj(hidden_states))  # (batch, seq, kv_heads * head_dim)
        value_states = self.v_proj(hidden_states)

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


# The OLMo2 layers are identical to those of the OLMo model except:
# - RMSNorm is used instead of standard layer norm.
# - Norm is applied after attention/feedforward rather than before.
class Olmo2DecoderLayer(LlamaDecoderLayer):
    """Post-norm block: x + norm(attn(x)), then x + norm(mlp(x))."""

    def __init__(self, config, layer_idx):
        super().__init__(config, layer_idx)
        self.post_feedforward_layernorm = Olmo2RMSNorm(config.hidden_size, eps=config.rms_norm_eps)
        del self.input_layernorm

    def forward(self, hidden_states, position_embeddings, attention_mask=None):
        residual = hidden_states
        # Self Attention
        hidden_states, _ = self.self_attn(
            hidden_states=hidden_states,
            position_embeddings=position_embeddings,
            attention_mask=attention_mask,
        )
        hidden_states = self.post_attention_layernorm(hidden_states)
        hidden_states = residual + hidden_states

        # Fully Connected
        residual = hidden_states
        hidden_states = self.mlp(hidden_states)
        hidden_states = self.post_feedforward_layernorm(hidden_states)
        hidden_states = residual + hidden_states
        return hidden_states


class Olmo2Model(LlamaModel):
    pass


class Olmo2ForCausalLM(LlamaForCausalLM):
    pass
