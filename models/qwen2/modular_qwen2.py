"""Qwen2: Llama with q/k/v biases and sliding-window attention on the upper layers.

As Hugging Face transformers' `modular_qwen2.py`: the q, k and v projections have
biases (the output projection and the MLP have none), and with
`use_sliding_window` the layers from `max_window_layers` on attend through a
window of `sliding_window` keys (`layer_types` names each layer's kind:
`full_attention` or `sliding_attention`). Expanded into `modeling_qwen2.py` by
`tmc expand qwen2`.
"""

import torch
from torch import nn
from ..llama.modeling_llama import LlamaConfig, LlamaAttention, LlamaMLP, LlamaForCausalLM
from ..mistral.modeling_mistral import MistralModel, create_causal_mask


class Qwen2Config(LlamaConfig):
    """Qwen2 hyperparameters, with the defaults of transformers' Qwen2Config (Qwen2-7B).

    Built from a checkpoint's config.json with `Qwen2Config(**json.load(f))`; keys
    this model does not use are ignored. `sliding_window` applies only with
    `use_sliding_window`, to the layers `layer_types` marks `sliding_attention`
    (by default those from `max_window_layers` on).
    """

    pretraining_tp = AttributeError()
    attention_bias = AttributeError()
    mlp_bias = AttributeError()

    def __init__(
        self,
        vocab_size=151936,
        intermediate_size=22016,
        num_key_value_heads=32,
        max_position_embeddings=32768,
        bos_token_id=None,
        eos_token_id=None,
        use_sliding_window=False,
        sliding_window=4096,
        max_window_layers=28,
        layer_types=None,
        **super_kwargs,
    ):
        super().__init__(**super_kwargs)
        self.use_sliding_window = use_sliding_window
        self.sliding_window = sliding_window if use_sliding_window else None
        self.max_window_layers = max_window_layers
        if layer_types is None:
            layer_types = [
                (
                    "sliding_attention"
                    if self.sliding_window is not None and i >= max_window_layers
                    else "full_attention"
                )
                for i in range(num_hidden_layers)
            ]
        self.layer_types = layer_types


class Qwen2MLP(LlamaMLP):
    def __init__(self, config):
        super().__init__(config)
        self.gate_proj = nn.Linear(self.hidden_size, self.intermediate_size, bias=False)
        self.up_proj = nn.Linear(self.hidden_size, self.intermediate_size, bias=False)
        self.down_proj = nn.Linear(self.intermediate_size, self.hidden_size, bias=False)


class Qwen2Attention(LlamaAttention):
    def __init__(self, config, layer_idx):
        super().__init__(config, layer_idx)
        self.q_proj = nn.Linear(config.hidden_size, config.num_attention_heads * self.head_dim, bias=True)
        self.k_proj = nn.Linear(config.hidden_size, config.num_key_value_heads * self.head_dim, bias=True)
        self.v_proj = nn.Linear(config.hidden_size, config.num_key_value_heads * self.head_dim, bias=True)
        self.o_proj = nn.Linear(config.num_attention_heads * self.head_dim, config.hidden_size, bias=False)


class Qwen2Model(MistralModel):
    def __init__(self, config):
        super().__init__(config)
        self.has_sliding_layers = "sliding_attention" in config.layer_types

    def forward(self, input_ids, attention_mask=None, position_ids=None):
        inputs_embeds = self.embed_tokens(input_ids)  # (batch, seq, hidden)
        batch_size, seq_len, _ = inputs_embeds.shape

        if position_ids is None:
            # As in transformers: positions 0..seq-1, also for left-padded rows.
            position_ids = torch.arange(seq_len, device=inputs_embeds.device).unsqueeze(0)

        # One mask per kind of layer (batch, 1, seq, seq); config.layer_types picks each layer's.
        causal_mask_mapping = {
            "full_attention": create_causal_mask(
                attention_mask, batch_size, seq_len, inputs_embeds.dtype, inputs_embeds.device
            ),
        }
        if self.has_sliding_layers:
            causal_mask_mapping["sliding_attention"] = create_causal_mask(
                attention_mask,
                batch_size,
                seq_len,
                inputs_embeds.dtype,
                inputs_embeds.device,
                sliding_window=self.config.sliding_window,
            )

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


class Qwen2ForCausalLM(LlamaForCausalLM):
    pass
