//===- Rope.cpp - rotary position embeddings to linalg ----------*- C++ -*-===//
//
// `rope` is one generic that computes its angles in f32 exactly as
// transformers builds `inv_freq` and reads each feature's rotation partner
// from the input.
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

} // namespace

void populateRopePatterns(RewritePatternSet &patterns) {
  patterns.add<RopeToGeneric>(patterns.getContext());
}

} // namespace tmc
