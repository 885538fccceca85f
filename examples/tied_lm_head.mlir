// A tied lm_head in the tmc dialect: the bundled example that README's first
// command runs through tmc-opt until `tmc compile` lands.
tmc.param @"lm_head.weight" : tensor<256x64xf32>
tmc.param @"model.embed_tokens.weight" : tensor<256x64xf32>

func.func @logits(%hidden: tensor<?x?x64xf32>) -> tensor<?x?x256xf32> {
  %w = tmc.get_param @"model.embed_tokens.weight" : tensor<256x64xf32>
  %logits = tmc.linear %hidden, %w at "lm_head"
      : (tensor<?x?x64xf32>, tensor<256x64xf32>) -> tensor<?x?x256xf32>
  return %logits : tensor<?x?x256xf32>
}
