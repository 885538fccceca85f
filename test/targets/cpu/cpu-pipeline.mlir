// The whole CPU pipeline: a tmc graph becomes LLVM dialect with one packed
// entry point, weights as arguments, and GEMMs as OpenBLAS calls (or loops).
// RUN: tmc-opt %s --tmc-lower-to-cpu --tmc-cpu-to-llvm | FileCheck %s --check-prefixes=CHECK,BLAS
// RUN: tmc-opt %s --tmc-lower-to-cpu --tmc-cpu-to-llvm="gemm=loops" | FileCheck %s --check-prefixes=CHECK,LOOPS

// CHECK:       llvm.func @free(!llvm.ptr)
// CHECK:       llvm.func @malloc(i64) -> !llvm.ptr
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
  %x = tmc.rms_norm %h, %n eps = 1.0e-6 : (tensor<?x?x16xf32>, tensor<16xf32>) -> tensor<?x?x16xf32>
  %y = tmc.linear %x, %w : (tensor<?x?x16xf32>, tensor<32x16xf32>) -> tensor<?x?x32xf32>
  return %y : tensor<?x?x32xf32>
}
