//===- LowerAttention.cpp - the CPU's attention backends --------*- C++ -*-===//
//
// Which registered backends the CPU target can lower, and how: one entry per
// backend, its lowering in a file of its own. The backend was chosen in the
// `scheduled` phase (tmc-select-attention); a backend without a CPU lowering
// is reported here, on the layer that asked for it.
//
//===----------------------------------------------------------------------===//

#include "passes/attention/AttentionBackends.h"
#include "targets/cpu/Passes.h"
#include "targets/linalg/attention/AttentionShape.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace tmc::cpu {
#define GEN_PASS_DEF_CPULOWERATTENTION
#include "targets/cpu/Passes.h.inc"
} // namespace tmc::cpu

using namespace mlir;

namespace {

struct CpuAttentionLowering {
  llvm::StringRef backend;
  Value (*lower)(OpBuilder &builder, tmc::AttentionOp op);
};

constexpr CpuAttentionLowering kLowerings[] = {
    {"eager", tmc::lowering::lowerEagerAttention},
    {"sdpa", tmc::lowering::lowerSdpaAttention},
};

const CpuAttentionLowering *loweringOf(llvm::StringRef backend) {
  for (const CpuAttentionLowering &lowering : kLowerings)
    if (lowering.backend == backend)
      return &lowering;
  return nullptr;
}

struct CpuLowerAttention : public tmc::cpu::impl::CpuLowerAttentionBase<CpuLowerAttention> {
  void runOnOperation() override {
    SmallVector<tmc::AttentionOp> ops;
    getOperation().walk([&](tmc::AttentionOp op) { ops.push_back(op); });
    IRRewriter rewriter(&getContext());
    for (tmc::AttentionOp op : ops) {
      llvm::StringRef backend = tmc::attentionBackendOf(op);
      const CpuAttentionLowering *lowering = loweringOf(backend);
      if (!lowering) {
        std::string names;
        for (const CpuAttentionLowering &known : kLowerings)
          names += (names.empty() ? "" : ", ") + known.backend.str();
        op.emitOpError("attention backend '")
            << backend << "' has no CPU lowering"
            << (tmc::lookupAttentionBackend(backend) ? "" : " (and is not registered)")
            << "; the CPU target lowers: " << names;
        return signalPassFailure();
      }
      rewriter.setInsertionPoint(op);
      rewriter.replaceOp(op, lowering->lower(rewriter, op));
    }
  }
};
} // namespace
