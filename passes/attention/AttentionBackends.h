//===- AttentionBackends.h - the attention backend registry -----*- C++ -*-===//
//
// `tmc.attention` says what attention computes; a backend says how. The
// registry names each backend (`eager`, `sdpa`), says what it does and which
// layers it can run, and why not; `tmc-select-attention` picks one per layer
// by name. Each target lowers every backend it supports in its own files
// (targets/linalg/attention/, targets/<t>/attention/). A new backend joins
// with one entry in `registry()` (AttentionBackends.cpp) and one lowering per
// target.
//
//===----------------------------------------------------------------------===//

#ifndef TMC_PASSES_ATTENTION_ATTENTIONBACKENDS_H
#define TMC_PASSES_ATTENTION_ATTENTIONBACKENDS_H

#include "ir/Tmc/TmcOps.h"

#include <string>

namespace tmc {

/// Layer kinds as transformers' `layer_types` spells them.
inline constexpr llvm::StringLiteral kAttentionLayerKinds[] = {
    "full_attention", "sliding_attention", "chunked_attention"};

struct AttentionBackend {
  llvm::StringRef name;
  llvm::StringRef description;
  /// Why `op` cannot run on this backend, or empty when it can.
  std::string (*unsupportedReason)(AttentionOp op);
};

/// The backend registered under `name`, or null.
const AttentionBackend *lookupAttentionBackend(llvm::StringRef name);
/// "eager, sdpa": for error messages.
std::string attentionBackendNames();

/// The backend an op runs on: its `backend` attribute, or eager when unset.
llvm::StringRef attentionBackendOf(AttentionOp op);

/// `sliding_attention` when the op has a sliding window, `chunked_attention`
/// when it has a chunk size, else `full_attention`.
llvm::StringRef attentionLayerKind(AttentionOp op);

} // namespace tmc

#endif // TMC_PASSES_ATTENTION_ATTENTIONBACKENDS_H
