//===- Shapes.cpp - reshape, transpose, concat, slice, split ----*- C++ -*-===//
//
// Shape ops become tensor ops (and linalg.transpose); bufferization later
// turns most of them into views instead of copies.
//
//===----------------------------------------------------------------------===//

#include "ir/Tmc/TmcOps.h"
#include "passes/conversion/TmcToLinalg/Utils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;

namespace tmc {
namespace {

int64_t normalize(int64_t dim, int64_t rank) { return dim < 0 ? dim + rank : dim; }

struct ReshapeToTensorReshape : OpRewritePattern<ReshapeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ReshapeOp op, PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = op.getType();
    SmallVector<Value> shape;
    auto dynamicSizes = op.getDynamicSizes().begin();
    for (int64_t size : type.getShape())
      shape.push_back(ShapedType::isDynamic(size)
                          ? *dynamicSizes++
                          : arith::ConstantIndexOp::create(rewriter, loc, size).getResult());
    auto shapeType = RankedTensorType::get({type.getRank()}, rewriter.getIndexType());
    Value shapeTensor = tensor::FromElementsOp::create(rewriter, loc, shapeType, shape);
    rewriter.replaceOpWithNewOp<tensor::ReshapeOp>(op, type, op.getInput(), shapeTensor);
    return success();
  }
};

struct TransposeToLinalg : OpRewritePattern<TransposeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(TransposeOp op, PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    SmallVector<OpFoldResult> inputSizes =
        tensor::getMixedSizes(rewriter, loc, op.getInput());
    SmallVector<OpFoldResult> sizes;
    for (int64_t p : op.getPermutation())
      sizes.push_back(inputSizes[p]);
    Value init = emptyTensor(rewriter, loc, sizes, op.getType().getElementType());
    rewriter.replaceOp(op, linalg::TransposeOp::create(rewriter, loc, op.getInput(), init,
                                                       op.getPermutation())
                               .getResult());
    return success();
  }
};

struct ConcatToInsertSlices : OpRewritePattern<ConcatOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ConcatOp op, PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = op.getType();
    int64_t rank = type.getRank(), dim = normalize(op.getDim(), rank);
    // Offsets of each input along `dim`; the last one is the total size.
    SmallVector<Value> offsets{arith::ConstantIndexOp::create(rewriter, loc, 0)};
    for (Value input : op.getInputs())
      offsets.push_back(arith::AddIOp::create(rewriter, loc, offsets.back(),
                                              tensor::DimOp::create(rewriter, loc, input, dim)));
    SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(rewriter, loc, op.getInputs()[0]);
    sizes[dim] = type.isDynamicDim(dim) ? OpFoldResult(offsets.back())
                                        : rewriter.getIndexAttr(type.getDimSize(dim));
    Value result = emptyTensor(rewriter, loc, sizes, type.getElementType());
    SmallVector<OpFoldResult> strides(rank, rewriter.getIndexAttr(1));
    for (auto [input, offset] : llvm::zip(op.getInputs(), offsets)) {
      SmallVector<OpFoldResult> inputOffsets(rank, rewriter.getIndexAttr(0));
      inputOffsets[dim] = offset;
      result = tensor::InsertSliceOp::create(rewriter, loc, input, result, inputOffsets,
                                             tensor::getMixedSizes(rewriter, loc, input),
                                             strides);
    }
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// One extract_slice of `size` indices from `offset` along `dim`.
Value sliceAlong(OpBuilder &b, Location loc, Value input, int64_t dim, OpFoldResult offset,
                 OpFoldResult size, int64_t step, RankedTensorType resultType) {
  int64_t rank = resultType.getRank();
  SmallVector<OpFoldResult> offsets(rank, b.getIndexAttr(0));
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, input);
  SmallVector<OpFoldResult> strides(rank, b.getIndexAttr(1));
  offsets[dim] = offset;
  sizes[dim] = size;
  strides[dim] = b.getIndexAttr(step);
  return tensor::ExtractSliceOp::create(b, loc, resultType, input, offsets, sizes, strides);
}

struct SliceToExtractSlice : OpRewritePattern<SliceOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(SliceOp op, PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = op.getType();
    int64_t dim = normalize(op.getDim(), type.getRank());
    int64_t start = op.getStart(), step = op.getStep();
    if (start < 0) {
      // The last -start indices: from dim size + start.
      Value offset = arith::SubIOp::create(
          rewriter, loc, tensor::DimOp::create(rewriter, loc, op.getInput(), dim),
          arith::ConstantIndexOp::create(rewriter, loc, -start));
      rewriter.replaceOp(op, sliceAlong(rewriter, loc, op.getInput(), dim, OpFoldResult(offset),
                                        rewriter.getIndexAttr(-start), 1, type));
      return success();
    }
    OpFoldResult size;
    if (!type.isDynamicDim(dim)) {
      size = rewriter.getIndexAttr(type.getDimSize(dim));
    } else {
      // ceil((end - start) / step) with end defaulting to the dimension size.
      Value end = op.getEnd()
                      ? arith::ConstantIndexOp::create(rewriter, loc, *op.getEnd()).getResult()
                      : tensor::DimOp::create(rewriter, loc, op.getInput(), dim).getResult();
      Value span = arith::SubIOp::create(
          rewriter, loc, end, arith::ConstantIndexOp::create(rewriter, loc, start));
      size = arith::CeilDivUIOp::create(rewriter, loc, span,
                                        arith::ConstantIndexOp::create(rewriter, loc, step))
                 .getResult();
    }
    rewriter.replaceOp(op, sliceAlong(rewriter, loc, op.getInput(), dim,
                                      rewriter.getIndexAttr(start), size, step, type));
    return success();
  }
};

struct SplitToExtractSlices : OpRewritePattern<SplitOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(SplitOp op, PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    int64_t dim = normalize(op.getDim(), op.getInput().getType().getRank());
    SmallVector<Value> parts;
    int64_t offset = 0;
    for (auto [size, result] : llvm::zip(op.getSizes(), op.getResults())) {
      parts.push_back(sliceAlong(rewriter, loc, op.getInput(), dim,
                                 rewriter.getIndexAttr(offset), rewriter.getIndexAttr(size),
                                 1, cast<RankedTensorType>(result.getType())));
      offset += size;
    }
    rewriter.replaceOp(op, parts);
    return success();
  }
};

/// `source` written into `dest` from position `offset` of dimension 2.
Value insertAlongPositions(OpBuilder &b, Location loc, Value source, Value dest,
                           OpFoldResult offset) {
  SmallVector<OpFoldResult> offsets(4, b.getIndexAttr(0));
  offsets[2] = offset;
  SmallVector<OpFoldResult> strides(4, b.getIndexAttr(1));
  return tensor::InsertSliceOp::create(b, loc, source, dest, offsets,
                                       tensor::getMixedSizes(b, loc, source), strides);
}

/// Positions [offset, offset + size) of a [batch, heads, positions, dim] tensor.
Value positionsOf(OpBuilder &b, Location loc, Value source, OpFoldResult offset,
                  OpFoldResult size) {
  auto type = cast<RankedTensorType>(source.getType());
  SmallVector<int64_t> shape(type.getShape());
  shape[2] = ShapedType::kDynamic;
  return sliceAlong(b, loc, source, 2, offset, size, 1,
                    RankedTensorType::get(shape, type.getElementType()));
}

/// The cache write is an insert_slice along the position dimension: with the
/// cache a writable argument, bufferization makes it an in-place copy of the
/// new positions only. A ring write keeps the update's last `window`
/// positions and wraps at most once: two insert_slices.
struct KvCacheWriteToInsertSlice : OpRewritePattern<KvCacheWriteOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(KvCacheWriteOp op, PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    if (!op.getRing()) {
      rewriter.replaceOp(op, insertAlongPositions(rewriter, loc, op.getUpdate(), op.getCache(),
                                                  op.getPosition()));
      return success();
    }
    auto index = [&](int64_t v) { return arith::ConstantIndexOp::create(rewriter, loc, v); };
    Value window = index(op.getCache().getType().getDimSize(2));
    Value count = tensor::DimOp::create(rewriter, loc, op.getUpdate(), 2);
    Value kept = arith::MinSIOp::create(rewriter, loc, count, window);
    Value firstKept = arith::SubIOp::create(rewriter, loc, count, kept);
    Value slot = arith::RemUIOp::create(
        rewriter, loc, arith::AddIOp::create(rewriter, loc, op.getPosition(), firstKept), window);
    Value beforeWrap = arith::MinSIOp::create(rewriter, loc, kept,
                                              arith::SubIOp::create(rewriter, loc, window, slot));
    Value afterWrap = arith::SubIOp::create(rewriter, loc, kept, beforeWrap);
    Value tail = positionsOf(rewriter, loc, op.getUpdate(), firstKept, beforeWrap);
    Value written = insertAlongPositions(rewriter, loc, tail, op.getCache(), slot);
    Value wrapped = positionsOf(rewriter, loc, op.getUpdate(),
                               arith::AddIOp::create(rewriter, loc, firstKept, beforeWrap).getResult(),
                               afterWrap);
    rewriter.replaceOp(op, insertAlongPositions(rewriter, loc, wrapped, written,
                                                rewriter.getIndexAttr(0)));
    return success();
  }
};

/// The window is the ring rotated so the oldest position comes first: its
/// slots [position mod window, window), then [0, position mod window).
struct KvCacheWindowToSlices : OpRewritePattern<KvCacheWindowOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(KvCacheWindowOp op, PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value cache = op.getCache();
    Value window = arith::ConstantIndexOp::create(rewriter, loc, op.getType().getDimSize(2));
    Value oldest = arith::RemUIOp::create(rewriter, loc, op.getPosition(), window);
    Value older = arith::SubIOp::create(rewriter, loc, window, oldest);
    Value result = emptyTensor(rewriter, loc, tensor::getMixedSizes(rewriter, loc, cache),
                               op.getType().getElementType());
    result = insertAlongPositions(rewriter, loc, positionsOf(rewriter, loc, cache, oldest, older),
                                  result, rewriter.getIndexAttr(0));
    result = insertAlongPositions(rewriter, loc,
                                  positionsOf(rewriter, loc, cache, rewriter.getIndexAttr(0), oldest),
                                  result, older);
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// result[b, j] = mask[b, position - window + j], 0 before position 0.
struct KvCacheWindowMaskToGeneric : OpRewritePattern<KvCacheWindowMaskOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(KvCacheWindowMaskOp op, PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value mask = op.getAttentionMask();
    Value window = arith::ConstantIndexOp::create(rewriter, loc, op.getWindow());
    Value start = arith::SubIOp::create(rewriter, loc, op.getPosition(), window);
    Value keys = arith::SubIOp::create(
        rewriter, loc, tensor::DimOp::create(rewriter, loc, mask, 1), start);
    Type elementType = op.getType().getElementType();
    Value init = emptyTensor(rewriter, loc,
                             {tensor::getMixedSize(rewriter, loc, mask, 0), OpFoldResult(keys)},
                             elementType);
    auto map = AffineMap::getMultiDimIdentityMap(2, rewriter.getContext());
    auto parallel = utils::IteratorType::parallel;
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{op.getType()}, ValueRange{}, ValueRange{init}, {map},
        {parallel, parallel}, [&](OpBuilder &b, Location l, ValueRange) {
          Value row = linalg::IndexOp::create(b, l, 0);
          Value position = arith::AddIOp::create(b, l, start, linalg::IndexOp::create(b, l, 1));
          Value zero = arith::ConstantIndexOp::create(b, l, 0);
          Value valid =
              arith::CmpIOp::create(b, l, arith::CmpIPredicate::sge, position, zero);
          // Clamped so the load stays in bounds; the select drops it.
          Value clamped = arith::MaxSIOp::create(b, l, position, zero);
          Value loaded = tensor::ExtractOp::create(b, l, mask, ValueRange{row, clamped});
          Value masked = arith::ConstantOp::create(b, l, b.getZeroAttr(elementType));
          linalg::YieldOp::create(b, l,
                                  Value(arith::SelectOp::create(b, l, valid, loaded, masked)));
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

/// The cache read is a view of the first positions.
struct KvCacheReadToExtractSlice : OpRewritePattern<KvCacheReadOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(KvCacheReadOp op, PatternRewriter &rewriter) const override {
    rewriter.replaceOp(op, sliceAlong(rewriter, op.getLoc(), op.getCache(), 2,
                                      rewriter.getIndexAttr(0), op.getLength(), 1, op.getType()));
    return success();
  }
};

} // namespace

void populateShapePatterns(RewritePatternSet &patterns) {
  patterns.add<ReshapeToTensorReshape, TransposeToLinalg, ConcatToInsertSlices,
               SliceToExtractSlice, SplitToExtractSlices, KvCacheWriteToInsertSlice,
               KvCacheReadToExtractSlice, KvCacheWindowToSlices, KvCacheWindowMaskToGeneric>(
      patterns.getContext());
}

} // namespace tmc
