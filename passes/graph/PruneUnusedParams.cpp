//===- PruneUnusedParams.cpp - drop weights no op reads ---------*- C++ -*-===//
//
// A weight is used when some op in the module refers to its symbol. Unused
// ones are erased so the manifest lists exactly the tensors the runtime loads.
//
//===----------------------------------------------------------------------===//

#include "ir/Tmc/TmcOps.h"
#include "passes/graph/Passes.h"

#include "llvm/ADT/StringSet.h"
#include "llvm/Support/Debug.h"

#define DEBUG_TYPE "tmc-prune-unused-params"

namespace tmc {
#define GEN_PASS_DEF_PRUNEUNUSEDPARAMS
#include "passes/graph/Passes.h.inc"
} // namespace tmc

using namespace mlir;

namespace {
struct PruneUnusedParams
    : public tmc::impl::PruneUnusedParamsBase<PruneUnusedParams> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    llvm::StringSet<> keep;
    for (const std::string &name : keepNames)
      keep.insert(name);

    SmallVector<tmc::ParamOp> unused;
    for (auto param : module.getOps<tmc::ParamOp>()) {
      if (keep.contains(param.getSymName()))
        continue;
      if (SymbolTable::symbolKnownUseEmpty(param, module))
        unused.push_back(param);
    }
    for (tmc::ParamOp param : unused) {
      LLVM_DEBUG(llvm::dbgs() << "pruning " << param.getSymName() << "\n");
      param.erase();
    }
  }
};
} // namespace
