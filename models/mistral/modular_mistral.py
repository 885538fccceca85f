"""Mistral: Llama with sliding-window attention.

With `sliding_window` set (4096 in Mistral-7B-v0.1; None, full attention, from
v0.2 on), query i attends to key j only when i - sliding_window < j <= i, as in
Hugging Face transformers' `modeling_mistral.py`. Everything else is Llama, with
Mistral-7B's defaults (grouped KV heads, a larger MLP). Expanded into
`modeling_mistral.py` by `tmc expand mistral`.
"""

import torch
from ..llama.modeling_llama import LlamaConfig, LlamaModel, LlamaForCausalLM


class MistralConfig(LlamaConfig):
    """Mistral hyperparameters, with the defaults of transformers' MistralConfig (Mistral-7B).

    Built from a checkpoint's config.json with `MistralConfig(**json.load(f))`; keys
    this model does not use are ignored. `sliding_window` None means full causal
    attention.
    """

    def __init__(
        self,
        intermediate_size=14336,
        num_key_value_heads=8,
        max_position_embeddings=4096 * 32,
        sliding_window=4096,
        **super_kwargs,
    ):
        super().__init__(**super_kwargs)
        self.sliding_window = sliding_window


@compiles_to("causal_mask")
def create_causal_mask(attention_mask, batch_size, seq_len, dtype, device, sliding_window=None):
    """The additive mask (batch, 1, seq, seq): 0 where query i may see key j, the dtype's minimum elsewhere.

    Query i sees key j when j <= i, when i - j < sliding_window (if set) and, given a
    2-D attention_mask (batch, seq) of 1 (token) and 0 (padding), when key j is a
    token. A padding query that sees no key gets uniform weights, never NaN; its
    output is not meant to be used.
    """
    positions = torch.arange(seq_len, device=device)
    allowed = positions[None, :] <= positions[:, None]  # (seq, seq): key j <= query i
    if sliding_window is not None:
        allowed = torch.logical_and(allowed, positions[:, None] - positions[None, :] < sliding_window)
    allowed = allowed[None, None, :, :].expand(batch_size, 1, seq_len, seq_len)
    if attention_mask is not None:
        allowed = torch.logical_and(allowed, attention_mask[:, None, None, :].bool())
    mask = torch.zeros(batch_size, 1, seq_len, seq_len, dtype=dtype, device=device)
    return mask.masked_fill(torch.logical_not(allowed), torch.finfo(dtype).min)


class MistralModel(LlamaModel):
    def forward(self, input_ids, attention_mask=None, position_ids=None):
        inputs_embeds = self.embed_tokens(input_ids)  # (batch, seq, hidden)
        batch_size, seq_len, _ = inputs_embeds.shape

        if position_ids is None:
            # As in transformers: positions 0..seq-1, also for left-padded rows.
            position_ids = torch.arange(seq_len, device=inputs_embeds.device).unsqueeze(0)

        causal_mask = create_causal_mask(
            attention_mask,
            batch_size,
            seq_len,
            inputs_embeds.dtype,
            inputs_embeds.device,
            sliding_window=self.config.sliding_window,
        )  # (batch, 1, seq, seq)

        hidden_states = inputs_embeds
        position_embeddings = self.rotary_emb(hidden_states, position_ids)

        for decoder_layer in self.layers:
            hidden_states = decoder_layer(
                hidden_states,
                position_embeddings=position_embeddings,
                attention_mask=causal_mask,
            )

        hidden_states = self.norm(hidden_states)
        return hidden_states


class MistralForCausalLM(LlamaForCausalLM):
    pass
