//===- SelectAttention.cpp - a backend for every attention layer -*- C++ -*-===//
//
// The attention implementation is a compile choice, not code in the model:
// this pass writes it onto each `tmc.attention`, checking the name against the
// backend registry and the layer against what the backend can run. A layer's
// kind follows transformers' `layer_types`: `sliding_attention` when the op
// has a sliding window, `chunked_attention` when it has a chunk size, else
// `full_attention`.
//
//===----------------------------------------------------------------------===//

#include "passes/attention/Passes.h"
#include "passes/attention/AttentionBackends.h"

#include "llvm/ADT/StringExtras.h"

#define DEBUG_TYPE "tmc-select-attention"

namespace tmc {
#define GEN_PASS_DEF_SELECTATTENTION
#include "passes/attention/Passes.h.inc"
} // namespace tmc

using namespace mlir;

namespace {

using tmc::kAttentionLayerKinds;

struct SelectAttention : public tmc::impl::SelectAttentionBase<SelectAttention> {
  using Base::Base;

  /// Reads `sdpa` or `sdpa,sliding_attention=eager` into a backend per layer
  /// kind; kinds not named take the plain name, else `fallback`.
  LogicalResult parseImplementation(ModuleOp module, llvm::StringRef fallback,
                                    llvm::StringMap<std::string> &byKind) {
    std::string all = fallback.str();
    llvm::SmallVector<llvm::StringRef> items;
    llvm::StringRef(implementation).split(items, ',');
    for (llvm::StringRef item : items) {
      item = item.trim();
      if (item.empty())
        continue;
      auto [kind, name] = item.split('=');
      if (name.empty() && !item.contains('=')) {
        all = kind.str();
        continue;
      }
      if (!llvm::is_contained(kAttentionLayerKinds, kind) || name.empty())
        return module.emitError("attention implementation '")
               << implementation << "': '" << item << "' is not NAME or KIND=NAME with KIND one of "
               << llvm::join(llvm::ArrayRef(kAttentionLayerKinds), ", ");
      byKind[kind] = name.str();
    }
    for (llvm::StringRef kind : kAttentionLayerKinds)
      byKind.try_emplace(kind, all);
    return success();
  }

  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto fromConfig = tmc::tmcDialect(&getContext())->getAttnImplementationAttrHelper().getAttr(module);
    llvm::StringMap<std::string> byKind;
    if (failed(parseImplementation(module, fromConfig ? fromConfig.getValue() : "eager", byKind)))
      return signalPassFailure();

    WalkResult result = module.walk([&](tmc::AttentionOp op) {
      llvm::StringRef kind = tmc::attentionLayerKind(op);
      const std::string &name = byKind[kind];
      const tmc::AttentionBackend *backend = tmc::lookupAttentionBackend(name);
      if (!backend) {
        op.emitError("unknown attention implementation '")
            << name << "'; registered: " << tmc::attentionBackendNames();
        return WalkResult::interrupt();
      }
      std::string reason = backend->unsupportedReason(op);
      if (!reason.empty()) {
        op.emitError("attention implementation '")
            << name << "' cannot run " << kind << " layer '"
            << (op.getPath() ? *op.getPath() : "<unnamed>") << "': " << reason;
        return WalkResult::interrupt();
      }
      op.setBackend(backend->name);
      return WalkResult::advance();
    });
    if (result.wasInterrupted())
      signalPassFailure();
  }
};
} // namespace
