//===- SdpaAttention.cpp - fused attention as linalg ------------*- C++ -*-===//
//
// The eager math over blocks of keys with an online softmax: a running max and
// sum rescale the partial output, so no more than [seq_q, kSdpaKeyBlock]
// scores per head exist at once and memory stays linear in the sequence.
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

/// Keys per block.
constexpr int64_t kSdpaKeyBlock = 64;

Value lowerSdpaAttention(OpBuilder &b, AttentionOp op) {
  AttentionShape shape(b, op);
  Location loc = op.getLoc();
  Type t = shape.elementType;
  // The running max, sum and output are f32 whatever the inputs' type, as
  // in FlashAttention and transformers' softmax(dtype=torch.float32); each
  // block's weights are rounded to the inputs' type for their product with
  // the values.
  Type f32 = b.getF32Type();
  auto resultType = op.getType();
  auto partialType = resultType.clone(f32);
  auto queryType = cast<RankedTensorType>(op.getQuery().getType());
  auto statType = RankedTensorType::get(
      {queryType.getDimSize(0), queryType.getDimSize(1), queryType.getDimSize(2), 1}, f32);
  SmallVector<OpFoldResult> statSizes{shape.batch, shape.heads, shape.seqQ, b.getIndexAttr(1)};
  SmallVector<OpFoldResult> outSizes{shape.batch, shape.heads, shape.seqQ, shape.valueDim};
  Value runningMax = filledTensor(b, loc, statSizes, f32, b.getFloatAttr(f32, kNegInf));
  Value runningSum = filledTensor(b, loc, statSizes, f32, b.getFloatAttr(f32, 0.0));
  Value partial = filledTensor(b, loc, outSizes, f32, b.getFloatAttr(f32, 0.0));

  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value block = arith::ConstantIndexOp::create(b, loc, kSdpaKeyBlock);
  Value seqKv = getValueOrCreateConstantIndexOp(b, loc, shape.seqKv);
  auto loop = scf::ForOp::create(
      b, loc, zero, seqKv, block, ValueRange{runningMax, runningSum, partial},
      [&](OpBuilder &nb, Location l, Value start, ValueRange carried) {
        // This block's keys: [start, start + size).
        Value size = arith::MinSIOp::create(nb, l, block,
                                            arith::SubIOp::create(nb, l, seqKv, start));
        auto slice = [&](Value source, int64_t dimIndex) -> Value {
          auto type = cast<RankedTensorType>(source.getType());
          SmallVector<OpFoldResult> offsets(type.getRank(), nb.getIndexAttr(0));
          SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(nb, l, source);
          SmallVector<OpFoldResult> strides(type.getRank(), nb.getIndexAttr(1));
          offsets[dimIndex] = start;
          sizes[dimIndex] = size;
          SmallVector<int64_t> shapeDims(type.getShape());
          shapeDims[dimIndex] = ShapedType::kDynamic;
          return tensor::ExtractSliceOp::create(
              nb, l, RankedTensorType::get(shapeDims, type.getElementType()), source, offsets,
              sizes, strides);
        };
        Value keyMask = op.getKeyMask() ? slice(op.getKeyMask(), 1) : Value();
        Value scores = AttentionShape::withElements(
            nb, l, shape.maskedScores(nb, slice(op.getKey(), 2), keyMask, start, size), f32);
        auto scoresType = cast<RankedTensorType>(scores.getType());
        SmallVector<OpFoldResult> scoreSizes = tensor::getMixedSizes(nb, l, scores);

        // New running max; the old partial results are rescaled by exp(old - new).
        Value blockMax =
            reduceKeepDims(nb, l, scores, lastOf4(), nb.getFloatAttr(f32, kNegInf), maxOf);
        Value newMax = elementwise(nb, l, statType, statSizes, {carried[0], blockMax},
                                   [](OpBuilder &e, Location el, ValueRange args) {
                                     return maxOf(e, el, args);
                                   });
        Value correction = elementwise(nb, l, statType, statSizes, {carried[0], newMax},
                                       [](OpBuilder &e, Location el, ValueRange args) {
                                         return AttentionShape::expShifted(e, el, args[0],
                                                                           args[1]);
                                       });
        Value probs = elementwise(nb, l, scoresType, scoreSizes, {scores, newMax},
                                  [](OpBuilder &e, Location el, ValueRange args) {
                                    return AttentionShape::expShifted(e, el, args[0], args[1]);
                                  });
        Value blockSum = reduceKeepDims(nb, l, probs, lastOf4(), nb.getFloatAttr(f32, 0.0), sumOf);
        Value newSum = elementwise(nb, l, statType, statSizes, {carried[1], correction, blockSum},
                                   [](OpBuilder &e, Location el, ValueRange args) -> Value {
                                     Value kept = arith::MulFOp::create(e, el, args[0], args[1]);
                                     return arith::AddFOp::create(e, el, kept, args[2]);
                                   });
        Value blockOut = shape.weightedValues(nb, AttentionShape::withElements(nb, l, probs, t),
                                              slice(op.getValue(), 2));
        Value newPartial =
            elementwise(nb, l, partialType, outSizes, {carried[2], correction, blockOut},
                        [f32](OpBuilder &e, Location el, ValueRange args) -> Value {
                          Value kept = arith::MulFOp::create(e, el, args[0], args[1]);
                          return arith::AddFOp::create(e, el, kept,
                                                       convertFloat(e, el, args[2], f32));
                        });
        scf::YieldOp::create(nb, l, ValueRange{newMax, newSum, newPartial});
      });
  return elementwise(b, loc, resultType, outSizes, {loop.getResult(2), loop.getResult(1)},
                     [t](OpBuilder &e, Location el, ValueRange args) {
                       Value out = AttentionShape::safeDivide(e, el, args[0], args[1]);
                       return convertFloat(e, el, out, t);
                     });
}

} // namespace tmc::lowering
