//===- LowerAttention.h - lower attention with a target's table -*- C++ -*-===//
//
// Each target's attention pass is a table: the backends it lowers and the
// lowering of each (eager and sdpa from this folder, or its own kernels).
// This applies a table and reports a backend missing from it on the layer
// that asked for it.
//
//===----------------------------------------------------------------------===//

#ifndef TMC_TARGETS_LINALG_ATTENTION_LOWERATTENTION_H
#define TMC_TARGETS_LINALG_ATTENTION_LOWERATTENTION_H

#include "ir/Tmc/TmcOps.h"

#include "mlir/IR/Builders.h"

namespace tmc::lowering {

struct AttentionLowering {
  llvm::StringRef backend;
  mlir::Value (*lower)(mlir::OpBuilder &builder, AttentionOp op);
};

/// Replaces every tmc.attention under `root` by its backend's lowering in
/// `lowerings` (eager when the op names none). A backend not in the table is
/// an error on the op, naming `targetName` and the backends it lowers.
mlir::LogicalResult lowerAttention(mlir::Operation *root,
                                   llvm::ArrayRef<AttentionLowering> lowerings,
                                   llvm::StringRef targetName);

} // namespace tmc::lowering

#endif // TMC_TARGETS_LINALG_ATTENTION_LOWERATTENTION_H
