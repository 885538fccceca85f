//===- Attention.cpp - rotary embeddings and eager attention ----*- C++ -*-===//
//
// `rope` is one generic that computes its angles in f32 exactly as
// transformers builds `inv_freq` and reads each feature's rotation partner
// from the input. `attention` lowers to the eager decomposition (the
// semantics every backend must match): scores, scale, softcap, mask, softmax,
// weighted sum. GQA is an affine `h floordiv group` in the key/value maps, so
// key/value heads are never copied.
//
//===----------------------------------------------------------------------===//

#include "ir/Tmc/TmcOps.h"
#include "passes/conversion/TmcToLinalg/Utils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include "llvm/ADT/SmallBitVector.h"

#include <limits>

using namespace mlir;

namespace tmc {
namespace {

struct RopeToGeneric : OpRewritePattern<RopeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(RopeOp op, PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    auto type = op.getType();
    Value input = op.getInput(), positions = op.getPositions();
    auto positionsType = cast<RankedTensorType>(positions.getType());
    Type f32 = rewriter.getF32Type();
    int64_t rotaryDim = op.getRotaryDim();
    bool interleaved = op.getInterleaved();
    double scaling = op.getScalingFactor().convertToDouble();

    // positions: [seq] or [batch, seq], read inside a (b, h, s, d) loop nest.
    AffineExpr b0 = getAffineDimExpr(0, ctx), s = getAffineDimExpr(2, ctx);
    AffineMap positionsMap =
        positionsType.getRank() == 1 ? AffineMap::get(4, 0, {s}, ctx)
                                     : AffineMap::get(4, 0, {b0, s}, ctx);
    AffineMap identity = AffineMap::getMultiDimIdentityMap(4, ctx);
    Value init = emptyTensor(rewriter, loc, tensor::getMixedSizes(rewriter, loc, input),
                             type.getElementType());
    SmallVector<utils::IteratorType> iterators(4, utils::IteratorType::parallel);
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{type}, ValueRange{input, positions}, ValueRange{init},
        {identity, positionsMap, identity}, iterators,
        [&](OpBuilder &b, Location l, ValueRange args) {
          auto index = [&](int64_t v) { return arith::ConstantIndexOp::create(b, l, v); };
          Value d = linalg::IndexOp::create(b, l, 3);
          Value isRotated = arith::CmpIOp::create(b, l, arith::CmpIPredicate::slt, d,
                                                  index(rotaryDim));
          // Frequency index i and rotation partner of feature d.
          Value i, partner, partnerIsAfter;
          if (interleaved) {
            i = arith::DivUIOp::create(b, l, d, index(2));
            Value isEven = arith::CmpIOp::create(
                b, l, arith::CmpIPredicate::eq, arith::RemUIOp::create(b, l, d, index(2)),
                index(0));
            partner = arith::SelectOp::create(b, l, isEven,
                                              arith::AddIOp::create(b, l, d, index(1)),
                                              arith::SubIOp::create(b, l, d, index(1)));
            partnerIsAfter = isEven;
          } else {
            Value half = index(rotaryDim / 2);
            i = arith::RemUIOp::create(b, l, d, half);
            partnerIsAfter = arith::CmpIOp::create(b, l, arith::CmpIPredicate::slt, d, half);
            partner = arith::SelectOp::create(b, l, partnerIsAfter,
                                              arith::AddIOp::create(b, l, d, half),
                                              arith::SubIOp::create(b, l, d, half));
          }
          partner = arith::SelectOp::create(b, l, isRotated, partner, d);

          // inv_freq = 1 / theta ** (2i / rotary_dim), all in f32.
          Value twoI = arith::MulIOp::create(b, l, i, index(2));
          Value twoIf = arith::UIToFPOp::create(
              b, l, f32, arith::IndexCastUIOp::create(b, l, b.getI64Type(), twoI));
          Value exponent = arith::DivFOp::create(b, l, twoIf,
                                                 floatConstant(b, l, f32, rotaryDim));
          Value power = math::PowFOp::create(
              b, l, floatConstant(b, l, f32, op.getTheta().convertToDouble()), exponent);
          Value invFreq = arith::DivFOp::create(b, l, floatConstant(b, l, f32, 1.0), power);
          if (scaling != 1.0)
            invFreq = arith::DivFOp::create(b, l, invFreq, floatConstant(b, l, f32, scaling));
          Value position = arith::SIToFPOp::create(b, l, f32, args[1]);
          Value angle = arith::MulFOp::create(b, l, invFreq, position);
          Value cos = math::CosOp::create(b, l, angle);
          Value sin = math::SinOp::create(b, l, angle);

          auto toF32 = [&](Value v) -> Value {
            return v.getType() == f32 ? v : arith::ExtFOp::create(b, l, f32, v);
          };
          Value x = toF32(args[0]);
          SmallVector<Value> at{linalg::IndexOp::create(b, l, 0), linalg::IndexOp::create(b, l, 1),
                                linalg::IndexOp::create(b, l, 2), partner};
          Value other = toF32(tensor::ExtractOp::create(b, l, input, at));
          // rotate_half: [-x2, x1]; interleaved: (-x[2i+1], x[2i]).
          Value rotated = arith::SelectOp::create(b, l, partnerIsAfter,
                                                  arith::NegFOp::create(b, l, other), other);
          Value result = arith::AddFOp::create(b, l, arith::MulFOp::create(b, l, x, cos),
                                               arith::MulFOp::create(b, l, rotated, sin));
          result = arith::SelectOp::create(b, l, isRotated, result, x);
          if (result.getType() != args[0].getType())
            result = arith::TruncFOp::create(b, l, args[0].getType(), result);
          linalg::YieldOp::create(b, l, result);
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

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

/// Eager attention: the reference decomposition.
struct AttentionToEager : OpRewritePattern<AttentionOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(AttentionOp op, PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    Value query = op.getQuery(), key = op.getKey(), value = op.getValue();
    auto queryType = cast<RankedTensorType>(query.getType());
    auto keyType = cast<RankedTensorType>(key.getType());
    Type elementType = queryType.getElementType();
    int64_t group = queryType.getDimSize(1) / keyType.getDimSize(1);
    auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
    auto par = utils::IteratorType::parallel;
    TypedAttr zeroAttr = rewriter.getFloatAttr(elementType, 0.0);
    double negInf = -std::numeric_limits<double>::infinity();

    // scores[b, h, i, j] = sum_k q[b, h, i, k] * key[b, h / group, j, k]
    OpFoldResult batch = tensor::getMixedSize(rewriter, loc, query, 0);
    OpFoldResult heads = tensor::getMixedSize(rewriter, loc, query, 1);
    OpFoldResult seqQ = tensor::getMixedSize(rewriter, loc, query, 2);
    OpFoldResult seqKv = tensor::getMixedSize(rewriter, loc, key, 2);
    auto scoresType = RankedTensorType::get(
        {queryType.getDimSize(0), queryType.getDimSize(1), queryType.getDimSize(2),
         keyType.getDimSize(2)},
        elementType);
    SmallVector<OpFoldResult> scoreSizes{batch, heads, seqQ, seqKv};
    // Loop nest (b, h, i, j, k): the contraction runs over k.
    Value scores = contractOverLast(
        rewriter, loc, scoresType, scoreSizes, query, key,
        AffineMap::get(5, 0, {d(0), d(1), d(2), d(4)}, ctx),
        AffineMap::get(5, 0, {d(0), d(1).floorDiv(group), d(3), d(4)}, ctx));

    // Scale, softcap, then mask with -inf.
    Value seqQValue = getValueOrCreateConstantIndexOp(rewriter, loc, seqQ);
    Value seqKvValue = getValueOrCreateConstantIndexOp(rewriter, loc, seqKv);
    Value past = arith::SubIOp::create(rewriter, loc, seqKvValue, seqQValue);
    SmallVector<Value> maskInputs{scores};
    if (Value keyMask = op.getKeyMask())
      maskInputs.push_back(keyMask);
    double scale = op.getScale().convertToDouble();
    std::optional<double> softcap;
    if (op.getSoftcap())
      softcap = op.getSoftcap()->convertToDouble();
    std::optional<int64_t> window = op.getSlidingWindow();
    bool causal = op.getCausal();
    SmallVector<AffineMap> maskMaps{AffineMap::getMultiDimIdentityMap(4, ctx)};
    if (maskInputs.size() > 1)
      maskMaps.push_back(AffineMap::get(4, 0, {d(0), d(3)}, ctx));
    maskMaps.push_back(AffineMap::getMultiDimIdentityMap(4, ctx));
    Value masked =
        linalg::GenericOp::create(
            rewriter, loc, TypeRange{scoresType}, maskInputs,
            ValueRange{emptyTensor(rewriter, loc, scoreSizes, elementType)}, maskMaps,
            {par, par, par, par},
            [&](OpBuilder &b, Location l, ValueRange args) {
              Type t = args[0].getType();
              Value s = arith::MulFOp::create(b, l, args[0], floatConstant(b, l, t, scale));
              if (softcap) {
                Value cap = floatConstant(b, l, t, *softcap);
                s = arith::MulFOp::create(
                    b, l, math::TanhOp::create(b, l, arith::DivFOp::create(b, l, s, cap)),
                    cap);
              }
              Value i = linalg::IndexOp::create(b, l, 2), j = linalg::IndexOp::create(b, l, 3);
              Value last = arith::AddIOp::create(b, l, i, past); // last key query i sees
              Value hidden = arith::ConstantIntOp::create(b, l, 0, 1);
              if (causal)
                hidden = arith::CmpIOp::create(b, l, arith::CmpIPredicate::sgt, j, last);
              if (window) {
                Value first = arith::SubIOp::create(
                    b, l, last, arith::ConstantIndexOp::create(b, l, *window));
                hidden = arith::OrIOp::create(
                    b, l, hidden,
                    arith::CmpIOp::create(b, l, arith::CmpIPredicate::sle, j, first));
              }
              if (args.size() > 2) {
                Value keep = args[1];
                Value zero = arith::ConstantOp::create(b, l, b.getZeroAttr(keep.getType()));
                hidden = arith::OrIOp::create(
                    b, l, hidden,
                    arith::CmpIOp::create(b, l, arith::CmpIPredicate::eq, keep, zero));
              }
              Value result =
                  arith::SelectOp::create(b, l, hidden, floatConstant(b, l, t, negInf), s);
              linalg::YieldOp::create(b, l, result);
            })
            .getResult(0);

    // Softmax over keys; a row with every key hidden gives zeros, not NaN.
    llvm::SmallBitVector keys(4);
    keys.set(3);
    Value max = reduceKeepDims(rewriter, loc, masked, keys,
                               rewriter.getFloatAttr(elementType, negInf),
                               [](OpBuilder &b, Location l, ValueRange args) -> Value {
                                 return arith::MaximumFOp::create(b, l, args[0], args[1]);
                               });
    Value exp = elementwise(
        rewriter, loc, scoresType, scoreSizes, {masked, max},
        [&](OpBuilder &b, Location l, ValueRange args) -> Value {
          Type t = args[0].getType();
          Value allHidden = arith::CmpFOp::create(b, l, arith::CmpFPredicate::OEQ, args[1],
                                                  floatConstant(b, l, t, negInf));
          Value e = math::ExpOp::create(b, l, arith::SubFOp::create(b, l, args[0], args[1]));
          return arith::SelectOp::create(b, l, allHidden, floatConstant(b, l, t, 0.0), e);
        });
    Value sum = reduceKeepDims(rewriter, loc, exp, keys, zeroAttr,
                               [](OpBuilder &b, Location l, ValueRange args) -> Value {
                                 return arith::AddFOp::create(b, l, args[0], args[1]);
                               });
    Value probs = elementwise(
        rewriter, loc, scoresType, scoreSizes, {exp, sum},
        [&](OpBuilder &b, Location l, ValueRange args) -> Value {
          Type t = args[0].getType();
          Value zero = floatConstant(b, l, t, 0.0);
          Value empty = arith::CmpFOp::create(b, l, arith::CmpFPredicate::OEQ, args[1], zero);
          return arith::SelectOp::create(b, l, empty, zero,
                                         arith::DivFOp::create(b, l, args[0], args[1]));
        });

    // out[b, h, i, e] = sum_j probs[b, h, i, j] * value[b, h / group, j, e]
    auto resultType = op.getType();
    SmallVector<OpFoldResult> outSizes{batch, heads, seqQ,
                                       tensor::getMixedSize(rewriter, loc, value, 3)};
    // Loop nest (b, h, i, e, j): the contraction runs over j.
    Value out = contractOverLast(rewriter, loc, resultType, outSizes, probs, value,
                                 AffineMap::get(5, 0, {d(0), d(1), d(2), d(4)}, ctx),
                                 AffineMap::get(5, 0, {d(0), d(1).floorDiv(group), d(4), d(3)}, ctx));
    rewriter.replaceOp(op, out);
    return success();
  }
};

} // namespace

void populateAttentionPatterns(RewritePatternSet &patterns) {
  patterns.add<RopeToGeneric, AttentionToEager>(patterns.getContext());
}

} // namespace tmc
