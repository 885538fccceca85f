// A tiny language model head: embedding, RMSNorm, lm_head. Used by the CLI tests.
tmc.param @"model.embed_tokens.weight" : tensor<32x16xf32>
tmc.param @"model.norm.weight" : tensor<16xf32>
tmc.param @"lm_head.weight" : tensor<32x16xf32>
func.func @forward(%ids: tensor<?x?xi64>) -> tensor<?x?x32xf32> {
  %e = tmc.get_param @"model.embed_tokens.weight" : tensor<32x16xf32>
  %n = tmc.get_param @"model.norm.weight" : tensor<16xf32>
  %w = tmc.get_param @"lm_head.weight" : tensor<32x16xf32>
  %h = tmc.embedding %ids, %e : (tensor<?x?xi64>, tensor<32x16xf32>) -> tensor<?x?x16xf32>
  %eps = arith.constant dense<9.99999997E-7> : tensor<f32>
  %sq = tmc.pow %h exponent = 2.000000e+00 : tensor<?x?x16xf32>
  %var = tmc.mean %sq dims = [2] keepdim : tensor<?x?x16xf32> -> tensor<?x?x1xf32>
  %ve = tmc.add %var, %eps : (tensor<?x?x1xf32>, tensor<f32>) -> tensor<?x?x1xf32>
  %inv = tmc.rsqrt %ve : tensor<?x?x1xf32>
  %xn = tmc.mul %h, %inv : (tensor<?x?x16xf32>, tensor<?x?x1xf32>) -> tensor<?x?x16xf32>
  %x = tmc.mul %n, %xn : (tensor<16xf32>, tensor<?x?x16xf32>) -> tensor<?x?x16xf32>
  %y = tmc.linear %x, %w : (tensor<?x?x16xf32>, tensor<32x16xf32>) -> tensor<?x?x32xf32>
  return %y : tensor<?x?x32xf32>
}
