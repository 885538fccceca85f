//===- Artifact.h - load and run a compiled artifact ------------*- C++ -*-===//
//
// `libtmcrt`'s entry: opens an artifact directory (manifest + shared object),
// binds a checkpoint's weights after checking every name, shape and dtype the
// manifest expects, and calls entry points through their packed
// `tmc_entry_<name>(void **)` symbol with memref descriptors: host memory for
// a CPU artifact, device memory of the CUDA executor (runtime/cuda) for a
// CUDA one.
//
//===----------------------------------------------------------------------===//

#ifndef TMC_RUNTIME_ARTIFACT_H
#define TMC_RUNTIME_ARTIFACT_H

#include "runtime/Arena.h"
#include "runtime/HostTensor.h"
#include "runtime/Manifest.h"
#include "runtime/Safetensors.h"

#include <map>
#include <memory>

namespace tmc::rt {

namespace cuda {
class Executor;
} // namespace cuda

class Artifact {
public:
  /// Loads `directory`: errors for a missing or corrupt manifest, an artifact
  /// of another tmc version or target, or a library that does not load.
  static llvm::Expected<Artifact> open(llvm::StringRef directory);

  const Manifest &manifest() const { return info; }
  /// Bytes of the arena the calls share (0: the artifact has no memory plan).
  int64_t arenaBytes() const { return arena.size(); }
  /// Bytes of the bound weights on huge pages (runtime/HugePages.h).
  int64_t weightHugePageBytes() const;
  /// Bytes of the bound weights, as this rank holds them.
  int64_t weightBytes() const;
  llvm::StringRef directory() const { return dir; }

  /// Checks that `checkpoint` holds exactly the manifest's weights with their
  /// shapes and dtypes; one error lists every missing, unexpected and
  /// mismatched tensor. The checkpoint must outlive the artifact's runs.
  /// A tensor-parallel artifact (manifest().worldSize > 1) binds the weights
  /// of `rank`: its slice of each split weight (Weights.h), copied out of
  /// the full checkpoint tensor; one Artifact object serves one rank.
  llvm::Error bindWeights(const Checkpoint &checkpoint, int64_t rank = 0);
  /// The rank bindWeights() bound.
  int64_t rank() const { return boundRank; }

  /// Runs `entry` on `inputs` (checked against the manifest) with the bound
  /// weights; results are owned by the returned tensors. A tensor-parallel
  /// artifact runs on a thread whose communicator (setThreadCollectives)
  /// has its world size and its bound rank; an error otherwise, and when
  /// another rank aborted the world during the call.
  llvm::Expected<std::vector<HostTensor>> run(llvm::StringRef entry,
                                              llvm::ArrayRef<HostTensor> inputs) const;

  /// While the returned object lives, a CUDA artifact keeps the in-place
  /// inputs (KV caches) in device memory between calls and leaves their host
  /// tensors as they were at the first call (cuda::Executor::
  /// beginDeviceCaches); generation runs this way. Nothing changes for a
  /// CPU artifact, whose caches are host memory already.
  [[nodiscard]] std::shared_ptr<void> keepCachesOnDevice() const;

private:
  using EntryFn = void (*)(void **);
  Artifact() = default;
  /// An error when the arena could not be allocated (an Artifact copied for
  /// another rank allocates its own).
  llvm::Error checkArena() const;

  std::string dir;
  Manifest info;
  std::map<std::string, EntryFn> entryFns;
  std::map<std::string, HostTensor> weights;
  /// Per entry point, the descriptors of its params in call order, made once
  /// the weights are bound and placed: looking 300 names up and allocating
  /// their descriptors on every call was about 2% of a SmolLM2 decode step.
  std::map<std::string, std::vector<std::vector<int64_t>>> paramDescriptors;
  int64_t boundRank = 0;
  /// The scratch memory of every call (EntryPoint::arenaBytes: the largest
  /// entry's), allocated once at open.
  Arena arena;
  /// A CUDA artifact's GPU, which holds its weights and runs its calls.
  std::shared_ptr<cuda::Executor> gpu;
};

/// An error unless the artifact in `directory` was compiled for `ranks`
/// ranks; `runsOn` says how it was launched ("mpirun -n 4", "a single
/// process") and `relaunch` how to launch it for its own world size.
llvm::Error checkWorldSize(const Manifest &manifest, llvm::StringRef directory, int64_t ranks,
                           llvm::StringRef runsOn, llvm::StringRef relaunch);

/// Checks `tensor` against `spec` (dtype, rank, static sizes); `what` names it.
llvm::Error checkTensor(const TensorSpec &spec, const HostTensor &tensor, llvm::StringRef what);

/// Checks a call's inputs at the runtime boundary, the same for every
/// backend: their number, each against its spec, no empty dynamic size (a
/// sequence of 0 tokens), ids within `values_below`, and a decode entry's
/// attention mask within its cache.
llvm::Error checkInputs(const EntryPoint &entry, llvm::ArrayRef<HostTensor> inputs);

} // namespace tmc::rt

#endif // TMC_RUNTIME_ARTIFACT_H
