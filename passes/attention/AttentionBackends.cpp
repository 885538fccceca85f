//===- AttentionBackends.cpp - the attention backend registry ---*- C++ -*-===//
//
// Both backends run every layer kind (full, sliding, chunked), softcapping,
// GQA and padding masks; `flash` (CUDA) will be the first with preconditions.
//
//===----------------------------------------------------------------------===//
#include "passes/attention/AttentionBackends.h"

using namespace mlir;

namespace tmc {
namespace {

std::string runsEverything(AttentionOp) { return ""; }

llvm::ArrayRef<AttentionBackend> registry() {
  static const AttentionBackend backends[] = {
      {"eager",
       "scores, mask, softmax and weighted sum as separate steps; the reference "
       "semantics (materializes the [seq_q, seq_kv] scores)",
       runsEverything},
      {"sdpa",
       "one fused kernel over blocks of keys with an online softmax; memory "
       "linear in the sequence length",
       runsEverything},
  };
  return backends;
}

} // namespace

const AttentionBackend *lookupAttentionBackend(llvm::StringRef name) {
  for (const AttentionBackend &backend : registry())
    if (backend.name == name)
      return &backend;
  return nullptr;
}

std::string attentionBackendNames() {
  std::string names;
  for (const AttentionBackend &backend : registry())
    names += (names.empty() ? "" : ", ") + backend.name.str();
  return names;
}

llvm::StringRef attentionBackendOf(AttentionOp op) {
  return op.getBackend() ? *op.getBackend() : "eager";
}

llvm::StringRef attentionLayerKind(AttentionOp op) {
  if (op.getSlidingWindow())
    return "sliding_attention";
  if (op.getChunkSize())
    return "chunked_attention";
  return "full_attention";
}

} // namespace tmc
