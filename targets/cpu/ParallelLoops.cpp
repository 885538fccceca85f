//===- ParallelLoops.cpp - large linalg ops across the cores ----*- C++ -*-===//
//
// Products run on all cores (OpenBLAS on the OpenMP threads, the kernels of
// tmc-cpu-block-products in scf.parallel), but the ops between them, norms,
// rotary, softmax, activations and copies, were sequential loops: in a
// 2-thread prompt of SmolLM2 the second core idled through half of the time
// (docs/CPU_PERFORMANCE.md). Here each one large enough becomes an
// scf.parallel over its parallel loops.
//
//===----------------------------------------------------------------------===//

#include "targets/cpu/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/OpenMP/OpenMPDialect.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/PatternMatch.h"

namespace tmc::cpu {
#define GEN_PASS_DEF_CPUPARALLELLOOPS
#include "targets/cpu/Passes.h.inc"
} // namespace tmc::cpu

using namespace mlir;

namespace {

/// Whether `op` may run its outermost loops in parallel: on buffers, its
/// first loop parallel (a leading reduction would fork inside each of its
/// iterations), and not already inside a parallel loop.
bool parallelizable(linalg::LinalgOp op) {
  if (!op.hasPureBufferSemantics() || op.getNumLoops() == 0 ||
      !linalg::isParallelIterator(op.getIteratorTypesArray().front()))
    return false;
  return !op->getParentOfType<scf::ParallelOp>() && !op->getParentOfType<omp::ParallelOp>();
}

/// Tiles `op` into an scf.parallel over its leading parallel loops, one
/// iteration per index (a 1-D op: per 1024), leaving the innermost loop and
/// the reductions to a sequential op inside that LLVM can vectorize. (All of
/// the op's loops in one scf.parallel made the generated code 2.2x slower on
/// one thread: OpenMP's collapsed loop recomputes every index per element.)
LogicalResult tileAcrossCores(RewriterBase &rewriter, linalg::LinalgOp op) {
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  SmallVector<int64_t> sizes(iterators.size(), 0);
  if (iterators.size() == 1)
    sizes[0] = 1024;
  for (size_t i = 0; i + 1 < iterators.size() && linalg::isParallelIterator(iterators[i]); ++i)
    sizes[i] = 1;
  FailureOr<linalg::TiledLinalgOp> tiled =
      linalg::tileLinalgOp(rewriter, op,
                           linalg::LinalgTilingOptions().setTileSizes(sizes).setLoopType(
                               linalg::LinalgTilingLoopType::ParallelLoops));
  if (failed(tiled))
    return op.emitOpError("cannot be split across the cores");
  rewriter.eraseOp(op);
  return success();
}

struct CpuParallelLoops : public tmc::cpu::impl::CpuParallelLoopsBase<CpuParallelLoops> {
  using Base::Base;

  void runOnOperation() override {
    SmallVector<linalg::LinalgOp> ops;
    getOperation().walk([&](linalg::LinalgOp op) {
      if (parallelizable(op))
        ops.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    for (linalg::LinalgOp op : ops) {
      rewriter.setInsertionPoint(op);
      Location loc = op.getLoc();
      // The iteration count: the product of the loop ranges.
      AffineMap shapes = op.getShapesToLoopsMap();
      if (!shapes)
        continue;
      SmallVector<OpFoldResult> sizes = affine::makeComposedFoldedMultiResultAffineApply(
          rewriter, loc, shapes, op.createFlatListOfOperandDims(rewriter, loc));
      int64_t known = 1;
      Value count;
      for (OpFoldResult size : sizes) {
        if (std::optional<int64_t> constant = getConstantIntValue(size)) {
          known *= *constant;
          continue;
        }
        Value value = getValueOrCreateConstantIndexOp(rewriter, loc, size);
        count = count ? arith::MulIOp::create(rewriter, loc, count, value).getResult() : value;
      }
      if (!count) {
        if (known >= minIterations && failed(tileAcrossCores(rewriter, op)))
          return signalPassFailure();
        continue;
      }
      if (known != 1)
        count = arith::MulIOp::create(rewriter, loc, count,
                                      arith::ConstantIndexOp::create(rewriter, loc, known));
      Value large =
          arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::uge, count,
                                arith::ConstantIndexOp::create(rewriter, loc, minIterations));
      auto choice = scf::IfOp::create(rewriter, loc, large, /*withElseRegion=*/true);
      rewriter.setInsertionPointToStart(choice.thenBlock());
      if (failed(tileAcrossCores(rewriter, cast<linalg::LinalgOp>(rewriter.clone(*op)))))
        return signalPassFailure();
      rewriter.moveOpBefore(op, choice.elseBlock()->getTerminator());
    }
  }
};
} // namespace
