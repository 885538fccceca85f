//===- Rope.cpp - rotary position embeddings to linalg ----------*- C++ -*-===//
//
// `rope` is two generics: a cos/sin table over (positions, head_dim) whose
// angles are computed in f32 exactly as transformers builds `inv_freq`, then
// the rotation over (batch, heads, seq, head_dim), which reads the table and
// each feature's rotation partner from the input. The table keeps pow and
// sin/cos out of the per-head loop (they were most of rope's time).
//
//===----------------------------------------------------------------------===//

#include "ir/Tmc/TmcOps.h"
#include "passes/conversion/TmcToLinalg/Utils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

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

    // Frequency index i and rotation partner of feature d; partnerIsAfter
    // says whether the partner's term is negated (rotate_half: [-x2, x1];
    // interleaved: (-x[2i+1], x[2i])).
    struct Pairing {
      Value i, partner, partnerIsAfter;
    };
    auto pairing = [&](OpBuilder &b, Location l, Value d) -> Pairing {
      auto index = [&](int64_t v) { return arith::ConstantIndexOp::create(b, l, v); };
      if (interleaved) {
        Value isEven = arith::CmpIOp::create(
            b, l, arith::CmpIPredicate::eq, arith::RemUIOp::create(b, l, d, index(2)), index(0));
        return {arith::DivUIOp::create(b, l, d, index(2)),
                arith::SelectOp::create(b, l, isEven, arith::AddIOp::create(b, l, d, index(1)),
                                        arith::SubIOp::create(b, l, d, index(1))),
                isEven};
      }
      Value half = index(rotaryDim / 2);
      Value isFirst = arith::CmpIOp::create(b, l, arith::CmpIPredicate::slt, d, half);
      return {arith::RemUIOp::create(b, l, d, half),
              arith::SelectOp::create(b, l, isFirst, arith::AddIOp::create(b, l, d, half),
                                      arith::SubIOp::create(b, l, d, half)),
              isFirst};
    };

    // cos and sin of every (position, feature) angle, once for all heads:
    // a [seq, head_dim] (or [batch, seq, head_dim]) table in a loop nest over
    // the positions and d.
    int64_t posRank = positionsType.getRank();
    unsigned tableLoops = posRank + 1;
    SmallVector<OpFoldResult> tableSizes = tensor::getMixedSizes(rewriter, loc, positions);
    tableSizes.push_back(tensor::getMixedSize(rewriter, loc, input, 3));
    SmallVector<int64_t> tableShape(positionsType.getShape());
    tableShape.push_back(type.getDimSize(3));
    auto tableType = RankedTensorType::get(tableShape, f32);
    AffineMap tableIdentity = AffineMap::getMultiDimIdentityMap(tableLoops, ctx);
    SmallVector<utils::IteratorType> tableIterators(tableLoops, utils::IteratorType::parallel);
    auto table = linalg::GenericOp::create(
        rewriter, loc, TypeRange{tableType, tableType}, ValueRange{positions},
        ValueRange{emptyTensor(rewriter, loc, tableSizes, f32),
                   emptyTensor(rewriter, loc, tableSizes, f32)},
        {tableIdentity.getMajorSubMap(posRank), tableIdentity, tableIdentity}, tableIterators,
        [&](OpBuilder &b, Location l, ValueRange args) {
          auto index = [&](int64_t v) { return arith::ConstantIndexOp::create(b, l, v); };
          Value d = linalg::IndexOp::create(b, l, tableLoops - 1);
          Value i = pairing(b, l, d).i;
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
          Value position = arith::SIToFPOp::create(b, l, f32, args[0]);
          Value angle = arith::MulFOp::create(b, l, invFreq, position);
          linalg::YieldOp::create(
              b, l, ValueRange{math::CosOp::create(b, l, angle), math::SinOp::create(b, l, angle)});
        });

    // The rotation itself, in a (b, h, s, d) loop nest; it reads each
    // feature's rotation partner from the input.
    AffineExpr b0 = getAffineDimExpr(0, ctx), s = getAffineDimExpr(2, ctx),
               d3 = getAffineDimExpr(3, ctx);
    AffineMap tableMap = posRank == 1 ? AffineMap::get(4, 0, {s, d3}, ctx)
                                      : AffineMap::get(4, 0, {b0, s, d3}, ctx);
    AffineMap identity = AffineMap::getMultiDimIdentityMap(4, ctx);
    Value init = emptyTensor(rewriter, loc, tensor::getMixedSizes(rewriter, loc, input),
                             type.getElementType());
    SmallVector<utils::IteratorType> iterators(4, utils::IteratorType::parallel);
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{type}, ValueRange{input, table.getResult(0), table.getResult(1)},
        ValueRange{init}, {identity, tableMap, tableMap, identity}, iterators,
        [&](OpBuilder &b, Location l, ValueRange args) {
          auto index = [&](int64_t v) { return arith::ConstantIndexOp::create(b, l, v); };
          Value d = linalg::IndexOp::create(b, l, 3);
          Value isRotated = arith::CmpIOp::create(b, l, arith::CmpIPredicate::slt, d,
                                                  index(rotaryDim));
          Pairing pair = pairing(b, l, d);
          Value partner = arith::SelectOp::create(b, l, isRotated, pair.partner, d);
          Value cos = args[1], sin = args[2];

          auto toF32 = [&](Value v) -> Value {
            return v.getType() == f32 ? v : arith::ExtFOp::create(b, l, f32, v);
          };
          Value x = toF32(args[0]);
          SmallVector<Value> at{linalg::IndexOp::create(b, l, 0), linalg::IndexOp::create(b, l, 1),
                                linalg::IndexOp::create(b, l, 2), partner};
          Value other = toF32(tensor::ExtractOp::create(b, l, input, at));
          Value rotated = arith::SelectOp::create(b, l, pair.partnerIsAfter,
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

} // namespace

void populateRopePatterns(RewritePatternSet &patterns) {
  patterns.add<RopeToGeneric>(patterns.getContext());
}

} // namespace tmc
