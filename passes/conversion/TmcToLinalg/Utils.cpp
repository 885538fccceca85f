//===- Utils.cpp - shared helpers of the tmc-to-linalg patterns -*- C++ -*-===//
#include "passes/conversion/TmcToLinalg/Utils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include "llvm/ADT/SmallBitVector.h"

using namespace mlir;

namespace tmc {

SmallVector<OpFoldResult> broadcastSizes(OpBuilder &b, Location loc,
                                         RankedTensorType resultType,
                                         ValueRange operands) {
  SmallVector<OpFoldResult> sizes;
  for (int64_t i = 0, rank = resultType.getRank(); i < rank; ++i) {
    if (!resultType.isDynamicDim(i)) {
      sizes.push_back(b.getIndexAttr(resultType.getDimSize(i)));
      continue;
    }
    OpFoldResult size;
    for (Value operand : operands) {
      auto type = cast<RankedTensorType>(operand.getType());
      int64_t dim = i - (rank - type.getRank());
      if (dim < 0 || type.getDimSize(dim) == 1)
        continue;
      size = tensor::getMixedSize(b, loc, operand, dim);
      break;
    }
    // Every operand has size 1 here: the verifier allows it only when the
    // result is 1 too.
    sizes.push_back(size ? size : b.getIndexAttr(1));
  }
  return sizes;
}

AffineMap broadcastMap(MLIRContext *ctx, RankedTensorType operand,
                       RankedTensorType result) {
  int64_t lead = result.getRank() - operand.getRank();
  SmallVector<AffineExpr> exprs;
  for (int64_t i = 0; i < operand.getRank(); ++i) {
    bool stretched = operand.getDimSize(i) == 1 && result.getDimSize(lead + i) != 1;
    exprs.push_back(stretched ? getAffineConstantExpr(0, ctx)
                              : getAffineDimExpr(lead + i, ctx));
  }
  return AffineMap::get(result.getRank(), 0, exprs, ctx);
}

Value emptyTensor(OpBuilder &b, Location loc, ArrayRef<OpFoldResult> sizes,
                  Type elementType) {
  return tensor::EmptyOp::create(b, loc, sizes, elementType);
}

Value filledTensor(OpBuilder &b, Location loc, ArrayRef<OpFoldResult> sizes,
                   Type elementType, TypedAttr value) {
  Value init = emptyTensor(b, loc, sizes, elementType);
  Value constant = arith::ConstantOp::create(b, loc, value);
  return linalg::FillOp::create(b, loc, constant, init).getResult(0);
}

Value elementwise(OpBuilder &b, Location loc, RankedTensorType resultType,
                  ArrayRef<OpFoldResult> sizes, ValueRange inputs, ScalarFn fn) {
  MLIRContext *ctx = b.getContext();
  SmallVector<AffineMap> maps;
  for (Value input : inputs)
    maps.push_back(broadcastMap(ctx, cast<RankedTensorType>(input.getType()), resultType));
  maps.push_back(AffineMap::getMultiDimIdentityMap(resultType.getRank(), ctx));
  SmallVector<utils::IteratorType> iterators(resultType.getRank(),
                                             utils::IteratorType::parallel);
  Value init = emptyTensor(b, loc, sizes, resultType.getElementType());
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{resultType}, inputs, ValueRange{init}, maps, iterators,
      [&](OpBuilder &nested, Location nestedLoc, ValueRange args) {
        Value result = fn(nested, nestedLoc, args.drop_back());
        linalg::YieldOp::create(nested, nestedLoc, result);
      });
  return generic.getResult(0);
}

Value reduceKeepDims(OpBuilder &b, Location loc, Value input,
                     const llvm::SmallBitVector &reduced, TypedAttr init,
                     ScalarFn combine) {
  MLIRContext *ctx = b.getContext();
  auto inputType = cast<RankedTensorType>(input.getType());
  int64_t rank = inputType.getRank();
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, input);
  SmallVector<int64_t> shape(inputType.getShape());
  SmallVector<AffineExpr> outExprs;
  SmallVector<utils::IteratorType> iterators;
  for (int64_t i = 0; i < rank; ++i) {
    bool isReduced = reduced.test(i);
    if (isReduced) {
      sizes[i] = b.getIndexAttr(1);
      shape[i] = 1;
    }
    outExprs.push_back(isReduced ? getAffineConstantExpr(0, ctx) : getAffineDimExpr(i, ctx));
    iterators.push_back(isReduced ? utils::IteratorType::reduction
                                  : utils::IteratorType::parallel);
  }
  Value acc = filledTensor(b, loc, sizes, inputType.getElementType(), init);
  SmallVector<AffineMap> maps{AffineMap::getMultiDimIdentityMap(rank, ctx),
                              AffineMap::get(rank, 0, outExprs, ctx)};
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{acc.getType()}, ValueRange{input}, ValueRange{acc}, maps,
      iterators, [&](OpBuilder &nested, Location nestedLoc, ValueRange args) {
        linalg::YieldOp::create(nested, nestedLoc, combine(nested, nestedLoc, args));
      });
  return generic.getResult(0);
}

Value convertFloat(OpBuilder &b, Location loc, Value x, Type to) {
  Type from = x.getType();
  unsigned fromWidth = from.getIntOrFloatBitWidth(), toWidth = to.getIntOrFloatBitWidth();
  if (fromWidth < toWidth)
    return arith::ExtFOp::create(b, loc, to, x);
  if (fromWidth > toWidth)
    return arith::TruncFOp::create(b, loc, to, x);
  return from == to ? x
                    : arith::TruncFOp::create(b, loc, to,
                                              arith::ExtFOp::create(b, loc, b.getF32Type(), x));
}

Value floatConstant(OpBuilder &b, Location loc, Type type, double value) {
  return arith::ConstantOp::create(b, loc, b.getFloatAttr(type, value));
}

Value elementCount(OpBuilder &b, Location loc, Value input,
                   const llvm::SmallBitVector &dims, Type type) {
  Value count = arith::ConstantIndexOp::create(b, loc, 1);
  for (int64_t i : dims.set_bits())
    count = arith::MulIOp::create(
        b, loc, count,
        getValueOrCreateConstantIndexOp(b, loc, tensor::getMixedSize(b, loc, input, i)));
  Value asInt = arith::IndexCastOp::create(b, loc, b.getI64Type(), count);
  return arith::SIToFPOp::create(b, loc, type, asInt);
}

Value dropUnitDims(OpBuilder &b, Location loc, Value input,
                   const llvm::SmallBitVector &dims) {
  auto type = cast<RankedTensorType>(input.getType());
  SmallVector<ReassociationIndices> groups;
  SmallVector<int64_t> shape;
  ReassociationIndices pending;
  for (int64_t i = 0; i < type.getRank(); ++i) {
    pending.push_back(i);
    if (dims.test(i))
      continue;
    groups.push_back(pending);
    shape.push_back(type.getDimSize(i));
    pending.clear();
  }
  if (!pending.empty()) {
    if (groups.empty())
      return tensor::CollapseShapeOp::create(
          b, loc, RankedTensorType::get({}, type.getElementType()), input,
          ArrayRef<ReassociationIndices>{});
    groups.back().append(pending.begin(), pending.end());
  }
  return tensor::CollapseShapeOp::create(
      b, loc, RankedTensorType::get(shape, type.getElementType()), input, groups);
}

Value collapseLeading(OpBuilder &b, Location loc, Value value, int64_t keep) {
  auto type = cast<RankedTensorType>(value.getType());
  int64_t rank = type.getRank();
  if (rank == keep + 1)
    return value;
  if (rank == keep) { // no leading dims: add a unit one
    SmallVector<ReassociationIndices> groups;
    for (int64_t i = 0; i < rank; ++i)
      groups.push_back(i == 0 ? ReassociationIndices{0, 1} : ReassociationIndices{i + 1});
    SmallVector<int64_t> shape{1};
    llvm::append_range(shape, type.getShape());
    return tensor::ExpandShapeOp::create(
        b, loc, RankedTensorType::get(shape, type.getElementType()), value, groups);
  }
  SmallVector<ReassociationIndices> groups(1);
  int64_t leading = 1;
  for (int64_t i = 0; i < rank - keep; ++i) {
    groups[0].push_back(i);
    leading = ShapedType::isDynamic(leading) || type.isDynamicDim(i)
                  ? ShapedType::kDynamic
                  : leading * type.getDimSize(i);
  }
  SmallVector<int64_t> shape{leading};
  for (int64_t i = rank - keep; i < rank; ++i) {
    groups.push_back({i});
    shape.push_back(type.getDimSize(i));
  }
  return tensor::CollapseShapeOp::create(
      b, loc, RankedTensorType::get(shape, type.getElementType()), value, groups);
}

Value expandLeading(OpBuilder &b, Location loc, Value value,
                    ArrayRef<OpFoldResult> leadingSizes, RankedTensorType resultType) {
  if (value.getType() == resultType)
    return value;
  // tensor.reshape rather than tensor.expand_shape: MLIR 22's
  // expand-strided-metadata crashes on a memref.expand_shape group with more
  // than one dynamic size ([B*S, N] -> [B, S, N]).
  SmallVector<Value> shape;
  for (OpFoldResult size : leadingSizes)
    shape.push_back(getValueOrCreateConstantIndexOp(b, loc, size));
  auto type = cast<RankedTensorType>(value.getType());
  for (int64_t i = 1; i < type.getRank(); ++i)
    shape.push_back(tensor::DimOp::create(b, loc, value, i));
  auto shapeType = RankedTensorType::get({resultType.getRank()}, b.getIndexType());
  Value shapeTensor = tensor::FromElementsOp::create(b, loc, shapeType, shape);
  return tensor::ReshapeOp::create(b, loc, resultType, value, shapeTensor);
}

} // namespace tmc
