// RUN: tmc-opt %s | FileCheck %s
// RUN: tmc-opt %s | tmc-opt | FileCheck %s
// RUN: tmc-opt %s --mlir-print-op-generic | tmc-opt | FileCheck %s

// CHECK: tmc.param @model.layers.0.mlp.down_proj.weight : tensor<64x176xf32>
// CHECK: tmc.param @model.layers.0.self_attn.q_proj.bias : tensor<64xbf16>
// CHECK: tmc.param @model.layers.0.self_attn.q_proj.weight : tensor<64x64xbf16>
tmc.param @model.layers.0.mlp.down_proj.weight : tensor<64x176xf32>
tmc.param @model.layers.0.self_attn.q_proj.bias : tensor<64xbf16>
tmc.param @model.layers.0.self_attn.q_proj.weight : tensor<64x64xbf16>

// CHECK-LABEL: func.func @down_proj(
// CHECK-SAME:      %[[X:.*]]: tensor<?x?x176xf32>)
// CHECK:         %[[W:.*]] = tmc.get_param @model.layers.0.mlp.down_proj.weight : tensor<64x176xf32>
// CHECK:         %[[Y:.*]] = tmc.linear %[[X]], %[[W]] at "model.layers.0.mlp.down_proj"
// CHECK-SAME:      : (tensor<?x?x176xf32>, tensor<64x176xf32>) -> tensor<?x?x64xf32>
// CHECK:         return %[[Y]]
func.func @down_proj(%x: tensor<?x?x176xf32>) -> tensor<?x?x64xf32> {
  %w = tmc.get_param @model.layers.0.mlp.down_proj.weight : tensor<64x176xf32>
  %y = tmc.linear %x, %w at "model.layers.0.mlp.down_proj"
      : (tensor<?x?x176xf32>, tensor<64x176xf32>) -> tensor<?x?x64xf32>
  return %y : tensor<?x?x64xf32>
}

// A bias, bf16, and no module path.
// CHECK-LABEL: func.func @q_proj(
// CHECK:         tmc.linear %{{.*}}, %{{.*}}, %{{.*}} : (tensor<2x5x64xbf16>, tensor<64x64xbf16>, tensor<64xbf16>) -> tensor<2x5x64xbf16>
func.func @q_proj(%x: tensor<2x5x64xbf16>) -> tensor<2x5x64xbf16> {
  %w = tmc.get_param @model.layers.0.self_attn.q_proj.weight : tensor<64x64xbf16>
  %b = tmc.get_param @model.layers.0.self_attn.q_proj.bias : tensor<64xbf16>
  %y = tmc.linear %x, %w, %b : (tensor<2x5x64xbf16>, tensor<64x64xbf16>, tensor<64xbf16>) -> tensor<2x5x64xbf16>
  return %y : tensor<2x5x64xbf16>
}
