// CUDA smoke test: a gpu.launch kernel lowered through upstream's NVVM pipeline
// to a cubin for sm_90; gpu-module-to-binary runs ptxas from the CUDA toolkit.
// REQUIRES: cuda
// RUN: tmc-opt %s --gpu-lower-to-nvvm-pipeline="cubin-chip=sm_90 cubin-features=+ptx80 cubin-format=bin" \
// RUN:   | FileCheck %s
// RUN: tmc-opt %s --gpu-lower-to-nvvm-pipeline="cubin-chip=sm_90 cubin-features=+ptx80 cubin-format=isa" \
// RUN:   | FileCheck %s --check-prefix=PTX

// The host side launches the kernel; the cubin is an ELF object embedded in the module.
// CHECK-LABEL: llvm.func @scale(
// CHECK:         gpu.launch_func @scale_kernel::@scale_kernel
// CHECK:       gpu.binary @scale_kernel [#gpu.object<#nvvm.target<chip = "sm_90", features = "+ptx80">, {{.*}}bin = "\7FELF
// PTX: .target sm_90
// PTX: .visible .entry scale_kernel(

module attributes {gpu.container_module} {
  func.func @scale(%buf: memref<256xf32>, %s: f32) {
    %c1 = arith.constant 1 : index
    %c256 = arith.constant 256 : index
    gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
               threads(%tx, %ty, %tz) in (%sx = %c256, %sy = %c1, %sz = %c1) {
      %v = memref.load %buf[%tx] : memref<256xf32>
      %r = arith.mulf %v, %s : f32
      memref.store %r, %buf[%tx] : memref<256xf32>
      gpu.terminator
    }
    return
  }
}
