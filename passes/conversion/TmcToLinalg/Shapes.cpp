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

/// The cache write is an insert_slice along the position dimension: with the
/// cache a writable argument, bufferization makes it an in-place copy of the
/// new positions only.
struct KvCacheWriteToInsertSlice : OpRewritePattern<KvCacheWriteOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(KvCacheWriteOp op, PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    SmallVector<OpFoldResult> offsets(4, rewriter.getIndexAttr(0));
    offsets[2] = op.getPosition();
    SmallVector<OpFoldResult> strides(4, rewriter.getIndexAttr(1));
    rewriter.replaceOpWithNewOp<tensor::InsertSliceOp>(
        op, op.getUpdate(), op.getCache(), offsets,
        tensor::getMixedSizes(rewriter, loc, op.getUpdate()), strides);
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
               KvCacheReadToExtractSlice>(patterns.getContext());
}

} // namespace tmc
