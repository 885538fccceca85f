//===- ApproximateExp.cpp - f32 exp as a polynomial -------------*- C++ -*-===//
//
// Each f32 math.exp becomes MLIR's polynomial approximation (range reduction
// by ln 2, a degree-5 polynomial, the exponent written into the bits), plain
// arithmetic that LLVM's loop vectorizer widens with the rest of the loop.
// As a libm call, a loop's exp ran glibc's 8-lane libmvec form, one call per
// 8 elements: 12% of an int8 prefill's samples. Measured against double
// precision exp over [-87, 88]: at most 8.2e-8 relative error (1.4 ulp);
// results below 2^-126 are flushed to 0, -inf gives 0, NaN stays NaN
// (docs/CPU_PERFORMANCE.md).
//
//===----------------------------------------------------------------------===//

#include "targets/cpu/Passes.h"

#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace tmc::cpu {
#define GEN_PASS_DEF_CPUAPPROXIMATEEXP
#include "targets/cpu/Passes.h.inc"
} // namespace tmc::cpu

using namespace mlir;

namespace {
struct CpuApproximateExp : public tmc::cpu::impl::CpuApproximateExpBase<CpuApproximateExp> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateMathPolynomialApproximationPatterns(
        patterns, [](StringRef name) { return name == math::ExpOp::getOperationName(); });
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};
} // namespace
