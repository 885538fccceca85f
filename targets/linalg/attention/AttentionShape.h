//===- AttentionShape.h - what both attention lowerings share ---*- C++ -*-===//
//
// Attention backends whose lowering is linalg on tensors, shared by the
// targets that generate code from linalg (cpu, cuda): each in its own file
// (EagerAttention.cpp, SdpaAttention.cpp), both building their scores and
// weighted sums with this helper. Each target's attention pass says which
// of them it uses.
//
//===----------------------------------------------------------------------===//

#ifndef TMC_TARGETS_LINALG_ATTENTION_ATTENTIONSHAPE_H
#define TMC_TARGETS_LINALG_ATTENTION_ATTENTIONSHAPE_H

#include "ir/Tmc/TmcOps.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/Builders.h"

#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/SmallBitVector.h"

#include <limits>
#include <optional>

namespace tmc::lowering {

constexpr double kNegInf = -std::numeric_limits<double>::infinity();

/// The sizes of one tmc.attention, read once, and its score and value steps;
/// or of one block of it: some query rows of one head (block()).
struct AttentionShape {
  AttentionShape(mlir::OpBuilder &b, AttentionOp op);

  /// Rows [firstRow, firstRow + rows) of head `head` of batch row `batchRow`
  /// against `keys` keys from `firstKey` on: operands sliced, group 1, and
  /// `past` advanced so that the masks see each row's position in the whole
  /// sequence (a block's scores are then masked with key offset `firstKey`).
  AttentionShape block(mlir::OpBuilder &b, mlir::Value batchRow, mlir::Value head,
                       mlir::Value firstRow, mlir::OpFoldResult rows, mlir::OpFoldResult firstKey,
                       mlir::OpFoldResult keys) const;

  /// Every query row of the `group` heads that share kv head `kvHead` of
  /// batch row `batchRow`, against `keys` keys from `firstKey` on: one key and
  /// value head, the group's heads as the block's heads (a decode step's
  /// attention reads each key and value row once for all of them). Its
  /// contractions are marked with `rowsAtMost`, the most rows a head has.
  AttentionShape groupBlock(mlir::OpBuilder &b, mlir::Value batchRow, mlir::Value kvHead,
                            mlir::OpFoldResult firstKey, mlir::OpFoldResult keys,
                            int64_t rowsAtMost) const;

  /// [batch] index tensor: each row's keys before its first attended one,
  /// where chunks start (min over j of `mask[b, j] != 0 ? j : seq_kv`).
  mlir::Value leadingMaskedKeys(mlir::OpBuilder &b);

  /// [batch, heads, seq_q, keys] scores of `key` (a block starting at
  /// `keyOffset`), scaled, softcapped, and -inf where a mask hides the key;
  /// written into `into` when given (else a new tensor).
  mlir::Value maskedScores(mlir::OpBuilder &b, mlir::Value key, mlir::Value keyMask,
                           mlir::Value keyOffset, mlir::OpFoldResult keys, mlir::Value into = {});

  /// out[b, h, i, e] (+)= sum_j probs[b, h, i, j] * value[b, h / group, j, e],
  /// written into `into` when given (else a new tensor).
  mlir::Value weightedValues(mlir::OpBuilder &b, mlir::Value probs, mlir::Value value,
                             mlir::Value into = {});

  /// exp(s - max), or 0 where the max is -inf (every key hidden so far).
  static mlir::Value expShifted(mlir::OpBuilder &b, mlir::Location l, mlir::Value s,
                                mlir::Value max);

  /// x / sum, or 0 where the sum is 0 (a query that sees no key).
  static mlir::Value safeDivide(mlir::OpBuilder &b, mlir::Location l, mlir::Value x,
                                mlir::Value sum);

  /// `value` (a float tensor) with elements of `type`: itself when they
  /// already are, else widened or rounded elementwise.
  static mlir::Value withElements(mlir::OpBuilder &b, mlir::Location l, mlir::Value value,
                                  mlir::Type type);

  /// `block`'s keys, values and masks: `keys` keys of kv head `kvHead` of
  /// batch row `batchRow` from `firstKey` on.
  void sliceKeys(mlir::OpBuilder &b, AttentionShape &block, mlir::Value batchRow,
                 mlir::Value kvHead, mlir::OpFoldResult firstKey, mlir::OpFoldResult keys) const;

  AttentionOp op;
  mlir::Value query, key, value, keyMask; // the op's, or one block's slices
  mlir::Location loc;
  mlir::MLIRContext *ctx;
  mlir::Type elementType;
  int64_t group;
  mlir::OpFoldResult batch, heads, seqQ, seqKv, valueDim;
  mlir::Value past;
  mlir::Value leftPadding; // chunked attention with a key mask only
  std::optional<int64_t> rowsAtMost; // a group block's (#tmc.head_rows_at_most)
};

/// `into` (a [b, h, rows, 1] tensor) filled with `init`, then combined with
/// every element of its row of `input` ([b, h, rows, keys]).
mlir::Value reduceRowsInto(
    mlir::OpBuilder &b, mlir::Location loc, mlir::Value input, mlir::Value into, double init,
    llvm::function_ref<mlir::Value(mlir::OpBuilder &, mlir::Location, mlir::ValueRange)> combine);

/// Each element of `elements` ([b, h, rows, keys]) replaced by
/// `fn(row value, element)`, the row values a [b, h, rows, 1] tensor.
mlir::Value updateInPlace(
    mlir::OpBuilder &b, mlir::Location loc, mlir::Value elements, mlir::Value rowValues,
    llvm::function_ref<mlir::Value(mlir::OpBuilder &, mlir::Location, mlir::Value, mlir::Value)>
        fn);

/// Reduction bodies and the keys dimension of a rank-4 score tensor.
mlir::Value maxOf(mlir::OpBuilder &b, mlir::Location l, mlir::ValueRange args);
mlir::Value sumOf(mlir::OpBuilder &b, mlir::Location l, mlir::ValueRange args);
llvm::SmallBitVector lastOf4();

/// The lowerings, one file each: replace `op` by linalg/tensor/scf ops.
mlir::Value lowerEagerAttention(mlir::OpBuilder &b, AttentionOp op);
mlir::Value lowerSdpaAttention(mlir::OpBuilder &b, AttentionOp op);
/// eager's math a block of query rows at a time, in place (EagerRowBlocks.cpp).
mlir::Value lowerEagerAttentionInRowBlocks(mlir::OpBuilder &b, AttentionOp op);
/// eager's math for a few query rows (a decode step): each kv head's group of
/// query heads together, a chunk of keys at a time (EagerKeyChunks.cpp).
/// `threads` (or none) builds the number of cores that will share the
/// chunks, an index; one takes all of a kv head's keys as one chunk.
using ThreadCount = llvm::function_ref<mlir::Value(mlir::OpBuilder &, mlir::Location)>;
mlir::Value lowerEagerAttentionInKeyChunks(mlir::OpBuilder &b, AttentionOp op,
                                           ThreadCount threads = {});
/// Key chunks where the query has at most kKeyChunkRows rows (decided at run
/// time when its length is dynamic), row blocks otherwise; f32 only, other
/// element types keep the whole-tensor form.
mlir::Value lowerEagerAttentionInBlocks(mlir::OpBuilder &b, AttentionOp op,
                                        ThreadCount threads = {});

} // namespace tmc::lowering

#endif // TMC_TARGETS_LINALG_ATTENTION_ATTENTIONSHAPE_H
