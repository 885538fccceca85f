//===- LowerAttention.cpp - the CPU's attention backends --------*- C++ -*-===//
//
// Which registered backends the CPU target can lower, and how: one entry per
// backend, its lowering in a file of its own. The backend was chosen in the
// `scheduled` phase (tmc-select-attention); a backend without a CPU lowering
// is reported here, on the layer that asked for it.
//
//===----------------------------------------------------------------------===//

#include "targets/cpu/Passes.h"
#include "targets/linalg/attention/AttentionShape.h"
#include "targets/linalg/attention/LowerAttention.h"

namespace tmc::cpu {
#define GEN_PASS_DEF_CPULOWERATTENTION
#include "targets/cpu/Passes.h.inc"
} // namespace tmc::cpu

using namespace mlir;

namespace {

constexpr tmc::lowering::AttentionLowering kLowerings[] = {
    {"eager", tmc::lowering::lowerEagerAttentionInBlocks},
    {"sdpa", tmc::lowering::lowerSdpaAttention},
};

struct CpuLowerAttention : public tmc::cpu::impl::CpuLowerAttentionBase<CpuLowerAttention> {
  void runOnOperation() override {
    if (failed(tmc::lowering::lowerAttention(getOperation(), kLowerings, "CPU")))
      signalPassFailure();
  }
};
} // namespace
