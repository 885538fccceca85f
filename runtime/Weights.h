//===- Weights.h - one rank's weights from a checkpoint ---------*- C++ -*-===//
//
// Binds the manifest's weights to a checkpoint for one rank: a weight that
// is not split is a zero-copy view of the mapped file; a split one (a
// tensor-parallel artifact's, Manifest.h's ParamSplit) is copied, this
// rank's part alone, out of the full tensor, so no rank reads or holds the
// others' parts.
//
//===----------------------------------------------------------------------===//

#ifndef TMC_RUNTIME_WEIGHTS_H
#define TMC_RUNTIME_WEIGHTS_H

#include "runtime/HostTensor.h"
#include "runtime/Manifest.h"
#include "runtime/Safetensors.h"

#include <map>

namespace tmc::rt {

/// The weights of `rank` (0 <= rank < manifest.worldSize) by name. Checks
/// that `checkpoint` holds exactly the manifest's weights, split ones at
/// their full shape; one error lists every missing, unexpected and
/// mismatched tensor. Views point into `checkpoint`, which must outlive them.
llvm::Expected<std::map<std::string, HostTensor>>
bindParams(const Manifest &manifest, const Checkpoint &checkpoint, int64_t rank,
           llvm::StringRef artifactDir);

/// Rank `rank`'s part of `tensor` (its full shape already checked): along
/// `split.dim`, part `rank` of each of the `split.blocks` blocks.
HostTensor sliceWeight(const TensorInfo &tensor, const ParamSplit &split,
                       llvm::ArrayRef<int64_t> localShape, int64_t rank, int64_t worldSize);

} // namespace tmc::rt

#endif // TMC_RUNTIME_WEIGHTS_H
