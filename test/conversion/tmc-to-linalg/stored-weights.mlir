// RUN: tmc-opt %s -split-input-file -convert-tmc-to-linalg | FileCheck %s
// RUN: tmc-opt %s -split-input-file -convert-tmc-to-linalg -one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" -tmc-cpu-block-products | FileCheck %s --check-prefix=KERNEL
// RUN: tmc-opt %s -split-input-file -convert-tmc-to-linalg -one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" -tmc-cpu-block-products=amx-int8 | FileCheck %s --check-prefix=AMX

// A linear over q4_1 blocks is one generic that decodes each value inside
// the product (no decoded weight exists), marked for the targets' kernels.
// CHECK-LABEL: func.func @linear_q4_1(
// CHECK-NOT:     tmc.dequantize
// CHECK:         linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "reduction"]
// CHECK-SAME:      ins(%{{.*}} : tensor<?x64xf32>) {{.*}} attrs = {tmc.block_product = "q4_1"}
// CHECK:           tensor.extract %{{.*}} : tensor<8x2x10xi16>
// CHECK:           arith.uitofp
// CHECK:         } -> tensor<?x8xf32>
// The CPU kernel of a prompt (16 rows or more): the weight decoded a panel
// of rows at a time (here the whole 8 x 64) into f32 by one thread, each
// panel an f32 matmul (tmc-linalg-to-blas's sgemm) into its columns of C.
// KERNEL-LABEL: func.func @linear_q4_1(
// KERNEL:         %[[ROWS:.*]] = memref.dim %{{.*}}, %c0{{.*}} : memref<?x8xf32>
// KERNEL:         %[[PROMPT:.*]] = arith.cmpi uge, %[[ROWS]], %c16
// KERNEL:         scf.if %[[PROMPT]] {
// KERNEL:           %[[PANEL:.*]] = memref.alloc() {alignment = 64 : i64} : memref<8x64xf32>
// KERNEL:           scf.for
// KERNEL:             scf.for
// KERNEL:               scf.for
// KERNEL:                 arith.uitofp %{{.*}} : vector<16xi8> to vector<16xf32>
// KERNEL:                 arith.mulf
// KERNEL:                 arith.addf
// KERNEL:                 vector.store %{{.*}}, %[[PANEL]][{{.*}}] : memref<8x64xf32>, vector<16xf32>
// KERNEL:             %[[DECODED:.*]] = memref.subview %[[PANEL]][0, 0] [%{{.*}}, 64] [1, 1]
// KERNEL:             %[[COLUMNS:.*]] = memref.subview %{{.*}}[0, %{{.*}}] [%{{.*}}, %{{.*}}] [1, 1]
// KERNEL:             linalg.matmul {{.*}}ins(%{{.*}}, %[[DECODED]] : {{.*}}) outs(%[[COLUMNS]] :
// KERNEL:           memref.dealloc %[[PANEL]]
// Fewer rows (a decode step): the weight's rows in parallel, a block of 16
// bytes per step, 16 low and 16 high nibbles as f32 vectors, one reduction
// per row.
// KERNEL:         } else {
// KERNEL:         scf.parallel
// KERNEL:           scf.for {{.*}} -> (vector<16xf32>, vector<16xf32>)
// KERNEL:             memref.prefetch %{{.*}}, read, locality<3>, data : memref<8x2x10xi16>
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
// The CPU kernel extends 16 bf16 weights at a time into a panel for a
// prompt's f32 matmul, and 32 (a cache line) inside the products for fewer
// rows.
// KERNEL-LABEL: func.func @bf16_weights(
// KERNEL:         scf.if
// KERNEL:           scf.for
// KERNEL:             vector.load %{{.*}} : memref<8x64xbf16>, vector<16xbf16>
// KERNEL:             arith.extf %{{.*}} : vector<16xbf16> to vector<16xf32>
// KERNEL:             vector.store %{{.*}} : memref<8x64xf32>, vector<16xf32>
// KERNEL:           linalg.matmul {{.*}} : memref<?x64xf32>, memref<?x64xf32, strided<[64, 1]>>)
// KERNEL:         } else {
// KERNEL:           scf.parallel
// KERNEL:             vector.load %{{.*}} : memref<8x64xbf16>, vector<32xbf16>
// KERNEL:             arith.extf %{{.*}} : vector<32xbf16> to vector<32xf32>
// KERNEL:             vector.fma
// KERNEL-NOT:     linalg.matmul {{.*}}bf16
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

// -----

// A linear over interleaved blocks marked for int8 inputs keeps the exact
// decode in its generic (the reference, --gemm loops), with the mark; the
// CPU kernel quantizes each row of inputs per block of 32, then multiplies
// 16 weight rows at once with VNNI dot products, one row per lane, and
// stores 16 results of a row of C at once.
// CHECK-LABEL: func.func @linear_q4_1x16(
// CHECK:         linalg.generic
// CHECK-SAME:      attrs = {tmc.activations = "int8", tmc.block_product = "q4_1x16"}
// CHECK:           tensor.extract %{{.*}} : tensor<2x2x160xi16>
// KERNEL-LABEL: func.func @linear_q4_1x16(
// KERNEL:         %[[Q:.*]] = memref.alloc(%{{.*}}, %{{.*}}) : memref<?x?xi32>
// KERNEL:         scf.for
// KERNEL:           scf.for
// KERNEL:             vector.reduction <maxnumf>, %{{.*}} fastmath<nnan>
// KERNEL:             math.roundeven %{{.*}} : vector<32xf32>
// KERNEL:             vector.store %{{.*}}, %[[Q]]{{.*}} : memref<?x?xi32>, vector<8xi32>
// KERNEL:         scf.parallel
// KERNEL:           scf.for {{.*}} -> (vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>)
// KERNEL:             memref.prefetch %{{.*}}, read, locality<2>, data : memref<2x2x160xi16>
// KERNEL:             vector.load %{{.*}} : memref<2x2x160xi16>, vector<32xi16>
// KERNEL:             llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"(%{{.*}}) : (vector<16xi32>, vector<64xi8>, vector<64xi8>) -> vector<16xi32>
// KERNEL:           vector.store %{{.*}} : memref<?x32xf32>, vector<16xf32>
// KERNEL:         memref.dealloc %[[Q]]
// KERNEL-NOT:     linalg.generic
// With amx-int8, 16 rows of inputs or more go to AMX tiles: the inputs are
// quantized into whole tiles of 16 rows of bytes, each group's blocks split
// into tile rows of nibbles, and one tdpbsud (unsigned nibbles) per block
// gives 16 x 16 sums, which leave the tile through two alternating slots;
// fewer rows keep the dot-product kernel.
// AMX-LABEL: func.func @linear_q4_1x16(
// AMX:         %[[PROMPT:.*]] = arith.cmpi uge, %{{.*}}, %c16
// AMX:         scf.if %[[PROMPT]] {
// AMX:           %[[Q:.*]] = memref.alloc(%{{.*}}) {alignment = 64 : i64} : memref<?x64xi8>
// AMX:           scf.parallel
// AMX:             %[[TILES:.*]] = memref.alloc(%{{.*}}) {alignment = 64 : i64} : memref<?x64xi8>
// AMX:             arith.andi %{{.*}} : vector<64xi8>
// AMX:             arith.shrui %{{.*}} : vector<64xi8>
// AMX:             %[[SUMS:.*]] = memref.alloc() {alignment = 64 : i64} : memref<2x16x16xi32>
// AMX:             scf.for
// AMX:               amx.tile_muli %{{.*}}, %{{.*}} zext, %{{.*}} : !amx.tile<16x32xi8>, !amx.tile<8x64xi8>, !amx.tile<16x16xi32>
// AMX:               scf.for {{.*}} -> (vector<16xf32>,
// AMX:                 amx.tile_load %[[Q]]
// AMX:                 amx.tile_load %[[TILES]]
// AMX:                 amx.tile_store %[[SUMS]]
// AMX:                 vector.load %[[SUMS]]{{.*}} : memref<2x16x16xi32>, vector<16xi32>
// AMX:             memref.dealloc %[[TILES]]
// AMX:         } else {
// AMX:           scf.parallel
// AMX:             llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"
// AMX-NOT:     linalg.generic
func.func @linear_q4_1x16(%x: tensor<?x64xf32>, %blocks: tensor<2x2x160xi16>) -> tensor<?x32xf32> {
  %w = tmc.dequantize %blocks "q4_1x16" : tensor<2x2x160xi16> -> tensor<32x64xf32>
  %y = tmc.linear %x, %w {tmc.activations = "int8"} : (tensor<?x64xf32>, tensor<32x64xf32>) -> tensor<?x32xf32>
  return %y : tensor<?x32xf32>
}

// -----

// Q8_0's values are signed bytes: tdpbssd, on the blocks' bytes as they are.
// AMX-LABEL: func.func @linear_q8_0x16(
// AMX:         amx.tile_muli %{{.*}}, %{{.*}}, %{{.*}} : !amx.tile<16x32xi8>, !amx.tile<8x64xi8>, !amx.tile<16x16xi32>
// AMX-NOT:     arith.shrui
// AMX:         } else {
func.func @linear_q8_0x16(%x: tensor<?x64xf32>, %blocks: tensor<1x2x272xi16>) -> tensor<?x16xf32> {
  %w = tmc.dequantize %blocks "q8_0x16" : tensor<1x2x272xi16> -> tensor<16x64xf32>
  %y = tmc.linear %x, %w {tmc.activations = "int8"} : (tensor<?x64xf32>, tensor<16x64xf32>) -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

// An embedding over interleaved blocks finds each row's scale at its lane
// of its group of 16.
// CHECK-LABEL: func.func @embedding_q8_0x16(
// CHECK:         linalg.generic
// CHECK:           arith.divui %{{.*}}, %c16
// CHECK:           arith.remui %{{.*}}, %c16
// CHECK:           tensor.extract %{{.*}} : tensor<1x2x272xi16>
// KERNEL-LABEL: func.func @embedding_q8_0x16(
func.func @embedding_q8_0x16(%ids: tensor<?xi64>, %blocks: tensor<1x2x272xi16>) -> tensor<?x64xf32> {
  %t = tmc.dequantize %blocks "q8_0x16" : tensor<1x2x272xi16> -> tensor<16x64xf32>
  %e = tmc.embedding %ids, %t : (tensor<?xi64>, tensor<16x64xf32>) -> tensor<?x64xf32>
  return %e : tensor<?x64xf32>
}
