// A tiny language model head: embedding, RMSNorm, lm_head. Used by the CLI tests.
tmc.param @"model.embed_tokens.weight" : tensor<32x16xf32>
tmc.param @"model.norm.weight" : tensor<16xf32>
tmc.param @"lm_head.weight" : tensor<32x16xf32>
func.func @forward(%ids: tensor<?x?xi64>) -> tensor<?x?x32xf32> {
  %e = tmc.get_param @"model.embed_tokens.weight" : tensor<32x16xf32>
  %n = tmc.get_param @"model.norm.weight" : tensor<16xf32>
  %w = tmc.get_param @"lm_head.weight" : tensor<32x16xf32>
  %h = tmc.embedding %ids, %e : (tensor<?x?xi64>, tensor<32x16xf32>) -> tensor<?x?x16xf32>
  %x = tmc.rms_norm %h, %n eps = 1.0e-6 : (tensor<?x?x16xf32>, tensor<16xf32>) -> tensor<?x?x16xf32>
  %y = tmc.linear %x, %w : (tensor<?x?x16xf32>, tensor<32x16xf32>) -> tensor<?x?x32xf32>
  return %y : tensor<?x?x32xf32>
}
