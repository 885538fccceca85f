// tiny-lm.mlir's weights with one renamed and one resized: a mismatched checkpoint.
tmc.param @"model.embed_tokens.weight" : tensor<32x16xf32>
tmc.param @"model.final_norm.weight" : tensor<16xf32>
tmc.param @"lm_head.weight" : tensor<64x16xf32>
