//===- FuseElementwise.cpp - elementwise chains meet in one kernel -*- C++ -*-===//

#include "ir/Tmc/TmcAttrs.h"
#include "targets/cuda/Passes.h"

#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace tmc::cuda {
#define GEN_PASS_DEF_CUDAFUSEELEMENTWISE
#include "targets/cuda/Passes.h.inc"
} // namespace tmc::cuda

using namespace mlir;

namespace {
struct CudaFuseElementwise
    : public tmc::cuda::impl::CudaFuseElementwiseBase<CudaFuseElementwise> {
  void runOnOperation() override {
    MLIRContext *context = &getContext();
    auto headContraction = tmc::tmcDialect(context)->getHeadContractionAttrHelper();
    // A producer with several uses would be recomputed in each consumer; a
    // marked contraction must stay whole to become a cuBLASLt call.
    linalg::ControlFusionFn control = [headContraction](OpOperand *fused) mutable {
      Operation *producer = fused->get().getDefiningOp();
      Operation *consumer = fused->getOwner();
      return producer && producer->hasOneUse() && !headContraction.isAttrPresent(consumer);
    };
    RewritePatternSet patterns(context);
    linalg::populateElementwiseOpsFusionPatterns(patterns, control);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};
} // namespace
