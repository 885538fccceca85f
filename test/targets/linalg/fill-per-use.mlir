// RUN: tmc-opt %s -tmc-fill-per-use -split-input-file | FileCheck %s
// RUN: tmc-opt %s -tmc-fill-per-use -one-shot-bufferize -split-input-file | FileCheck %s --check-prefix=BUFFERS

// Two products onto one (CSE-merged) zero fill: each gets a fill of its own,
// right before it, so bufferization writes both in place, with no copy of
// the zeros.
// CHECK-LABEL: func.func @two_products(
// CHECK:         %[[EMPTY:.*]] = tensor.empty()
// CHECK-NEXT:    %[[F0:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%[[EMPTY]] : tensor<8x16xf32>)
// CHECK-NEXT:    linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<8x4xf32>, tensor<4x16xf32>) outs(%[[F0]] : tensor<8x16xf32>)
// CHECK-NEXT:    %[[F1:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%[[EMPTY]] : tensor<8x16xf32>)
// CHECK-NEXT:    linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<8x4xf32>, tensor<4x16xf32>) outs(%[[F1]] : tensor<8x16xf32>)
// CHECK-NEXT:    return
// BUFFERS-LABEL: func.func @two_products(
// BUFFERS-COUNT-2: memref.alloc()
// BUFFERS-NOT:   memref.copy
// BUFFERS:       return
func.func @two_products(%a: tensor<8x4xf32>, %b: tensor<4x16xf32>, %c: tensor<4x16xf32>) -> (tensor<8x16xf32>, tensor<8x16xf32>) {
  %zero = arith.constant 0.0 : f32
  %empty = tensor.empty() : tensor<8x16xf32>
  %filled = linalg.fill ins(%zero : f32) outs(%empty : tensor<8x16xf32>) -> tensor<8x16xf32>
  %x = linalg.matmul ins(%a, %b : tensor<8x4xf32>, tensor<4x16xf32>) outs(%filled : tensor<8x16xf32>) -> tensor<8x16xf32>
  %y = linalg.matmul ins(%a, %c : tensor<8x4xf32>, tensor<4x16xf32>) outs(%filled : tensor<8x16xf32>) -> tensor<8x16xf32>
  return %x, %y : tensor<8x16xf32>, tensor<8x16xf32>
}

// -----

// A fill with one use, and a fill on buffers, stay as they are.
// CHECK-LABEL: func.func @left_alone(
// CHECK-COUNT-2: linalg.fill
// CHECK-NOT:     linalg.fill
func.func @left_alone(%a: tensor<8x4xf32>, %b: tensor<4x16xf32>, %m: memref<8xf32>) -> tensor<8x16xf32> {
  %zero = arith.constant 0.0 : f32
  %empty = tensor.empty() : tensor<8x16xf32>
  %filled = linalg.fill ins(%zero : f32) outs(%empty : tensor<8x16xf32>) -> tensor<8x16xf32>
  %x = linalg.matmul ins(%a, %b : tensor<8x4xf32>, tensor<4x16xf32>) outs(%filled : tensor<8x16xf32>) -> tensor<8x16xf32>
  linalg.fill ins(%zero : f32) outs(%m : memref<8xf32>)
  return %x : tensor<8x16xf32>
}
