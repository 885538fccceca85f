//===- EagerAttention.cpp - eager attention as linalg -----------*- C++ -*-===//
//
// Scores for all keys, mask, softmax, weighted sum: the semantics every
// backend must match. Materializes [seq_q, seq_kv] scores per head.
//
//===----------------------------------------------------------------------===//

#include "targets/linalg/attention/AttentionShape.h"

#include "passes/conversion/TmcToLinalg/Utils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;

namespace tmc::lowering {

Value lowerEagerAttention(OpBuilder &b, AttentionOp op) {
  AttentionShape shape(b, op);
  Location loc = op.getLoc();
  Type t = shape.elementType;
  Value zeroIndex = arith::ConstantIndexOp::create(b, loc, 0);
  Value masked = shape.maskedScores(b, op.getKey(), op.getKeyMask(), zeroIndex, shape.seqKv);
  auto scoresType = cast<RankedTensorType>(masked.getType());
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, masked);
  Value max = reduceKeepDims(b, loc, masked, lastOf4(), b.getFloatAttr(t, kNegInf), maxOf);
  Value exp = elementwise(b, loc, scoresType, sizes, {masked, max},
                          [](OpBuilder &nb, Location l, ValueRange args) {
                            return AttentionShape::expShifted(nb, l, args[0], args[1]);
                          });
  Value sum = reduceKeepDims(b, loc, exp, lastOf4(), b.getFloatAttr(t, 0.0), sumOf);
  Value probs = elementwise(b, loc, scoresType, sizes, {exp, sum},
                            [](OpBuilder &nb, Location l, ValueRange args) {
                              return AttentionShape::safeDivide(nb, l, args[0], args[1]);
                            });
  return shape.weightedValues(b, probs, op.getValue());
}

} // namespace tmc::lowering
