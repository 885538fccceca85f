"""Gemma 2: Gemma with sandwich norms, logit softcapping and alternating sliding-window layers.

As Hugging Face transformers' `modular_gemma2.py`: a decoder layer normalizes
before and after both attention and the MLP (`pre_feedforward_layernorm`,
`post_feedforward_layernorm` join Gemma's two norms); attention scores are
softcapped, softcap * tanh(scores / softcap) with `attn_logit_softcapping`, and
scaled by query_pre_attn_scalar^-0.5 rather than head_dim^-0.5; the final logits
are softcapped with `final_logit_softcapping`; `layer_types` alternates
`sliding_attention` (a window of `sliding_window` keys) and `full_attention`,
starting with sliding; the MLP's activation is `hidden_activation`. Expanded
into `modeling_gemma2.py` by `tmc expand gemma2`.
"""

import torch
import torch.nn.functional as F
from ..gemma.modeling_gemma import (
    GemmaConfig,
    GemmaMLP,
    GemmaAttention,
    GemmaDecoderLayer,
    GemmaModel,
    GemmaForCausalLM,
)
from ..mistral.modeling_mistral import create_causal_mask


class Gemma2Config(GemmaConfig):
    """Gemma 2 hyperparameters, with the defaults of transformers' Gemma2Config (Gemma-2-2B).

    Built from a checkpoint's config.json with `Gemma2Config(**json.load(f))`; keys
    this model does not use are ignored. A softcapping of None turns it off.
    """

    def __init__(
        self,
        hidden_size=2304,
        intermediate_size=9216,
        num_hidden_layers=26,
        num_attention_heads=8,
        num_key_value_heads=4,
        hidden_activation="gelu_pytorch_tanh",
        query_pre_attn_scalar=256,
        sliding_window=4096,
        layer_types=None,
        final_logit_softcapping=30.0,
        attn_logit_softcapping=50.0,
        **super_kwargs,
    ):
        super().__init__(**super_kwargs)
        self.hidden_activation = hidden_activation
        self.query_pre_attn_scalar = query_pre_attn_scalar
        self.sliding_window = sliding_window
        if layer_types is None:
            layer_types = [
                "sliding_attention" if (i + 1) % 2 else "full_attention"
                for i in range(num_hidden_layers)
            ]
        self.layer_types = layer_types
        self.final_logit_softcapping = final_logit_softcapping
        self.attn_logit_softcapping = attn_logit_softcapping


class Gemma2MLP(GemmaMLP):
    def __init__(self, config):
        super().__init__(config)
        self.act_fn = ACT2FN[config.hidden_activation]


@compiles_to("attention")
def eager_attention_forward(module, query, key, value, attention_mask, scaling, softcap=None):
    """Attention as matmul, softcapping, softmax, matmul: the reference semantics.

    query (batch, heads, q_len, head_dim); key, value (batch, kv_heads, kv_len, head_dim);
    attention_mask (batch, 1, q_len, kv_len), added to the scores, or None. With
    `softcap`, the scaled scores become softcap * tanh(scores / softcap) before the mask.
    Returns the output (batch, q_len, heads, head_dim) and the attention weights.
    """
    key_states = repeat_kv(key, module.num_key_value_groups)
    value_states = repeat_kv(value, module.num_key_value_groups)

    attn_weights = torch.matmul(query, key_states.transpose(2, 3)) * scaling  # (batch, heads, q_len, kv_len)
    if softcap is not None:
        attn_weights = attn_weights / softcap
        attn_weights = torch.tanh(attn_weights)
        attn_weights = attn_weights * softcap
    if attention_mask is not None:
        attn_weights = attn_weights + attention_mask

    attn_weights = F.softmax(attn_weights, dim=-1, dtype=torch.float32).to(query.dtype)
    attn_output = torch.matmul(attn_weights, value_states)  # (batch, heads, q_len, head_dim)
    attn_output = attn_output.transpose(1, 2).contiguous()  # (batch, q_len, heads, head_dim)
    return attn_output, attn_weights


@compiles_to("attention")
def sdpa_attention_forward(module, query, key, value, attention_mask, scaling, softcap=None):
    """The same attention as one fused op, torch's scaled_dot_product_attention.

    Same arguments and output layout as eager_attention_forward; no weights are
    returned. torch's fused attention has no softcapping: with `softcap` set,
    PyTorch runs eager_attention_forward (tmc's fused attention op softcaps).
    """
    if softcap is not None:
        attn_output, _ = eager_attention_forward(
            module, query, key, value, attention_mask, scaling=scaling, softcap=softcap
        )
        return attn_output, None
    key_states = repeat_kv(key, module.num_key_value_groups)
    value_states = repeat_kv(value, module.num_key_value_groups)
    attn_output = F.scaled_dot_product_attention(
        query, key_states, value_states, attn_mask=attention_mask, dropout_p=0.0, scale=scaling
    )  # (batch, heads, q_len, head_dim)
    attn_output = attn_output.transpose(1, 2).contiguous()  # (batch, q_len, heads, head_dim)
    return attn_output, None


class Gemma2Attention(GemmaAttention):
    def __init__(self, config, layer_idx):
        super().__init__(config, layer_idx)
        self.attn_logit_softcapping = self.config.attn_logit_softcapping
        self.scaling = config.query_pre_attn_scalar**-0.5

    def forward(self, hidden_states, position_embeddings, attention_mask=None):
        batch, seq_len, _ = hidden_states.shape

        query_states = self.q_proj(hidden_states).view(batch, seq_len, -1, self.head_dim).transpose(1, 2)
        key_states = self.k_proj(hidden_states).view(batch, seq_len, -1, self.head_dim).transpose(1, 2)
        value_states = self.v_proj(hidden_states).view(batch, seq_len, -1, self.head_dim).transpose(1, 2)
        # query_states: (batch, heads, seq, head_dim); key/value_states: (batch, kv_heads, seq, head_dim)

        cos, sin = position_embeddings
        query_states, key_states = apply_rotary_pos_emb(query_states, key_states, cos, sin)

        attention_interface = ALL_ATTENTION_FUNCTIONS[self.config.attn_implementation]
        attn_output, attn_weights = attention_interface(
            self,
            query_states,
            key_states,
            value_states,
            attention_mask,
            scaling=self.scaling,
            softcap=self.attn_logit_softcapping,
        )

        attn_output = attn_output.reshape(batch, seq_len, -1).contiguous()  # (batch, seq, heads * head_dim)
        attn_output = self.o_proj(attn_output)
        return attn_output, attn_weights


class Gemma2DecoderLayer(GemmaDecoderLayer):
    """Sandwich-norm block: x + norm(attn(norm(x))), then x + norm(mlp(norm(x)))."""

    def __init__(self, config, layer_idx):
        super().__init__(config, layer_idx)
        self.pre_feedforward_layernorm = Gemma2RMSNorm(config.hidden_size, eps=config.rms_norm_eps)
        self.post_feedforward_layernorm = Gemma2RMSNorm(config.hidden_size, eps=config.rms_norm_eps)
        self.attention_type = config.layer_types[layer_idx]

    def forward(self, hidden_states, position_embeddings, attention_mask=None):
        residual = hidden_states
        hidden_states = self.input_layernorm(hidden_states)
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
        hidden_states = self.pre_feedforward_layernorm(hidden_states)
        hidden_states = self.mlp(hidden_states)
        hidden_states = self.post_feedforward_layernorm(hidden_states)
        hidden_states = residual + hidden_states
        return hidden_states


class Gemma2Model(GemmaModel):
    def forward(self, input_ids, attention_mask=None, position_ids=None):
        inputs_embeds = self.embed_tokens(input_ids)  # (batch, seq, hidden)
        # sqrt(hidden_size) in the embedding dtype: in bfloat16, sqrt(3072) = 55.4256 becomes 55.5.
        # See https://github.com/huggingface/transformers/pull/29402
        normalizer = torch.tensor(self.config.hidden_size**0.5, dtype=inputs_embeds.dtype)
        inputs_embeds = inputs_embeds * normalizer
        batch_size, seq_len, _ = inputs_embeds.shape

        if position_ids is None:
            # As in transformers: positions 0..seq-1, also for left-padded rows.
            position_ids = torch.arange(seq_len, device=inputs_embeds.device).unsqueeze(0)

        # One mask per kind of layer (batch, 1, seq, seq); config.layer_types picks each layer's.
        causal_mask_mapping = {
            "full_attention": create_causal_mask(
                attention_mask, batch_size, seq_len, inputs_embeds.dtype, inputs_embeds.device
            ),
            "sliding_attention": create_causal_mask(
                attention_mask,
                batch_size,
                seq_len,
                inputs_embeds.dtype,
                inputs_embeds.device,
                sliding_window=self.config.sliding_window,
            ),
        }

        hidden_states = inputs_embeds
        position_embeddings = self.rotary_emb(hidden_states, position_ids)

        for i, decoder_layer in enumerate(self.layers):
            hidden_states = decoder_layer(
                hidden_states,
                position_embeddings=position_embeddings,
                attention_mask=causal_mask_mapping[self.config.layer_types[i]],
            )

        hidden_states = self.norm(hidden_states)
        return hidden_states


class Gemma2ForCausalLM(GemmaForCausalLM):
    def forward(self, input_ids, attention_mask=None, position_ids=None):
        hidden_states = self.model(input_ids, attention_mask=attention_mask, position_ids=position_ids)
        logits = self.lm_head(hidden_states)  # (batch, seq, vocab)
        if self.config.final_logit_softcapping is not None:
            logits = logits / self.config.final_logit_softcapping
            logits = torch.tanh(logits)
            logits = logits * self.config.final_logit_softcapping
        return logits
