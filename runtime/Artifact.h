//===- Artifact.h - load and run a compiled artifact ------------*- C++ -*-===//
//
// `libtmcrt`'s entry: opens an artifact directory (manifest + shared object),
// binds a checkpoint's weights after checking every name, shape and dtype the
// manifest expects, and calls entry points through their packed
// `tmc_entry_<name>(void **)` symbol with memref descriptors.
//
//===----------------------------------------------------------------------===//

#ifndef TMC_RUNTIME_ARTIFACT_H
#define TMC_RUNTIME_ARTIFACT_H

#include "runtime/HostTensor.h"
#include "runtime/Manifest.h"
#include "runtime/Safetensors.h"

#include <map>

namespace tmc::rt {

class Artifact {
public:
  /// Loads `directory`: errors for a missing or corrupt manifest, an artifact
  /// of another tmc version or target, or a library that does not load.
  static llvm::Expected<Artifact> open(llvm::StringRef directory);

  const Manifest &manifest() const { return info; }
  llvm::StringRef directory() const { return dir; }

  /// Checks that `checkpoint` holds exactly the manifest's weights with their
  /// shapes and dtypes; one error lists every missing, unexpected and
  /// mismatched tensor. The checkpoint must outlive the artifact's runs.
  llvm::Error bindWeights(const Checkpoint &checkpoint);

  /// Runs `entry` on `inputs` (checked against the manifest) with the bound
  /// weights; results are owned by the returned tensors.
  llvm::Expected<std::vector<HostTensor>> run(llvm::StringRef entry,
                                              llvm::ArrayRef<HostTensor> inputs) const;

private:
  using EntryFn = void (*)(void **);
  Artifact() = default;

  std::string dir;
  Manifest info;
  std::map<std::string, EntryFn> entryFns;
  std::map<std::string, HostTensor> weights;
};

/// Checks `tensor` against `spec` (dtype, rank, static sizes); `what` names it.
llvm::Error checkTensor(const TensorSpec &spec, const HostTensor &tensor, llvm::StringRef what);

} // namespace tmc::rt

#endif // TMC_RUNTIME_ARTIFACT_H
