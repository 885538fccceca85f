//===- LowerAttention.cpp - the CPU's attention backends --------*- C++ -*-===//
//
// Which registered backends the CPU target can lower, and how: one entry per
// backend, its lowering in a file of its own. The backend was chosen in the
// `scheduled` phase (tmc-select-attention); a backend without a CPU lowering
// is reported here, on the layer that asked for it.
//
//===----------------------------------------------------------------------===//

#include "targets/linalg/attention/LowerAttention.h"
#include "targets/cpu/Passes.h"
#include "targets/cpu/RuntimeCalls.h"
#include "targets/linalg/attention/AttentionShape.h"

namespace tmc::cpu {
#define GEN_PASS_DEF_CPULOWERATTENTION
#include "targets/cpu/Passes.h.inc"
} // namespace tmc::cpu

using namespace mlir;

namespace {

/// Eager attention in blocks, a decode step's key chunks sized for the
/// threads the step runs on (omp_get_max_threads at the call).
Value eagerInBlocks(OpBuilder &b, tmc::AttentionOp op) {
  auto module = op->getParentOfType<ModuleOp>();
  return tmc::lowering::lowerEagerAttentionInBlocks(b, op, [&](OpBuilder &tb, Location loc) {
    return tmc::cpu::openmpQuery(tb, loc, module, "omp_get_max_threads");
  });
}

constexpr tmc::lowering::AttentionLowering kLowerings[] = {
    {"eager", eagerInBlocks},
    {"sdpa", tmc::lowering::lowerSdpaAttention},
};

struct CpuLowerAttention : public tmc::cpu::impl::CpuLowerAttentionBase<CpuLowerAttention> {
  void runOnOperation() override {
    if (failed(tmc::lowering::lowerAttention(getOperation(), kLowerings, "CPU")))
      signalPassFailure();
  }
};
} // namespace
