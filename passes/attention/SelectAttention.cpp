//===- SelectAttention.cpp - a backend for every attention layer -*- C++ -*-===//
//
// The attention implementation is a compile choice, not code in the model:
// this pass writes it onto each `tmc.attention`, checking the name against the
// backend registry and the layer against what the backend can run.
//
//===----------------------------------------------------------------------===//

#include "passes/attention/Passes.h"
#include "passes/conversion/TmcToLinalg/AttentionBackends.h"

#define DEBUG_TYPE "tmc-select-attention"

namespace tmc {
#define GEN_PASS_DEF_SELECTATTENTION
#include "passes/attention/Passes.h.inc"
} // namespace tmc

using namespace mlir;

namespace {
struct SelectAttention : public tmc::impl::SelectAttentionBase<SelectAttention> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    std::string full = implementation;
    if (full.empty()) {
      auto fromConfig = module->getAttrOfType<StringAttr>("tmc.attn_implementation");
      full = fromConfig ? fromConfig.str() : "eager";
    }
    std::string sliding = slidingImplementation.empty() ? full : slidingImplementation;

    WalkResult result = module.walk([&](tmc::AttentionOp op) {
      bool isSliding = op.getSlidingWindow().has_value();
      const std::string &name = isSliding ? sliding : full;
      const tmc::AttentionBackend *backend = tmc::lookupAttentionBackend(name);
      if (!backend) {
        op.emitError("unknown attention implementation '")
            << name << "'; registered: " << tmc::attentionBackendNames();
        return WalkResult::interrupt();
      }
      std::string reason = backend->unsupportedReason(op);
      if (!reason.empty()) {
        op.emitError("attention implementation '")
            << name << "' cannot run " << (isSliding ? "sliding" : "full") << " attention layer '"
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
