// RUN: tmc-opt %s -split-input-file -convert-tmc-to-linalg | FileCheck %s
// RUN: tmc-opt %s -split-input-file -convert-tmc-to-linalg -one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" -tmc-cpu-block-products | FileCheck %s --check-prefix=KERNEL

// A linear over q4_1 blocks is one generic that decodes each value inside
// the product (no decoded weight exists), marked for the targets' kernels.
// CHECK-LABEL: func.func @linear_q4_1(
// CHECK-NOT:     tmc.dequantize
// CHECK:         linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "reduction"]
// CHECK-SAME:      ins(%{{.*}} : tensor<?x64xf32>) {{.*}} attrs = {tmc.block_product = "q4_1"}
// CHECK:           tensor.extract %{{.*}} : tensor<8x2x10xi16>
// CHECK:           arith.uitofp
// CHECK:         } -> tensor<?x8xf32>
// The CPU kernel: the weight's rows in parallel, a block of 16 bytes per
// step, 16 low and 16 high nibbles as f32 vectors, one reduction per row.
// KERNEL-LABEL: func.func @linear_q4_1(
// KERNEL:         scf.parallel
// KERNEL:           scf.for {{.*}} -> (vector<16xf32>, vector<16xf32>)
// KERNEL:             vector.load %{{.*}} : memref<8x2x10xi16>, vector<8xi16>
// KERNEL:             vector.bitcast %{{.*}} : vector<8xi16> to vector<16xi8>
// KERNEL:             arith.uitofp %{{.*}} : vector<16xi8> to vector<16xf32>
// KERNEL:             vector.fma
// KERNEL:           vector.reduction <add>, %{{.*}} fastmath<reassoc> : vector<16xf32> into f32
// KERNEL-NOT:     linalg.generic
func.func @linear_q4_1(%x: tensor<?x64xf32>, %b: tensor<8x2x10xi16>) -> tensor<?x8xf32> {
  %w = tmc.dequantize %b "q4_1" : tensor<8x2x10xi16> -> tensor<8x64xf32>
  %y = tmc.linear %x, %w : (tensor<?x64xf32>, tensor<8x64xf32>) -> tensor<?x8xf32>
  return %y : tensor<?x8xf32>
}

// -----

// Q8_0 works 32 signed bytes at a time.
// KERNEL-LABEL: func.func @linear_q8_0(
// KERNEL:         vector.load %{{.*}} : memref<8x2x17xi16>, vector<16xi16>
// KERNEL:         arith.sitofp %{{.*}} : vector<32xi8> to vector<32xf32>
func.func @linear_q8_0(%x: tensor<?x64xf32>, %b: tensor<8x2x17xi16>) -> tensor<?x8xf32> {
  %w = tmc.dequantize %b "q8_0" : tensor<8x2x17xi16> -> tensor<8x64xf32>
  %y = tmc.linear %x, %w : (tensor<?x64xf32>, tensor<8x64xf32>) -> tensor<?x8xf32>
  return %y : tensor<?x8xf32>
}

// -----

// A bf16 weight is the matmul's operand itself, extended element by element;
// an embedding gathers bf16 rows and extends each value.
// CHECK-LABEL: func.func @bf16_weights(
// CHECK-NOT:     tmc.cast
// CHECK:         tensor.extract %{{.*}} : tensor<16x64xbf16>
// CHECK:         arith.extf %{{.*}} : bf16 to f32
// CHECK:         linalg.matmul {{.*}}ins(%{{.*}}, %{{.*}} : tensor<?x64xf32>, tensor<8x64xbf16>)
// The CPU kernel extends 16 bf16 weights at a time.
// KERNEL-LABEL: func.func @bf16_weights(
// KERNEL:         scf.parallel
// KERNEL:           vector.load %{{.*}} : memref<8x64xbf16>, vector<16xbf16>
// KERNEL:           arith.extf %{{.*}} : vector<16xbf16> to vector<16xf32>
// KERNEL-NOT:     linalg.matmul
func.func @bf16_weights(%ids: tensor<?xi64>, %t: tensor<16x64xbf16>, %w: tensor<8x64xbf16>) -> tensor<?x8xf32> {
  %table = tmc.cast %t : tensor<16x64xbf16> -> tensor<16x64xf32>
  %weight = tmc.cast %w : tensor<8x64xbf16> -> tensor<8x64xf32>
  %x = tmc.embedding %ids, %table : (tensor<?xi64>, tensor<16x64xf32>) -> tensor<?x64xf32>
  %y = tmc.linear %x, %weight : (tensor<?x64xf32>, tensor<8x64xf32>) -> tensor<?x8xf32>
  return %y : tensor<?x8xf32>
}

// -----

// A decoded weight something else reads is decoded whole, once.
// CHECK-LABEL: func.func @dequantize_whole(
// CHECK:         linalg.generic {{.*}}iterator_types = ["parallel", "parallel"]
// CHECK:           arith.sitofp %{{.*}} : i32 to f32
// CHECK:         } -> tensor<8x64xf32>
func.func @dequantize_whole(%b: tensor<8x2x9xi16>) -> tensor<8x64xf32> {
  %w = tmc.dequantize %b "q4_0" : tensor<8x2x9xi16> -> tensor<8x64xf32>
  %e = tmc.exp %w : tensor<8x64xf32>
  return %e : tensor<8x64xf32>
}
