"""BERT: the hand-written base of tmc's encoders.

A bidirectional transformer encoder as in Hugging Face transformers'
`modeling_bert.py` (`BertModel`): word, absolute position and token-type
embeddings summed and normalized, `num_hidden_layers` post-norm layers
(self-attention over every unpadded token, then a GELU MLP, each added to its
input and followed by a LayerNorm with bias), and the pooler (tanh of a dense
layer on the first token). Parameter names equal those of Hugging Face
checkpoints (`encoder.layer.0.attention.self.query.weight`), so a checkpoint
loads with `load_state_dict(state_dict, strict=True)`.

This file is written in tmc's model language (docs/LANGUAGE.md) and is plain
PyTorch: `python3` with `torch` can import it and run it. Inputs are
`input_ids` (batch, seq), an optional `attention_mask` (batch, seq) with 1 for
tokens and 0 for padding, and optional `token_type_ids` (batch, seq);
`BertModel.forward` returns the last hidden state (batch, seq, hidden) and the
pooled output (batch, hidden). Only encoders: `is_decoder` and cross-attention
are not supported.
"""

import torch
from torch import nn
import torch.nn.functional as F


class BertConfig:
    """BERT hyperparameters, with the defaults of transformers' BertConfig (bert-base-uncased).

    Built from a checkpoint's config.json with `BertConfig(**json.load(f))`; keys
    this model does not use (`architectures`, `gradient_checkpointing`, ...) are ignored.
    """

    model_type = "bert"

    def __init__(
        self,
        vocab_size=30522,
        hidden_size=768,
        num_hidden_layers=12,
        num_attention_heads=12,
        intermediate_size=3072,
        hidden_act="gelu",
        hidden_dropout_prob=0.1,
        attention_probs_dropout_prob=0.1,
        max_position_embeddings=512,
        type_vocab_size=2,
        initializer_range=0.02,
        layer_norm_eps=1e-12,
        pad_token_id=0,
        position_embedding_type="absolute",
        use_cache=True,
        classifier_dropout=None,
        is_decoder=False,
        add_cross_attention=False,
        attn_implementation="eager",
        **kwargs,
    ):
        self.vocab_size = vocab_size
        self.hidden_size = hidden_size
        self.num_hidden_layers = num_hidden_layers
        self.num_attention_heads = num_attention_heads
        self.intermediate_size = intermediate_size
        self.hidden_act = hidden_act
        self.hidden_dropout_prob = hidden_dropout_prob
        self.attention_probs_dropout_prob = attention_probs_dropout_prob
        self.max_position_embeddings = max_position_embeddings
        self.type_vocab_size = type_vocab_size
        self.initializer_range = initializer_range
        self.layer_norm_eps = layer_norm_eps
        self.pad_token_id = pad_token_id
        assert position_embedding_type == "absolute", "only absolute position embeddings are supported"
        self.position_embedding_type = position_embedding_type
        self.use_cache = use_cache
        self.classifier_dropout = classifier_dropout
        assert not is_decoder and not add_cross_attention, "only BERT encoders are supported"
        self.is_decoder = is_decoder
        self.add_cross_attention = add_cross_attention
        if attn_implementation is None:
            attn_implementation = "eager"
        self.attn_implementation = attn_implementation


def keep_forward(cls):
    """The decorator `compiles_to` returns: the class or function, unchanged."""
    return cls


def compiles_to(op):
    """Marks a function that tmc compiles to one tmc op `op` instead of tracing its body.

    The body is the op's meaning under PyTorch; tmc reads the call's arguments by
    parameter name. The ops here: `bidirectional_mask` (a key padding mask tmc keeps
    symbolic) and `attention` (tmc.attention, whose backend tmc-select-attention
    picks). Under PyTorch it changes nothing.
    """
    return keep_forward


# Activation functions by their config.json name (`hidden_act`): transformers' "gelu" is the exact erf GELU.
ACT2FN = {
    "gelu": F.gelu,
    "relu": F.relu,
    "silu": F.silu,
}


class BertEmbeddings(nn.Module):
    """Word + absolute position + token-type embeddings, then LayerNorm.

    Positions are 0..seq-1 for every row (transformers reads them from a
    `position_ids` buffer holding the same values), so rows are right-padded.
    """

    def __init__(self, config):
        super().__init__()
        self.word_embeddings = nn.Embedding(config.vocab_size, config.hidden_size, padding_idx=config.pad_token_id)
        self.position_embeddings = nn.Embedding(config.max_position_embeddings, config.hidden_size)
        self.token_type_embeddings = nn.Embedding(config.type_vocab_size, config.hidden_size)
        self.LayerNorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)

    def forward(self, input_ids, token_type_ids=None, position_ids=None):
        batch_size, seq_length = input_ids.shape
        if position_ids is None:
            position_ids = torch.arange(seq_length, device=input_ids.device).unsqueeze(0)  # (1, seq)
        if token_type_ids is None:
            token_type_ids = torch.zeros(batch_size, seq_length, dtype=torch.long, device=input_ids.device)

        embeddings = self.word_embeddings(input_ids) + self.token_type_embeddings(token_type_ids)
        embeddings = embeddings + self.position_embeddings(position_ids)  # (batch, seq, hidden)
        embeddings = self.LayerNorm(embeddings)
        embeddings = self.dropout(embeddings)
        return embeddings


@compiles_to("attention")
def eager_attention_forward(module, query, key, value, attention_mask, scaling):
    """Attention as matmul, softmax, matmul: the reference semantics.

    query, key, value (batch, heads, seq, head_dim); attention_mask (batch, 1, seq, seq),
    added to the scores, or None. Returns the output (batch, seq, heads, head_dim) and
    the attention weights.
    """
    attn_weights = torch.matmul(query, key.transpose(2, 3)) * scaling  # (batch, heads, seq, seq)
    if attention_mask is not None:
        attn_weights = attn_weights + attention_mask

    attn_weights = F.softmax(attn_weights, dim=-1)
    attn_output = torch.matmul(attn_weights, value)  # (batch, heads, seq, head_dim)
    attn_output = attn_output.transpose(1, 2).contiguous()  # (batch, seq, heads, head_dim)
    return attn_output, attn_weights


@compiles_to("attention")
def sdpa_attention_forward(module, query, key, value, attention_mask, scaling):
    """The same attention as one fused op, torch's scaled_dot_product_attention."""
    attn_output = F.scaled_dot_product_attention(
        query, key, value, attn_mask=attention_mask, dropout_p=0.0, scale=scaling
    )  # (batch, heads, seq, head_dim)
    attn_output = attn_output.transpose(1, 2).contiguous()  # (batch, seq, heads, head_dim)
    return attn_output, None


# Attention backends by name (config `attn_implementation`); every one computes eager's result.
ALL_ATTENTION_FUNCTIONS = {
    "eager": eager_attention_forward,
    "sdpa": sdpa_attention_forward,
}


class BertSelfAttention(nn.Module):
    """Multi-headed self-attention with biases; every token sees every unpadded token."""

    def __init__(self, config):
        super().__init__()
        self.config = config
        self.num_attention_heads = config.num_attention_heads
        self.attention_head_size = config.hidden_size // config.num_attention_heads
        self.all_head_size = self.num_attention_heads * self.attention_head_size
        self.scaling = self.attention_head_size**-0.5

        self.query = nn.Linear(config.hidden_size, self.all_head_size)
        self.key = nn.Linear(config.hidden_size, self.all_head_size)
        self.value = nn.Linear(config.hidden_size, self.all_head_size)
        self.dropout = nn.Dropout(config.attention_probs_dropout_prob)

    def forward(self, hidden_states, attention_mask=None):
        batch, seq_len, _ = hidden_states.shape
        head_shape = (batch, seq_len, -1, self.attention_head_size)
        query_layer = self.query(hidden_states).view(head_shape).transpose(1, 2)
        key_layer = self.key(hidden_states).view(head_shape).transpose(1, 2)
        value_layer = self.value(hidden_states).view(head_shape).transpose(1, 2)
        # (batch, heads, seq, head_dim)

        attention_interface = ALL_ATTENTION_FUNCTIONS[self.config.attn_implementation]
        attn_output, attn_weights = attention_interface(
            self, query_layer, key_layer, value_layer, attention_mask, scaling=self.scaling
        )
        attn_output = attn_output.reshape(batch, seq_len, -1).contiguous()  # (batch, seq, hidden)
        return attn_output, attn_weights


class BertSelfOutput(nn.Module):
    """The attention's output projection, added to the layer input and normalized (post-norm)."""

    def __init__(self, config):
        super().__init__()
        self.dense = nn.Linear(config.hidden_size, config.hidden_size)
        self.LayerNorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)

    def forward(self, hidden_states, input_tensor):
        hidden_states = self.dense(hidden_states)
        hidden_states = self.dropout(hidden_states)
        hidden_states = self.LayerNorm(hidden_states + input_tensor)
        return hidden_states


class BertAttention(nn.Module):
    """Self-attention and its output block."""

    def __init__(self, config):
        super().__init__()
        self.self = BertSelfAttention(config)
        self.output = BertSelfOutput(config)

    def forward(self, hidden_states, attention_mask=None):
        attention_output, attn_weights = self.self(hidden_states, attention_mask=attention_mask)
        attention_output = self.output(attention_output, hidden_states)
        return attention_output, attn_weights


class BertIntermediate(nn.Module):
    """The MLP's up projection and activation."""

    def __init__(self, config):
        super().__init__()
        self.dense = nn.Linear(config.hidden_size, config.intermediate_size)
        self.intermediate_act_fn = ACT2FN[config.hidden_act]

    def forward(self, hidden_states):
        hidden_states = self.dense(hidden_states)
        hidden_states = self.intermediate_act_fn(hidden_states)
        return hidden_states


class BertOutput(nn.Module):
    """The MLP's down projection, added to the attention output and normalized (post-norm)."""

    def __init__(self, config):
        super().__init__()
        self.dense = nn.Linear(config.intermediate_size, config.hidden_size)
        self.LayerNorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)

    def forward(self, hidden_states, input_tensor):
        hidden_states = self.dense(hidden_states)
        hidden_states = self.dropout(hidden_states)
        hidden_states = self.LayerNorm(hidden_states + input_tensor)
        return hidden_states


class BertLayer(nn.Module):
    """Post-norm block: norm(x + attn(x)), then norm(x + mlp(x))."""

    def __init__(self, config):
        super().__init__()
        self.attention = BertAttention(config)
        self.intermediate = BertIntermediate(config)
        self.output = BertOutput(config)

    def forward(self, hidden_states, attention_mask=None):
        attention_output, _ = self.attention(hidden_states, attention_mask=attention_mask)
        intermediate_output = self.intermediate(attention_output)
        layer_output = self.output(intermediate_output, attention_output)
        return layer_output


class BertEncoder(nn.Module):
    """The stack of layers."""

    def __init__(self, config):
        super().__init__()
        self.config = config
        self.layer = nn.ModuleList([BertLayer(config) for _ in range(config.num_hidden_layers)])

    def forward(self, hidden_states, attention_mask=None):
        for layer_module in self.layer:
            hidden_states = layer_module(hidden_states, attention_mask=attention_mask)
        return hidden_states


class BertPooler(nn.Module):
    """tanh(dense(hidden state of the first token)): the pooled output (batch, hidden)."""

    def __init__(self, config):
        super().__init__()
        self.dense = nn.Linear(config.hidden_size, config.hidden_size)
        self.activation = nn.Tanh()

    def forward(self, hidden_states):
        first_token_tensor = hidden_states[:, 0]
        pooled_output = self.dense(first_token_tensor)
        pooled_output = self.activation(pooled_output)
        return pooled_output


@compiles_to("bidirectional_mask")
def create_bidirectional_mask(attention_mask, batch_size, seq_len, dtype, device):
    """The additive mask (batch, 1, seq, seq): 0 where key j is a token, the dtype's minimum for padding.

    Every query sees every token of its row; without an attention_mask there is no mask (None).
    """
    if attention_mask is None:
        return None
    allowed = attention_mask[:, None, None, :].bool().expand(batch_size, 1, seq_len, seq_len)
    mask = torch.zeros(batch_size, 1, seq_len, seq_len, dtype=dtype, device=device)
    return mask.masked_fill(torch.logical_not(allowed), torch.finfo(dtype).min)


class BertModel(nn.Module):
    """Embeddings, encoder and pooler: input_ids (batch, seq) -> (last hidden state, pooled output)."""

    # Checkpoints of transformers 4.x hold the position_ids buffer; it is not a weight.
    _keys_to_ignore_on_load_unexpected = [r"position_ids"]

    def __init__(self, config):
        super().__init__()
        self.config = config
        self.embeddings = BertEmbeddings(config)
        self.encoder = BertEncoder(config)
        self.pooler = BertPooler(config)

    def forward(self, input_ids, attention_mask=None, token_type_ids=None, position_ids=None):
        embedding_output = self.embeddings(input_ids, token_type_ids=token_type_ids, position_ids=position_ids)
        batch_size, seq_len, _ = embedding_output.shape
        extended_mask = create_bidirectional_mask(
            attention_mask, batch_size, seq_len, embedding_output.dtype, embedding_output.device
        )  # (batch, 1, seq, seq) or None
        sequence_output = self.encoder(embedding_output, attention_mask=extended_mask)
        pooled_output = self.pooler(sequence_output)
        return sequence_output, pooled_output
