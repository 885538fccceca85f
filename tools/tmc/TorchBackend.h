//===- TorchBackend.h - tmc run --backend torch -----------------*- C++ -*-===//
#ifndef TMC_TOOLS_TMC_TORCHBACKEND_H
#define TMC_TOOLS_TMC_TORCHBACKEND_H

#include "runtime/Artifact.h"

namespace tmc::driver {

/// Runs `entry` of the artifact's tmc graph (not its compiled code) with the
/// LibTorch reference executor on the checkpoint's weights.
llvm::Expected<std::vector<rt::HostTensor>>
runGraphWithTorch(const rt::Artifact &artifact, const rt::Checkpoint &checkpoint,
                  llvm::StringRef entry, llvm::ArrayRef<rt::HostTensor> inputs);

} // namespace tmc::driver

#endif // TMC_TOOLS_TMC_TORCHBACKEND_H
