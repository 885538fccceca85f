//===- Normalization.cpp - softmax, reductions ------------------*- C++ -*-===//
//
// Everything that reduces: sum/mean/max and softmax. A reduction keeps its
// reduced dims as size 1 so the normalizing step reads the statistic through a
// broadcast map, then `keepdim=False` collapses them.
//
//===----------------------------------------------------------------------===//

#include "ir/Tmc/TmcOps.h"
#include "passes/conversion/TmcToLinalg/Utils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include "llvm/ADT/SmallBitVector.h"

#include <limits>

using namespace mlir;

namespace tmc {
namespace {

llvm::SmallBitVector dimsToBits(ArrayRef<int64_t> dims, int64_t rank) {
  llvm::SmallBitVector bits(rank);
  for (int64_t dim : dims)
    bits.set(dim < 0 ? dim + rank : dim);
  return bits;
}

Value addF(OpBuilder &b, Location loc, ValueRange args) {
  return arith::AddFOp::create(b, loc, args[0], args[1]);
}

Value maxF(OpBuilder &b, Location loc, ValueRange args) {
  return arith::MaximumFOp::create(b, loc, args[0], args[1]);
}

TypedAttr zero(OpBuilder &b, Type type) { return b.getFloatAttr(type, 0.0); }

TypedAttr negInfinity(OpBuilder &b, Type type) {
  return b.getFloatAttr(type, -std::numeric_limits<double>::infinity());
}

/// sum, mean and max: reduce with keepdim, divide for the mean, then drop
/// the unit dims unless keepdim was asked for.
template <typename OpTy>
struct ReductionToGeneric : OpRewritePattern<OpTy> {
  using OpRewritePattern<OpTy>::OpRewritePattern;
  LogicalResult matchAndRewrite(OpTy op, PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value input = op.getInput();
    auto inputType = cast<RankedTensorType>(input.getType());
    Type elementType = inputType.getElementType();
    llvm::SmallBitVector reduced = dimsToBits(op.getDims(), inputType.getRank());
    bool isMax = std::is_same_v<OpTy, MaxOp>;
    Value result = reduceKeepDims(
        rewriter, loc, input, reduced,
        isMax ? negInfinity(rewriter, elementType) : zero(rewriter, elementType),
        isMax ? maxF : addF);
    if (std::is_same_v<OpTy, MeanOp>) {
      Value count = elementCount(rewriter, loc, input, reduced, elementType);
      auto type = cast<RankedTensorType>(result.getType());
      result = elementwise(rewriter, loc, type,
                           tensor::getMixedSizes(rewriter, loc, result), result,
                           [&](OpBuilder &b, Location l, ValueRange args) -> Value {
                             return arith::DivFOp::create(b, l, args[0], count);
                           });
    }
    if (!op.getKeepdim())
      result = dropUnitDims(rewriter, loc, result, reduced);
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct SoftmaxToGeneric : OpRewritePattern<SoftmaxOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(SoftmaxOp op, PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = op.getType();
    llvm::SmallBitVector dim = dimsToBits(op.getDim(), type.getRank());
    Type elementType = type.getElementType();
    SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(rewriter, loc, op.getInput());
    Value max = reduceKeepDims(rewriter, loc, op.getInput(), dim,
                               negInfinity(rewriter, elementType), maxF);
    Value exp = elementwise(rewriter, loc, type, sizes, {op.getInput(), max},
                            [](OpBuilder &b, Location l, ValueRange args) -> Value {
                              return math::ExpOp::create(
                                  b, l, arith::SubFOp::create(b, l, args[0], args[1]));
                            });
    Value sum = reduceKeepDims(rewriter, loc, exp, dim, zero(rewriter, elementType), addF);
    Value result = elementwise(rewriter, loc, type, sizes, {exp, sum},
                               [](OpBuilder &b, Location l, ValueRange args) -> Value {
                                 return arith::DivFOp::create(b, l, args[0], args[1]);
                               });
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void populateNormalizationPatterns(RewritePatternSet &patterns) {
  patterns.add<ReductionToGeneric<SumOp>, ReductionToGeneric<MeanOp>,
               ReductionToGeneric<MaxOp>, SoftmaxToGeneric>(patterns.getContext());
}

} // namespace tmc
