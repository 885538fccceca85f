//===- ReductionLoops.cpp - row reductions and updates in registers -*- C++ -*-===//
//
// convert-linalg-to-loops lowers a reduction's innermost loop into a load,
// the combiner and a store of the output element per iteration. LLVM cannot
// keep that element in a register (the output may alias the inputs, for all
// it knows) nor reorder a float sum, so a softmax's row sum or a norm's mean
// of squares stays a scalar chain through memory (5% of an int8 prefill's
// samples for the softmax sums alone). Here such a reduction's innermost
// loop carries the element in an scf.for iteration argument and its float
// combiner may be reassociated, which LLVM's loop vectorizer turns into 16
// partial sums.
//
// An elementwise step over rows that reads a per-row value (the exp of each
// score less its row's max) has the same problem: its innermost loop loads
// the row value on every iteration, LLVM cannot hoist it past the stores of
// the row, and the loop stays scalar. Here the value is loaded once before
// the loop.
//
//===----------------------------------------------------------------------===//

#include "targets/cpu/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Affine/Utils.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Utils/Utils.h"
#include "mlir/IR/IRMapping.h"

namespace tmc::cpu {
#define GEN_PASS_DEF_CPUREDUCTIONLOOPS
#include "targets/cpu/Passes.h.inc"
} // namespace tmc::cpu

using namespace mlir;

namespace {

/// A generic on buffers with one output whose loops are all parallel but
/// the innermost, a reduction the output does not index, and which reads
/// its output element only as it accumulates.
bool isRowReduction(linalg::GenericOp op) {
  if (!op.hasPureBufferSemantics() || op.getNumDpsInits() != 1 || op.getNumLoops() == 0)
    return false;
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  if (!linalg::isReductionIterator(iterators.back()) ||
      !llvm::all_of(ArrayRef(iterators).drop_back(), linalg::isParallelIterator))
    return false;
  OpOperand *init = op.getDpsInitOperand(0);
  unsigned innermost = op.getNumLoops() - 1;
  if (op.getMatchingIndexingMap(init).isFunctionOfDim(innermost) ||
      !op.getMatchingBlockArgument(init).hasOneUse())
    return false;
  // An output that is also an input would be read as it is written.
  return llvm::none_of(op.getDpsInputs(), [&](Value in) { return in == init->get(); });
}

/// Whether `input` of `op` is a buffer its innermost loop does not index: a
/// value per row (a softmax's row max, a norm's scale).
bool isRowValue(linalg::GenericOp op, OpOperand *input) {
  return isa<MemRefType>(input->get().getType()) &&
         !op.getMatchingIndexingMap(input).isFunctionOfDim(op.getNumLoops() - 1);
}

/// A generic on buffers with one output whose loops are all parallel, the
/// output indexed by the innermost, and which reads a row value.
bool isRowUpdate(linalg::GenericOp op) {
  if (!op.hasPureBufferSemantics() || op.getNumDpsInits() != 1 || op.getNumLoops() == 0 ||
      !llvm::all_of(op.getIteratorTypesArray(), linalg::isParallelIterator))
    return false;
  OpOperand *init = op.getDpsInitOperand(0);
  unsigned innermost = op.getNumLoops() - 1;
  if (!op.getMatchingIndexingMap(init).isFunctionOfDim(innermost))
    return false;
  return llvm::any_of(op.getDpsInputOperands(),
                      [&](OpOperand *input) { return isRowValue(op, input); }) &&
         llvm::none_of(op.getDpsInputs(), [&](Value in) { return in == init->get(); });
}

/// The loops of `op` but the innermost (bounds for scf::buildLoopNest), and
/// the innermost's range.
struct RowLoops {
  RowLoops(OpBuilder &b, Location loc, linalg::GenericOp op) {
    SmallVector<Range> ranges = cast<linalg::LinalgOp>(op.getOperation()).createLoopRanges(b, loc);
    for (const Range &range : ArrayRef(ranges).drop_back()) {
      lbs.push_back(getValueOrCreateConstantIndexOp(b, loc, range.offset));
      ubs.push_back(getValueOrCreateConstantIndexOp(b, loc, range.size));
      steps.push_back(getValueOrCreateConstantIndexOp(b, loc, range.stride));
    }
    inner = ranges.back();
  }
  SmallVector<Value> lbs, ubs, steps;
  Range inner;
};

/// The indices of `map` at the loop indices `ivs`.
SmallVector<Value> indicesAt(OpBuilder &b, Location loc, AffineMap map, ValueRange ivs) {
  return *affine::expandAffineMap(b, loc, map, ivs);
}

/// Maps the block argument of each input of `op` that `take` selects to its
/// element at the loop indices `ivs` (a load, or the scalar itself).
void mapInputs(OpBuilder &b, Location loc, linalg::GenericOp op, ValueRange ivs, IRMapping &map,
               function_ref<bool(OpOperand *)> take) {
  for (OpOperand *input : op.getDpsInputOperands()) {
    if (!take(input))
      continue;
    Value element =
        isa<MemRefType>(input->get().getType())
            ? memref::LoadOp::create(b, loc, input->get(),
                                     indicesAt(b, loc, op.getMatchingIndexingMap(input), ivs))
                  .getResult()
            : input->get();
    map.map(op.getMatchingBlockArgument(input), element);
  }
}

void lowerRowReduction(linalg::GenericOp op) {
  OpBuilder b(op);
  Location loc = op.getLoc();
  RowLoops loops(b, loc, op);
  const Range &inner = loops.inner;
  OpOperand *init = op.getDpsInitOperand(0);
  Block &body = op.getRegion().front();
  auto yield = cast<linalg::YieldOp>(body.getTerminator());
  scf::buildLoopNest(
      b, loc, loops.lbs, loops.ubs, loops.steps, [&](OpBuilder &nb, Location l, ValueRange outer) {
        SmallVector<Value> all(outer);
        all.push_back(getValueOrCreateConstantIndexOp(nb, l, inner.offset));
        SmallVector<Value> at = indicesAt(nb, l, op.getMatchingIndexingMap(init), all);
        Value start = memref::LoadOp::create(nb, l, init->get(), at);
        auto loop = scf::ForOp::create(
            nb, l, getValueOrCreateConstantIndexOp(nb, l, inner.offset),
            getValueOrCreateConstantIndexOp(nb, l, inner.size),
            getValueOrCreateConstantIndexOp(nb, l, inner.stride), ValueRange{start},
            [&](OpBuilder &kb, Location kl, Value k, ValueRange acc) {
              all.back() = k;
              IRMapping map;
              mapInputs(kb, kl, op, all, map, [](OpOperand *) { return true; });
              map.map(op.getMatchingBlockArgument(init), acc[0]);
              for (Operation &inside : body.without_terminator()) {
                if (auto index = dyn_cast<linalg::IndexOp>(inside)) {
                  map.map(index.getResult(), all[index.getDim()]);
                  continue;
                }
                Operation *copy = kb.clone(inside, map);
                // The combiner of the accumulator may reassociate: partial sums.
                if (llvm::is_contained(inside.getOperands(), op.getMatchingBlockArgument(init)))
                  if (auto fastmath = dyn_cast<arith::ArithFastMathInterface>(copy))
                    copy->setAttr(fastmath.getFastMathAttrName(),
                                  arith::FastMathFlagsAttr::get(
                                      kb.getContext(), fastmath.getFastMathFlagsAttr().getValue() |
                                                           arith::FastMathFlags::reassoc));
              }
              scf::YieldOp::create(kb, kl, map.lookupOrDefault(yield.getOperand(0)));
            });
        memref::StoreOp::create(nb, l, loop.getResult(0), init->get(), at);
      });
  op.erase();
}

/// Loops whose innermost reads the row values once, before it: LLVM could
/// not hoist their loads past the stores of the row (they may alias, for all
/// it knows), and with them inside it does not vectorize the loop (the
/// softmax's exp over each row of scores stayed scalar).
void lowerRowUpdate(linalg::GenericOp op) {
  OpBuilder b(op);
  Location loc = op.getLoc();
  RowLoops loops(b, loc, op);
  const Range &inner = loops.inner;
  OpOperand *init = op.getDpsInitOperand(0);
  Block &body = op.getRegion().front();
  auto yield = cast<linalg::YieldOp>(body.getTerminator());
  auto rowValue = [&](OpOperand *input) { return isRowValue(op, input); };
  scf::buildLoopNest(
      b, loc, loops.lbs, loops.ubs, loops.steps, [&](OpBuilder &nb, Location l, ValueRange outer) {
        SmallVector<Value> all(outer);
        all.push_back(getValueOrCreateConstantIndexOp(nb, l, inner.offset));
        IRMapping rowValues;
        mapInputs(nb, l, op, all, rowValues, rowValue);
        scf::ForOp::create(
            nb, l, getValueOrCreateConstantIndexOp(nb, l, inner.offset),
            getValueOrCreateConstantIndexOp(nb, l, inner.size),
            getValueOrCreateConstantIndexOp(nb, l, inner.stride), ValueRange{},
            [&](OpBuilder &kb, Location kl, Value k, ValueRange) {
              all.back() = k;
              IRMapping map = rowValues;
              mapInputs(kb, kl, op, all, map, [&](OpOperand *input) { return !rowValue(input); });
              SmallVector<Value> at = indicesAt(kb, kl, op.getMatchingIndexingMap(init), all);
              if (!op.getMatchingBlockArgument(init).use_empty())
                map.map(op.getMatchingBlockArgument(init),
                        memref::LoadOp::create(kb, kl, init->get(), at).getResult());
              for (Operation &inside : body.without_terminator()) {
                if (auto index = dyn_cast<linalg::IndexOp>(inside)) {
                  map.map(index.getResult(), all[index.getDim()]);
                  continue;
                }
                kb.clone(inside, map);
              }
              memref::StoreOp::create(kb, kl, map.lookupOrDefault(yield.getOperand(0)), init->get(),
                                      at);
              scf::YieldOp::create(kb, kl);
            });
      });
  op.erase();
}

struct CpuReductionLoops : public tmc::cpu::impl::CpuReductionLoopsBase<CpuReductionLoops> {
  void runOnOperation() override {
    SmallVector<linalg::GenericOp> reductions, updates;
    getOperation().walk([&](linalg::GenericOp op) {
      if (isRowReduction(op))
        reductions.push_back(op);
      else if (isRowUpdate(op))
        updates.push_back(op);
    });
    for (linalg::GenericOp op : reductions)
      lowerRowReduction(op);
    for (linalg::GenericOp op : updates)
      lowerRowUpdate(op);
  }
};
} // namespace
