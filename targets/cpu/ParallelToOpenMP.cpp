//===- ParallelToOpenMP.cpp - parallel loops as one OpenMP region each ----===//
//
// Upstream convert-scf-to-openmp makes each scf.parallel an omp.parallel
// around an omp.wsloop: per region, every thread calls
// __kmpc_for_static_init for its share of the iterations, then waits at the
// loop's barrier, then at the region's join. Debian's libomp is built with
// KMP_DEBUG, so each of those calls also formats its trace message, which is
// then not printed (snprintf on every call: 4-5% of a SmolLM2 int8 decode
// step). This pass gives each thread its share directly: the iterations,
// collapsed into one range, split into as many contiguous parts as the
// region has threads as libomp's static schedule splits them (the first
// total % threads parts one longer), each thread's part a plain scf.for;
// the region's join is the only barrier. Loops with reductions are left to
// the upstream pass; parallel loops inside a converted one run sequentially
// on its thread, as libomp runs nested regions.
//
//===----------------------------------------------------------------------===//

#include "targets/cpu/Passes.h"
#include "targets/cpu/RuntimeCalls.h"
#include "targets/linalg/ParallelIterations.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/OpenMP/OpenMPDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/IRMapping.h"

namespace tmc::cpu {
#define GEN_PASS_DEF_CPUPARALLELTOOPENMP
#include "targets/cpu/Passes.h.inc"
} // namespace tmc::cpu

using namespace mlir;

namespace {

/// The body of `parallel` (its terminator left out) at `ivs`, cloned at the
/// builder's insertion point.
void cloneBody(OpBuilder &b, scf::ParallelOp parallel, ValueRange ivs) {
  IRMapping mapping;
  mapping.map(parallel.getInductionVars(), ivs);
  for (Operation &op : parallel.getBody()->without_terminator())
    b.clone(op, mapping);
}

/// `parallel` (no results) as nested scf.for loops, innermost last.
void makeSequential(scf::ParallelOp parallel) {
  OpBuilder b(parallel);
  Location loc = parallel.getLoc();
  SmallVector<Value> ivs;
  std::function<void(OpBuilder &, unsigned)> nest = [&](OpBuilder &nb, unsigned dim) {
    if (dim == parallel.getNumLoops()) {
      cloneBody(nb, parallel, ivs);
      return;
    }
    scf::ForOp::create(nb, loc, parallel.getLowerBound()[dim], parallel.getUpperBound()[dim],
                       parallel.getStep()[dim], ValueRange{},
                       [&](OpBuilder &ib, Location il, Value iv, ValueRange) {
                         ivs.push_back(iv);
                         nest(ib, dim + 1);
                         ivs.pop_back();
                         scf::YieldOp::create(ib, il);
                       });
  };
  nest(b, 0);
  parallel.erase();
}

/// `parallel` as one omp.parallel whose threads each run a contiguous part
/// of its collapsed iterations.
void convert(scf::ParallelOp parallel, ModuleOp module) {
  OpBuilder b(parallel);
  Location loc = parallel.getLoc();
  tmc::lowering::CollapsedIterations iterations =
      tmc::lowering::collapseIterations(b, loc, parallel);
  Value total = iterations.total;
  auto region = omp::ParallelOp::create(b, loc);
  b.createBlock(&region.getRegion());
  Value thread = tmc::cpu::openmpQuery(b, loc, module, "omp_get_thread_num");
  Value threads = tmc::cpu::openmpQuery(b, loc, module, "omp_get_num_threads");
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  Value each = arith::DivUIOp::create(b, loc, total, threads);
  Value longer = arith::RemUIOp::create(b, loc, total, threads);
  Value first = arith::AddIOp::create(b, loc, arith::MulIOp::create(b, loc, thread, each),
                                      arith::MinUIOp::create(b, loc, thread, longer));
  Value isLonger = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, thread, longer);
  Value count = arith::AddIOp::create(
      b, loc, each,
      arith::SelectOp::create(b, loc, isLonger, one, arith::ConstantIndexOp::create(b, loc, 0)));
  Value last = arith::AddIOp::create(b, loc, first, count);
  scf::ForOp::create(
      b, loc, first, last, one, ValueRange{},
      [&](OpBuilder &fb, Location fl, Value flat, ValueRange) {
        // As upstream: each iteration's stack allocations are freed at its end
        // (tmc-cpu-inline-alloca-scopes removes the scopes that have none).
        auto scope = memref::AllocaScopeOp::create(fb, fl, TypeRange{});
        OpBuilder sb = OpBuilder::atBlockBegin(&scope.getBodyRegion().emplaceBlock());
        cloneBody(sb, parallel,
                  tmc::lowering::inductionValuesAt(sb, fl, parallel, iterations, flat));
        memref::AllocaScopeReturnOp::create(sb, fl, ValueRange{});
        scf::YieldOp::create(fb, fl);
      });
  omp::TerminatorOp::create(b, loc);
  // Parallel loops the body held now run on this thread.
  SmallVector<scf::ParallelOp> nested;
  region.walk([&](scf::ParallelOp inner) { nested.push_back(inner); });
  // Post-order: the innermost first, so each is gone before its parent's
  // body is cloned.
  for (scf::ParallelOp inner : nested)
    if (inner.getNumResults() == 0)
      makeSequential(inner);
  parallel.erase();
}

struct CpuParallelToOpenMP : public tmc::cpu::impl::CpuParallelToOpenMPBase<CpuParallelToOpenMP> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<scf::ParallelOp> outermost;
    module.walk([&](scf::ParallelOp parallel) {
      if (parallel.getNumResults() == 0 && !parallel->getParentOfType<scf::ParallelOp>() &&
          !parallel->getParentOfType<omp::ParallelOp>())
        outermost.push_back(parallel);
    });
    for (scf::ParallelOp parallel : outermost)
      convert(parallel, module);
  }
};
} // namespace
