//===- WarpReductions.cpp - one warp per reduced row -------------*- C++ -*-===//
//
// convert-linalg-to-parallel-loops turns a reduction into a parallel loop
// over its rows with a serial loop inside, so one thread reads a whole row:
// a decode step's RMSNorm over 4096 values, or a softmax over 4096 cached
// positions, runs on a single thread. Here each row gets a warp instead:
// lane l combines elements l, l + 32, ... (consecutive lanes read
// consecutive elements), a butterfly of shuffles combines the 32 partial
// values, and lane 0 folds the result into the output's initial value.
//
//===----------------------------------------------------------------------===//

#include "targets/cuda/Passes.h"

#include "mlir/Analysis/SliceAnalysis.h"
#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/IRMapping.h"

namespace tmc::cuda {
#define GEN_PASS_DEF_WARPREDUCTIONS
#include "targets/cuda/Passes.h.inc"
} // namespace tmc::cuda

using namespace mlir;

namespace {

constexpr int64_t kWarpSize = 32;

/// The combining op of a single-output reduction `op` whose only reduction
/// dimension is its innermost loop, when the op can run a row per warp:
/// buffers, a 32-bit accumulator (what a shuffle moves), and a combiner
/// with a neutral element (the start of each lane's partial value).
Operation *warpCombiner(linalg::GenericOp op) {
  if (!op.hasPureBufferSemantics() || op.getNumDpsInits() != 1 || op.getNumLoops() < 1)
    return nullptr;
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  if (iterators.back() != utils::IteratorType::reduction ||
      llvm::count(iterators, utils::IteratorType::reduction) != 1)
    return nullptr;
  BlockArgument out = op.getRegionOutputArgs().front();
  if (!out.getType().isF32() && !out.getType().isInteger(32))
    return nullptr;
  SmallVector<Operation *> combiners;
  if (!matchReduction(op.getRegionOutputArgs(), 0, combiners) || combiners.size() != 1)
    return nullptr;
  Operation *combiner = combiners.front();
  if (combiner->getNumOperands() != 2 || !arith::getNeutralElement(combiner))
    return nullptr;
  return combiner;
}

/// `combiner` applied to (`lhs`, `rhs`): the reductions it matches are
/// commutative, so which operand was the accumulator does not matter.
Value combine(OpBuilder &b, Operation *combiner, Value lhs, Value rhs) {
  IRMapping mapping;
  mapping.map(combiner->getOperand(0), lhs);
  mapping.map(combiner->getOperand(1), rhs);
  return b.clone(*combiner, mapping)->getResult(0);
}

/// The indices `map` gives for the loop indices `ivs`.
SmallVector<Value> applyMap(OpBuilder &b, Location loc, AffineMap map, ValueRange ivs) {
  SmallVector<Value> indices;
  for (unsigned result = 0; result < map.getNumResults(); ++result)
    indices.push_back(affine::AffineApplyOp::create(b, loc, map.getSubMap({result}), ivs));
  return indices;
}

void lowerToWarps(linalg::GenericOp op, Operation *combiner, int64_t blockSize) {
  OpBuilder b(op);
  Location loc = op.getLoc();
  SmallVector<Value> sizes;
  for (Range range : cast<linalg::LinalgOp>(op.getOperation()).createLoopRanges(b, loc))
    sizes.push_back(getValueOrCreateConstantIndexOp(b, loc, range.size));
  Value rows = arith::ConstantIndexOp::create(b, loc, 1);
  for (Value size : ArrayRef(sizes).drop_back())
    rows = arith::MulIOp::create(b, loc, rows, size);
  Value length = sizes.back();

  int64_t warps = blockSize / kWarpSize;
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  Value threads = arith::ConstantIndexOp::create(b, loc, warps * kWarpSize);
  Value blocks =
      arith::CeilDivUIOp::create(b, loc, rows, arith::ConstantIndexOp::create(b, loc, warps));
  auto launch = gpu::LaunchOp::create(b, loc, blocks, one, one, threads, one, one);
  b.setInsertionPointToStart(&launch.getBody().front());
  Value warpSize = arith::ConstantIndexOp::create(b, loc, kWarpSize);
  Value lane = arith::RemUIOp::create(b, loc, launch.getThreadIds().x, warpSize);
  Value warp = arith::DivUIOp::create(b, loc, launch.getThreadIds().x, warpSize);
  Value row =
      arith::AddIOp::create(b, loc,
                            arith::MulIOp::create(b, loc, launch.getBlockIds().x,
                                                  arith::ConstantIndexOp::create(b, loc, warps)),
                            warp);
  // A row is a whole warp's, so every lane of a warp takes the same branch
  // and the shuffles below always see all 32.
  Value inside = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, row, rows);
  auto guard = scf::IfOp::create(b, loc, inside, /*withElseRegion=*/false);
  gpu::TerminatorOp::create(b, loc);

  b.setInsertionPointToStart(guard.thenBlock());
  // The row's loop indices, innermost fastest, as the loops would run.
  SmallVector<Value> ivs(sizes.size());
  Value rest = row;
  for (int64_t dim = static_cast<int64_t>(sizes.size()) - 2; dim >= 0; --dim) {
    ivs[dim] = dim == 0 ? rest : arith::RemUIOp::create(b, loc, rest, sizes[dim]);
    if (dim > 0)
      rest = arith::DivUIOp::create(b, loc, rest, sizes[dim]);
  }

  Value neutral = arith::ConstantOp::create(b, loc, *arith::getNeutralElement(combiner));
  auto strided = scf::ForOp::create(b, loc, lane, length, warpSize, ValueRange{neutral});
  {
    OpBuilder::InsertionGuard inLoop(b);
    b.setInsertionPointToStart(strided.getBody());
    ivs.back() = strided.getInductionVar();
    IRMapping mapping;
    for (OpOperand *input : op.getDpsInputOperands()) {
      Value value = input->get();
      AffineMap map = op.getMatchingIndexingMap(input);
      Value element = isa<MemRefType>(value.getType())
                          ? memref::LoadOp::create(b, loc, value, applyMap(b, loc, map, ivs))
                          : value;
      mapping.map(op.getMatchingBlockArgument(input), element);
    }
    mapping.map(op.getRegionOutputArgs().front(), strided.getRegionIterArgs().front());
    for (Operation &body : op.getBody()->without_terminator()) {
      if (auto index = dyn_cast<linalg::IndexOp>(body)) {
        mapping.map(index.getResult(), ivs[index.getDim()]);
        continue;
      }
      b.clone(body, mapping);
    }
    auto yield = cast<linalg::YieldOp>(op.getBody()->getTerminator());
    scf::YieldOp::create(b, loc, mapping.lookup(yield.getOperand(0)));
  }

  Value partial = strided.getResult(0);
  Value width = arith::ConstantIntOp::create(b, loc, kWarpSize, 32);
  for (int64_t offset = kWarpSize / 2; offset >= 1; offset /= 2) {
    Value distance = arith::ConstantIntOp::create(b, loc, offset, 32);
    Value other = gpu::ShuffleOp::create(b, loc, partial, distance, width, gpu::ShuffleMode::XOR)
                      .getShuffleResult();
    partial = combine(b, combiner, partial, other);
  }

  Value first = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, lane,
                                      arith::ConstantIndexOp::create(b, loc, 0));
  auto writer = scf::IfOp::create(b, loc, first, /*withElseRegion=*/false);
  b.setInsertionPointToStart(writer.thenBlock());
  OpOperand &init = op.getDpsInitsMutable()[0];
  // The output's map does not use the reduced dimension; any index does.
  ivs.back() = arith::ConstantIndexOp::create(b, loc, 0);
  SmallVector<Value> at = applyMap(b, loc, op.getMatchingIndexingMap(&init), ivs);
  Value initial = memref::LoadOp::create(b, loc, init.get(), at);
  memref::StoreOp::create(b, loc, combine(b, combiner, partial, initial), init.get(), at);
  op.erase();
}

struct WarpReductions : public tmc::cuda::impl::WarpReductionsBase<WarpReductions> {
  using WarpReductionsBase::WarpReductionsBase;

  void runOnOperation() override {
    if (blockSize < kWarpSize || blockSize > 1024 || blockSize % kWarpSize) {
      getOperation().emitError("block-size ")
          << blockSize.getValue() << " is not a multiple of 32 in [32, 1024]";
      return signalPassFailure();
    }
    SmallVector<std::pair<linalg::GenericOp, Operation *>> reductions;
    getOperation().walk([&](linalg::GenericOp op) {
      if (op->getParentOfType<gpu::LaunchOp>())
        return;
      if (Operation *combiner = warpCombiner(op))
        reductions.push_back({op, combiner});
    });
    for (auto [op, combiner] : reductions)
      lowerToWarps(op, combiner, blockSize);
  }
};
} // namespace
