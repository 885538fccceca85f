//===- AttentionBackends.cpp - the attention backend registry ---*- C++ -*-===//
#include "passes/conversion/TmcToLinalg/AttentionBackends.h"

using namespace mlir;

namespace tmc {
namespace {

std::string runsEverything(AttentionOp) { return ""; }

llvm::ArrayRef<AttentionBackend> registry() {
  static const AttentionBackend backends[] = {
      {"eager",
       "scores, mask, softmax and weighted sum as separate steps; the reference "
       "semantics (materializes the [seq_q, seq_kv] scores)",
       runsEverything, lowerEagerAttention},
      {"sdpa",
       "one fused kernel over blocks of keys with an online softmax; memory "
       "linear in the sequence length",
       runsEverything, lowerSdpaAttention},
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

} // namespace tmc
