//===- AttentionBackends.h - the attention backend registry -----*- C++ -*-===//
//
// `tmc.attention` says what attention computes; a backend says how. Each
// backend has a name (`eager`, `sdpa`), the layer kinds it can run, and its
// lowering to linalg. `tmc-select-attention` picks one per layer by name and
// `convert-tmc-to-linalg` calls its lowering. A new backend joins with one
// entry in `registry()` (AttentionBackends.cpp).
//
//===----------------------------------------------------------------------===//

#ifndef TMC_PASSES_CONVERSION_TMCTOLINALG_ATTENTIONBACKENDS_H
#define TMC_PASSES_CONVERSION_TMCTOLINALG_ATTENTIONBACKENDS_H

#include "ir/Tmc/TmcOps.h"

#include "mlir/IR/PatternMatch.h"

#include <string>
#include <vector>

namespace tmc {

struct AttentionBackend {
  llvm::StringRef name;
  llvm::StringRef description;
  /// Why `op` cannot run on this backend, or empty when it can.
  std::string (*unsupportedReason)(AttentionOp op);
  /// Replaces `op` with linalg/tensor/scf ops computing the same values.
  mlir::Value (*lowerToLinalg)(mlir::OpBuilder &builder, AttentionOp op);
};

/// The backend registered under `name`, or null.
const AttentionBackend *lookupAttentionBackend(llvm::StringRef name);
/// "eager, sdpa": for error messages.
std::string attentionBackendNames();

/// The backend an op runs on: its `backend` attribute, or eager when unset.
llvm::StringRef attentionBackendOf(AttentionOp op);

/// Lowerings, in Attention.cpp.
mlir::Value lowerEagerAttention(mlir::OpBuilder &builder, AttentionOp op);
mlir::Value lowerSdpaAttention(mlir::OpBuilder &builder, AttentionOp op);

} // namespace tmc

#endif // TMC_PASSES_CONVERSION_TMCTOLINALG_ATTENTIONBACKENDS_H
