//===- CudaGemm.h - GEMMs on cuBLASLt ---------------------------*- C++ -*-===//
//
// tmc_cuda_gemm (CudaAbi.h) on cuBLASLt, opened at run time like the
// driver. Row-major C += A op(B) is computed as column-major
// C^T += op(B)^T A^T over the same memory, so no operand is copied; f32
// accumulates without TF32. One plan (descriptors, layouts and the
// heuristic's algorithm) is kept per distinct shape.
//
//===----------------------------------------------------------------------===//

#ifndef TMC_RUNTIME_CUDA_CUDAGEMM_H
#define TMC_RUNTIME_CUDA_CUDAGEMM_H

#include "runtime/cuda/CudaDriver.h"

#include <map>
#include <memory>
#include <tuple>

namespace tmc::rt::cuda {

struct GemmShape {
  int32_t dtype, cDtype, transposeB;
  int64_t m, n, k, lda, strideA, ldb, strideB, ldc, strideC, batch;
  /// The largest power of two (at most 256) dividing every operand's
  /// address: cuBLASLt's heuristic assumes 256-byte aligned operands unless
  /// told otherwise, and a head's slice of a projection is not.
  int64_t alignment = 256;

  auto key() const {
    return std::tie(dtype, cDtype, transposeB, m, n, k, lda, strideA, ldb, strideB, ldc, strideC,
                    batch, alignment);
  }
  bool operator<(const GemmShape &other) const { return key() < other.key(); }
};

class Gemm {
public:
  /// Opens cuBLASLt and its handle and workspace on `stream`'s device.
  static llvm::Expected<std::unique_ptr<Gemm>> create(const Driver &driver, CUstream stream);
  ~Gemm();

  /// C += A op(B), or C = A op(B) without `accumulate`, for `shape` on
  /// device pointers, queued on the stream (`shape.alignment` is taken from
  /// the pointers).
  llvm::Error run(GemmShape shape, bool accumulate, const void *a, const void *b, void *c);

  struct Library;
  struct Plan;

private:
  Gemm() = default;
  llvm::Expected<const Plan *> planFor(const GemmShape &shape);

  const Driver *cu = nullptr;
  const Library *lt = nullptr;
  void *handle = nullptr;
  CUstream stream = nullptr;
  CUdeviceptr workspace = 0;
  std::map<GemmShape, std::unique_ptr<Plan>> plans;
};

} // namespace tmc::rt::cuda

#endif // TMC_RUNTIME_CUDA_CUDAGEMM_H
