/*===- CudaAbi.h - what a CUDA artifact's host code calls ---------*- C -*-===*\
|*                                                                            *|
|* A CUDA artifact's model.so is host code: it launches the kernels embedded  *|
|* in it and calls these functions, which the executable that loads it        *|
|* (tmc-run, tmc) exports. Two groups:                                        *|
|*  - the functions MLIR's gpu-to-llvm lowering calls (mgpuModuleLoad,        *|
|*    mgpuLaunchKernel, mgpuMemAlloc, ...), which upstream ships in           *|
|*    libmlir_cuda_runtime; Debian does not, and tmc serves them from the     *|
|*    driver API it opens at run time (runtime/cuda/Mgpu.cpp);                *|
|*  - tmc's own: the GEMM below.                                              *|
|* Every call is ordered on the one stream of the executor running the entry  *|
|* point, so an entry point's launches replay as one CUDA graph.              *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#ifndef TMC_RUNTIME_CUDA_CUDAABI_H
#define TMC_RUNTIME_CUDA_CUDAABI_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Element types, as the generated code passes them. */
#define TMC_CUDA_F32 0
#define TMC_CUDA_BF16 1
#define TMC_CUDA_F16 2

/* C_i += A_i op(B_i) (C_i = A_i op(B_i) when accumulate is 0, whatever C_i
 * held) for i in [0, batch), on device memory, row-major:
 * A_i is m x k (leading dimension lda), B_i is k x n, or n x k when
 * transpose_b (ldb), C_i is m x n (ldc); matrix i of each operand starts
 * stride elements after matrix i - 1 (a stride of 0 shares one B across
 * the batch). A and B are of `dtype`, C of `c_dtype`: the same, or f32
 * under bf16/f16 inputs. Accumulates in f32; for f32 operands TF32 is off,
 * so the result matches a CPU sgemm to rounding. */
void tmc_cuda_gemm(int32_t dtype, int32_t c_dtype, int32_t transpose_b, int32_t accumulate,
                   int64_t m, int64_t n, int64_t k, const void *a, int64_t lda, int64_t stride_a,
                   const void *b, int64_t ldb, int64_t stride_b, void *c, int64_t ldc,
                   int64_t stride_c, int64_t batch);

#ifdef __cplusplus
}
#endif

#endif /* TMC_RUNTIME_CUDA_CUDAABI_H */
