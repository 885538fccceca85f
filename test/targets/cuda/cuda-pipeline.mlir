// The whole CUDA pipeline: a tmc graph becomes host code in the LLVM
// dialect with one packed entry point, GEMMs as tmc_cuda_gemm calls, every
// other loop nest a kernel, and the kernels one cubin per module that the
// toolkit's ptxas assembled, for sm_90a and sm_80; with format=isa the
// kernels are kept as PTX text instead.
// REQUIRES: cuda
// RUN: tmc-opt %s --tmc-lower-to-cuda --tmc-cuda-to-llvm | FileCheck %s --check-prefixes=CHECK,SM90
// RUN: tmc-opt %s --tmc-lower-to-cuda --tmc-cuda-to-llvm="chip=sm_80" | FileCheck %s --check-prefixes=CHECK,SM80
// RUN: tmc-opt %s --tmc-lower-to-cuda --tmc-cuda-to-llvm="format=isa" | FileCheck %s --check-prefix=PTX

// Host buffers (none here but the deallocation tables) use the runtime's
// allocator; device buffers and launches go through its mgpu functions.
// Each kernel module is a cubin (an ELF object) for the chosen chip.
// CHECK:       llvm.func @tmc_cuda_gemm(i32, i32, i32, i32, i64, i64, i64, !llvm.ptr, i64, i64, !llvm.ptr, i64, i64, !llvm.ptr, i64, i64, i64)
// SM90:        gpu.binary @logits_kernel  [#gpu.object<#nvvm.target<O = 3, chip = "sm_90a">, {{.*}}bin = "\7FELF
// SM80:        gpu.binary @logits_kernel  [#gpu.object<#nvvm.target<O = 3, chip = "sm_80">, {{.*}}bin = "\7FELF
// CHECK:       llvm.func @mgpuMemAlloc(i64, !llvm.ptr, i8) -> !llvm.ptr
// CHECK:       llvm.func @mgpuMemFree(!llvm.ptr, !llvm.ptr)
// CHECK-LABEL: llvm.func @tmc_entry_logits(%{{.*}}: !llvm.ptr)
// CHECK:         gpu.launch_func  @logits_kernel::@logits_kernel blocks in
// CHECK:         llvm.call @tmc_cuda_gemm(
// CHECK-NOT:   tmc.
// CHECK-NOT:   linalg.
// PTX:         gpu.binary @logits_kernel {{.*}}assembly = "
// PTX-SAME:      .target sm_90a
// PTX-SAME:      .visible .entry logits_kernel(
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
