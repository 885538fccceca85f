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
  // The softmax runs in f32 whatever the scores' type, as transformers'
  // softmax(dtype=torch.float32) does; the weights are rounded back to it.
  Type f32 = b.getF32Type();
  Value scores = AttentionShape::withElements(b, loc, masked, f32);
  auto scoresType = cast<RankedTensorType>(scores.getType());
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, scores);
  Value max = reduceKeepDims(b, loc, scores, lastOf4(), b.getFloatAttr(f32, kNegInf), maxOf);
  Value exp = elementwise(b, loc, scoresType, sizes, {scores, max},
                          [](OpBuilder &nb, Location l, ValueRange args) {
                            return AttentionShape::expShifted(nb, l, args[0], args[1]);
                          });
  Value sum = reduceKeepDims(b, loc, exp, lastOf4(), b.getFloatAttr(f32, 0.0), sumOf);
  Value probs = elementwise(b, loc, scoresType.clone(t), sizes, {exp, sum},
                            [t](OpBuilder &nb, Location l, ValueRange args) {
                              return convertFloat(
                                  nb, l, AttentionShape::safeDivide(nb, l, args[0], args[1]), t);
                            });
  return shape.weightedValues(b, probs, op.getValue());
}

} // namespace tmc::lowering
