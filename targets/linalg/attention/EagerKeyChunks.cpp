//===- EagerKeyChunks.cpp - eager attention for a decode step -------------===//
//
// A decode step has one query row per head, so the row blocks of a prompt
// (EagerRowBlocks.cpp) make each head one block: one pass over its kv
// head's keys and values per query head, three under SmolLM2's GQA, and at
// most one block per head to spread over the cores. Here a block is every
// query row of one kv head's group of query heads against one chunk of its
// keys (64, or 128 from 512 keys on), in an scf.forall over (batch, kv head,
// chunk): each key and value row is read once for the whole group (the
// contractions are marked #tmc.head_rows_at_most, for a target's kernel that
// reads them so), and the chunks give the cores enough blocks at any context
// length.
//
// Each block leaves its rows' unnormalized weighted values, score max and
// exp sum in a partial result per chunk; after the loop the chunks combine
// as flash-decoding does: with M the max over chunks, out = sum_c
// exp(m_c - M) o_c / sum_c exp(m_c - M) l_c. The scores stay in one scratch
// buffer allocated before the loop (a buffer made inside a parallel loop
// cannot take a slot of the memory plan), each block's in its own columns.
//
//===----------------------------------------------------------------------===//

#include "targets/linalg/attention/AttentionShape.h"

#include "passes/conversion/TmcToLinalg/Utils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/IRMapping.h"

using namespace mlir;

namespace tmc::lowering {

/// Keys per chunk: a 128-key chunk of a 64-wide head is 32 KiB of keys and
/// as many of values, and SmolLM2's 3 kv heads at 1024 keys make 24 blocks.
/// Below kLongContext keys, chunks of 64: at 136 keys, 3 blocks of 128 keys
/// kept one of 2 cores idle a third of the time (a Q4_1/int8 step 0.95x
/// the per-head blocks), 6 of 64 do not; above it, 64 keys per chunk made
/// 1-thread steps 4% slower. On one thread a kv head's keys are one chunk:
/// each chunk starts its reads of keys and values cold, and there are no
/// other cores to give blocks to (SmolLM2 Q4_1/int8 at 1 thread on a Zen 5:
/// 1.04x at 128 keys, 1.10x at 1024).
constexpr int64_t kKeysPerChunk = 128, kKeysPerShortChunk = 64, kLongContext = 512;
/// The most query rows per head that take key chunks: a decode step's one,
/// or a few tokens of a prompt. (Where each head has more, the row blocks'
/// GEMMs multiply the rows faster than one pass per row over the keys.)
constexpr int64_t kKeyChunkRows = 4;

namespace {
AffineExpr dim(MLIRContext *ctx, unsigned i) { return getAffineDimExpr(i, ctx); }

/// The narrower cast operand of a `tmc.cast` that widens `keys` (keys or
/// values read from an f16 or bf16 cache, --kv-cache-dtype), else none.
CastOp widenedFrom(Value keys) {
  auto cast = keys.getDefiningOp<CastOp>();
  if (!cast)
    return {};
  Type from = getElementTypeOrSelf(cast.getInput().getType()),
       to = getElementTypeOrSelf(cast.getType());
  return isa<FloatType>(from) && isa<FloatType>(to) &&
                 from.getIntOrFloatBitWidth() < to.getIntOrFloatBitWidth()
             ? cast
             : CastOp();
}

/// A chunk's columns of the partial results after its weighted values.
enum PartialColumn : int64_t { kMaxColumn = 0, kSumColumn = 1 };

/// out[b, h, i, e] = sum_c w[b, h, i, c] o_c[e] / sum_c w[b, h, i, c] l_c, with
/// w = exp(m_c - max_c m_c) (0 where a chunk saw no key), from `partials`
/// ([batch, heads, rows, chunks * width]: chunk c's o_c, m_c and l_c from
/// column c * width on).
Value combineChunks(OpBuilder &b, Location loc, Value partials, Value chunks, int64_t valueDim,
                    OpFoldResult seqQ, RankedTensorType resultType) {
  MLIRContext *ctx = b.getContext();
  Type f32 = b.getF32Type();
  auto par = utils::IteratorType::parallel, red = utils::IteratorType::reduction;
  int64_t width = valueDim + 2;
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, partials);
  SmallVector<OpFoldResult> rowSizes{sizes[0], sizes[1], sizes[2]};
  SmallVector<OpFoldResult> chunkSizes{sizes[0], sizes[1], sizes[2], getAsOpFoldResult(chunks)};
  // The output has the op's sizes, so that it can take the buffer the row
  // blocks write when both lowerings are branches of one scf.if.
  SmallVector<OpFoldResult> outSizes{sizes[0], sizes[1], seqQ, b.getIndexAttr(valueDim)};
  auto add = [](OpBuilder &nb, Location l, Value sum, Value x, Value y) -> Value {
    return arith::AddFOp::create(nb, l, sum, arith::MulFOp::create(nb, l, x, y));
  };

  // [batch, heads, rows, chunks, width].
  auto partialType = cast<RankedTensorType>(partials.getType());
  SmallVector<OpFoldResult> byChunkSizes = chunkSizes;
  byChunkSizes.push_back(b.getIndexAttr(width));
  SmallVector<int64_t> byChunkShape(partialType.getShape().drop_back());
  byChunkShape.append({ShapedType::kDynamic, width});
  Value byChunk = tensor::ExpandShapeOp::create(
      b, loc, RankedTensorType::get(byChunkShape, f32), partials,
      SmallVector<ReassociationIndices>{{0}, {1}, {2}, {3, 4}}, byChunkSizes);

  // Loops (b, h, i, c): column `column` of chunk c of row (b, h, i), the
  // chunk's weight, and the row.
  auto chunkColumn = [&](int64_t column) {
    return AffineMap::get(
        4, 0,
        {dim(ctx, 0), dim(ctx, 1), dim(ctx, 2), dim(ctx, 3), getAffineConstantExpr(column, ctx)},
        ctx);
  };
  AffineMap chunkOfRow = AffineMap::getMultiDimIdentityMap(4, ctx);
  AffineMap row = AffineMap::get(4, 0, {dim(ctx, 0), dim(ctx, 1), dim(ctx, 2)}, ctx);
  Value maxInit = filledTensor(b, loc, rowSizes, f32, b.getF32FloatAttr(kNegInf));
  Value max = linalg::GenericOp::create(
                  b, loc, TypeRange{maxInit.getType()}, ValueRange{byChunk}, ValueRange{maxInit},
                  {chunkColumn(valueDim + kMaxColumn), row}, {par, par, par, red},
                  [](OpBuilder &nb, Location l, ValueRange args) {
                    linalg::YieldOp::create(nb, l, maxOf(nb, l, args));
                  })
                  .getResult(0);
  Value weightsInit = emptyTensor(b, loc, chunkSizes, f32);
  Value weights =
      linalg::GenericOp::create(
          b, loc, TypeRange{weightsInit.getType()}, ValueRange{byChunk, max},
          ValueRange{weightsInit}, {chunkColumn(valueDim + kMaxColumn), row, chunkOfRow},
          {par, par, par, par},
          [](OpBuilder &nb, Location l, ValueRange args) {
            linalg::YieldOp::create(nb, l, AttentionShape::expShifted(nb, l, args[0], args[1]));
          })
          .getResult(0);
  Value denominator =
      linalg::GenericOp::create(
          b, loc, TypeRange{max.getType()}, ValueRange{weights, byChunk},
          ValueRange{filledTensor(b, loc, rowSizes, f32, b.getF32FloatAttr(0.0))},
          {chunkOfRow, chunkColumn(valueDim + kSumColumn), row}, {par, par, par, red},
          [&](OpBuilder &nb, Location l, ValueRange args) {
            linalg::YieldOp::create(nb, l, add(nb, l, args[2], args[0], args[1]));
          })
          .getResult(0);
  // Loops (b, h, i, c, e): the values innermost, a chunk's row of them
  // contiguous in both buffers (with the chunks innermost, each output was
  // a scalar sum of a few loads 66 floats apart).
  AffineMap weightOfValue = AffineMap::getMultiDimIdentityMap(5, ctx).getMajorSubMap(4);
  AffineMap chunkValue = AffineMap::getMultiDimIdentityMap(5, ctx);
  AffineMap value = AffineMap::get(5, 0, {dim(ctx, 0), dim(ctx, 1), dim(ctx, 2), dim(ctx, 4)}, ctx);
  // (The weighted values alone: the loop over e takes its range from them.)
  SmallVector<OpFoldResult> valueSizes = byChunkSizes;
  valueSizes.back() = b.getIndexAttr(valueDim);
  SmallVector<int64_t> valueShape = byChunkShape;
  valueShape.back() = valueDim;
  Value values =
      tensor::ExtractSliceOp::create(b, loc, RankedTensorType::get(valueShape, f32), byChunk,
                                     SmallVector<OpFoldResult>(5, b.getIndexAttr(0)), valueSizes,
                                     SmallVector<OpFoldResult>(5, b.getIndexAttr(1)));
  Value sum = linalg::GenericOp::create(
                  b, loc, TypeRange{resultType}, ValueRange{weights, values},
                  ValueRange{filledTensor(b, loc, outSizes, f32, b.getF32FloatAttr(0.0))},
                  {weightOfValue, chunkValue, value}, {par, par, par, red, par},
                  [&](OpBuilder &nb, Location l, ValueRange args) {
                    linalg::YieldOp::create(nb, l, add(nb, l, args[2], args[0], args[1]));
                  })
                  .getResult(0);
  return linalg::GenericOp::create(
             b, loc, TypeRange{resultType}, ValueRange{denominator}, ValueRange{sum},
             {row, chunkOfRow}, {par, par, par, par},
             [](OpBuilder &nb, Location l, ValueRange args) {
               linalg::YieldOp::create(nb, l, AttentionShape::safeDivide(nb, l, args[1], args[0]));
             })
      .getResult(0);
}
} // namespace

Value lowerEagerAttentionInKeyChunks(OpBuilder &b, AttentionOp op, ThreadCount threads) {
  AttentionShape shape(b, op);
  // Keys and values from a narrower cache: the blocks slice the cache's
  // elements and their contractions widen them, so that no f32 copy of the
  // cache is made (a decode step reads half the bytes from an f16 cache).
  for (Value *keys : {&shape.key, &shape.value})
    if (CastOp widened = widenedFrom(*keys))
      *keys = widened.getInput();
  Location loc = op.getLoc();
  Type f32 = b.getF32Type();
  OpFoldResult one = b.getIndexAttr(1), zero = b.getIndexAttr(0);
  auto resultType = cast<RankedTensorType>(op.getType());
  int64_t valueDim = resultType.getDimSize(3);
  Value seqKv = getValueOrCreateConstantIndexOp(b, loc, shape.seqKv);
  OpFoldResult kvHeads = tensor::getMixedSize(b, loc, op.getKey(), 1);

  // Keys before the first row's window are hidden from every row.
  Value firstKey = arith::ConstantIndexOp::create(b, loc, 0);
  if (std::optional<int64_t> window = op.getSlidingWindow()) {
    Value oldest = arith::SubIOp::create(b, loc, shape.past,
                                         arith::ConstantIndexOp::create(b, loc, *window - 1));
    firstKey =
        arith::MinSIOp::create(b, loc, arith::MaxSIOp::create(b, loc, oldest, firstKey), seqKv);
  }
  Value keys = arith::SubIOp::create(b, loc, seqKv, firstKey);
  Value shortContext = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, keys,
                                             arith::ConstantIndexOp::create(b, loc, kLongContext));
  Value shortChunk = arith::ConstantIndexOp::create(b, loc, kKeysPerShortChunk);
  Value longChunk = arith::ConstantIndexOp::create(b, loc, kKeysPerChunk);
  Value keysPerChunk = arith::SelectOp::create(b, loc, shortContext, shortChunk, longChunk);
  // (A select of two constant divisions, which the memory plan bounds.)
  auto chunksOf = [&](int64_t perChunk) -> Value {
    return arith::CeilDivUIOp::create(b, loc, keys,
                                      arith::ConstantIndexOp::create(b, loc, perChunk));
  };
  Value shortChunks = chunksOf(kKeysPerShortChunk), longChunks = chunksOf(kKeysPerChunk);
  Value chunks = arith::SelectOp::create(b, loc, shortContext, shortChunks, longChunks);
  if (threads) {
    // One chunk of every key (none where there are no keys).
    Value unit = arith::ConstantIndexOp::create(b, loc, 1);
    Value single = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ule, threads(b, loc), unit);
    keysPerChunk = arith::SelectOp::create(
        b, loc, single, arith::MaxUIOp::create(b, loc, keys, unit), keysPerChunk);
    chunks =
        arith::SelectOp::create(b, loc, single, arith::MinUIOp::create(b, loc, keys, unit), chunks);
  }

  // Scratch: [batch, heads, rows, 2 * chunks + keys], chunk c's score max
  // and exp sum in columns 2c and 2c + 1, its scores from column 2 * chunks +
  // c * keysPerChunk on.
  auto alloc = [&](ArrayRef<OpFoldResult> sizes) -> Value {
    SmallVector<int64_t> shape;
    SmallVector<Value> dynamic;
    dispatchIndexOpFoldResults(sizes, dynamic, shape);
    return memref::AllocOp::create(b, loc, MemRefType::get(shape, f32), dynamic,
                                   b.getI64IntegerAttr(64));
  };
  Value rowValueColumns =
      arith::MulIOp::create(b, loc, chunks, arith::ConstantIndexOp::create(b, loc, 2));
  // Buffers are sized by min(rows, kKeyChunkRows), which is the rows here
  // and which bounds them for the memory plan.
  std::optional<int64_t> staticRows = getConstantIntValue(shape.seqQ);
  OpFoldResult rows =
      staticRows ? OpFoldResult(b.getIndexAttr(std::min(*staticRows, kKeyChunkRows)))
                 : OpFoldResult(arith::MinUIOp::create(
                                    b, loc, getValueOrCreateConstantIndexOp(b, loc, shape.seqQ),
                                    arith::ConstantIndexOp::create(b, loc, kKeyChunkRows))
                                    .getResult());
  Value scratch = alloc({shape.batch, shape.heads, rows,
                         arith::AddIOp::create(b, loc, rowValueColumns, keys).getResult()});
  // Partial results: [batch, heads, rows, chunks * width], chunk c's weighted
  // values, score max and exp sum from column c * width on.
  int64_t width = valueDim + 2;
  Value partialColumns =
      arith::MulIOp::create(b, loc, chunks, arith::ConstantIndexOp::create(b, loc, width));
  auto loop = scf::ForallOp::create(
      b, loc, {shape.batch, kvHeads, getAsOpFoldResult(chunks)},
      ValueRange{emptyTensor(b, loc, {shape.batch, shape.heads, rows, partialColumns}, f32)},
      /*mapping=*/std::nullopt);

  OpBuilder nb = OpBuilder::atBlockBegin(loop.getBody());
  Value batchRow = loop.getInductionVar(0), kvHead = loop.getInductionVar(1);
  Value chunk = loop.getInductionVar(2);
  Value chunkColumn = arith::MulIOp::create(nb, loc, chunk, keysPerChunk);
  Value chunkStart = arith::AddIOp::create(nb, loc, firstKey, chunkColumn);
  Value chunkKeys = arith::MinUIOp::create(nb, loc, keysPerChunk,
                                           arith::SubIOp::create(nb, loc, seqKv, chunkStart));
  AttentionShape block =
      shape.groupBlock(nb, batchRow, kvHead, chunkStart, chunkKeys, kKeyChunkRows);
  Value firstHead =
      arith::MulIOp::create(nb, loc, kvHead, arith::ConstantIndexOp::create(nb, loc, shape.group));
  OpFoldResult groupSize = nb.getIndexAttr(shape.group);
  SmallVector<OpFoldResult> strides(4, one);

  // The block's columns of the scratch buffer, as tensors it writes in place
  // (restrict: no other tensor aliases them).
  auto scratchSlot = [&](OpFoldResult column, OpFoldResult width) -> Value {
    Value view = memref::SubViewOp::create(
        nb, loc, scratch, ArrayRef<OpFoldResult>{batchRow, firstHead, zero, column},
        ArrayRef<OpFoldResult>{one, groupSize, shape.seqQ, width}, strides);
    auto type = cast<MemRefType>(view.getType());
    return bufferization::ToTensorOp::create(nb, loc, RankedTensorType::get(type.getShape(), f32),
                                             view, /*restrict=*/true, /*writable=*/true);
  };
  Value maxColumn =
      arith::MulIOp::create(nb, loc, chunk, arith::ConstantIndexOp::create(nb, loc, 2));
  Value sumColumn =
      arith::AddIOp::create(nb, loc, maxColumn, arith::ConstantIndexOp::create(nb, loc, 1));
  Value scoreColumn = arith::AddIOp::create(nb, loc, rowValueColumns, chunkColumn);

  // Its columns [column, column + size) of the partial results.
  Value chunkFirstColumn =
      arith::MulIOp::create(nb, loc, chunk, arith::ConstantIndexOp::create(nb, loc, width));
  Value partialsArg = loop.getRegionIterArgs()[0];
  auto offsetsOf = [&](int64_t column) -> SmallVector<OpFoldResult> {
    Value at = arith::AddIOp::create(nb, loc, chunkFirstColumn,
                                     arith::ConstantIndexOp::create(nb, loc, column));
    return {batchRow, firstHead, zero, at};
  };
  auto sizesOf = [&](int64_t size) -> SmallVector<OpFoldResult> {
    return {one, groupSize, shape.seqQ, nb.getIndexAttr(size)};
  };
  auto partialSlot = [&](int64_t column, int64_t size) -> Value {
    return tensor::ExtractSliceOp::create(nb, loc, partialsArg, offsetsOf(column), sizesOf(size),
                                          strides);
  };

  Value scores = block.maskedScores(nb, block.key, block.keyMask, chunkStart, chunkKeys,
                                    scratchSlot(scoreColumn, chunkKeys));
  Value max = reduceRowsInto(nb, loc, scores, scratchSlot(maxColumn, one), kNegInf, maxOf);
  Value exp = updateInPlace(nb, loc, scores, max, [](OpBuilder &e, Location l, Value m, Value s) {
    return AttentionShape::expShifted(e, l, s, m);
  });
  Value sum = reduceRowsInto(nb, loc, exp, scratchSlot(sumColumn, one), 0.0, sumOf);
  Value out = block.weightedValues(nb, exp, block.value, partialSlot(0, valueDim));

  // (The terminator holds only the inserts: their offsets come first.)
  SmallVector<std::tuple<Value, SmallVector<OpFoldResult>, int64_t>> parts{
      {out, offsetsOf(0), valueDim},
      {max, offsetsOf(valueDim + kMaxColumn), 1},
      {sum, offsetsOf(valueDim + kSumColumn), 1}};
  nb.setInsertionPointToStart(loop.getTerminator().getBody());
  for (auto &[part, offsets, size] : parts)
    tensor::ParallelInsertSliceOp::create(nb, loc, part, partialsArg, offsets, sizesOf(size),
                                          strides);
  b.setInsertionPointAfter(loop);
  return combineChunks(b, loc, loop.getResult(0), chunks, valueDim, shape.seqQ, resultType);
}

Value lowerEagerAttentionInBlocks(OpBuilder &b, AttentionOp op, ThreadCount threads) {
  auto resultType = cast<RankedTensorType>(op.getType());
  if (!resultType.getElementType().isF32())
    return lowerEagerAttention(b, op);
  // Key chunks lay a chunk's columns out by the static value dim.
  if (ShapedType::isDynamic(resultType.getDimSize(3)))
    return lowerEagerAttentionInRowBlocks(b, op);
  int64_t rows = cast<RankedTensorType>(op.getQuery().getType()).getDimSize(2);
  if (!ShapedType::isDynamic(rows))
    return rows <= kKeyChunkRows ? lowerEagerAttentionInKeyChunks(b, op, threads)
                                 : lowerEagerAttentionInRowBlocks(b, op);
  Location loc = op.getLoc();
  Value seqQ = tensor::DimOp::create(b, loc, op.getQuery(), 2);
  Value few = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ule, seqQ,
                                    arith::ConstantIndexOp::create(b, loc, kKeyChunkRows));
  auto branch = scf::IfOp::create(b, loc, TypeRange{resultType}, few, /*withElseRegion=*/true);
  auto yieldFrom = [&](Block *block, function_ref<Value(OpBuilder &, AttentionOp)> lower,
                       AttentionOp lowered) {
    OpBuilder bb = OpBuilder::atBlockEnd(block);
    Value result = lower(bb, lowered);
    if (result.getType() != resultType)
      result = tensor::CastOp::create(bb, loc, resultType, result);
    scf::YieldOp::create(bb, loc, result);
  };
  yieldFrom(
      branch.thenBlock(),
      [&](OpBuilder &bb, AttentionOp chunked) {
        return lowerEagerAttentionInKeyChunks(bb, chunked, threads);
      },
      op);
  // The row blocks read widened keys and values: where those are widened
  // from a narrower cache, the widening moves into their branch (a copy of
  // the op reads it there), and a decode step, which takes the key chunks,
  // makes no f32 copy of its cache.
  IRMapping widenedInBranch;
  OpBuilder inRows = OpBuilder::atBlockBegin(branch.elseBlock());
  for (Value keys : {op.getKey(), op.getValue()})
    if (CastOp widened = widenedFrom(keys); widened && !widenedInBranch.contains(keys))
      widenedInBranch.map(keys, inRows.clone(*widened)->getResult(0));
  auto rowsOp = cast<AttentionOp>(inRows.clone(*op, widenedInBranch));
  yieldFrom(branch.elseBlock(), lowerEagerAttentionInRowBlocks, rowsOp);
  rowsOp.erase();
  return branch.getResult(0);
}

} // namespace tmc::lowering
