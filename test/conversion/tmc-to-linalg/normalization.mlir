// RUN: tmc-opt %s -convert-tmc-to-linalg -split-input-file | FileCheck %s

// RMSNorm as instantiation emits LlamaRMSNorm (f32): x^2, its mean over the
// last dim (kept as size 1), + eps, rsqrt, x * rsqrt read through the
// broadcast map, then w * normed, in transformers' order.
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: #[[STAT:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, 0)>
// CHECK-DAG: #[[SCALAR:.*]] = affine_map<(d0, d1, d2) -> ()>
// CHECK-DAG: #[[W:.*]] = affine_map<(d0, d1, d2) -> (d2)>
// CHECK-LABEL: func.func @rms_norm(
// CHECK-SAME:      %[[X:.*]]: tensor<?x?x64xf32>, %[[WA:.*]]: tensor<64xf32>)
// CHECK:         %[[EPS:.*]] = arith.constant dense<9.99999997E-7> : tensor<f32>
// CHECK:         %[[SQ:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[ID]]]{{.*}} ins(%[[X]] :
// CHECK:           arith.mulf %[[IN:.*]], %[[IN]] : f32
// CHECK:         %[[SUM:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[STAT]]], iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[SQ]] :
// CHECK:           arith.addf
// CHECK:         %[[MEAN:.*]] = linalg.generic {{.*}} ins(%[[SUM]] :
// CHECK:           arith.divf
// CHECK:         %[[VAR:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[SCALAR]], #[[ID]]]{{.*}} ins(%[[MEAN]], %[[EPS]] :
// CHECK:           arith.addf
// CHECK:         %[[INV:.*]] = linalg.generic {{.*}} ins(%[[VAR]] :
// CHECK:           math.rsqrt
// CHECK:         %[[NORMED:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[STAT]], #[[ID]]]{{.*}} ins(%[[X]], %[[INV]] :
// CHECK:           arith.mulf
// CHECK:         %[[Y:.*]] = linalg.generic {indexing_maps = [#[[W]], #[[ID]], #[[ID]]]{{.*}} ins(%[[WA]], %[[NORMED]] :
// CHECK:           arith.mulf
// CHECK:         return %[[Y]]
func.func @rms_norm(%x: tensor<?x?x64xf32>, %w: tensor<64xf32>) -> tensor<?x?x64xf32> {
  %eps = arith.constant dense<9.99999997E-7> : tensor<f32>
  %sq = tmc.pow %x exponent = 2.000000e+00 : tensor<?x?x64xf32>
  %var = tmc.mean %sq dims = [2] keepdim : tensor<?x?x64xf32> -> tensor<?x?x1xf32>
  %ve = tmc.add %var, %eps : (tensor<?x?x1xf32>, tensor<f32>) -> tensor<?x?x1xf32>
  %inv = tmc.rsqrt %ve : tensor<?x?x1xf32>
  %xn = tmc.mul %x, %inv : (tensor<?x?x64xf32>, tensor<?x?x1xf32>) -> tensor<?x?x64xf32>
  %y = tmc.mul %w, %xn : (tensor<64xf32>, tensor<?x?x64xf32>) -> tensor<?x?x64xf32>
  return %y : tensor<?x?x64xf32>
}

// -----

// Gemma's (1 + w) scale: the 0-d one broadcast over the weight, then the
// normalized values times it.
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[W:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-DAG: #[[SCALAR1:.*]] = affine_map<(d0) -> ()>
// CHECK-DAG: #[[ID1:.*]] = affine_map<(d0) -> (d0)>
// CHECK-LABEL: func.func @rms_norm_offset(
// CHECK-SAME:      %[[X:.*]]: tensor<?x64xf32>, %[[WA:.*]]: tensor<64xf32>)
// CHECK:         %[[ONE:.*]] = arith.constant dense<1.000000e+00> : tensor<f32>
// CHECK:           math.rsqrt
// CHECK:         %[[NORMED:.*]] = linalg.generic {{.*}} ins(%[[X]], %{{.*}} :
// CHECK:           arith.mulf
// CHECK:         %[[SCALE:.*]] = linalg.generic {indexing_maps = [#[[SCALAR1]], #[[ID1]], #[[ID1]]]{{.*}} ins(%[[ONE]], %[[WA]] :
// CHECK:           arith.addf
// CHECK:         %[[Y:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[W]], #[[ID]]]{{.*}} ins(%[[NORMED]], %[[SCALE]] :
// CHECK:           arith.mulf
// CHECK:         return %[[Y]]
func.func @rms_norm_offset(%x: tensor<?x64xf32>, %w: tensor<64xf32>) -> tensor<?x64xf32> {
  %one = arith.constant dense<1.000000e+00> : tensor<f32>
  %eps = arith.constant dense<9.99999997E-7> : tensor<f32>
  %sq = tmc.pow %x exponent = 2.000000e+00 : tensor<?x64xf32>
  %var = tmc.mean %sq dims = [1] keepdim : tensor<?x64xf32> -> tensor<?x1xf32>
  %ve = tmc.add %var, %eps : (tensor<?x1xf32>, tensor<f32>) -> tensor<?x1xf32>
  %inv = tmc.rsqrt %ve : tensor<?x1xf32>
  %xn = tmc.mul %x, %inv : (tensor<?x64xf32>, tensor<?x1xf32>) -> tensor<?x64xf32>
  %scale = tmc.add %one, %w : (tensor<f32>, tensor<64xf32>) -> tensor<64xf32>
  %y = tmc.mul %xn, %scale : (tensor<?x64xf32>, tensor<64xf32>) -> tensor<?x64xf32>
  return %y : tensor<?x64xf32>
}

// -----

// LayerNorm from the same ops: mean, centered values, biased variance (the
// mean of their squares), scale and shift.
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[STAT:.*]] = affine_map<(d0, d1) -> (d0, 0)>
// CHECK-DAG: #[[W:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func.func @layer_norm(
// CHECK-SAME:      %[[X:.*]]: tensor<?x64xf32>, %[[WA:.*]]: tensor<64xf32>, %[[BA:.*]]: tensor<64xf32>)
// CHECK:         %[[SUM:.*]] = linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]{{.*}} ins(%[[X]] :
// CHECK:         %[[MEAN:.*]] = linalg.generic {{.*}} ins(%[[SUM]] :
// CHECK:           arith.divf
// CHECK:         %[[CENTERED:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[STAT]], #[[ID]]]{{.*}} ins(%[[X]], %[[MEAN]] :
// CHECK:           arith.subf
// CHECK:         %[[SQ:.*]] = linalg.generic {{.*}} ins(%[[CENTERED]] :
// CHECK:           arith.mulf
// CHECK:         %[[SQSUM:.*]] = linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]{{.*}} ins(%[[SQ]] :
// CHECK:         %[[VAR:.*]] = linalg.generic {{.*}} ins(%[[SQSUM]] :
// CHECK:           arith.divf
// CHECK:         %[[VAREPS:.*]] = linalg.generic {{.*}} ins(%[[VAR]], %{{.*}} :
// CHECK:           arith.addf
// CHECK:         %[[INV:.*]] = linalg.generic {{.*}} ins(%[[VAREPS]] :
// CHECK:           math.rsqrt
// CHECK:         %[[NORMED:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[STAT]], #[[ID]]]{{.*}} ins(%[[CENTERED]], %[[INV]] :
// CHECK:           arith.mulf
// CHECK:         %[[SCALED:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[W]], #[[ID]]]{{.*}} ins(%[[NORMED]], %[[WA]] :
// CHECK:           arith.mulf
// CHECK:         %[[Y:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[W]], #[[ID]]]{{.*}} ins(%[[SCALED]], %[[BA]] :
// CHECK:           arith.addf
// CHECK:         return %[[Y]]
func.func @layer_norm(%x: tensor<?x64xf32>, %w: tensor<64xf32>, %b: tensor<64xf32>) -> tensor<?x64xf32> {
  %eps = arith.constant dense<9.99999974E-6> : tensor<f32>
  %mean = tmc.mean %x dims = [1] keepdim : tensor<?x64xf32> -> tensor<?x1xf32>
  %c = tmc.sub %x, %mean : (tensor<?x64xf32>, tensor<?x1xf32>) -> tensor<?x64xf32>
  %sq = tmc.pow %c exponent = 2.000000e+00 : tensor<?x64xf32>
  %var = tmc.mean %sq dims = [1] keepdim : tensor<?x64xf32> -> tensor<?x1xf32>
  %ve = tmc.add %var, %eps : (tensor<?x1xf32>, tensor<f32>) -> tensor<?x1xf32>
  %inv = tmc.rsqrt %ve : tensor<?x1xf32>
  %n = tmc.mul %c, %inv : (tensor<?x64xf32>, tensor<?x1xf32>) -> tensor<?x64xf32>
  %s = tmc.mul %n, %w : (tensor<?x64xf32>, tensor<64xf32>) -> tensor<?x64xf32>
  %y = tmc.add %s, %b : (tensor<?x64xf32>, tensor<64xf32>) -> tensor<?x64xf32>
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
