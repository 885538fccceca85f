//===- KeepLastLogits.cpp - logits_to_keep=1 for decode ---------*- C++ -*-===//
//
// The decode entry's logits, [batch, new, vocab], are read at each row's
// last position only. The pass returns that position alone and pushes the
// slice up through the ops that made it, so the head and what feeds it run
// on one position instead of every prompt token.
//
//===----------------------------------------------------------------------===//

#include "ir/Tmc/TmcOps.h"
#include "passes/abi/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

namespace tmc {
#define GEN_PASS_DEF_KEEPLASTLOGITS
#include "passes/abi/Passes.h.inc"
} // namespace tmc

using namespace mlir;

namespace {
/// `type` with dimension `dim` of size 1.
RankedTensorType lastOf(RankedTensorType type, int64_t dim) {
  SmallVector<int64_t> shape(type.getShape());
  shape[dim] = 1;
  return type.clone(shape);
}

/// `value` at the last index of `dim` ([..., n, ...] -> [..., 1, ...]): the
/// op that made it, rebuilt on its operands' last index when the value has
/// no other user and the op computes each index of `dim` on its own; else a
/// tmc.slice. The ops it rebuilt go to `rebuilt`, producers first.
Value takeLast(OpBuilder &b, Value value, int64_t dim, SmallVectorImpl<Operation *> &rebuilt) {
  auto type = cast<RankedTensorType>(value.getType());
  if (type.getDimSize(dim) == 1)
    return value;
  Operation *op = value.getDefiningOp();
  auto slice = [&] {
    return tmc::SliceOp::create(b, value.getLoc(), lastOf(type, dim), value, dim, /*start=*/-1,
                                /*end=*/nullptr, /*step=*/1, /*path=*/nullptr)
        .getResult();
  };
  if (!op || !value.hasOneUse() || op->getNumResults() != 1)
    return slice();
  int64_t rank = type.getRank();
  // Which operands carry `dim` (the rest are weights, or broadcast along it).
  SmallVector<int64_t> operandDims(op->getNumOperands(), -1);
  if (isa<tmc::LinearOp>(op)) {
    if (dim == rank - 1)
      return slice();
    operandDims[0] = dim;
  } else if (isa<tmc::AddOp, tmc::SubOp, tmc::MulOp, tmc::DivOp>(op)) {
    for (auto [i, operand] : llvm::enumerate(op->getOperands())) {
      auto operandType = cast<RankedTensorType>(operand.getType());
      int64_t aligned = dim - (rank - operandType.getRank());
      if (aligned >= 0 && operandType.getDimSize(aligned) != 1)
        operandDims[i] = aligned;
    }
  } else if (isa<tmc::NegOp, tmc::ExpOp, tmc::TanhOp, tmc::RsqrtOp, tmc::SigmoidOp, tmc::ReluOp,
                 tmc::SiluOp, tmc::GeluOp, tmc::GeluTanhOp, tmc::PowOp, tmc::CastOp>(op)) {
    operandDims[0] = dim;
  } else if (isa<tmc::SumOp, tmc::MeanOp, tmc::MaxOp>(op)) {
    // With keepdim the dims line up; the reduction must not cross `dim`.
    bool keepdim = op->hasAttr("keepdim");
    auto dims = op->getAttrOfType<DenseI64ArrayAttr>("dims").asArrayRef();
    bool crosses = llvm::any_of(dims, [&](int64_t d) { return (d < 0 ? d + rank : d) == dim; });
    if (!keepdim || crosses)
      return slice();
    operandDims[0] = dim;
  } else {
    return slice();
  }
  // The operands' last index first, then the op on them, all before `op`.
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(op);
  SmallVector<Value> operands(op->getOperands());
  for (auto [i, operandDim] : llvm::enumerate(operandDims))
    if (operandDim >= 0)
      operands[i] = takeLast(b, operands[i], operandDim, rebuilt);
  rebuilt.push_back(op);
  Operation *last = b.clone(*op);
  last->setOperands(operands);
  last->getResult(0).setType(lastOf(type, dim));
  return last->getResult(0);
}

struct KeepLastLogits : public tmc::impl::KeepLastLogitsBase<KeepLastLogits> {
  void runOnOperation() override {
    tmc::TmcDialect *tmc = tmc::tmcDialect(&getContext());
    for (auto func : getOperation().getOps<func::FuncOp>()) {
      if (func.isDeclaration() || !tmc->getMaxSeqLenAttrHelper().getAttr(func))
        continue;
      auto ret = cast<func::ReturnOp>(func.getBody().back().getTerminator());
      auto logits = dyn_cast<RankedTensorType>(ret.getOperand(0).getType());
      if (!logits || logits.getRank() != 3) {
        func.emitOpError("the decode entry's first result must be logits [batch, new, vocab]");
        return signalPassFailure();
      }
      OpBuilder b(ret);
      SmallVector<Operation *> rebuilt;
      ret.setOperand(0, takeLast(b, ret.getOperand(0), /*dim=*/1, rebuilt));
      // The whole-sequence ops are dead now (each had one user, in the chain).
      for (Operation *op : llvm::reverse(rebuilt))
        if (op->use_empty())
          op->erase();
      func.setType(FunctionType::get(&getContext(), func.getArgumentTypes(),
                                     ret.getOperandTypes()));
    }
  }
};
} // namespace
