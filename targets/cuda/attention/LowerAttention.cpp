//===- LowerAttention.cpp - CUDA's attention backends -----------*- C++ -*-===//
//
// Which registered backends the CUDA target lowers, and how: one entry per
// backend. eager and sdpa are the linalg lowerings the CPU uses too; their
// loop nests become kernels and their per-head contractions cuBLASLt calls.
//
//===----------------------------------------------------------------------===//

#include "targets/cuda/Passes.h"
#include "targets/linalg/attention/AttentionShape.h"
#include "targets/linalg/attention/LowerAttention.h"

namespace tmc::cuda {
#define GEN_PASS_DEF_CUDALOWERATTENTION
#include "targets/cuda/Passes.h.inc"
} // namespace tmc::cuda

namespace {

constexpr tmc::lowering::AttentionLowering kLowerings[] = {
    {"eager", tmc::lowering::lowerEagerAttention},
    {"sdpa", tmc::lowering::lowerSdpaAttention},
};

struct CudaLowerAttention : public tmc::cuda::impl::CudaLowerAttentionBase<CudaLowerAttention> {
  void runOnOperation() override {
    if (failed(tmc::lowering::lowerAttention(getOperation(), kLowerings, "CUDA")))
      signalPassFailure();
  }
};
} // namespace
