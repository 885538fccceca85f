//===- TmcToLinalg.cpp - the convert-tmc-to-linalg pass ---------*- C++ -*-===//
//
// Applies every op family's patterns; any tmc op left afterwards (other than
// the weight ops) is an error naming the op, so a missing lowering never
// reaches LLVM silently.
//
//===----------------------------------------------------------------------===//

#include "ir/Tmc/TmcOps.h"
#include "passes/conversion/Passes.h"
#include "passes/conversion/TmcToLinalg/Utils.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Transforms/DialectConversion.h"

namespace tmc {
#define GEN_PASS_DEF_CONVERTTMCTOLINALG
#include "passes/conversion/Passes.h.inc"
} // namespace tmc

using namespace mlir;

namespace {
struct ConvertTmcToLinalg
    : public tmc::impl::ConvertTmcToLinalgBase<ConvertTmcToLinalg> {
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    // Attention is the target's to lower (its backends differ per target);
    // say so rather than report the op as merely illegal.
    WalkResult attention = getOperation().walk([](tmc::AttentionOp op) {
      op.emitOpError("is lowered by the target's attention pass (tmc-cpu-lower-attention "
                     "for the CPU), which must run before convert-tmc-to-linalg");
      return WalkResult::interrupt();
    });
    if (attention.wasInterrupted())
      return signalPassFailure();
    RewritePatternSet patterns(ctx);
    tmc::populateElementwisePatterns(patterns);
    tmc::populateNormalizationPatterns(patterns);
    tmc::populateContractionPatterns(patterns);
    tmc::populateRopePatterns(patterns);
    tmc::populateShapePatterns(patterns);
    tmc::populateStoredWeightPatterns(patterns);

    ConversionTarget target(*ctx);
    target.addLegalDialect<arith::ArithDialect, linalg::LinalgDialect, math::MathDialect,
                           scf::SCFDialect, tensor::TensorDialect, func::FuncDialect>();
    target.addIllegalDialect<tmc::TmcDialect>();
    target.addLegalOp<tmc::ParamOp, tmc::GetParamOp>();
    // Decodes that linears and embeddings read in place stay until those are
    // lowered, then go unused.
    target.addDynamicallyLegalOp<tmc::DequantizeOp, tmc::CastOp>(
        [](Operation *op) { return tmc::readsWeightInPlace(op) || op->use_empty(); });
    target.markUnknownOpDynamicallyLegal([](Operation *) { return true; });
    if (failed(applyPartialConversion(getOperation(), target, std::move(patterns))))
      return signalPassFailure();
    getOperation().walk([](Operation *op) {
      if (isa<tmc::DequantizeOp, tmc::CastOp>(op) && op->use_empty())
        op->erase();
    });
  }
};
} // namespace
