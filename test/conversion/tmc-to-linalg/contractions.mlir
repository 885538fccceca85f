// RUN: tmc-opt %s -convert-tmc-to-linalg -split-input-file | FileCheck %s

// linear flattens leading dims and multiplies by the weight in checkpoint
// layout (transposed-B matmul), then adds the bias and restores the shape.
// CHECK-LABEL: func.func @linear_bias(
// CHECK-SAME:      %[[X:.*]]: tensor<?x?x64xf32>, %[[W:.*]]: tensor<176x64xf32>, %[[B:.*]]: tensor<176xf32>)
// CHECK:         %[[ROWS:.*]] = tensor.collapse_shape %[[X]] {{\[}}[0, 1], [2]] : tensor<?x?x64xf32> into tensor<?x64xf32>
// CHECK:         %[[ZERO:.*]] = linalg.fill
// CHECK:         %[[MM:.*]] = linalg.matmul indexing_maps = [#{{.*}}, #{{.*}}, #{{.*}}] ins(%[[ROWS]], %[[W]] : tensor<?x64xf32>, tensor<176x64xf32>) outs(%[[ZERO]] : tensor<?x176xf32>)
// CHECK:         %[[BIASED:.*]] = linalg.generic {{.*}} ins(%[[MM]], %[[B]] : tensor<?x176xf32>, tensor<176xf32>)
// CHECK:           arith.addf
// CHECK:         %[[OUT:.*]] = tensor.reshape %[[BIASED]](%{{.*}}) : (tensor<?x176xf32>, tensor<3xindex>) -> tensor<?x?x176xf32>
// CHECK:         return %[[OUT]]
func.func @linear_bias(%x: tensor<?x?x64xf32>, %w: tensor<176x64xf32>, %b: tensor<176xf32>) -> tensor<?x?x176xf32> {
  %y = tmc.linear %x, %w, %b : (tensor<?x?x64xf32>, tensor<176x64xf32>, tensor<176xf32>) -> tensor<?x?x176xf32>
  return %y : tensor<?x?x176xf32>
}

// -----

// A 2-D input needs no reshapes.
// CHECK-LABEL: func.func @linear_2d(
// CHECK-NOT:     tensor.collapse_shape
// CHECK:         linalg.matmul
// CHECK-NOT:     tensor.reshape
func.func @linear_2d(%x: tensor<?x64xf32>, %w: tensor<8x64xf32>) -> tensor<?x8xf32> {
  %y = tmc.linear %x, %w : (tensor<?x64xf32>, tensor<8x64xf32>) -> tensor<?x8xf32>
  return %y : tensor<?x8xf32>
}

// -----

// Rank-4 matmul: batch dims collapse into one batch_matmul.
// CHECK-LABEL: func.func @matmul_4d(
// CHECK:         tensor.collapse_shape %{{.*}} {{\[}}[0, 1], [2], [3]] : tensor<?x4x?x16xf32> into tensor<?x?x16xf32>
// CHECK:         linalg.batch_matmul ins(%{{.*}}, %{{.*}} : tensor<?x?x16xf32>, tensor<?x16x?xf32>)
// CHECK:         tensor.reshape
func.func @matmul_4d(%a: tensor<?x4x?x16xf32>, %b: tensor<?x4x16x?xf32>) -> tensor<?x4x?x?xf32> {
  %y = tmc.matmul %a, %b : (tensor<?x4x?x16xf32>, tensor<?x4x16x?xf32>) -> tensor<?x4x?x?xf32>
  return %y : tensor<?x4x?x?xf32>
}

// -----

// CHECK-LABEL: func.func @matmul_2d(
// CHECK:         linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<?x16xf32>, tensor<16x8xf32>)
func.func @matmul_2d(%a: tensor<?x16xf32>, %b: tensor<16x8xf32>) -> tensor<?x8xf32> {
  %y = tmc.matmul %a, %b : (tensor<?x16xf32>, tensor<16x8xf32>) -> tensor<?x8xf32>
  return %y : tensor<?x8xf32>
}

// -----

// embedding gathers rows; an id outside [0, vocab) reads row 0.
// CHECK-LABEL: func.func @embedding(
// CHECK-SAME:      %[[IDS:.*]]: tensor<?x?xi64>, %[[TABLE:.*]]: tensor<256x64xf32>)
// CHECK:         linalg.generic {{.*}} ins(%[[IDS]] : tensor<?x?xi64>) outs(%{{.*}} : tensor<?x?x64xf32>)
// CHECK:           %[[ROW:.*]] = arith.index_cast %{{.*}} : i64 to index
// CHECK-DAG:       arith.cmpi sge, %[[ROW]]
// CHECK-DAG:       arith.cmpi slt, %[[ROW]]
// CHECK:           %[[SAFE:.*]] = arith.select
// CHECK:           %[[COL:.*]] = linalg.index 2 : index
// CHECK:           tensor.extract %[[TABLE]][%[[SAFE]], %[[COL]]] : tensor<256x64xf32>
func.func @embedding(%ids: tensor<?x?xi64>, %table: tensor<256x64xf32>) -> tensor<?x?x64xf32> {
  %h = tmc.embedding %ids, %table : (tensor<?x?xi64>, tensor<256x64xf32>) -> tensor<?x?x64xf32>
  return %h : tensor<?x?x64xf32>
}
