//===- Weights.cpp - one rank's weights from a checkpoint -------*- C++ -*-===//
#include "runtime/Weights.h"
#include "runtime/Artifact.h"
#include "runtime/Error.h"
#include "runtime/GgufCheckpoint.h"
#include "runtime/StoredWeights.h"

#include "llvm/Support/Regex.h"

#include <cstring>
#include <optional>

using namespace tmc::rt;
using llvm::StringRef;

HostTensor tmc::rt::sliceWeight(const TensorInfo &tensor, const ParamSplit &split,
                                llvm::ArrayRef<int64_t> localShape, int64_t rank,
                                int64_t worldSize) {
  HostTensor slice(tensor.dtype, localShape.vec());
  int64_t dim = split.dim;
  int64_t outer = 1;
  for (int64_t d = 0; d < dim; ++d)
    outer *= localShape[d];
  size_t innerBytes = dtypeSize(tensor.dtype);
  for (size_t d = dim + 1; d < localShape.size(); ++d)
    innerBytes *= localShape[d];
  int64_t localDim = localShape[dim], fullDim = localDim * worldSize;
  int64_t part = localDim / split.blocks, fullBlock = fullDim / split.blocks;
  auto *source = static_cast<const char *>(tensor.data);
  char *target = slice.as<char>();
  // Only this rank's rows of the mapped file are touched (read in).
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t b = 0; b < split.blocks; ++b)
      std::memcpy(target + (o * localDim + b * part) * innerBytes,
                  source + (o * fullDim + b * fullBlock + rank * part) * innerBytes,
                  part * innerBytes);
  return slice;
}

namespace {
/// Why `tensor` cannot hold the full weight `spec` is cut from, or "".
std::string splitMismatch(const TensorSpec &spec, const TensorInfo &tensor, int64_t worldSize) {
  const ParamSplit &split = *spec.split;
  if (split.dim < 0 || split.dim >= int64_t(spec.shape.size()) || split.blocks < 1 ||
      spec.shape[split.dim] < 1 || spec.shape[split.dim] % split.blocks != 0)
    return "weight '" + spec.name + "': the manifest's split {dim " + std::to_string(split.dim) +
           ", blocks " + std::to_string(split.blocks) + "} does not fit its shape " +
           shapeToString(spec.shape) + "; the artifact is corrupt, recompile it";
  std::vector<int64_t> full = fullShape(spec, worldSize);
  if (tensor.dtype == spec.dtype && tensor.shape == full)
    return "";
  return "weight '" + spec.name + "': the checkpoint holds " + dtypeName(tensor.dtype).str() +
         " " + shapeToString(tensor.shape) + ", but this artifact was compiled for " +
         std::to_string(worldSize) + " ranks and expects the full " +
         dtypeName(spec.dtype).str() + " " + shapeToString(full) + " (split on dim " +
         std::to_string(split.dim) +
         (split.blocks > 1 ? " in " + std::to_string(split.blocks) + " blocks" : "") +
         " into " + shapeToString(spec.shape) + " per rank)";
}
} // namespace

llvm::Expected<std::map<std::string, HostTensor>>
tmc::rt::bindParams(const Manifest &manifest, const Checkpoint &checkpoint, int64_t rank,
                    StringRef artifactDir) {
  if (rank < 0 || rank >= manifest.worldSize)
    return makeError(artifactDir + ": no rank " + llvm::Twine(rank) +
                     " in an artifact compiled for " + llvm::Twine(manifest.worldSize) +
                     " ranks");
  std::vector<std::string> problems;
  std::map<std::string, HostTensor> bound;
  for (const TensorSpec &spec : manifest.params) {
    const TensorInfo *tensor = checkpoint.lookup(spec.name);
    if (!tensor) {
      problems.push_back("missing: " + spec.name + " (" + dtypeName(spec.dtype).str() + " " +
                         shapeToString(fullShape(spec, manifest.worldSize)) + ")");
      continue;
    }
    // A GGUF tensor is decoded into the dtype the artifact expects first;
    // then it binds like a safetensors one.
    // A weight the artifact stores otherwise (blocks, a narrower float) is
    // made in that storage first.
    std::optional<HostTensor> decoded;
    TensorInfo decodedInfo;
    if (storesDifferently(spec, *tensor) || tensor->encoding) {
      auto values = storesDifferently(spec, *tensor)
                        ? storeWeight(spec, fullShape(spec, manifest.worldSize), *tensor)
                        : decodeTensor(*tensor, spec.dtype);
      if (!values) {
        problems.push_back("mismatched: " + llvm::toString(values.takeError()));
        continue;
      }
      decodedInfo = *tensor;
      decodedInfo.dtype = values->dtype();
      decodedInfo.shape = values->shape().vec();
      decodedInfo.data = values->data();
      decodedInfo.numBytes = values->numBytes();
      decodedInfo.encoding = nullptr;
      decoded = std::move(*values);
      tensor = &decodedInfo;
    }
    if (spec.split) {
      std::string mismatch = splitMismatch(spec, *tensor, manifest.worldSize);
      if (!mismatch.empty()) {
        problems.push_back("mismatched: " + mismatch);
        continue;
      }
      bound.emplace(spec.name, sliceWeight(*tensor, *spec.split, spec.shape, rank,
                                           manifest.worldSize));
      continue;
    }
    HostTensor view =
        decoded ? *decoded : HostTensor::view(tensor->dtype, tensor->shape, tensor->data);
    if (llvm::Error error = checkTensor(spec, view, "weight")) {
      problems.push_back("mismatched: " + llvm::toString(std::move(error)));
      continue;
    }
    bound.emplace(spec.name, std::move(view));
  }
  std::vector<llvm::Regex> ignored;
  for (const std::string &pattern : manifest.ignoredCheckpointKeys)
    ignored.emplace_back(pattern);
  for (const TensorInfo &tensor : checkpoint.tensors())
    if (!manifest.findParam(tensor.name) &&
        llvm::none_of(ignored, [&](const llvm::Regex &r) { return r.match(tensor.name); }))
      problems.push_back("unexpected: " + tensor.name + " (not a weight of this model)");
  if (!problems.empty()) {
    std::string message = "checkpoint does not match the artifact in " + artifactDir.str() + ":";
    for (const std::string &problem : problems)
      message += "\n  " + problem;
    return makeError(message);
  }
  return bound;
}
