//===- EagerRowBlocks.cpp - eager attention, a block of rows at a time ----===//
//
// The eager math (EagerAttention.cpp) on kRowsPerBlock query rows of one
// head at a time, the blocks in an scf.forall. A block's scores (128 KiB at
// 512 keys) stay in its core's cache through the mask, the softmax and the
// weighted sum, where the whole-tensor form streams the scores of every head
// (9.4 MB per SmolLM2 layer at 512 tokens) through memory once per step.
// Under a causal mask a block reads only the keys up to the last its last row
// sees, which halves a prompt's attention products, and under a sliding
// window only those from the first its first row sees.
//
// No iteration allocates (a buffer made inside a parallel loop cannot take
// one slot of the memory plan): each block writes its output into the loop's
// shared output, and its scores, max and sum in place into its rows of one
// scratch buffer allocated before the loop, as `to_tensor restrict writable`
// views. (As shared outputs of the loop, which nothing reads after it,
// canonicalization would fold them away, and bufferization cannot tell
// disjoint slices of one shared output apart.) f32 only; other element types
// keep the whole-tensor form.
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

using namespace mlir;

namespace tmc::lowering {

/// Query rows per block: at 64, a 1024-key block's scores are 256 KiB.
constexpr int64_t kRowsPerBlock = 64;
/// Where a scratch row's scores start (its max and sum come first).
constexpr int64_t kScoreColumn = 16;

Value lowerEagerAttentionInRowBlocks(OpBuilder &b, AttentionOp op) {
  AttentionShape shape(b, op);
  Type f32 = b.getF32Type();
  if (shape.elementType != f32)
    return lowerEagerAttention(b, op);
  Location loc = op.getLoc();
  OpFoldResult one = b.getIndexAttr(1);
  // Each row of the scratch buffer: a query row's max and sum, then (from
  // column kScoreColumn) its scores.
  Value seqQ = getValueOrCreateConstantIndexOp(b, loc, shape.seqQ);
  Value seqKv = getValueOrCreateConstantIndexOp(b, loc, shape.seqKv);
  Value scoreColumn = arith::ConstantIndexOp::create(b, loc, kScoreColumn);
  SmallVector<OpFoldResult> scratchSizes{
      shape.batch, shape.heads, shape.seqQ,
      arith::AddIOp::create(b, loc, scoreColumn, seqKv).getResult()};
  SmallVector<int64_t> scratchShape;
  SmallVector<Value> scratchDynamic;
  dispatchIndexOpFoldResults(scratchSizes, scratchDynamic, scratchShape);
  Value scratch = memref::AllocOp::create(b, loc, MemRefType::get(scratchShape, f32),
                                          scratchDynamic, b.getI64IntegerAttr(64));

  SmallVector<OpFoldResult> outSizes{shape.batch, shape.heads, shape.seqQ, shape.valueDim};
  Value rowsPerBlock = arith::ConstantIndexOp::create(b, loc, kRowsPerBlock);
  Value blocks = arith::CeilDivUIOp::create(b, loc, seqQ, rowsPerBlock);
  auto loop = scf::ForallOp::create(b, loc, {shape.batch, shape.heads, blocks},
                                    ValueRange{emptyTensor(b, loc, outSizes, f32)},
                                    /*mapping=*/std::nullopt);

  OpBuilder nb = OpBuilder::atBlockBegin(loop.getBody());
  Value batchRow = loop.getInductionVar(0), head = loop.getInductionVar(1);
  Value firstRow = arith::MulIOp::create(nb, loc, loop.getInductionVar(2), rowsPerBlock);
  Value rows =
      arith::MinUIOp::create(nb, loc, rowsPerBlock, arith::SubIOp::create(nb, loc, seqQ, firstRow));
  // Keys past the block's last row + past are hidden from all its rows, and
  // under a sliding window so are those at or before its first row + past -
  // window.
  Value keysEnd = seqKv;
  if (op.getCausal()) {
    Value seen =
        arith::AddIOp::create(nb, loc, arith::AddIOp::create(nb, loc, firstRow, rows), shape.past);
    keysEnd = arith::MinSIOp::create(nb, loc, seqKv, seen);
  }
  Value firstKey = arith::ConstantIndexOp::create(nb, loc, 0);
  if (std::optional<int64_t> window = op.getSlidingWindow()) {
    Value oldest =
        arith::SubIOp::create(nb, loc, arith::AddIOp::create(nb, loc, firstRow, shape.past),
                              arith::ConstantIndexOp::create(nb, loc, *window - 1));
    firstKey =
        arith::MinSIOp::create(nb, loc, arith::MaxSIOp::create(nb, loc, oldest, firstKey), keysEnd);
  }
  Value keys = arith::SubIOp::create(nb, loc, keysEnd, firstKey);
  AttentionShape block =
      shape.block(nb, batchRow, head, firstRow, rows, getAsOpFoldResult(firstKey), keys);

  // The block's part of the scratch buffer, as tensors it writes in place
  // (restrict: no other tensor aliases them).
  SmallVector<OpFoldResult> strides(4, one);
  auto scratchPart = [&](OpFoldResult column, OpFoldResult width) -> Value {
    Value view = memref::SubViewOp::create(nb, loc, scratch,
                                           ArrayRef<OpFoldResult>{batchRow, head, firstRow, column},
                                           ArrayRef<OpFoldResult>{one, one, rows, width}, strides);
    auto type = cast<MemRefType>(view.getType());
    return bufferization::ToTensorOp::create(nb, loc, RankedTensorType::get(type.getShape(), f32),
                                             view, /*restrict=*/true,
                                             /*writable=*/true);
  };
  Value scores = block.maskedScores(nb, block.key, block.keyMask, firstKey, keys,
                                    scratchPart(scoreColumn, keys));
  Value max = reduceRowsInto(nb, loc, scores, scratchPart(nb.getIndexAttr(0), one), kNegInf, maxOf);
  Value exp = updateInPlace(nb, loc, scores, max, [](OpBuilder &e, Location l, Value m, Value s) {
    return AttentionShape::expShifted(e, l, s, m);
  });
  Value sum = reduceRowsInto(nb, loc, exp, scratchPart(one, one), 0.0, sumOf);
  Value probs = updateInPlace(nb, loc, exp, sum, [](OpBuilder &e, Location l, Value s, Value x) {
    return AttentionShape::safeDivide(e, l, x, s);
  });
  SmallVector<OpFoldResult> outOffsets{batchRow, head, firstRow, nb.getIndexAttr(0)};
  SmallVector<OpFoldResult> blockSizes{one, one, rows, shape.valueDim};
  Value outSlice = tensor::ExtractSliceOp::create(nb, loc, loop.getRegionIterArgs()[0], outOffsets,
                                                  blockSizes, strides);
  Value out = block.weightedValues(nb, probs, block.value, outSlice);

  nb.setInsertionPointToStart(loop.getTerminator().getBody());
  tensor::ParallelInsertSliceOp::create(nb, loc, out, loop.getRegionIterArgs()[0], outOffsets,
                                        blockSizes, strides);
  return loop.getResult(0);
}

} // namespace tmc::lowering
