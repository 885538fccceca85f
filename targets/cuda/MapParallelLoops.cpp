//===- MapParallelLoops.cpp - loop nests become kernels ---------*- C++ -*-===//
//
// Upstream's `gpu-map-parallel-loops` maps loop dimensions one to one onto
// grid and block dimensions, which fails for rank-4 nests (attention's
// [batch, head, query, key]) and for block dimensions over 1024 threads.
// Linearizing instead serves every nest the linalg lowering makes: thread t
// of the launch runs iteration t of the row-major iteration space, so
// consecutive threads read consecutive elements of the innermost dimension.
//
//===----------------------------------------------------------------------===//

#include "targets/cuda/Passes.h"
#include "targets/linalg/ParallelIterations.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/IRMapping.h"

namespace tmc::cuda {
#define GEN_PASS_DEF_MAPPARALLELLOOPS
#include "targets/cuda/Passes.h.inc"
} // namespace tmc::cuda

using namespace mlir;

namespace {

/// Replaces `loop` (on the host) by a launch of ceil(total / blockSize)
/// blocks running one iteration per thread.
void launchLoop(scf::ParallelOp loop, int64_t blockSize) {
  OpBuilder b(loop);
  Location loc = loop.getLoc();
  tmc::lowering::CollapsedIterations iterations = tmc::lowering::collapseIterations(b, loc, loop);
  Value total = iterations.total;
  Value threads = arith::ConstantIndexOp::create(b, loc, blockSize);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  Value blocks = arith::CeilDivUIOp::create(b, loc, total, threads);
  auto launch = gpu::LaunchOp::create(b, loc, blocks, one, one, threads, one, one);

  Block &body = launch.getBody().front();
  b.setInsertionPointToStart(&body);
  Value first = arith::MulIOp::create(b, loc, launch.getBlockIds().x, threads);
  Value linear = arith::AddIOp::create(b, loc, first, launch.getThreadIds().x);
  Value inside = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, linear, total);
  auto guard = scf::IfOp::create(b, loc, inside, /*withElseRegion=*/false);
  gpu::TerminatorOp::create(b, loc);

  b.setInsertionPointToStart(guard.thenBlock());
  IRMapping mapping;
  mapping.map(loop.getInductionVars(),
              tmc::lowering::inductionValuesAt(b, loc, loop, iterations, linear));
  for (Operation &op : loop.getBody()->without_terminator())
    b.clone(op, mapping);
  loop.erase();
}

struct MapParallelLoops : public tmc::cuda::impl::MapParallelLoopsBase<MapParallelLoops> {
  using MapParallelLoopsBase::MapParallelLoopsBase;

  void runOnOperation() override {
    if (blockSize <= 0 || blockSize > 1024) {
      getOperation().emitError("block-size ") << blockSize.getValue() << " is not in [1, 1024]";
      return signalPassFailure();
    }
    SmallVector<scf::ParallelOp> outermost;
    WalkResult walk = getOperation().walk([&](scf::ParallelOp loop) {
      if (loop->getParentOfType<scf::ParallelOp>() || loop->getParentOfType<gpu::LaunchOp>())
        return WalkResult::advance();
      if (loop.getNumResults() != 0) {
        loop.emitOpError("with reductions has no CUDA mapping; the linalg lowering makes none");
        return WalkResult::interrupt();
      }
      outermost.push_back(loop);
      return WalkResult::advance();
    });
    if (walk.wasInterrupted())
      return signalPassFailure();
    for (scf::ParallelOp loop : outermost)
      launchLoop(loop, blockSize);
  }
};
} // namespace
