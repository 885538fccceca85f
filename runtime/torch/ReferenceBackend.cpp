//===- ReferenceBackend.cpp - `--backend torch`, loaded on demand -*- C++ -*-===//
#include "runtime/torch/ReferenceBackend.h"

#include "runtime/Error.h"

#include "llvm/Support/DynamicLibrary.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

using namespace tmc::rt;

llvm::Expected<ReferenceRunFn> tmc::rt::loadReferenceBackend() {
  if (!runnerCanLoadReference())
    return makeError("--backend=torch runs the artifact's graph with MLIR and LibTorch, "
                     "which tmc-run does not load; use `tmc run --backend torch`");
  // bin/tmc -> lib/libtmc-torch.so
  std::string executable = llvm::sys::fs::getMainExecutable(nullptr, nullptr);
  llvm::SmallString<256> plugin(llvm::sys::path::parent_path(llvm::sys::path::parent_path(executable)));
  llvm::sys::path::append(plugin, "lib", "libtmc-torch.so");
  if (!llvm::sys::fs::exists(plugin))
    return makeError("--backend=torch needs the LibTorch reference executor (" + plugin +
                     "), which this tmc was built without (configure with "
                     "-DTMC_ENABLE_TORCH=ON)");
  std::string error;
  auto library = llvm::sys::DynamicLibrary::getPermanentLibrary(plugin.c_str(), &error);
  if (!library.isValid())
    return makeError(plugin + ": cannot load the reference executor: " + error);
  auto entry = reinterpret_cast<ReferenceBackendFn>(
      library.getAddressOfSymbol("tmcReferenceBackend"));
  if (!entry)
    return makeError(plugin + ": has no tmcReferenceBackend; rebuild tmc");
  return entry();
}
