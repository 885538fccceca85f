// RUN: tmc-opt %s -convert-tmc-to-linalg -split-input-file | FileCheck %s

// Dynamic result sizes come from the op's operands; static ones are constants.
// CHECK-LABEL: func.func @reshape(
// CHECK-SAME:      %[[X:.*]]: tensor<?x?x64xf32>, %[[B:.*]]: index, %[[S:.*]]: index)
// CHECK-DAG:     %[[C4:.*]] = arith.constant 4 : index
// CHECK-DAG:     %[[C16:.*]] = arith.constant 16 : index
// CHECK:         %[[SHAPE:.*]] = tensor.from_elements %[[B]], %[[S]], %[[C4]], %[[C16]] : tensor<4xindex>
// CHECK:         tensor.reshape %[[X]](%[[SHAPE]]) : (tensor<?x?x64xf32>, tensor<4xindex>) -> tensor<?x?x4x16xf32>
func.func @reshape(%x: tensor<?x?x64xf32>, %b: index, %s: index) -> tensor<?x?x4x16xf32> {
  %y = tmc.reshape %x sizes [%b, %s] : tensor<?x?x64xf32> -> tensor<?x?x4x16xf32>
  return %y : tensor<?x?x4x16xf32>
}

// -----

// CHECK-LABEL: func.func @transpose(
// CHECK:         %[[EMPTY:.*]] = tensor.empty(%{{.*}}, %{{.*}}) : tensor<?x4x?x16xf32>
// CHECK:         linalg.transpose ins(%{{.*}} : tensor<?x?x4x16xf32>) outs(%[[EMPTY]] : tensor<?x4x?x16xf32>) permutation = [0, 2, 1, 3]
func.func @transpose(%x: tensor<?x?x4x16xf32>) -> tensor<?x4x?x16xf32> {
  %y = tmc.transpose %x permutation = [0, 2, 1, 3] : tensor<?x?x4x16xf32> -> tensor<?x4x?x16xf32>
  return %y : tensor<?x4x?x16xf32>
}

// -----

// Each input lands at the running offset along the (negative) dim.
// CHECK-LABEL: func.func @concat(
// CHECK-SAME:      %[[A:.*]]: tensor<?x8xf32>, %[[B:.*]]: tensor<?x8xf32>)
// CHECK:         %[[EMPTY:.*]] = tensor.empty(%{{.*}}) : tensor<?x16xf32>
// CHECK:         %[[FIRST:.*]] = tensor.insert_slice %[[A]] into %[[EMPTY]][0, %{{.*}}] [%{{.*}}, 8] [1, 1]
// CHECK:         %[[BOTH:.*]] = tensor.insert_slice %[[B]] into %[[FIRST]][0, %{{.*}}] [%{{.*}}, 8] [1, 1]
// CHECK:         return %[[BOTH]]
func.func @concat(%a: tensor<?x8xf32>, %b: tensor<?x8xf32>) -> tensor<?x16xf32> {
  %y = tmc.concat %a, %b dim = -1 : (tensor<?x8xf32>, tensor<?x8xf32>) -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

// CHECK-LABEL: func.func @slice(
// CHECK:         tensor.extract_slice %{{.*}}[0, 0] [%{{.*}}, 8] [1, 2] : tensor<?x16xf32> to tensor<?x8xf32>
// CHECK:         tensor.extract_slice %{{.*}}[0, 8] [%{{.*}}, 8] [1, 1] : tensor<?x16xf32> to tensor<?x8xf32>
// An open-ended slice of a dynamic dim computes its size: ceil((dim - start) / step).
// CHECK:         %[[DIM:.*]] = tensor.dim %{{.*}}, %{{.*}} : tensor<?x16xf32>
// CHECK:         %[[SPAN:.*]] = arith.subi %[[DIM]], %{{.*}} : index
// CHECK:         %[[SIZE:.*]] = arith.ceildivui %[[SPAN]], %{{.*}} : index
// CHECK:         tensor.extract_slice %{{.*}}[1, 0] [%[[SIZE]], 16] [1, 1] : tensor<?x16xf32> to tensor<?x16xf32>
// A negative start takes the last indices of a dynamic dim: from dim - 1, one row.
// CHECK:         %[[N:.*]] = tensor.dim %{{.*}}, %{{.*}} : tensor<?x16xf32>
// CHECK:         %[[FROM:.*]] = arith.subi %[[N]], %{{.*}} : index
// CHECK:         tensor.extract_slice %{{.*}}[%[[FROM]], 0] [1, 16] [1, 1] : tensor<?x16xf32> to tensor<1x16xf32>
func.func @slice(%x: tensor<?x16xf32>) -> (tensor<?x8xf32>, tensor<?x8xf32>, tensor<?x16xf32>, tensor<1x16xf32>) {
  %a = tmc.slice %x dim = 1 start = 0 end = 16 step = 2 : tensor<?x16xf32> -> tensor<?x8xf32>
  %b = tmc.slice %x dim = 1 start = 8 : tensor<?x16xf32> -> tensor<?x8xf32>
  %c = tmc.slice %x dim = 0 start = 1 : tensor<?x16xf32> -> tensor<?x16xf32>
  %d = tmc.slice %x dim = 0 start = -1 : tensor<?x16xf32> -> tensor<1x16xf32>
  return %a, %b, %c, %d : tensor<?x8xf32>, tensor<?x8xf32>, tensor<?x16xf32>, tensor<1x16xf32>
}

// -----

// CHECK-LABEL: func.func @split(
// CHECK:         %[[A:.*]] = tensor.extract_slice %{{.*}}[0, 0] [%{{.*}}, 16] [1, 1] : tensor<?x48xf32> to tensor<?x16xf32>
// CHECK:         %[[B:.*]] = tensor.extract_slice %{{.*}}[0, 16] [%{{.*}}, 32] [1, 1] : tensor<?x48xf32> to tensor<?x32xf32>
// CHECK:         return %[[A]], %[[B]]
func.func @split(%x: tensor<?x48xf32>) -> (tensor<?x16xf32>, tensor<?x32xf32>) {
  %a, %b = tmc.split %x dim = 1 sizes = [16, 32] : tensor<?x48xf32> -> tensor<?x16xf32>, tensor<?x32xf32>
  return %a, %b : tensor<?x16xf32>, tensor<?x32xf32>
}
