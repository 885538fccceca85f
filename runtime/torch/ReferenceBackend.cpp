//===- ReferenceBackend.cpp - `--backend torch`, loaded on demand -*- C++ -*-===//
#include "runtime/torch/ReferenceBackend.h"

#include "runtime/Error.h"
#include "runtime/Plugin.h"

using namespace tmc::rt;

llvm::Expected<ReferenceRunFn> tmc::rt::loadReferenceBackend() {
  if (!runnerCanLoadReference())
    return makeError("--backend=torch runs the artifact's graph with MLIR and LibTorch, "
                     "which tmc-run does not load; use `tmc run --backend torch`");
  auto entry = openPluginEntry("libtmc-torch.so", "tmcReferenceBackend", "--backend=torch",
                               "configure with -DTMC_ENABLE_TORCH=ON",
                               "reinstall the torch wheel (scripts/setup)");
  if (!entry)
    return entry.takeError();
  return reinterpret_cast<ReferenceBackendFn>(*entry)();
}
