//===- ExpandArith.cpp - arith ops LLVM lacks, max/min kept -----*- C++ -*-===//
//
// Upstream's arith-expand also rewrites maximumf/minimumf into a compare and
// a select per element (for targets without the LLVM intrinsics). On the CPU
// arith-to-llvm makes them llvm.maximum/minimum, which the x86 backend
// selects and LLVM's loop vectorizer reduces 16 lanes at a time; the
// compare-and-select form stays a scalar loop, and a prompt's softmax row max
// was 10% of its time (docs/CPU_PERFORMANCE.md). Only what has no LLVM
// lowering is expanded here.
//
//===----------------------------------------------------------------------===//

#include "targets/cpu/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Transforms/Passes.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace tmc::cpu {
#define GEN_PASS_DEF_CPUEXPANDARITH
#include "targets/cpu/Passes.h.inc"
} // namespace tmc::cpu

using namespace mlir;

namespace {
struct CpuExpandArith : public tmc::cpu::impl::CpuExpandArithBase<CpuExpandArith> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    arith::populateCeilFloorDivExpandOpsPatterns(patterns);
    arith::populateExpandBFloat16Patterns(patterns);
    arith::populateExpandScalingExtTruncPatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};
} // namespace
