//===- Artifact.cpp - load and run a compiled artifact ----------*- C++ -*-===//
#include "runtime/Artifact.h"
#include "runtime/AmxTiles.h"
#include "runtime/BlasBuffers.h"
#include "runtime/BlasThreads.h"
#include "runtime/Error.h"
#include "runtime/HugePages.h"
#include "runtime/MemrefDescriptor.h"
#include "runtime/Version.h"
#include "runtime/Weights.h"
#include "runtime/collectives/Collectives.h"
#ifdef TMC_HAVE_CUDA_RUNTIME
#include "runtime/cuda/CudaExecutor.h"
#endif

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/DynamicLibrary.h"
#include "llvm/Support/Path.h"

#include <cstring>
#include <optional>

using namespace tmc::rt;
using llvm::Expected;
using llvm::StringRef;

Expected<Artifact> Artifact::open(StringRef directory) {
  llvm::SmallString<256> manifestPath(directory);
  llvm::sys::path::append(manifestPath, Manifest::kFileName);
  auto manifest = Manifest::load(manifestPath);
  if (!manifest)
    return manifest.takeError();
  if (manifest->tmcVersion != TMC_VERSION)
    return makeError(directory + ": built by tmc " + manifest->tmcVersion +
                     ", this is tmc " TMC_VERSION "; recompile the artifact");
  bool onGpu = manifest->target == "cuda";
  if (manifest->target != "cpu" && !onGpu)
    return makeError(directory + ": built for target '" + manifest->target +
                     "', but this runtime runs 'cpu' and 'cuda' artifacts");

  Artifact artifact;
  artifact.dir = directory.str();
  artifact.info = std::move(*manifest);
  llvm::SmallString<256> libraryPath(directory);
  llvm::sys::path::append(libraryPath, artifact.info.library);
  if (onGpu) {
    // The library's constructors load its kernels onto the active GPU.
#ifdef TMC_HAVE_CUDA_RUNTIME
    auto executor = cuda::Executor::create(artifact.info.cudaArch, directory);
    if (!executor)
      return executor.takeError();
    artifact.gpu = std::move(*executor);
    artifact.gpu->activate();
#else
    return makeError(directory + " is a CUDA artifact, but this tmc was built without the CUDA "
                     "executor (no CUDA toolkit headers at build time)");
#endif
  } else if (llvm::Error error = fitBlasThreads(libraryPath)) {
    // The library loads OpenBLAS, whose threads must fit under ulimit -v first.
    return std::move(error);
  } else {
    shareOpenMPWithBlas();
    requestAmxTiles(); // for products on tiles (--activation-dtype bfloat16)
  }
  std::string error;
  auto library = llvm::sys::DynamicLibrary::getPermanentLibrary(libraryPath.c_str(), &error);
  if (!library.isValid())
    return makeError(libraryPath + ": cannot load the compiled model: " + error);
  // The manifest and the library must describe one ABI: an edited manifest
  // or a library copied from another artifact would call code with the
  // wrong arguments.
  std::string computed = artifact.info.abiFingerprint();
  if (artifact.info.recordedFingerprint != computed)
    return makeError(manifestPath + ": the manifest does not match the artifact it was written "
                     "for (its ABI fingerprint is '" + artifact.info.recordedFingerprint +
                     "', its contents hash to '" + computed +
                     "'): it was edited; recompile the artifact");
  auto *libraryFingerprint =
      static_cast<const char *>(library.getAddressOfSymbol(Manifest::kFingerprintSymbol));
  if (!libraryFingerprint)
    return makeError(libraryPath + ": has no " + Manifest::kFingerprintSymbol +
                     "; it is not a tmc model library; recompile the artifact");
  if (llvm::StringRef(libraryFingerprint, strnlen(libraryFingerprint, 17)) != computed)
    return makeError(libraryPath + " was compiled for another artifact (ABI fingerprint '" +
                     llvm::StringRef(libraryFingerprint, strnlen(libraryFingerprint, 17)) +
                     "', the manifest's is '" + computed +
                     "'); copy the artifact directory whole, or recompile it");
#ifdef TMC_HAVE_CUDA_RUNTIME
  if (onGpu)
    if (llvm::Error error = artifact.gpu->takeFailure())
      return makeError(libraryPath + ": cannot load its kernels on " + artifact.gpu->deviceName() +
                       ": " + llvm::toString(std::move(error)));
#endif
  // Before weights and caches fill the address space (runtime/BlasBuffers.h).
  if (!onGpu)
    mapBlasCallerBuffer(library);
  int64_t arenaBytes = 0;
  for (const EntryPoint &entry : artifact.info.entryPoints) {
    void *symbol = library.getAddressOfSymbol(entry.symbol.c_str());
    if (!symbol)
      return makeError(libraryPath + ": entry point symbol '" + entry.symbol +
                       "' is missing; the artifact is corrupt, recompile it");
    artifact.entryFns[entry.name] = reinterpret_cast<EntryFn>(symbol);
    arenaBytes = std::max(arenaBytes, entry.arenaBytes);
  }
  if (arenaBytes > 0) {
    if (onGpu)
      return makeError(manifestPath +
                       ": a CUDA artifact with a memory plan (arena_bytes); "
                       "this runtime allocates CUDA intermediates on the device's heap");
    artifact.arena = Arena(arenaBytes);
    if (llvm::Error error = artifact.checkArena())
      return std::move(error);
  }
  return artifact;
}

llvm::Error tmc::rt::checkTensor(const TensorSpec &spec, const HostTensor &tensor, StringRef what) {
  std::vector<int64_t> shape(tensor.shape().begin(), tensor.shape().end());
  bool shapeOk = shape.size() == spec.shape.size();
  for (size_t i = 0; shapeOk && i < shape.size(); ++i)
    shapeOk = spec.shape[i] == kDynamic || spec.shape[i] == shape[i];
  if (tensor.dtype() != spec.dtype || !shapeOk)
    return makeError(what + " '" + spec.name + "': expected " + dtypeName(spec.dtype) + " " +
                     shapeToString(spec.shape) + ", got " + dtypeName(tensor.dtype()) + " " +
                     shapeToString(shape));
  return llvm::Error::success();
}

/// The first value of an integer tensor outside [0, bound), as its flat index.
static std::optional<int64_t> firstOutside(const HostTensor &tensor, int64_t bound) {
  auto scan = [&](auto *values) -> std::optional<int64_t> {
    for (int64_t i = 0, e = tensor.numElements(); i < e; ++i)
      if (values[i] < 0 || values[i] >= bound)
        return i;
    return std::nullopt;
  };
  switch (tensor.dtype()) {
  case DType::I64:
    return scan(tensor.as<int64_t>());
  case DType::I32:
    return scan(tensor.as<int32_t>());
  default:
    return std::nullopt;
  }
}

static int64_t integerAt(const HostTensor &tensor, int64_t index) {
  return tensor.dtype() == DType::I64 ? tensor.as<int64_t>()[index] : tensor.as<int32_t>()[index];
}

llvm::Error tmc::rt::checkInputs(const EntryPoint &entry, llvm::ArrayRef<HostTensor> inputs) {
  if (inputs.size() != entry.inputs.size())
    return makeError("entry point '" + entry.name + "' takes " + llvm::Twine(entry.inputs.size()) +
                     " inputs, got " + llvm::Twine(inputs.size()));
  for (auto [spec, input] : llvm::zip(entry.inputs, inputs)) {
    if (llvm::Error error = checkTensor(spec, input, "input"))
      return error;
    for (auto [dim, size] : llvm::enumerate(input.shape()))
      if (size == 0)
        return makeError("input '" + spec.name + "' " + shapeToString(input.shape()) +
                         " is empty along dim " + llvm::Twine(dim) +
                         "; give at least one row and one token");
    if (spec.valuesBelow > 0)
      if (std::optional<int64_t> at = firstOutside(input, spec.valuesBelow))
        return makeError("input '" + spec.name + "': value " + llvm::Twine(integerAt(input, *at)) +
                         " at flat index " + llvm::Twine(*at) + " is not in [0, " +
                         llvm::Twine(spec.valuesBelow) +
                         "): token ids index the model's vocabulary of " +
                         llvm::Twine(spec.valuesBelow));
    bool decodes = !entry.inPlace.empty();
    if (entry.maxSeqLen > 0 && (spec.name == "attention_mask" || !decodes) &&
        input.shape().size() == 2 && input.shape()[1] > entry.maxSeqLen)
      return makeError(
          "input '" + spec.name + "' covers " + llvm::Twine(input.shape()[1]) +
          " positions, more than " +
          (decodes ? "the KV cache of " + llvm::Twine(entry.maxSeqLen) +
                         " (tmc compile --max-seq-len)"
                   : "the model's " + llvm::Twine(entry.maxSeqLen) +
                         " position embeddings (max_position_embeddings)"));
  }
  return llvm::Error::success();
}

/// A host tensor's descriptor for compiled code.
static std::vector<int64_t> descriptorOf(const HostTensor &tensor) {
  return memrefDescriptor(reinterpret_cast<int64_t>(tensor.data()), tensor.shape());
}

llvm::Error Artifact::bindWeights(const Checkpoint &checkpoint, int64_t rank) {
  auto bound = bindParams(info, checkpoint, rank, dir);
  if (!bound)
    return bound.takeError();
  weights = std::move(*bound);
  boundRank = rank;
#ifdef TMC_HAVE_CUDA_RUNTIME
  if (gpu)
    return gpu->uploadWeights(weights);
#endif
  moveWeightsToHugePages(weights);
  paramDescriptors.clear();
  for (const EntryPoint &entry : info.entryPoints) {
    std::vector<std::vector<int64_t>> &descriptors = paramDescriptors[entry.name];
    for (const std::string &name : entry.params)
      descriptors.push_back(descriptorOf(weights.at(name)));
  }
  return llvm::Error::success();
}

int64_t Artifact::weightHugePageBytes() const {
  // The region is whole huge pages; the weights fill all but its last.
  return weights.empty() ? 0
                         : std::min(hugePageBytesAt(weights.begin()->second.data()), weightBytes());
}

int64_t Artifact::weightBytes() const {
  int64_t bytes = 0;
  for (const auto &[name, tensor] : weights)
    bytes += tensor.numBytes();
  return bytes;
}

llvm::Error Artifact::checkArena() const {
  if (arena.data())
    return llvm::Error::success();
  return makeError(dir + ": cannot allocate the " + llvm::Twine(arena.size()) +
                   " bytes of its intermediates' arena (its memory plan, tmc compile "
                   "--plan-batch); free memory, or recompile with a smaller --plan-batch");
}

std::shared_ptr<void> Artifact::keepCachesOnDevice() const {
#ifdef TMC_HAVE_CUDA_RUNTIME
  if (gpu) {
    gpu->beginDeviceCaches();
    return std::shared_ptr<void>(nullptr,
                                 [executor = gpu](void *) { executor->endDeviceCaches(); });
  }
#endif
  return nullptr;
}

static std::string rankCount(int64_t ranks) {
  return std::to_string(ranks) + (ranks == 1 ? " rank" : " ranks");
}

llvm::Error tmc::rt::checkWorldSize(const Manifest &manifest, StringRef directory, int64_t ranks,
                                    StringRef runsOn, StringRef relaunch) {
  if (manifest.worldSize == ranks)
    return llvm::Error::success();
  return makeError(directory + " was compiled for " + rankCount(manifest.worldSize) +
                   " (tmc compile --tp " + llvm::Twine(manifest.worldSize) + ") but runs on " +
                   rankCount(ranks) + " (" + runsOn + "); " + relaunch + ", or recompile it");
}

Expected<std::vector<HostTensor>> Artifact::run(StringRef entryName,
                                                llvm::ArrayRef<HostTensor> inputs) const {
  const EntryPoint *entry = info.findEntryPoint(entryName);
  if (!entry)
    return makeError(dir + ": no entry point '" + entryName + "'");
  if (llvm::Error error = checkInputs(*entry, inputs))
    return std::move(error);
  if (weights.size() != info.params.size())
    return makeError("no weights bound to the artifact in " + dir + "; bind a checkpoint first");
  Collectives *collectives = threadCollectives();
  int64_t ranks = collectives ? collectives->worldSize() : 1;
  if (info.worldSize != ranks)
    return makeError(dir + " was compiled for " + rankCount(info.worldSize) +
                     " but this thread's communicator has " + rankCount(ranks) +
                     " (set one with setThreadCollectives)");
  if (collectives && collectives->rank() != boundRank)
    return makeError(dir + ": the weights are bound for rank " + llvm::Twine(boundRank) +
                     " but this thread is rank " + llvm::Twine(collectives->rank()));

#ifdef TMC_HAVE_CUDA_RUNTIME
  if (gpu)
    return gpu->run(entryFns.at(entry->name), *entry, inputs);
#endif
  // Result descriptors come first, packed back to back; then the inputs',
  // the params' and the arena's, the order of the entry's arguments.
  std::vector<int64_t> results = resultBuffer(entry->results);
  std::vector<std::vector<int64_t>> inputDescriptors;
  for (const HostTensor &input : inputs)
    inputDescriptors.push_back(descriptorOf(input));
  // The arena the compiler planned the call's intermediates in comes last.
  std::vector<int64_t> arenaDescriptor;
  if (entry->arenaBytes > 0) {
    if (llvm::Error error = checkArena())
      return std::move(error);
    arenaDescriptor =
        memrefDescriptor(reinterpret_cast<int64_t>(arena.data()), {entry->arenaBytes});
  }
  std::vector<void *> args;
  if (!entry->results.empty())
    args.push_back(results.data());
  for (std::vector<int64_t> &descriptor : inputDescriptors)
    args.push_back(descriptor.data());
  // (The compiled code reads the param descriptors, never writes them.)
  auto params = paramDescriptors.find(entry->name);
  if (params == paramDescriptors.end() && !entry->params.empty())
    return makeError("no weights bound to the artifact in " + dir + "; bind a checkpoint first");
  if (params != paramDescriptors.end())
    for (const std::vector<int64_t> &descriptor : params->second)
      args.push_back(const_cast<int64_t *>(descriptor.data()));
  if (entry->arenaBytes > 0)
    args.push_back(arenaDescriptor.data());
  entryFns.at(entry->name)(args.data());
  // Another rank failed and released the collectives: the results are garbage.
  bool abandoned = collectives && collectives->aborted();

  std::vector<HostTensor> outputs;
  for (auto [spec, result] : llvm::zip(entry->results, readResults(entry->results, results))) {
    auto *allocated = reinterpret_cast<void *>(result.allocated);
    auto *aligned = reinterpret_cast<char *>(result.aligned);
    int64_t offset = result.offset;
    std::vector<int64_t> &shape = result.shape, &strides = result.strides;
    size_t elementSize = dtypeSize(spec.dtype);
    HostTensor adopted =
        HostTensor::adoptMalloced(spec.dtype, shape, allocated, aligned + offset * elementSize);
    if (strides == contiguousStrides(shape)) {
      outputs.push_back(std::move(adopted));
      continue;
    }
    // A strided result view: copy it into a contiguous tensor.
    HostTensor contiguous = HostTensor::gather(spec.dtype, shape, strides, adopted.data());
    outputs.push_back(std::move(contiguous));
  }
  if (abandoned)
    return makeError("rank " + llvm::Twine(boundRank) + " stopped: another rank failed");
  return outputs;
}
