// RUN: tmc-opt %s -split-input-file -tmc-prune-unused-params | FileCheck %s
// RUN: tmc-opt %s -split-input-file -tmc-prune-unused-params="keep-names=lm_head.weight" | FileCheck %s --check-prefix=KEEP

// A tied lm_head reads the embedding, so its own weight is unused.
// CHECK-LABEL: module
// CHECK-NOT:     tmc.param @lm_head.weight
// CHECK:         tmc.param @model.embed_tokens.weight
// CHECK-NOT:     tmc.param @lm_head.weight
// CHECK:         func.func @logits
// KEEP:          tmc.param @lm_head.weight
// KEEP:          tmc.param @model.embed_tokens.weight
tmc.param @lm_head.weight : tensor<256x64xf32>
tmc.param @model.embed_tokens.weight : tensor<256x64xf32>
func.func @logits(%h: tensor<?x64xf32>) -> tensor<?x256xf32> {
  %w = tmc.get_param @model.embed_tokens.weight : tensor<256x64xf32>
  %y = tmc.linear %h, %w at "lm_head" : (tensor<?x64xf32>, tensor<256x64xf32>) -> tensor<?x256xf32>
  return %y : tensor<?x256xf32>
}

// -----

// Every weight used: nothing changes.
// CHECK-LABEL: module
// CHECK:         tmc.param @a
// CHECK:         tmc.param @b
tmc.param @a : tensor<4x4xf32>
tmc.param @b : tensor<4xf32>
func.func @f(%x: tensor<?x4xf32>) -> tensor<?x4xf32> {
  %a = tmc.get_param @a : tensor<4x4xf32>
  %b = tmc.get_param @b : tensor<4xf32>
  %y = tmc.linear %x, %a, %b : (tensor<?x4xf32>, tensor<4x4xf32>, tensor<4xf32>) -> tensor<?x4xf32>
  return %y : tensor<?x4xf32>
}
