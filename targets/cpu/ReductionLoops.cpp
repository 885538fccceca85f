//===- ReductionLoops.cpp - row reductions in registers ---------*- C++ -*-===//
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

/// The indices of `map` at the loop indices `ivs`.
SmallVector<Value> indicesAt(OpBuilder &b, Location loc, AffineMap map, ValueRange ivs) {
  return *affine::expandAffineMap(b, loc, map, ivs);
}

void lowerRowReduction(linalg::GenericOp op) {
  OpBuilder b(op);
  Location loc = op.getLoc();
  SmallVector<Range> ranges = cast<linalg::LinalgOp>(op.getOperation()).createLoopRanges(b, loc);
  auto values = [&](auto member) {
    return llvm::map_to_vector(ArrayRef(ranges).drop_back(), [&](const Range &range) {
      return getValueOrCreateConstantIndexOp(b, loc, member(range));
    });
  };
  SmallVector<Value> lbs = values([](const Range &r) { return r.offset; });
  SmallVector<Value> ubs = values([](const Range &r) { return r.size; });
  SmallVector<Value> steps = values([](const Range &r) { return r.stride; });
  const Range &inner = ranges.back();
  OpOperand *init = op.getDpsInitOperand(0);
  Block &body = op.getRegion().front();
  auto yield = cast<linalg::YieldOp>(body.getTerminator());
  scf::buildLoopNest(b, loc, lbs, ubs, steps, [&](OpBuilder &nb, Location l, ValueRange outer) {
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
          for (OpOperand *input : op.getDpsInputOperands()) {
            Value element = isa<MemRefType>(input->get().getType())
                                ? memref::LoadOp::create(
                                      kb, kl, input->get(),
                                      indicesAt(kb, kl, op.getMatchingIndexingMap(input), all))
                                      .getResult()
                                : input->get();
            map.map(op.getMatchingBlockArgument(input), element);
          }
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

struct CpuReductionLoops : public tmc::cpu::impl::CpuReductionLoopsBase<CpuReductionLoops> {
  void runOnOperation() override {
    SmallVector<linalg::GenericOp> reductions;
    getOperation().walk([&](linalg::GenericOp op) {
      if (isRowReduction(op))
        reductions.push_back(op);
    });
    for (linalg::GenericOp op : reductions)
      lowerRowReduction(op);
  }
};
} // namespace
