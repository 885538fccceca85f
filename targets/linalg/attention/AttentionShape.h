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

#include "llvm/ADT/SmallBitVector.h"

#include <limits>

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

  AttentionOp op;
  mlir::Value query, key, value, keyMask; // the op's, or one block's slices
  mlir::Location loc;
  mlir::MLIRContext *ctx;
  mlir::Type elementType;
  int64_t group;
  mlir::OpFoldResult batch, heads, seqQ, seqKv, valueDim;
  mlir::Value past;
  mlir::Value leftPadding; // chunked attention with a key mask only
};

/// Reduction bodies and the keys dimension of a rank-4 score tensor.
mlir::Value maxOf(mlir::OpBuilder &b, mlir::Location l, mlir::ValueRange args);
mlir::Value sumOf(mlir::OpBuilder &b, mlir::Location l, mlir::ValueRange args);
llvm::SmallBitVector lastOf4();

/// The lowerings, one file each: replace `op` by linalg/tensor/scf ops.
mlir::Value lowerEagerAttention(mlir::OpBuilder &b, AttentionOp op);
mlir::Value lowerSdpaAttention(mlir::OpBuilder &b, AttentionOp op);
/// eager's math a block of query rows at a time, in place (EagerRowBlocks.cpp).
mlir::Value lowerEagerAttentionInRowBlocks(mlir::OpBuilder &b, AttentionOp op);

} // namespace tmc::lowering

#endif // TMC_TARGETS_LINALG_ATTENTION_ATTENTIONSHAPE_H
