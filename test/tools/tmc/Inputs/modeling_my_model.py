"""MyModel: a Llama-like model written by hand, for `tmc modular-candidates` (test/tools/tmc/modular-candidates.test).

A copy of models/llama/modeling_llama.py with the classes renamed to MyModel and
a few edits: another RMSNorm epsilon, a scaled residual in the decoder layer and
comments of its own. modular-candidates should rank llama first.
"""

import torch
from torch import nn
import torch.nn.functional as F


class MyModelConfig:
    """MyModel hyperparameters, with the defaults of transformers' MyModelConfig (MyModel-2-7B).

    Built from a checkpoint's config.json with `MyModelConfig(**json.load(f))`; keys
    this model does not use (`architectures`, `torch_dtype`, ...) are ignored. RoPE
    is read from `rope_theta` (config.json of transformers 4.x) or from
    `rope_parameters` (transformers 5.x); only the default RoPE is supported.
    """

    model_type = "my_model"
    # Tensor-parallel plan of the base model `MyModelModel` (module name -> strategy).
    base_model_tp_plan = {
        "layers.*.self_attn.q_proj": "colwise",
        "layers.*.self_attn.k_proj": "colwise",
        "layers.*.self_attn.v_proj": "colwise",
        "layers.*.self_attn.o_proj": "rowwise",
        "layers.*.mlp.gate_proj": "colwise",
        "layers.*.mlp.up_proj": "colwise",
        "layers.*.mlp.down_proj": "rowwise",
    }

    def __init__(
        self,
        vocab_size=32000,
        hidden_size=4096,
        intermediate_size=11008,
        num_hidden_layers=32,
        num_attention_heads=32,
        num_key_value_heads=None,
        hidden_act="silu",
        max_position_embeddings=2048,
        initializer_range=0.02,
        rms_norm_eps=1e-5,
        use_cache=True,
        pad_token_id=None,
        bos_token_id=1,
        eos_token_id=2,
        pretraining_tp=1,
        tie_word_embeddings=False,
        rope_theta=10000.0,
        rope_parameters=None,
        rope_scaling=None,
        attention_bias=False,
        attention_dropout=0.0,
        mlp_bias=False,
        head_dim=None,
        attn_implementation="eager",
        **kwargs,
    ):
        self.vocab_size = vocab_size
        self.hidden_size = hidden_size
        self.intermediate_size = intermediate_size
        self.num_hidden_layers = num_hidden_layers
        self.num_attention_heads = num_attention_heads
        if num_key_value_heads is None:
            num_key_value_heads = num_attention_heads
        self.num_key_value_heads = num_key_value_heads
        if head_dim is None:
            head_dim = hidden_size // num_attention_heads
        self.head_dim = head_dim
        self.hidden_act = hidden_act
        self.max_position_embeddings = max_position_embeddings
        self.initializer_range = initializer_range
        self.rms_norm_eps = rms_norm_eps
        self.use_cache = use_cache
        self.pad_token_id = pad_token_id
        self.bos_token_id = bos_token_id
        self.eos_token_id = eos_token_id
        self.pretraining_tp = pretraining_tp
        self.tie_word_embeddings = tie_word_embeddings
        # RoPE: transformers 5.x writes {"rope_type": ..., "rope_theta": ...}.
        rope_type = "default"
        if rope_parameters is not None:
            rope_theta = rope_parameters["rope_theta"]
            rope_type = rope_parameters.get("rope_type", "default")
        if rope_scaling is not None:
            rope_type = rope_scaling.get("rope_type", rope_scaling.get("type", "default"))
        assert rope_type == "default", "only the default RoPE is supported"
        self.rope_theta = rope_theta
        self.rope_parameters = {"rope_type": rope_type, "rope_theta": rope_theta}
        self.attention_bias = attention_bias
        self.attention_dropout = attention_dropout
        self.mlp_bias = mlp_bias
        if attn_implementation is None:
            attn_implementation = "eager"
        self.attn_implementation = attn_implementation


def use_kernel_forward(name):
    """Marks a module whose forward a registered kernel `name` may replace.

    `@use_kernel_forward("RMSNorm")` on a class; kernel selection (planned with
    the CUDA target's kernel registry) will read the marker, and until then tmc
    compiles the module's own forward. Under PyTorch it changes nothing.
    """
    return keep_forward


def keep_forward(cls):
    """The decorator `use_kernel_forward` and `compiles_to` return: the class or function, unchanged."""
    return cls


def compiles_to(op):
    """Marks a function or module that tmc compiles to one tmc op `op` instead of tracing its body.

    The body is the op's meaning under PyTorch (and the reference the op is tested
    against); tmc reads the call's arguments by parameter name. The ops: `causal_mask`
    (a mask tmc keeps symbolic: causal, sliding window, padding), `attention`
    (tmc.attention, whose backend tmc-select-attention picks), `rotary_embedding`
    (cos and sin of a module with `rope_theta` and `dim`), `rope` and `rope_interleaved`
    (tmc.rope on q and k). Under PyTorch it changes nothing.
    """
    return keep_forward


@use_kernel_forward("RMSNorm")
class MyModelRMSNorm(nn.Module):
    """Root-mean-square norm (T5LayerNorm): x / sqrt(mean(x^2) + eps) * weight, in fp32."""

    def __init__(self, hidden_size, eps=1e-5):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(hidden_size))
        self.variance_epsilon = eps

    def forward(self, hidden_states):
        input_dtype = hidden_states.dtype
        hidden_states = hidden_states.to(torch.float32)
        # The mean square over the hidden axis, in fp32.
        variance = hidden_states.pow(2).mean(-1, keepdim=True)
        hidden_states = hidden_states * torch.rsqrt(variance + self.variance_epsilon)
        return self.weight * hidden_states.to(input_dtype)


@compiles_to("rotary_embedding")
class MyModelRotaryEmbedding(nn.Module):
    """Default RoPE: cos and sin of position * inv_freq, inv_freq = 1 / theta^(2i / head_dim).

    inv_freq is computed on the CPU in fp32 exactly as transformers computes its
    `inv_freq` buffer, then moved to the input's device; it is not a parameter
    and not in the checkpoint.
    """

    def __init__(self, config):
        super().__init__()
        self.rope_theta = config.rope_theta
        self.dim = config.head_dim
        self.attention_scaling = 1.0  # unused by the default RoPE

    def forward(self, x, position_ids):
        # position_ids: (batch, seq) -> cos, sin: (batch, seq, head_dim)
        inv_freq = 1.0 / (self.rope_theta ** (torch.arange(0, self.dim, 2, dtype=torch.float32) / self.dim))
        inv_freq = inv_freq.to(device=x.device, dtype=torch.float32)  # (head_dim / 2,)
        freqs = position_ids[..., None].float() * inv_freq  # (batch, seq, head_dim / 2)
        emb = torch.cat((freqs, freqs), dim=-1)  # (batch, seq, head_dim)
        cos = emb.cos() * self.attention_scaling
        sin = emb.sin() * self.attention_scaling
        return cos.to(dtype=x.dtype), sin.to(dtype=x.dtype)


def rotate_half(x):
    """Rotates half the hidden dims of the input: (x1, x2) -> (-x2, x1)."""
    x1 = x[..., : x.shape[-1] // 2]
    x2 = x[..., x.shape[-1] // 2 :]
    return torch.cat((-x2, x1), dim=-1)


@compiles_to("rope")
def apply_rotary_pos_emb(q, k, cos, sin, unsqueeze_dim=1):
    """Applies rotary position embeddings to q and k (batch, heads, seq, head_dim).

    cos and sin (batch, seq, head_dim) get a heads axis at `unsqueeze_dim`.
    """
    cos = cos.unsqueeze(unsqueeze_dim)
    sin = sin.unsqueeze(unsqueeze_dim)
    q_embed = (q * cos) + (rotate_half(q) * sin)
    k_embed = (k * cos) + (rotate_half(k) * sin)
    return q_embed, k_embed


def gelu_tanh(x):
    """GELU with the tanh approximation (transformers' `gelu_pytorch_tanh`)."""
    return F.gelu(x, approximate="tanh")


# Activation functions by their config.json name (`hidden_act`).
ACT2FN = {
    "silu": F.silu,
    "gelu": F.gelu,
    "gelu_pytorch_tanh": gelu_tanh,
    "relu": F.relu,
}


class MyModelMLP(nn.Module):
    """SwiGLU feed-forward: down_proj(act(gate_proj(x)) * up_proj(x))."""

    def __init__(self, config):
        super().__init__()
        self.hidden_size = config.hidden_size
        self.intermediate_size = config.intermediate_size
        self.gate_proj = nn.Linear(self.hidden_size, self.intermediate_size, bias=config.mlp_bias)
        self.up_proj = nn.Linear(self.hidden_size, self.intermediate_size, bias=config.mlp_bias)
        self.down_proj = nn.Linear(self.intermediate_size, self.hidden_size, bias=config.mlp_bias)
        self.act_fn = ACT2FN[config.hidden_act]

    def forward(self, x):
        down_proj = self.down_proj(self.act_fn(self.gate_proj(x)) * self.up_proj(x))
        return down_proj


def repeat_kv(hidden_states, n_rep):
    """Repeats each KV head n_rep times: torch.repeat_interleave(hidden_states, n_rep, dim=1).

    (batch, kv_heads, seq, head_dim) -> (batch, kv_heads * n_rep, seq, head_dim)
    """
    batch, num_key_value_heads, slen, head_dim = hidden_states.shape
    if n_rep == 1:
        return hidden_states
    hidden_states = hidden_states[:, :, None, :, :].expand(batch, num_key_value_heads, n_rep, slen, head_dim)
    return hidden_states.reshape(batch, num_key_value_heads * n_rep, slen, head_dim)


@compiles_to("attention")
def eager_attention_forward(module, query, key, value, attention_mask, scaling):
    """Attention as matmul, softmax, matmul: the reference semantics.

    query (batch, heads, q_len, head_dim); key, value (batch, kv_heads, kv_len, head_dim);
    attention_mask (batch, 1, q_len, kv_len), added to the scores, or None.
    Returns the output (batch, q_len, heads, head_dim) and the attention weights.
    """
    key_states = repeat_kv(key, module.num_key_value_groups)
    value_states = repeat_kv(value, module.num_key_value_groups)

    attn_weights = torch.matmul(query, key_states.transpose(2, 3)) * scaling  # (batch, heads, q_len, kv_len)
    if attention_mask is not None:
        attn_weights = attn_weights + attention_mask

    attn_weights = F.softmax(attn_weights, dim=-1, dtype=torch.float32).to(query.dtype)
    attn_output = torch.matmul(attn_weights, value_states)  # (batch, heads, q_len, head_dim)
    attn_output = attn_output.transpose(1, 2).contiguous()  # (batch, q_len, heads, head_dim)
    return attn_output, attn_weights


@compiles_to("attention")
def sdpa_attention_forward(module, query, key, value, attention_mask, scaling):
    """The same attention as one fused op, torch's scaled_dot_product_attention.

    Same arguments and output layout as eager_attention_forward; no weights are returned.
    """
    key_states = repeat_kv(key, module.num_key_value_groups)
    value_states = repeat_kv(value, module.num_key_value_groups)
    attn_output = F.scaled_dot_product_attention(
        query, key_states, value_states, attn_mask=attention_mask, dropout_p=0.0, scale=scaling
    )  # (batch, heads, q_len, head_dim)
    attn_output = attn_output.transpose(1, 2).contiguous()  # (batch, q_len, heads, head_dim)
    return attn_output, None


# Attention backends by name (config `attn_implementation`); every one computes eager's result.
ALL_ATTENTION_FUNCTIONS = {
    "eager": eager_attention_forward,
    "sdpa": sdpa_attention_forward,
}


class MyModelAttention(nn.Module):
    """Multi-headed attention from 'Attention Is All You Need', with RoPE and grouped KV heads."""

    def __init__(self, config, layer_idx):
        super().__init__()
        self.config = config
        self.layer_idx = layer_idx
        self.head_dim = config.head_dim
        self.num_key_value_groups = config.num_attention_heads // config.num_key_value_heads
        self.scaling = self.head_dim**-0.5
        self.is_causal = True

        self.q_proj = nn.Linear(
            config.hidden_size, config.num_attention_heads * self.head_dim, bias=config.attention_bias
        )
        self.k_proj = nn.Linear(
            config.hidden_size, config.num_key_value_heads * self.head_dim, bias=config.attention_bias
        )
        self.v_proj = nn.Linear(
            config.hidden_size, config.num_key_value_heads * self.head_dim, bias=config.attention_bias
        )
        self.o_proj = nn.Linear(
            config.num_attention_heads * self.head_dim, config.hidden_size, bias=config.attention_bias
        )

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
            self, query_states, key_states, value_states, attention_mask, scaling=self.scaling
        )

        attn_output = attn_output.reshape(batch, seq_len, -1).contiguous()  # (batch, seq, heads * head_dim)
        attn_output = self.o_proj(attn_output)
        return attn_output, attn_weights


class MyModelDecoderLayer(nn.Module):
    """Pre-norm block: x + attn(norm(x)), then x + mlp(norm(x))."""

    def __init__(self, config, layer_idx):
        super().__init__()
        self.hidden_size = config.hidden_size

        self.self_attn = MyModelAttention(config=config, layer_idx=layer_idx)

        self.mlp = MyModelMLP(config)
        self.input_layernorm = MyModelRMSNorm(config.hidden_size, eps=config.rms_norm_eps)
        self.post_attention_layernorm = MyModelRMSNorm(config.hidden_size, eps=config.rms_norm_eps)

    def forward(self, hidden_states, position_embeddings, attention_mask=None):
        residual = hidden_states
        hidden_states = self.input_layernorm(hidden_states)
        # Self Attention
        hidden_states, _ = self.self_attn(
            hidden_states=hidden_states,
            position_embeddings=position_embeddings,
            attention_mask=attention_mask,
        )
        hidden_states = residual + hidden_states

        # Fully Connected
        residual = hidden_states
        hidden_states = self.post_attention_layernorm(hidden_states)
        hidden_states = self.mlp(hidden_states)
        # MyModel scales the MLP's residual branch.
        hidden_states = residual + 0.5 * hidden_states
        return hidden_states


@compiles_to("causal_mask")
def create_causal_mask(attention_mask, batch_size, seq_len, dtype, device):
    """The additive mask (batch, 1, seq, seq): 0 where query i may see key j, the dtype's minimum elsewhere.

    Query i sees key j when j <= i and, given a 2-D attention_mask (batch, seq)
    of 1 (token) and 0 (padding), when key j is a token. A padding query that sees
    no key gets uniform weights, never NaN; its output is not meant to be used.
    """
    positions = torch.arange(seq_len, device=device)
    allowed = positions[None, :] <= positions[:, None]  # (seq, seq): key j <= query i
    allowed = allowed[None, None, :, :].expand(batch_size, 1, seq_len, seq_len)
    if attention_mask is not None:
        allowed = torch.logical_and(allowed, attention_mask[:, None, None, :].bool())
    mask = torch.zeros(batch_size, 1, seq_len, seq_len, dtype=dtype, device=device)
    return mask.masked_fill(torch.logical_not(allowed), torch.finfo(dtype).min)


class MyModelModel(nn.Module):
    """The decoder stack: embeddings, decoder layers, final norm -> hidden states (batch, seq, hidden)."""

    def __init__(self, config):
        super().__init__()
        self.config = config
        self.padding_idx = config.pad_token_id
        self.vocab_size = config.vocab_size

        self.embed_tokens = nn.Embedding(config.vocab_size, config.hidden_size, self.padding_idx)
        self.layers = nn.ModuleList(
            [MyModelDecoderLayer(config, layer_idx) for layer_idx in range(config.num_hidden_layers)]
        )
        self.norm = MyModelRMSNorm(config.hidden_size, eps=config.rms_norm_eps)
        self.rotary_emb = MyModelRotaryEmbedding(config=config)

    def forward(self, input_ids, attention_mask=None, position_ids=None):
        inputs_embeds = self.embed_tokens(input_ids)  # (batch, seq, hidden)
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


class MyModelForCausalLM(nn.Module):
    """MyModelModel and the language-model head: input_ids (batch, seq) -> logits (batch, seq, vocab)."""

    # lm_head shares the embedding matrix when config.tie_word_embeddings is set.
    _tied_weights_keys = {"lm_head.weight": "model.embed_tokens.weight"}
    # Tensor-parallel plan of the head (the base model's is config.base_model_tp_plan).
    _tp_plan = {"lm_head": "colwise_gather_output"}

    def __init__(self, config):
        super().__init__()
        self.config = config
        self.model = MyModelModel(config)
        self.vocab_size = config.vocab_size
        self.lm_head = nn.Linear(config.hidden_size, config.vocab_size, bias=False)
        if config.tie_word_embeddings:
            self.lm_head.weight = self.model.embed_tokens.weight

    def forward(self, input_ids, attention_mask=None, position_ids=None):
        hidden_states = self.model(input_ids, attention_mask=attention_mask, position_ids=position_ids)
        logits = self.lm_head(hidden_states)  # (batch, seq, vocab)
        return logits
