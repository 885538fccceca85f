"""Gemma: Llama with scaled embeddings, a (1 + weight) RMSNorm, a GELU-tanh MLP and tied embeddings.

As Hugging Face transformers' `modular_gemma.py`: the token embeddings are
multiplied by sqrt(hidden_size), rounded to the embedding dtype first (55.5, not
55.4256, for hidden 3072 in bf16); the RMSNorm computes in fp32 and scales by
(1 + weight), its weight starting at zeros; the MLP's activation is
`gelu_pytorch_tanh` (a legacy `hidden_act` "gelu" means it too) and has no
biases; the lm_head shares the embedding matrix by default
(`tie_word_embeddings`). Expanded into `modeling_gemma.py` by `tmc expand gemma`.
"""

import torch
from torch import nn
from ..llama.modeling_llama import LlamaConfig, LlamaMLP, LlamaModel, LlamaForCausalLM


class GemmaConfig(LlamaConfig):
    """Gemma hyperparameters, with the defaults of transformers' GemmaConfig (Gemma-7B).

    Built from a checkpoint's config.json with `GemmaConfig(**json.load(f))`; keys
    this model does not use are ignored.
    """

    pretraining_tp = AttributeError()
    mlp_bias = AttributeError()

    def __init__(
        self,
        vocab_size=256000,
        hidden_size=3072,
        intermediate_size=24576,
        num_hidden_layers=28,
        num_attention_heads=16,
        num_key_value_heads=16,
        hidden_act="gelu_pytorch_tanh",
        max_position_embeddings=8192,
        pad_token_id=0,
        bos_token_id=2,
        eos_token_id=1,
        tie_word_embeddings=True,
        head_dim=256,
        **super_kwargs,
    ):
        if hidden_act == "gelu":
            # The legacy value of the official releases targets the tanh approximation.
            hidden_act = "gelu_pytorch_tanh"
        super().__init__(**super_kwargs)


class GemmaRMSNorm(nn.Module):
    """Root-mean-square norm scaled by (1 + weight), in fp32: x / sqrt(mean(x^2) + eps) * (1 + weight)."""

    def __init__(self, dim, eps=1e-6):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.zeros(dim))

    def forward(self, x):
        output = x.float()
        output = output * torch.rsqrt(output.pow(2).mean(-1, keepdim=True) + self.eps)
        # Llama does x.to(float16) * w whilst Gemma is (x * w).to(float16)
        # See https://github.com/huggingface/transformers/pull/29402
        output = output * (1.0 + self.weight.float())
        return output.to(x.dtype)


class GemmaMLP(LlamaMLP):
    def __init__(self, config):
        super().__init__(config)
        self.gate_proj = nn.Linear(self.hidden_size, self.intermediate_size, bias=False)
        self.up_proj = nn.Linear(self.hidden_size, self.intermediate_size, bias=False)
        self.down_proj = nn.Linear(self.intermediate_size, self.hidden_size, bias=False)


class GemmaModel(LlamaModel):
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

        causal_mask = create_causal_mask(
            attention_mask, batch_size, seq_len, inputs_embeds.dtype, inputs_embeds.device
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


class GemmaForCausalLM(LlamaForCausalLM):
    pass
