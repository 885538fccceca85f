//===- AttentionShape.cpp - the score step both backends share --*- C++ -*-===//
//
// q . k over head_dim, scale, softcap, then -inf where the causal,
// sliding-window, chunk or padding mask hides a key; and the weighted sum of
// values. GQA is an affine `h floordiv group` in the key/value maps, so kv
// heads are never copied.
//
//===----------------------------------------------------------------------===//

#include "targets/linalg/attention/AttentionShape.h"

#include "passes/conversion/TmcToLinalg/Utils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;

namespace tmc::lowering {

static AffineExpr dim(MLIRContext *ctx, unsigned i) { return getAffineDimExpr(i, ctx); }

/// result[d0..d3] = sum over d4 of lhs[lhsMap] * rhs[rhsMap], in a 5-D loop nest,
/// into `into` (zeroed) or a new tensor. It is marked #tmc.head_contraction,
/// so a target may call a GEMM per head. An operand of a narrower float type
/// (keys or values read from an f16 cache) is widened in the body.
static Value contractOverLast(OpBuilder &b, Location loc, RankedTensorType resultType,
                              ArrayRef<OpFoldResult> sizes, Value lhs, Value rhs, AffineMap lhsMap,
                              AffineMap rhsMap, bool transposeB, int64_t group,
                              std::optional<int64_t> rowsAtMost, Value into) {
  if (into)
    resultType = cast<RankedTensorType>(into.getType());
  Type elementType = resultType.getElementType();
  Value zero = floatConstant(b, loc, elementType, 0.0);
  Value init = into ? linalg::FillOp::create(b, loc, zero, into).getResult(0)
                    : filledTensor(b, loc, sizes, elementType, b.getFloatAttr(elementType, 0.0));
  auto par = utils::IteratorType::parallel, red = utils::IteratorType::reduction;
  auto contraction = linalg::GenericOp::create(
      b, loc, TypeRange{resultType}, ValueRange{lhs, rhs}, ValueRange{init},
      {lhsMap, rhsMap, AffineMap::getMultiDimIdentityMap(5, b.getContext()).getMajorSubMap(4)},
      {par, par, par, par, red}, [&](OpBuilder &nested, Location l, ValueRange args) {
        Value product =
            arith::MulFOp::create(nested, l, convertFloat(nested, l, args[0], elementType),
                                  convertFloat(nested, l, args[1], elementType));
        Value sum = arith::AddFOp::create(nested, l, args[2], product);
        linalg::YieldOp::create(nested, l, sum);
      });
  tmcDialect(b.getContext())
      ->getHeadContractionAttrHelper()
      .setAttr(contraction, HeadContractionAttr::get(b.getContext(), transposeB, group));
  if (rowsAtMost)
    tmcDialect(b.getContext())
        ->getHeadRowsAtMostAttrHelper()
        .setAttr(contraction, b.getI64IntegerAttr(*rowsAtMost));
  return contraction.getResult(0);
}

AttentionShape::AttentionShape(OpBuilder &b, AttentionOp op)
    : op(op), query(op.getQuery()), key(op.getKey()), value(op.getValue()),
      keyMask(op.getKeyMask()), loc(op.getLoc()), ctx(b.getContext()),
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

static Value sliceOf(OpBuilder &b, Location loc, Value source, ArrayRef<OpFoldResult> offsets,
                     ArrayRef<OpFoldResult> sizes) {
  SmallVector<OpFoldResult> strides(offsets.size(), b.getIndexAttr(1));
  return tensor::ExtractSliceOp::create(b, loc, source, offsets, sizes, strides);
}

void AttentionShape::sliceKeys(OpBuilder &b, AttentionShape &block, Value batchRow, Value kvHead,
                               OpFoldResult firstKey, OpFoldResult keys) const {
  OpFoldResult one = b.getIndexAttr(1), zero = b.getIndexAttr(0);
  block.key = sliceOf(b, loc, key, {batchRow, kvHead, firstKey, zero},
                      {one, one, keys, tensor::getMixedSize(b, loc, key, 3)});
  block.value =
      sliceOf(b, loc, value, {batchRow, kvHead, firstKey, zero}, {one, one, keys, valueDim});
  if (keyMask)
    block.keyMask = sliceOf(b, loc, keyMask, {batchRow, firstKey}, {one, keys});
  if (leftPadding)
    block.leftPadding = sliceOf(b, loc, leftPadding, {batchRow}, {one});
  block.batch = one;
  block.seqKv = keys;
}

AttentionShape AttentionShape::block(OpBuilder &b, Value batchRow, Value head, Value firstRow,
                                     OpFoldResult rows, OpFoldResult firstKey,
                                     OpFoldResult keys) const {
  AttentionShape block = *this;
  OpFoldResult one = b.getIndexAttr(1), zero = b.getIndexAttr(0);
  Value kvHead = group == 1 ? head
                            : arith::DivUIOp::create(b, loc, head,
                                                     arith::ConstantIndexOp::create(b, loc, group))
                                  .getResult();
  block.query = sliceOf(b, loc, query, {batchRow, head, firstRow, zero},
                        {one, one, rows, tensor::getMixedSize(b, loc, query, 3)});
  sliceKeys(b, block, batchRow, kvHead, firstKey, keys);
  block.group = 1;
  block.heads = one;
  block.seqQ = rows;
  block.past = arith::AddIOp::create(b, loc, past, firstRow);
  return block;
}

AttentionShape AttentionShape::groupBlock(OpBuilder &b, Value batchRow, Value kvHead,
                                          OpFoldResult firstKey, OpFoldResult keys,
                                          int64_t rowsAtMost) const {
  AttentionShape block = *this;
  OpFoldResult one = b.getIndexAttr(1), zero = b.getIndexAttr(0);
  Value firstHead =
      arith::MulIOp::create(b, loc, kvHead, arith::ConstantIndexOp::create(b, loc, group));
  block.query = sliceOf(b, loc, query, {batchRow, firstHead, zero, zero},
                        {one, b.getIndexAttr(group), seqQ, tensor::getMixedSize(b, loc, query, 3)});
  sliceKeys(b, block, batchRow, kvHead, firstKey, keys);
  block.heads = b.getIndexAttr(group);
  block.rowsAtMost = rowsAtMost;
  return block;
}

Value AttentionShape::leadingMaskedKeys(OpBuilder &b) {
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

Value AttentionShape::maskedScores(OpBuilder &b, Value key, Value keyMask, Value keyOffset,
                                   OpFoldResult keys, Value into) {
  auto queryType = cast<RankedTensorType>(query.getType());
  auto keyType = cast<RankedTensorType>(key.getType());
  auto scoresType = RankedTensorType::get({queryType.getDimSize(0), queryType.getDimSize(1),
                                           queryType.getDimSize(2), keyType.getDimSize(2)},
                                          elementType);
  SmallVector<OpFoldResult> sizes{batch, heads, seqQ, keys};
  // Loop nest (b, h, i, j, k): the contraction runs over k.
  Value scores = contractOverLast(
      b, loc, scoresType, sizes, query, key,
      AffineMap::get(5, 0, {dim(ctx, 0), dim(ctx, 1), dim(ctx, 2), dim(ctx, 4)}, ctx),
      AffineMap::get(5, 0, {dim(ctx, 0), dim(ctx, 1).floorDiv(group), dim(ctx, 3), dim(ctx, 4)},
                     ctx),
      /*transposeB=*/true, group, rowsAtMost, into);

  // The mask is applied in place: the scores are the generic's output, read
  // through its last block argument.
  SmallVector<Value> inputs;
  SmallVector<AffineMap> maps;
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
             b, loc, TypeRange{scores.getType()}, inputs, ValueRange{scores}, maps, iterators,
             [&](OpBuilder &nb, Location l, ValueRange args) {
               Value score = args.back();
               Type t = score.getType();
               Value s = arith::MulFOp::create(nb, l, score, floatConstant(nb, l, t, scale));
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
                 Value zero = arith::ConstantOp::create(nb, l, nb.getZeroAttr(args[0].getType()));
                 hidden = arith::OrIOp::create(
                     nb, l, hidden,
                     arith::CmpIOp::create(nb, l, arith::CmpIPredicate::eq, args[0], zero));
               }
               Value result =
                   arith::SelectOp::create(nb, l, hidden, floatConstant(nb, l, t, kNegInf), s);
               linalg::YieldOp::create(nb, l, result);
             })
      .getResult(0);
}

Value AttentionShape::weightedValues(OpBuilder &b, Value probs, Value value, Value into) {
  SmallVector<OpFoldResult> sizes{batch, heads, seqQ, valueDim};
  auto queryType = cast<RankedTensorType>(query.getType());
  auto resultType = RankedTensorType::get({queryType.getDimSize(0), queryType.getDimSize(1),
                                           queryType.getDimSize(2),
                                           cast<RankedTensorType>(value.getType()).getDimSize(3)},
                                          elementType);
  // Loop nest (b, h, i, e, j): the contraction runs over j.
  return contractOverLast(
      b, loc, resultType, sizes, probs, value,
      AffineMap::get(5, 0, {dim(ctx, 0), dim(ctx, 1), dim(ctx, 2), dim(ctx, 4)}, ctx),
      AffineMap::get(5, 0, {dim(ctx, 0), dim(ctx, 1).floorDiv(group), dim(ctx, 4), dim(ctx, 3)},
                     ctx),
      /*transposeB=*/false, group, rowsAtMost, into);
}

Value AttentionShape::expShifted(OpBuilder &b, Location l, Value s, Value max) {
  Type t = s.getType();
  Value allHidden =
      arith::CmpFOp::create(b, l, arith::CmpFPredicate::OEQ, max, floatConstant(b, l, t, kNegInf));
  Value e = math::ExpOp::create(b, l, arith::SubFOp::create(b, l, s, max));
  return arith::SelectOp::create(b, l, allHidden, floatConstant(b, l, t, 0.0), e);
}

Value AttentionShape::safeDivide(OpBuilder &b, Location l, Value x, Value sum) {
  Value zero = floatConstant(b, l, x.getType(), 0.0);
  Value empty = arith::CmpFOp::create(b, l, arith::CmpFPredicate::OEQ, sum, zero);
  return arith::SelectOp::create(b, l, empty, zero, arith::DivFOp::create(b, l, x, sum));
}

Value AttentionShape::withElements(OpBuilder &b, Location l, Value value, Type type) {
  auto tensorType = cast<RankedTensorType>(value.getType());
  if (tensorType.getElementType() == type)
    return value;
  return elementwise(b, l, tensorType.clone(type), tensor::getMixedSizes(b, l, value), {value},
                     [type](OpBuilder &e, Location el, ValueRange args) {
                       return convertFloat(e, el, args[0], type);
                     });
}

/// The maps of a step over [b, h, rows, keys] that reads per-row values
/// ([b, h, rows, 1]) and its own output.
static SmallVector<AffineMap> rowAndElementMaps(MLIRContext *ctx, int64_t rowInputs) {
  AffineMap row = AffineMap::get(4, 0,
                                 {getAffineDimExpr(0, ctx), getAffineDimExpr(1, ctx),
                                  getAffineDimExpr(2, ctx), getAffineConstantExpr(0, ctx)},
                                 ctx);
  SmallVector<AffineMap> maps(rowInputs, row);
  maps.push_back(AffineMap::getMultiDimIdentityMap(4, ctx));
  return maps;
}

Value reduceRowsInto(OpBuilder &b, Location loc, Value input, Value into, double init,
                     ScalarFn combine) {
  Value filled = linalg::FillOp::create(b, loc, floatConstant(b, loc, b.getF32Type(), init), into)
                     .getResult(0);
  SmallVector<AffineMap> maps = rowAndElementMaps(b.getContext(), 1);
  std::swap(maps[0], maps[1]); // the elements in, the rows out
  auto par = utils::IteratorType::parallel, red = utils::IteratorType::reduction;
  return linalg::GenericOp::create(b, loc, TypeRange{filled.getType()}, ValueRange{input},
                                   ValueRange{filled}, maps, {par, par, par, red},
                                   [&](OpBuilder &nb, Location l, ValueRange args) {
                                     linalg::YieldOp::create(nb, l, combine(nb, l, args));
                                   })
      .getResult(0);
}

Value updateInPlace(OpBuilder &b, Location loc, Value elements, Value rowValues,
                    llvm::function_ref<Value(OpBuilder &, Location, Value, Value)> fn) {
  SmallVector<utils::IteratorType> iterators(4, utils::IteratorType::parallel);
  return linalg::GenericOp::create(b, loc, TypeRange{elements.getType()}, ValueRange{rowValues},
                                   ValueRange{elements}, rowAndElementMaps(b.getContext(), 1),
                                   iterators,
                                   [&](OpBuilder &nb, Location l, ValueRange args) {
                                     linalg::YieldOp::create(nb, l, fn(nb, l, args[0], args[1]));
                                   })
      .getResult(0);
}
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

} // namespace tmc::lowering
