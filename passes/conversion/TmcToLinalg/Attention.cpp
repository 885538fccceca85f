//===- Attention.cpp - attention backends to linalg -------------*- C++ -*-===//
//
// Two lowerings of `tmc.attention`, chosen per op by its backend:
//   eager: scores for all keys, mask, softmax, weighted sum; the semantics
//          every backend must match.
//   sdpa:  the same math over blocks of keys with an online softmax (a
//          running max and sum rescale the partial output), so no more than
//          [seq_q, kSdpaKeyBlock] scores per head exist at once.
// Both share the score step: q . k over head_dim, scale, softcap, then -inf
// where the causal, sliding-window, chunk or padding mask hides a key. GQA is an
// affine `h floordiv group` in the key/value maps, so kv heads are never
// copied.
//
//===----------------------------------------------------------------------===//

#include "passes/conversion/TmcToLinalg/AttentionBackends.h"
#include "passes/conversion/TmcToLinalg/Utils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include "llvm/ADT/SmallBitVector.h"

#include <limits>

using namespace mlir;

namespace tmc {
namespace {

/// Keys per block of the sdpa lowering.
constexpr int64_t kSdpaKeyBlock = 64;

constexpr double kNegInf = -std::numeric_limits<double>::infinity();

AffineExpr dim(MLIRContext *ctx, unsigned i) { return getAffineDimExpr(i, ctx); }

/// result[d0..d3] = sum over d4 of lhs[lhsMap] * rhs[rhsMap], in a 5-D loop nest.
Value contractOverLast(OpBuilder &b, Location loc, RankedTensorType resultType,
                       ArrayRef<OpFoldResult> sizes, Value lhs, Value rhs, AffineMap lhsMap,
                       AffineMap rhsMap) {
  Type elementType = resultType.getElementType();
  Value init = filledTensor(b, loc, sizes, elementType, b.getFloatAttr(elementType, 0.0));
  auto par = utils::IteratorType::parallel, red = utils::IteratorType::reduction;
  return linalg::GenericOp::create(
             b, loc, TypeRange{resultType}, ValueRange{lhs, rhs}, ValueRange{init},
             {lhsMap, rhsMap, AffineMap::getMultiDimIdentityMap(5, b.getContext()).getMajorSubMap(4)},
             {par, par, par, par, red},
             [](OpBuilder &nested, Location l, ValueRange args) {
               Value product = arith::MulFOp::create(nested, l, args[0], args[1]);
               Value sum = arith::AddFOp::create(nested, l, args[2], product);
               linalg::YieldOp::create(nested, l, sum);
             })
      .getResult(0);
}

/// The pieces of an attention op both lowerings read.
struct AttentionShape {
  explicit AttentionShape(OpBuilder &b, AttentionOp op)
      : op(op), loc(op.getLoc()), ctx(b.getContext()),
        elementType(op.getType().getElementType()) {
    auto queryType = cast<RankedTensorType>(op.getQuery().getType());
    auto keyType = cast<RankedTensorType>(op.getKey().getType());
    group = queryType.getDimSize(1) / keyType.getDimSize(1);
    batch = tensor::getMixedSize(b, loc, op.getQuery(), 0);
    heads = tensor::getMixedSize(b, loc, op.getQuery(), 1);
    seqQ = tensor::getMixedSize(b, loc, op.getQuery(), 2);
    seqKv = tensor::getMixedSize(b, loc, op.getKey(), 2);
    valueDim = tensor::getMixedSize(b, loc, op.getValue(), 3);
    // Queries are the last seq_q positions: query i sees keys up to i + past.
    past = arith::SubIOp::create(b, loc, getValueOrCreateConstantIndexOp(b, loc, seqKv),
                                 getValueOrCreateConstantIndexOp(b, loc, seqQ));
    if (op.getChunkSize() && op.getKeyMask())
      leftPadding = leadingMaskedKeys(b);
  }

  /// [batch] index tensor: each row's keys before its first attended one,
  /// where chunks start (min over j of `mask[b, j] != 0 ? j : seq_kv`).
  Value leadingMaskedKeys(OpBuilder &b) {
    Value mask = op.getKeyMask();
    Type indexType = b.getIndexType();
    auto type = RankedTensorType::get({cast<RankedTensorType>(mask.getType()).getDimSize(0)},
                                      indexType);
    Value none = getValueOrCreateConstantIndexOp(b, loc, seqKv);
    Value init = linalg::FillOp::create(b, loc, none, emptyTensor(b, loc, {batch}, indexType))
                     .getResult(0);
    auto par = utils::IteratorType::parallel, red = utils::IteratorType::reduction;
    return linalg::GenericOp::create(
               b, loc, TypeRange{type}, ValueRange{mask}, ValueRange{init},
               {AffineMap::getMultiDimIdentityMap(2, ctx),
                AffineMap::get(2, 0, {dim(ctx, 0)}, ctx)},
               {par, red},
               [](OpBuilder &nb, Location l, ValueRange args) {
                 Value zero = arith::ConstantOp::create(nb, l, nb.getZeroAttr(args[0].getType()));
                 Value attended =
                     arith::CmpIOp::create(nb, l, arith::CmpIPredicate::ne, args[0], zero);
                 Value j = linalg::IndexOp::create(nb, l, 1);
                 Value candidate = arith::SelectOp::create(nb, l, attended, j, args[1]);
                 linalg::YieldOp::create(nb, l,
                                         Value(arith::MinSIOp::create(nb, l, candidate, args[1])));
               })
        .getResult(0);
  }

  /// [batch, heads, seq_q, keys] scores of `key` (a block starting at
  /// `keyOffset`), scaled, softcapped, and -inf where a mask hides the key.
  Value maskedScores(OpBuilder &b, Value key, Value keyMask, Value keyOffset,
                     OpFoldResult keys) {
    auto queryType = cast<RankedTensorType>(op.getQuery().getType());
    auto keyType = cast<RankedTensorType>(key.getType());
    auto scoresType = RankedTensorType::get({queryType.getDimSize(0), queryType.getDimSize(1),
                                             queryType.getDimSize(2), keyType.getDimSize(2)},
                                            elementType);
    SmallVector<OpFoldResult> sizes{batch, heads, seqQ, keys};
    // Loop nest (b, h, i, j, k): the contraction runs over k.
    Value scores = contractOverLast(
        b, loc, scoresType, sizes, op.getQuery(), key,
        AffineMap::get(5, 0, {dim(ctx, 0), dim(ctx, 1), dim(ctx, 2), dim(ctx, 4)}, ctx),
        AffineMap::get(5, 0, {dim(ctx, 0), dim(ctx, 1).floorDiv(group), dim(ctx, 3), dim(ctx, 4)},
                       ctx));

    SmallVector<Value> inputs{scores};
    SmallVector<AffineMap> maps{AffineMap::getMultiDimIdentityMap(4, ctx)};
    if (keyMask) {
      inputs.push_back(keyMask);
      maps.push_back(AffineMap::get(4, 0, {dim(ctx, 0), dim(ctx, 3)}, ctx));
    }
    if (leftPadding) {
      inputs.push_back(leftPadding);
      maps.push_back(AffineMap::get(4, 0, {dim(ctx, 0)}, ctx));
    }
    maps.push_back(AffineMap::getMultiDimIdentityMap(4, ctx));
    std::optional<int64_t> chunk = op.getChunkSize();
    bool hasPadding = bool(leftPadding);
    double scale = op.getScale().convertToDouble();
    std::optional<double> softcap;
    if (op.getSoftcap())
      softcap = op.getSoftcap()->convertToDouble();
    std::optional<int64_t> window = op.getSlidingWindow();
    bool causal = op.getCausal();
    SmallVector<utils::IteratorType> iterators(4, utils::IteratorType::parallel);
    return linalg::GenericOp::create(
               b, loc, TypeRange{scoresType}, inputs,
               ValueRange{emptyTensor(b, loc, sizes, elementType)}, maps, iterators,
               [&](OpBuilder &nb, Location l, ValueRange args) {
                 Type t = args[0].getType();
                 Value s = arith::MulFOp::create(nb, l, args[0], floatConstant(nb, l, t, scale));
                 if (softcap) {
                   Value cap = floatConstant(nb, l, t, *softcap);
                   Value tanh =
                       math::TanhOp::create(nb, l, arith::DivFOp::create(nb, l, s, cap));
                   s = arith::MulFOp::create(nb, l, tanh, cap);
                 }
                 Value i = linalg::IndexOp::create(nb, l, 2);
                 Value j = arith::AddIOp::create(nb, l, linalg::IndexOp::create(nb, l, 3),
                                                 keyOffset);
                 Value last = arith::AddIOp::create(nb, l, i, past); // last key i sees
                 Value hidden = arith::ConstantIntOp::create(nb, l, 0, 1);
                 if (causal)
                   hidden = arith::CmpIOp::create(nb, l, arith::CmpIPredicate::sgt, j, last);
                 if (window) {
                   Value first = arith::SubIOp::create(
                       nb, l, last, arith::ConstantIndexOp::create(nb, l, *window));
                   hidden = arith::OrIOp::create(
                       nb, l, hidden,
                       arith::CmpIOp::create(nb, l, arith::CmpIPredicate::sle, j, first));
                 }
                 if (chunk) {
                   // Chunks count from the row's first attended key.
                   Value pad = hasPadding ? args[inputs.size() - 1]
                                          : arith::ConstantIndexOp::create(nb, l, 0).getResult();
                   Value size = arith::ConstantIndexOp::create(nb, l, *chunk);
                   auto chunkOf = [&](Value position) -> Value {
                     return arith::FloorDivSIOp::create(
                         nb, l, arith::SubIOp::create(nb, l, position, pad), size);
                   };
                   Value keyChunk = chunkOf(j);
                   Value queryChunk = chunkOf(last);
                   hidden = arith::OrIOp::create(
                       nb, l, hidden,
                       arith::CmpIOp::create(nb, l, arith::CmpIPredicate::ne, keyChunk,
                                             queryChunk));
                 }
                 if (keyMask) {
                   Value zero =
                       arith::ConstantOp::create(nb, l, nb.getZeroAttr(args[1].getType()));
                   hidden = arith::OrIOp::create(
                       nb, l, hidden,
                       arith::CmpIOp::create(nb, l, arith::CmpIPredicate::eq, args[1], zero));
                 }
                 Value result =
                     arith::SelectOp::create(nb, l, hidden, floatConstant(nb, l, t, kNegInf), s);
                 linalg::YieldOp::create(nb, l, result);
               })
        .getResult(0);
  }

  /// out[b, h, i, e] (+)= sum_j probs[b, h, i, j] * value[b, h / group, j, e].
  Value weightedValues(OpBuilder &b, Value probs, Value value) {
    SmallVector<OpFoldResult> sizes{batch, heads, seqQ, valueDim};
    // Loop nest (b, h, i, e, j): the contraction runs over j.
    return contractOverLast(
        b, loc, op.getType(), sizes, probs, value,
        AffineMap::get(5, 0, {dim(ctx, 0), dim(ctx, 1), dim(ctx, 2), dim(ctx, 4)}, ctx),
        AffineMap::get(5, 0, {dim(ctx, 0), dim(ctx, 1).floorDiv(group), dim(ctx, 4), dim(ctx, 3)},
                       ctx));
  }

  /// exp(s - max), or 0 where the max is -inf (every key hidden so far).
  static Value expShifted(OpBuilder &b, Location l, Value s, Value max) {
    Type t = s.getType();
    Value allHidden =
        arith::CmpFOp::create(b, l, arith::CmpFPredicate::OEQ, max, floatConstant(b, l, t, kNegInf));
    Value e = math::ExpOp::create(b, l, arith::SubFOp::create(b, l, s, max));
    return arith::SelectOp::create(b, l, allHidden, floatConstant(b, l, t, 0.0), e);
  }

  /// x / sum, or 0 where the sum is 0 (a query that sees no key).
  static Value safeDivide(OpBuilder &b, Location l, Value x, Value sum) {
    Value zero = floatConstant(b, l, x.getType(), 0.0);
    Value empty = arith::CmpFOp::create(b, l, arith::CmpFPredicate::OEQ, sum, zero);
    return arith::SelectOp::create(b, l, empty, zero, arith::DivFOp::create(b, l, x, sum));
  }

  AttentionOp op;
  Location loc;
  MLIRContext *ctx;
  Type elementType;
  int64_t group;
  OpFoldResult batch, heads, seqQ, seqKv, valueDim;
  Value past;
  Value leftPadding; // chunked attention with a key mask only
};

Value maxOf(OpBuilder &b, Location l, ValueRange args) {
  return arith::MaximumFOp::create(b, l, args[0], args[1]);
}

Value sumOf(OpBuilder &b, Location l, ValueRange args) {
  return arith::AddFOp::create(b, l, args[0], args[1]);
}

llvm::SmallBitVector lastOf4() {
  llvm::SmallBitVector keys(4);
  keys.set(3);
  return keys;
}

} // namespace

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

Value lowerSdpaAttention(OpBuilder &b, AttentionOp op) {
  AttentionShape shape(b, op);
  Location loc = op.getLoc();
  Type t = shape.elementType;
  auto resultType = op.getType();
  auto queryType = cast<RankedTensorType>(op.getQuery().getType());
  auto statType = RankedTensorType::get(
      {queryType.getDimSize(0), queryType.getDimSize(1), queryType.getDimSize(2), 1}, t);
  SmallVector<OpFoldResult> statSizes{shape.batch, shape.heads, shape.seqQ, b.getIndexAttr(1)};
  SmallVector<OpFoldResult> outSizes{shape.batch, shape.heads, shape.seqQ, shape.valueDim};
  Value runningMax = filledTensor(b, loc, statSizes, t, b.getFloatAttr(t, kNegInf));
  Value runningSum = filledTensor(b, loc, statSizes, t, b.getFloatAttr(t, 0.0));
  Value partial = filledTensor(b, loc, outSizes, t, b.getFloatAttr(t, 0.0));

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
        Value scores = shape.maskedScores(nb, slice(op.getKey(), 2), keyMask, start, size);
        auto scoresType = cast<RankedTensorType>(scores.getType());
        SmallVector<OpFoldResult> scoreSizes = tensor::getMixedSizes(nb, l, scores);

        // New running max; the old partial results are rescaled by exp(old - new).
        Value blockMax = reduceKeepDims(nb, l, scores, lastOf4(), nb.getFloatAttr(t, kNegInf), maxOf);
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
        Value blockSum = reduceKeepDims(nb, l, probs, lastOf4(), nb.getFloatAttr(t, 0.0), sumOf);
        Value newSum = elementwise(nb, l, statType, statSizes, {carried[1], correction, blockSum},
                                   [](OpBuilder &e, Location el, ValueRange args) -> Value {
                                     Value kept = arith::MulFOp::create(e, el, args[0], args[1]);
                                     return arith::AddFOp::create(e, el, kept, args[2]);
                                   });
        Value blockOut = shape.weightedValues(nb, probs, slice(op.getValue(), 2));
        Value newPartial = elementwise(
            nb, l, resultType, outSizes, {carried[2], correction, blockOut},
            [](OpBuilder &e, Location el, ValueRange args) -> Value {
              Value kept = arith::MulFOp::create(e, el, args[0], args[1]);
              return arith::AddFOp::create(e, el, kept, args[2]);
            });
        scf::YieldOp::create(nb, l, ValueRange{newMax, newSum, newPartial});
      });
  return elementwise(b, loc, resultType, outSizes, {loop.getResult(2), loop.getResult(1)},
                     [](OpBuilder &e, Location el, ValueRange args) {
                       return AttentionShape::safeDivide(e, el, args[0], args[1]);
                     });
}

namespace {
struct AttentionToBackend : OpRewritePattern<AttentionOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(AttentionOp op, PatternRewriter &rewriter) const override {
    const AttentionBackend *backend = lookupAttentionBackend(attentionBackendOf(op));
    if (!backend) // the pass reports unknown backends before converting
      return rewriter.notifyMatchFailure(op, "unknown attention backend");
    rewriter.replaceOp(op, backend->lowerToLinalg(rewriter, op));
    return success();
  }
};
} // namespace

void populateAttentionPatterns(RewritePatternSet &patterns) {
  patterns.add<AttentionToBackend>(patterns.getContext());
}

} // namespace tmc
