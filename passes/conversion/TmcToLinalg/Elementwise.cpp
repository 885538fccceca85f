//===- Elementwise.cpp - tmc elementwise ops to linalg.generic --*- C++ -*-===//
//
// Unary, binary (broadcasting), pow, cast and arange. Each becomes one
// parallel linalg.generic whose body is the scalar formula in arith/math, with
// the same association order as PyTorch's reference kernels.
//
//===----------------------------------------------------------------------===//

#include "ir/Tmc/TmcOps.h"
#include "passes/conversion/TmcToLinalg/Utils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include "llvm/ADT/TypeSwitch.h"

#include <cmath>

using namespace mlir;

namespace tmc {
namespace {

/// `numerator / (1 + exp(-x))`: sigmoid with numerator 1, silu with x.
Value overOnePlusExpNeg(OpBuilder &b, Location loc, Value numerator, Value x) {
  Value one = floatConstant(b, loc, x.getType(), 1.0);
  Value negExp = math::ExpOp::create(b, loc, arith::NegFOp::create(b, loc, x));
  return arith::DivFOp::create(b, loc, numerator, arith::AddFOp::create(b, loc, one, negExp));
}

Value scalarUnary(Operation *op, OpBuilder &b, Location loc, Value x) {
  Type t = x.getType();
  auto half = [&]() { return floatConstant(b, loc, t, 0.5); };
  auto one = [&]() { return floatConstant(b, loc, t, 1.0); };
  return llvm::TypeSwitch<Operation *, Value>(op)
      .Case([&](NegOp) { return arith::NegFOp::create(b, loc, x); })
      .Case([&](ExpOp) { return math::ExpOp::create(b, loc, x); })
      .Case([&](TanhOp) { return math::TanhOp::create(b, loc, x); })
      .Case([&](RsqrtOp) { return math::RsqrtOp::create(b, loc, x); })
      .Case([&](SigmoidOp) { return overOnePlusExpNeg(b, loc, one(), x); })
      .Case([&](ReluOp) {
        return arith::MaximumFOp::create(b, loc, x, floatConstant(b, loc, t, 0.0));
      })
      .Case([&](SiluOp) { return overOnePlusExpNeg(b, loc, x, x); })
      .Case([&](GeluOp) {
        // x * 0.5 * (1 + erf(x / sqrt(2)))
        Value scaled = arith::MulFOp::create(b, loc, x, floatConstant(b, loc, t, M_SQRT1_2));
        Value erf = math::ErfOp::create(b, loc, scaled);
        Value halfX = arith::MulFOp::create(b, loc, x, half());
        return arith::MulFOp::create(b, loc, halfX, arith::AddFOp::create(b, loc, one(), erf));
      })
      .Case([&](GeluTanhOp) {
        // 0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 * x^3)))
        Value cube = arith::MulFOp::create(b, loc, arith::MulFOp::create(b, loc, x, x), x);
        Value inner = arith::AddFOp::create(
            b, loc, x,
            arith::MulFOp::create(b, loc, floatConstant(b, loc, t, 0.044715), cube));
        Value tanh = math::TanhOp::create(
            b, loc,
            arith::MulFOp::create(b, loc, floatConstant(b, loc, t, M_2_SQRTPI * M_SQRT1_2),
                                  inner));
        Value halfX = arith::MulFOp::create(b, loc, half(), x);
        return arith::MulFOp::create(b, loc, halfX, arith::AddFOp::create(b, loc, one(), tanh));
      })
      .Default([](Operation *) { return Value(); });
}

template <typename OpTy>
struct UnaryToGeneric : OpRewritePattern<OpTy> {
  using OpRewritePattern<OpTy>::OpRewritePattern;
  LogicalResult matchAndRewrite(OpTy op, PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = op.getType();
    Value result = elementwise(
        rewriter, loc, type, tensor::getMixedSizes(rewriter, loc, op.getInput()),
        op.getInput(), [&](OpBuilder &b, Location l, ValueRange args) {
          return scalarUnary(op, b, l, args[0]);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

template <typename OpTy, typename ArithOp>
struct BinaryToGeneric : OpRewritePattern<OpTy> {
  using OpRewritePattern<OpTy>::OpRewritePattern;
  LogicalResult matchAndRewrite(OpTy op, PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = op.getType();
    ValueRange operands = op->getOperands();
    Value result = elementwise(rewriter, loc, type,
                               broadcastSizes(rewriter, loc, type, operands), operands,
                               [](OpBuilder &b, Location l, ValueRange args) -> Value {
                                 return ArithOp::create(b, l, args[0], args[1]);
                               });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct PowToGeneric : OpRewritePattern<PowOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(PowOp op, PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    double exponent = op.getExponent().convertToDouble();
    Value result = elementwise(
        rewriter, loc, op.getType(), tensor::getMixedSizes(rewriter, loc, op.getInput()),
        op.getInput(), [&](OpBuilder &b, Location l, ValueRange args) -> Value {
          Value x = args[0];
          // PyTorch computes these exactly (x * x, sqrt); powf may not.
          if (exponent == 2.0)
            return arith::MulFOp::create(b, l, x, x);
          if (exponent == 0.5)
            return math::SqrtOp::create(b, l, x);
          if (exponent == 1.0)
            return x;
          return math::PowFOp::create(b, l, x, floatConstant(b, l, x.getType(), exponent));
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct CastToGeneric : OpRewritePattern<CastOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(CastOp op, PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Type to = op.getType().getElementType();
    Type from = cast<RankedTensorType>(op.getInput().getType()).getElementType();
    if (!isa<FloatType, IntegerType>(from))
      return rewriter.notifyMatchFailure(op, "unsupported source element type");
    Value result = elementwise(
        rewriter, loc, op.getType(), tensor::getMixedSizes(rewriter, loc, op.getInput()),
        op.getInput(), [&](OpBuilder &b, Location l, ValueRange args) -> Value {
          Value x = args[0];
          if (isa<IntegerType>(from))
            return arith::SIToFPOp::create(b, l, to, x);
          return convertFloat(b, l, x, to);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct ArangeToGeneric : OpRewritePattern<ArangeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ArangeOp op, PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = op.getType();
    SmallVector<OpFoldResult> sizes{op.getLength()};
    Value start = op.getStart();
    Value result = elementwise(rewriter, loc, type, sizes, ValueRange{},
                               [&](OpBuilder &b, Location l, ValueRange) -> Value {
                                 Value i = linalg::IndexOp::create(b, l, 0);
                                 Value pos = arith::AddIOp::create(b, l, start, i);
                                 return arith::IndexCastOp::create(
                                     b, l, type.getElementType(), pos);
                               });
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void populateElementwisePatterns(RewritePatternSet &patterns) {
  MLIRContext *ctx = patterns.getContext();
  patterns.add<UnaryToGeneric<NegOp>, UnaryToGeneric<ExpOp>, UnaryToGeneric<TanhOp>,
               UnaryToGeneric<RsqrtOp>, UnaryToGeneric<SigmoidOp>, UnaryToGeneric<ReluOp>,
               UnaryToGeneric<SiluOp>, UnaryToGeneric<GeluOp>, UnaryToGeneric<GeluTanhOp>>(
      ctx);
  patterns.add<BinaryToGeneric<AddOp, arith::AddFOp>, BinaryToGeneric<SubOp, arith::SubFOp>,
               BinaryToGeneric<MulOp, arith::MulFOp>, BinaryToGeneric<DivOp, arith::DivFOp>>(
      ctx);
  patterns.add<PowToGeneric, CastToGeneric, ArangeToGeneric>(ctx);
}

} // namespace tmc
