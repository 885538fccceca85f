// The whole CPU pipeline: a tmc graph becomes LLVM dialect with one packed
// entry point, weights as arguments, and GEMMs as OpenBLAS calls (or loops).
// RUN: tmc-opt %s --tmc-lower-to-cpu --tmc-cpu-to-llvm | FileCheck %s --check-prefixes=CHECK,BLAS
// RUN: tmc-opt %s --tmc-lower-to-cpu --tmc-cpu-to-llvm="gemm=loops" | FileCheck %s --check-prefixes=CHECK,LOOPS

// Heap buffers come from the runtime's checked allocator (runtime/Allocation.h).
// CHECK:       llvm.func @_mlir_memref_to_llvm_free(!llvm.ptr)
// CHECK:       llvm.func @_mlir_memref_to_llvm_alloc(i64) -> !llvm.ptr
// BLAS:        llvm.func @cblas_sgemm(
// LOOPS-NOT:   cblas_sgemm
// CHECK-NOT:   _mlir_ciface_logits
// CHECK-LABEL: llvm.func @tmc_entry_logits(%{{.*}}: !llvm.ptr)
// BLAS:          llvm.call @cblas_sgemm
// LOOPS:         llvm.fmul
// LOOPS:         llvm.fadd
// CHECK-NOT:   tmc.
tmc.param @"model.norm.weight" : tensor<16xf32>
tmc.param @"lm_head.weight" : tensor<32x16xf32>
func.func @logits(%h: tensor<?x?x16xf32>) -> tensor<?x?x32xf32> {
  %n = tmc.get_param @"model.norm.weight" : tensor<16xf32>
  %w = tmc.get_param @"lm_head.weight" : tensor<32x16xf32>
  %eps = arith.constant dense<9.99999997E-7> : tensor<f32>
  %sq = tmc.pow %h exponent = 2.000000e+00 : tensor<?x?x16xf32>
  %var = tmc.mean %sq dims = [2] keepdim : tensor<?x?x16xf32> -> tensor<?x?x1xf32>
  %ve = tmc.add %var, %eps : (tensor<?x?x1xf32>, tensor<f32>) -> tensor<?x?x1xf32>
  %inv = tmc.rsqrt %ve : tensor<?x?x1xf32>
  %xn = tmc.mul %h, %inv : (tensor<?x?x16xf32>, tensor<?x?x1xf32>) -> tensor<?x?x16xf32>
  %x = tmc.mul %n, %xn : (tensor<16xf32>, tensor<?x?x16xf32>) -> tensor<?x?x16xf32>
  %y = tmc.linear %x, %w : (tensor<?x?x16xf32>, tensor<32x16xf32>) -> tensor<?x?x32xf32>
  return %y : tensor<?x?x32xf32>
}
