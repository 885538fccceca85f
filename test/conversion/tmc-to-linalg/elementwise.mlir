// RUN: tmc-opt %s -convert-tmc-to-linalg -split-input-file | FileCheck %s

// A size-1 dimension stretches through a constant-0 index in its map.
// CHECK-DAG: #[[ID3:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: #[[KEEP3:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, 0)>
// CHECK-LABEL: func.func @broadcast_keepdim(
// CHECK:         linalg.generic {indexing_maps = [#[[ID3]], #[[KEEP3]], #[[ID3]]], iterator_types = ["parallel", "parallel", "parallel"]}
// CHECK:           arith.mulf
func.func @broadcast_keepdim(%x: tensor<?x?x64xf32>, %s: tensor<?x?x1xf32>) -> tensor<?x?x64xf32> {
  %y = tmc.mul %x, %s : (tensor<?x?x64xf32>, tensor<?x?x1xf32>) -> tensor<?x?x64xf32>
  return %y : tensor<?x?x64xf32>
}

// -----

// A rank-0 operand is a scalar: its map has no results.
// CHECK-DAG: #[[SCALAR:.*]] = affine_map<(d0, d1) -> ()>
// CHECK-LABEL: func.func @scalar(
// CHECK:         linalg.generic {indexing_maps = [#{{.*}}, #[[SCALAR]], #{{.*}}]
// CHECK:           arith.divf
func.func @scalar(%x: tensor<?x64xf32>) -> tensor<?x64xf32> {
  %c = arith.constant dense<2.0> : tensor<f32>
  %y = tmc.div %x, %c : (tensor<?x64xf32>, tensor<f32>) -> tensor<?x64xf32>
  return %y : tensor<?x64xf32>
}

// -----

// silu is x / (1 + exp(-x)), as PyTorch's kernel computes it.
// CHECK-LABEL: func.func @silu(
// CHECK:         ^bb0(%[[IN:.*]]: f32, %{{.*}}: f32):
// CHECK:           %[[NEG:.*]] = arith.negf %[[IN]]
// CHECK:           %[[EXP:.*]] = math.exp %[[NEG]]
// CHECK:           %[[DEN:.*]] = arith.addf %{{.*}}, %[[EXP]]
// CHECK:           arith.divf %[[IN]], %[[DEN]]
func.func @silu(%x: tensor<?x64xf32>) -> tensor<?x64xf32> {
  %y = tmc.silu %x : tensor<?x64xf32>
  return %y : tensor<?x64xf32>
}

// -----

// CHECK-LABEL: func.func @gelu(
// CHECK:           arith.constant 0.707106769 : f32
// CHECK:           math.erf
func.func @gelu(%x: tensor<?x64xf32>) -> tensor<?x64xf32> {
  %y = tmc.gelu %x : tensor<?x64xf32>
  return %y : tensor<?x64xf32>
}

// -----

// CHECK-LABEL: func.func @gelu_tanh(
// CHECK:           arith.constant 4.471500e-02 : f32
// CHECK:           arith.constant 0.797884583 : f32
// CHECK:           math.tanh
func.func @gelu_tanh(%x: tensor<?x64xf32>) -> tensor<?x64xf32> {
  %y = tmc.gelu_tanh %x : tensor<?x64xf32>
  return %y : tensor<?x64xf32>
}

// -----

// Squares are exact products, other exponents use powf.
// CHECK-LABEL: func.func @pow(
// CHECK:         ^bb0(%[[A:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT:      arith.mulf %[[A]], %[[A]] : f32
// CHECK:         math.powf
func.func @pow(%x: tensor<4xf32>) -> tensor<4xf32> {
  %y = tmc.pow %x exponent = 2.0 : tensor<4xf32>
  %z = tmc.pow %y exponent = 3.0 : tensor<4xf32>
  return %z : tensor<4xf32>
}

// -----

// CHECK-LABEL: func.func @cast(
// CHECK:           arith.extf %{{.*}} : bf16 to f32
// CHECK:           arith.truncf %{{.*}} : f32 to bf16
// CHECK:           arith.sitofp %{{.*}} : i64 to f32
func.func @cast(%x: tensor<4xbf16>, %i: tensor<4xi64>) -> (tensor<4xbf16>, tensor<4xf32>) {
  %y = tmc.cast %x : tensor<4xbf16> -> tensor<4xf32>
  %z = tmc.cast %y : tensor<4xf32> -> tensor<4xbf16>
  %w = tmc.cast %i : tensor<4xi64> -> tensor<4xf32>
  return %z, %w : tensor<4xbf16>, tensor<4xf32>
}

// -----

// CHECK-LABEL: func.func @arange(
// CHECK-SAME:      %[[START:.*]]: index, %[[N:.*]]: index)
// CHECK:         %[[EMPTY:.*]] = tensor.empty(%[[N]]) : tensor<?xi64>
// CHECK:         linalg.generic {{.*}} outs(%[[EMPTY]] : tensor<?xi64>)
// CHECK:           %[[I:.*]] = linalg.index 0 : index
// CHECK:           %[[POS:.*]] = arith.addi %[[START]], %[[I]] : index
// CHECK:           arith.index_cast %[[POS]] : index to i64
func.func @arange(%start: index, %n: index) -> tensor<?xi64> {
  %y = tmc.arange %start, %n : tensor<?xi64>
  return %y : tensor<?xi64>
}
