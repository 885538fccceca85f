// A 2-layer Llama decoder (LlamaForCausalLM) written by hand in the tmc dialect:
// hidden 64, 4 attention heads over 2 KV heads (head_dim 16), intermediate 176,
// vocab 256, rms_norm_eps 1e-6, rope_theta 10000, untied lm_head, fp32. It
// computes what transformers computes with eager, causal attention and no
// attention mask: input_ids [batch, seq] -> logits [batch, seq, 256]. The e2e
// test compiles it and compares its logits with those of
// scripts/reference/make_llama_2layer_fixture.py on the same checkpoint.
//
// Both layers share one function, @decoder_layer, that receives its weights as
// arguments (DESIGN §13); only @forward reads weights.

// One artifact, batch 2, two sequence lengths: compiled logits vs the LibTorch
// executor on the same graph (1e-5), and vs transformers' LlamaForCausalLM on
// the same checkpoint (1e-4, DESIGN.md §8). Weights use std 0.125 (~1/sqrt(64))
// so attention is far from uniform and every weight shows in the logits.
// REQUIRES: torch
// RUN: rm -rf %t && mkdir -p %t
// RUN: tmc init-weights %s --seed 7 --std 0.125 -o %t/model.safetensors
// RUN: tmc compile %s -o %t/artifact
//
// RUN: tmc run %t/artifact --weights %t/model.safetensors --input-ids "1,2,3,4,5;250,7,0,9,128" --output %t/compiled-5.npy
// RUN: tmc run %t/artifact --backend torch --weights %t/model.safetensors --input-ids "1,2,3,4,5;250,7,0,9,128" --output %t/torch-5.npy
// RUN: %tmc_python %reference/compare_npy.py %t/compiled-5.npy %t/torch-5.npy --atol 1e-5
// RUN: %tmc_python %reference/make_llama_2layer_fixture.py --weights %t/model.safetensors --input-ids "1,2,3,4,5;250,7,0,9,128" --output %t/hf-5.npy
// RUN: %tmc_python %reference/compare_npy.py %t/compiled-5.npy %t/hf-5.npy --atol 1e-4
//
// RUN: tmc run %t/artifact --weights %t/model.safetensors --input-ids "3,1,4,1,5,9,2,6,5,3,5;2,7,1,8,2,8,1,8,2,8,4" --output %t/compiled-11.npy
// RUN: tmc run %t/artifact --backend torch --weights %t/model.safetensors --input-ids "3,1,4,1,5,9,2,6,5,3,5;2,7,1,8,2,8,1,8,2,8,4" --output %t/torch-11.npy
// RUN: %tmc_python %reference/compare_npy.py %t/compiled-11.npy %t/torch-11.npy --atol 1e-5
// RUN: %tmc_python %reference/make_llama_2layer_fixture.py --weights %t/model.safetensors --input-ids "3,1,4,1,5,9,2,6,5,3,5;2,7,1,8,2,8,1,8,2,8,4" --output %t/hf-11.npy
// RUN: %tmc_python %reference/compare_npy.py %t/compiled-11.npy %t/hf-11.npy --atol 1e-4
//
// The sdpa backend (online softmax over blocks of 64 keys) on 150 tokens, three
// blocks with a partial last one, agrees with eager and with the LibTorch
// executor within 1e-5.
// RUN: tmc compile %s --attn-implementation sdpa -o %t/artifact-sdpa
// RUN: %tmc_python -c "print(';'.join(','.join(str((7 * i + 13 * r) %% 256) for i in range(150)) for r in range(2)))" > %t/ids-150.txt
// RUN: tmc run %t/artifact --weights %t/model.safetensors --input-ids @%t/ids-150.txt --output %t/eager-150.npy
// RUN: tmc run %t/artifact-sdpa --weights %t/model.safetensors --input-ids @%t/ids-150.txt --output %t/sdpa-150.npy
// RUN: tmc run %t/artifact --backend torch --weights %t/model.safetensors --input-ids @%t/ids-150.txt --output %t/torch-150.npy
// RUN: %tmc_python %reference/compare_npy.py %t/sdpa-150.npy %t/eager-150.npy --atol 1e-5
// RUN: %tmc_python %reference/compare_npy.py %t/sdpa-150.npy %t/torch-150.npy --atol 1e-5
// RUN: %tmc_python %reference/compare_npy.py %t/eager-150.npy %t/torch-150.npy --atol 1e-5

tmc.param @"model.embed_tokens.weight" : tensor<256x64xf32>
tmc.param @"model.layers.0.input_layernorm.weight" : tensor<64xf32>
tmc.param @"model.layers.0.self_attn.q_proj.weight" : tensor<64x64xf32>
tmc.param @"model.layers.0.self_attn.k_proj.weight" : tensor<32x64xf32>
tmc.param @"model.layers.0.self_attn.v_proj.weight" : tensor<32x64xf32>
tmc.param @"model.layers.0.self_attn.o_proj.weight" : tensor<64x64xf32>
tmc.param @"model.layers.0.post_attention_layernorm.weight" : tensor<64xf32>
tmc.param @"model.layers.0.mlp.gate_proj.weight" : tensor<176x64xf32>
tmc.param @"model.layers.0.mlp.up_proj.weight" : tensor<176x64xf32>
tmc.param @"model.layers.0.mlp.down_proj.weight" : tensor<64x176xf32>
tmc.param @"model.layers.1.input_layernorm.weight" : tensor<64xf32>
tmc.param @"model.layers.1.self_attn.q_proj.weight" : tensor<64x64xf32>
tmc.param @"model.layers.1.self_attn.k_proj.weight" : tensor<32x64xf32>
tmc.param @"model.layers.1.self_attn.v_proj.weight" : tensor<32x64xf32>
tmc.param @"model.layers.1.self_attn.o_proj.weight" : tensor<64x64xf32>
tmc.param @"model.layers.1.post_attention_layernorm.weight" : tensor<64xf32>
tmc.param @"model.layers.1.mlp.gate_proj.weight" : tensor<176x64xf32>
tmc.param @"model.layers.1.mlp.up_proj.weight" : tensor<176x64xf32>
tmc.param @"model.layers.1.mlp.down_proj.weight" : tensor<64x176xf32>
tmc.param @"model.norm.weight" : tensor<64xf32>
tmc.param @"lm_head.weight" : tensor<256x64xf32>

func.func @forward(%input_ids: tensor<?x?xi64>) -> tensor<?x?x256xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  // rms_norm_eps as the f32 scalar that the variance is added to.
  %eps = arith.constant dense<9.99999997E-7> : tensor<f32>
  %seq = tensor.dim %input_ids, %c1 : tensor<?x?xi64>
  %positions = tmc.arange %c0, %seq at "model" : tensor<?xi64>

  %embed = tmc.get_param @"model.embed_tokens.weight" : tensor<256x64xf32>
  %h0 = tmc.embedding %input_ids, %embed at "model.embed_tokens"
      : (tensor<?x?xi64>, tensor<256x64xf32>) -> tensor<?x?x64xf32>

  // model.layers.0
  %l0_ln1 = tmc.get_param @"model.layers.0.input_layernorm.weight" : tensor<64xf32>
  %l0_q = tmc.get_param @"model.layers.0.self_attn.q_proj.weight" : tensor<64x64xf32>
  %l0_k = tmc.get_param @"model.layers.0.self_attn.k_proj.weight" : tensor<32x64xf32>
  %l0_v = tmc.get_param @"model.layers.0.self_attn.v_proj.weight" : tensor<32x64xf32>
  %l0_o = tmc.get_param @"model.layers.0.self_attn.o_proj.weight" : tensor<64x64xf32>
  %l0_ln2 = tmc.get_param @"model.layers.0.post_attention_layernorm.weight" : tensor<64xf32>
  %l0_gate = tmc.get_param @"model.layers.0.mlp.gate_proj.weight" : tensor<176x64xf32>
  %l0_up = tmc.get_param @"model.layers.0.mlp.up_proj.weight" : tensor<176x64xf32>
  %l0_down = tmc.get_param @"model.layers.0.mlp.down_proj.weight" : tensor<64x176xf32>
  %h1 = func.call @decoder_layer(%h0, %positions, %l0_ln1, %l0_q, %l0_k, %l0_v, %l0_o,
                                 %l0_ln2, %l0_gate, %l0_up, %l0_down)
      : (tensor<?x?x64xf32>, tensor<?xi64>, tensor<64xf32>, tensor<64x64xf32>,
         tensor<32x64xf32>, tensor<32x64xf32>, tensor<64x64xf32>, tensor<64xf32>,
         tensor<176x64xf32>, tensor<176x64xf32>, tensor<64x176xf32>) -> tensor<?x?x64xf32>

  // model.layers.1
  %l1_ln1 = tmc.get_param @"model.layers.1.input_layernorm.weight" : tensor<64xf32>
  %l1_q = tmc.get_param @"model.layers.1.self_attn.q_proj.weight" : tensor<64x64xf32>
  %l1_k = tmc.get_param @"model.layers.1.self_attn.k_proj.weight" : tensor<32x64xf32>
  %l1_v = tmc.get_param @"model.layers.1.self_attn.v_proj.weight" : tensor<32x64xf32>
  %l1_o = tmc.get_param @"model.layers.1.self_attn.o_proj.weight" : tensor<64x64xf32>
  %l1_ln2 = tmc.get_param @"model.layers.1.post_attention_layernorm.weight" : tensor<64xf32>
  %l1_gate = tmc.get_param @"model.layers.1.mlp.gate_proj.weight" : tensor<176x64xf32>
  %l1_up = tmc.get_param @"model.layers.1.mlp.up_proj.weight" : tensor<176x64xf32>
  %l1_down = tmc.get_param @"model.layers.1.mlp.down_proj.weight" : tensor<64x176xf32>
  %h2 = func.call @decoder_layer(%h1, %positions, %l1_ln1, %l1_q, %l1_k, %l1_v, %l1_o,
                                 %l1_ln2, %l1_gate, %l1_up, %l1_down)
      : (tensor<?x?x64xf32>, tensor<?xi64>, tensor<64xf32>, tensor<64x64xf32>,
         tensor<32x64xf32>, tensor<32x64xf32>, tensor<64x64xf32>, tensor<64xf32>,
         tensor<176x64xf32>, tensor<176x64xf32>, tensor<64x176xf32>) -> tensor<?x?x64xf32>

  %norm_w = tmc.get_param @"model.norm.weight" : tensor<64xf32>
  %final_sq = tmc.pow %h2 exponent = 2.000000e+00 at "model.norm" : tensor<?x?x64xf32>
  %final_var = tmc.mean %final_sq dims = [2] keepdim at "model.norm"
      : tensor<?x?x64xf32> -> tensor<?x?x1xf32>
  %final_var_eps = tmc.add %final_var, %eps at "model.norm"
      : (tensor<?x?x1xf32>, tensor<f32>) -> tensor<?x?x1xf32>
  %final_inv = tmc.rsqrt %final_var_eps at "model.norm" : tensor<?x?x1xf32>
  %final_normed = tmc.mul %h2, %final_inv at "model.norm"
      : (tensor<?x?x64xf32>, tensor<?x?x1xf32>) -> tensor<?x?x64xf32>
  %final = tmc.mul %norm_w, %final_normed at "model.norm"
      : (tensor<64xf32>, tensor<?x?x64xf32>) -> tensor<?x?x64xf32>
  %lm_head = tmc.get_param @"lm_head.weight" : tensor<256x64xf32>
  %logits = tmc.linear %final, %lm_head at "lm_head"
      : (tensor<?x?x64xf32>, tensor<256x64xf32>) -> tensor<?x?x256xf32>
  return %logits : tensor<?x?x256xf32>
}

// LlamaDecoderLayer: pre-norm attention and MLP blocks, each with a residual add.
func.func private @decoder_layer(%hidden: tensor<?x?x64xf32>, %positions: tensor<?xi64>,
                                 %input_layernorm: tensor<64xf32>,
                                 %q_proj: tensor<64x64xf32>, %k_proj: tensor<32x64xf32>,
                                 %v_proj: tensor<32x64xf32>, %o_proj: tensor<64x64xf32>,
                                 %post_attention_layernorm: tensor<64xf32>,
                                 %gate_proj: tensor<176x64xf32>, %up_proj: tensor<176x64xf32>,
                                 %down_proj: tensor<64x176xf32>) -> tensor<?x?x64xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %eps = arith.constant dense<9.99999997E-7> : tensor<f32>
  %b = tensor.dim %hidden, %c0 : tensor<?x?x64xf32>
  %s = tensor.dim %hidden, %c1 : tensor<?x?x64xf32>

  // Self-attention block. LlamaRMSNorm: x * rsqrt(mean(x^2, -1, keepdim) + eps)
  // * weight in f32 (its casts to f32 and back are no-ops in an f32 model).
  %ln1_sq = tmc.pow %hidden exponent = 2.000000e+00 at "model.layers.*.input_layernorm"
      : tensor<?x?x64xf32>
  %ln1_var = tmc.mean %ln1_sq dims = [2] keepdim at "model.layers.*.input_layernorm"
      : tensor<?x?x64xf32> -> tensor<?x?x1xf32>
  %ln1_var_eps = tmc.add %ln1_var, %eps at "model.layers.*.input_layernorm"
      : (tensor<?x?x1xf32>, tensor<f32>) -> tensor<?x?x1xf32>
  %ln1_inv = tmc.rsqrt %ln1_var_eps at "model.layers.*.input_layernorm" : tensor<?x?x1xf32>
  %ln1_normed = tmc.mul %hidden, %ln1_inv at "model.layers.*.input_layernorm"
      : (tensor<?x?x64xf32>, tensor<?x?x1xf32>) -> tensor<?x?x64xf32>
  %x = tmc.mul %input_layernorm, %ln1_normed at "model.layers.*.input_layernorm"
      : (tensor<64xf32>, tensor<?x?x64xf32>) -> tensor<?x?x64xf32>
  %q = tmc.linear %x, %q_proj at "model.layers.*.self_attn.q_proj"
      : (tensor<?x?x64xf32>, tensor<64x64xf32>) -> tensor<?x?x64xf32>
  %k = tmc.linear %x, %k_proj at "model.layers.*.self_attn.k_proj"
      : (tensor<?x?x64xf32>, tensor<32x64xf32>) -> tensor<?x?x32xf32>
  %v = tmc.linear %x, %v_proj at "model.layers.*.self_attn.v_proj"
      : (tensor<?x?x64xf32>, tensor<32x64xf32>) -> tensor<?x?x32xf32>
  // [b, s, heads * 16] -> [b, s, heads, 16] -> [b, heads, s, 16]
  %q4 = tmc.reshape %q sizes [%b, %s] at "model.layers.*.self_attn"
      : tensor<?x?x64xf32> -> tensor<?x?x4x16xf32>
  %k4 = tmc.reshape %k sizes [%b, %s] at "model.layers.*.self_attn"
      : tensor<?x?x32xf32> -> tensor<?x?x2x16xf32>
  %v4 = tmc.reshape %v sizes [%b, %s] at "model.layers.*.self_attn"
      : tensor<?x?x32xf32> -> tensor<?x?x2x16xf32>
  %qt = tmc.transpose %q4 permutation = [0, 2, 1, 3] at "model.layers.*.self_attn"
      : tensor<?x?x4x16xf32> -> tensor<?x4x?x16xf32>
  %kt = tmc.transpose %k4 permutation = [0, 2, 1, 3] at "model.layers.*.self_attn"
      : tensor<?x?x2x16xf32> -> tensor<?x2x?x16xf32>
  %vt = tmc.transpose %v4 permutation = [0, 2, 1, 3] at "model.layers.*.self_attn"
      : tensor<?x?x2x16xf32> -> tensor<?x2x?x16xf32>
  %qr = tmc.rope %qt, %positions theta = 1.0e+04 rotary_dim = 16 at "model.layers.*.self_attn"
      : (tensor<?x4x?x16xf32>, tensor<?xi64>) -> tensor<?x4x?x16xf32>
  %kr = tmc.rope %kt, %positions theta = 1.0e+04 rotary_dim = 16 at "model.layers.*.self_attn"
      : (tensor<?x2x?x16xf32>, tensor<?xi64>) -> tensor<?x2x?x16xf32>
  // scale = head_dim^-0.5; the op maps query head h to kv head h / 2 (GQA).
  %attn = tmc.attention %qr, %kr, %vt scale = 2.500000e-01 causal at "model.layers.*.self_attn"
      : (tensor<?x4x?x16xf32>, tensor<?x2x?x16xf32>, tensor<?x2x?x16xf32>)
      -> tensor<?x4x?x16xf32>
  // [b, heads, s, 16] -> [b, s, heads, 16] -> [b, s, 64]
  %attn_t = tmc.transpose %attn permutation = [0, 2, 1, 3] at "model.layers.*.self_attn"
      : tensor<?x4x?x16xf32> -> tensor<?x?x4x16xf32>
  %attn_m = tmc.reshape %attn_t sizes [%b, %s] at "model.layers.*.self_attn"
      : tensor<?x?x4x16xf32> -> tensor<?x?x64xf32>
  %attn_o = tmc.linear %attn_m, %o_proj at "model.layers.*.self_attn.o_proj"
      : (tensor<?x?x64xf32>, tensor<64x64xf32>) -> tensor<?x?x64xf32>
  %h1 = tmc.add %hidden, %attn_o at "model.layers.*"
      : (tensor<?x?x64xf32>, tensor<?x?x64xf32>) -> tensor<?x?x64xf32>

  // MLP block: down(silu(gate(x)) * up(x)).
  %ln2_sq = tmc.pow %h1 exponent = 2.000000e+00 at "model.layers.*.post_attention_layernorm"
      : tensor<?x?x64xf32>
  %ln2_var = tmc.mean %ln2_sq dims = [2] keepdim at "model.layers.*.post_attention_layernorm"
      : tensor<?x?x64xf32> -> tensor<?x?x1xf32>
  %ln2_var_eps = tmc.add %ln2_var, %eps at "model.layers.*.post_attention_layernorm"
      : (tensor<?x?x1xf32>, tensor<f32>) -> tensor<?x?x1xf32>
  %ln2_inv = tmc.rsqrt %ln2_var_eps at "model.layers.*.post_attention_layernorm" : tensor<?x?x1xf32>
  %ln2_normed = tmc.mul %h1, %ln2_inv at "model.layers.*.post_attention_layernorm"
      : (tensor<?x?x64xf32>, tensor<?x?x1xf32>) -> tensor<?x?x64xf32>
  %y = tmc.mul %post_attention_layernorm, %ln2_normed at "model.layers.*.post_attention_layernorm"
      : (tensor<64xf32>, tensor<?x?x64xf32>) -> tensor<?x?x64xf32>
  %gate = tmc.linear %y, %gate_proj at "model.layers.*.mlp.gate_proj"
      : (tensor<?x?x64xf32>, tensor<176x64xf32>) -> tensor<?x?x176xf32>
  %act = tmc.silu %gate at "model.layers.*.mlp.act_fn" : tensor<?x?x176xf32>
  %up = tmc.linear %y, %up_proj at "model.layers.*.mlp.up_proj"
      : (tensor<?x?x64xf32>, tensor<176x64xf32>) -> tensor<?x?x176xf32>
  %prod = tmc.mul %act, %up at "model.layers.*.mlp"
      : (tensor<?x?x176xf32>, tensor<?x?x176xf32>) -> tensor<?x?x176xf32>
  %down = tmc.linear %prod, %down_proj at "model.layers.*.mlp.down_proj"
      : (tensor<?x?x176xf32>, tensor<64x176xf32>) -> tensor<?x?x64xf32>
  %h2 = tmc.add %h1, %down at "model.layers.*"
      : (tensor<?x?x64xf32>, tensor<?x?x64xf32>) -> tensor<?x?x64xf32>
  return %h2 : tensor<?x?x64xf32>
}
