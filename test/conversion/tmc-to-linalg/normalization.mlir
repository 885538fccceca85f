// RUN: tmc-opt %s -convert-tmc-to-linalg -split-input-file | FileCheck %s

// RMSNorm: sum of squares over the last dim (kept as size 1), then
// x * rsqrt(sum / n + eps) * w, in transformers' order.
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: #[[STAT:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, 0)>
// CHECK-DAG: #[[W:.*]] = affine_map<(d0, d1, d2) -> (d2)>
// CHECK-LABEL: func.func @rms_norm(
// CHECK-SAME:      %[[X:.*]]: tensor<?x?x64xf32>, %[[WA:.*]]: tensor<64xf32>)
// CHECK:         %[[SQ:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[STAT]]], iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[X]] :
// CHECK:           arith.mulf
// CHECK:           arith.addf
// CHECK:         linalg.generic {indexing_maps = [#[[ID]], #[[STAT]], #[[W]], #[[ID]]]{{.*}} ins(%[[X]], %[[SQ]], %[[WA]] :
// CHECK:           %[[MEAN:.*]] = arith.divf
// CHECK:           %[[VAR:.*]] = arith.addf %[[MEAN]], %{{.*}}
// CHECK:           %[[INV:.*]] = math.rsqrt %[[VAR]]
// CHECK:           %[[NORMED:.*]] = arith.mulf %{{.*}}, %[[INV]]
// CHECK:           arith.mulf %{{.*}}, %[[NORMED]]
func.func @rms_norm(%x: tensor<?x?x64xf32>, %w: tensor<64xf32>) -> tensor<?x?x64xf32> {
  %y = tmc.rms_norm %x, %w eps = 1.0e-06 : (tensor<?x?x64xf32>, tensor<64xf32>) -> tensor<?x?x64xf32>
  return %y : tensor<?x?x64xf32>
}

// -----

// Gemma's (1 + w) scale.
// CHECK-LABEL: func.func @rms_norm_offset(
// CHECK:           math.rsqrt
// CHECK:           %[[SCALE:.*]] = arith.addf %cst{{.*}}, %{{.*}} : f32
// CHECK:           arith.mulf %[[SCALE]], %{{.*}} : f32
func.func @rms_norm_offset(%x: tensor<?x64xf32>, %w: tensor<64xf32>) -> tensor<?x64xf32> {
  %y = tmc.rms_norm %x, %w eps = 1.0e-06 offset = 1.0 : (tensor<?x64xf32>, tensor<64xf32>) -> tensor<?x64xf32>
  return %y : tensor<?x64xf32>
}

// -----

// LayerNorm: mean, centered values, biased variance, scale and shift.
// CHECK-LABEL: func.func @layer_norm(
// CHECK:         linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]
// CHECK:         linalg.generic
// CHECK:           arith.divf
// CHECK:         %[[CENTERED:.*]] = linalg.generic
// CHECK:           arith.subf
// CHECK:         %[[SQ:.*]] = linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]{{.*}} ins(%[[CENTERED]]
// CHECK:         linalg.generic {{.*}} ins(%[[CENTERED]], %[[SQ]], %{{.*}}, %{{.*}} :
// CHECK:           math.rsqrt
// CHECK:           arith.addf
func.func @layer_norm(%x: tensor<?x64xf32>, %w: tensor<64xf32>, %b: tensor<64xf32>) -> tensor<?x64xf32> {
  %y = tmc.layer_norm %x, %w, %b eps = 1.0e-05 : (tensor<?x64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<?x64xf32>
  return %y : tensor<?x64xf32>
}

// -----

// Softmax: max, exp(x - max), sum, divide; all along `dim`.
// CHECK-LABEL: func.func @softmax(
// CHECK:         linalg.fill ins(%cst{{.*}} : f32) outs(%{{.*}} : tensor<?x1xf32>)
// CHECK:         linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]
// CHECK:           arith.maximumf
// CHECK:         linalg.generic
// CHECK:           arith.subf
// CHECK:           math.exp
// CHECK:         linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]
// CHECK:           arith.addf
// CHECK:         linalg.generic
// CHECK:           arith.divf
func.func @softmax(%x: tensor<?x32xf32>) -> tensor<?x32xf32> {
  %y = tmc.softmax %x dim = -1 : tensor<?x32xf32>
  return %y : tensor<?x32xf32>
}

// -----

// mean without keepdim: reduce into [?, 1], divide by the count, collapse.
// CHECK-LABEL: func.func @mean(
// CHECK:         %[[SUM:.*]] = linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]
// CHECK:         %[[MEAN:.*]] = linalg.generic {{.*}} ins(%[[SUM]] :
// CHECK:           arith.divf
// CHECK:         tensor.collapse_shape %[[MEAN]] {{\[}}[0, 1]] : tensor<?x1xf32> into tensor<?xf32>
func.func @mean(%x: tensor<?x32xf32>) -> tensor<?xf32> {
  %y = tmc.mean %x dims = [1] : tensor<?x32xf32> -> tensor<?xf32>
  return %y : tensor<?xf32>
}

// -----

// max with keepdim keeps the unit dim and needs no reshape.
// CHECK-LABEL: func.func @max_keepdim(
// CHECK:         linalg.generic
// CHECK:           arith.maximumf
// CHECK-NOT:     tensor.collapse_shape
func.func @max_keepdim(%x: tensor<4x32xf32>) -> tensor<4x1xf32> {
  %y = tmc.max %x dims = [-1] keepdim : tensor<4x32xf32> -> tensor<4x1xf32>
  return %y : tensor<4x1xf32>
}
