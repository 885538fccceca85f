//===- ReferenceBackend.h - `--backend torch`, loaded on demand -*- C++ -*-===//
//
// The LibTorch reference executor runs an artifact's tmc graph op by op. It
// needs MLIR (to read the graph) and LibTorch (~560 MB), so it lives in a
// plugin, libtmc-torch.so in the lib/ folder beside the executable's bin/,
// opened only when a run asks for it: `tmc --version` and `tmc-run` load
// neither.
//
//===----------------------------------------------------------------------===//

#ifndef TMC_RUNTIME_TORCH_REFERENCEBACKEND_H
#define TMC_RUNTIME_TORCH_REFERENCEBACKEND_H

#include "runtime/Artifact.h"

namespace tmc::rt {

/// Runs `entry` of the artifact's graph with LibTorch on the checkpoint.
using ReferenceRunFn = llvm::Expected<std::vector<HostTensor>> (*)(
    const Artifact &artifact, const Checkpoint &checkpoint, llvm::StringRef entry,
    llvm::ArrayRef<HostTensor> inputs);

/// The plugin's entry point, exported with C linkage as `tmcReferenceBackend`.
using ReferenceBackendFn = ReferenceRunFn (*)();

/// Opens the plugin; an error saying why it is unavailable otherwise.
llvm::Expected<ReferenceRunFn> loadReferenceBackend();

/// Defined by each executable that links the runner: true when it links
/// LLVM and MLIR as shared libraries (tmc), which the plugin shares. tmc-run
/// links LLVM's Support library statically and cannot host a second LLVM.
bool runnerCanLoadReference();

} // namespace tmc::rt

#endif // TMC_RUNTIME_TORCH_REFERENCEBACKEND_H
