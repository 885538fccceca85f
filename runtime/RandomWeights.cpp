//===- RandomWeights.cpp - a checkpoint of random weights -------*- C++ -*-===//
#include "runtime/RandomWeights.h"

#include "runtime/Error.h"
#include "runtime/GgmlTypes.h"
#include "runtime/HostTensor.h"

#include <cstring>
#include <map>
#include <random>

using namespace tmc::rt;

namespace {

constexpr size_t kPoolValues = size_t(1) << 20;

/// The checkpoint shape of `spec`: its full shape, or for a weight stored in
/// blocks the [rows, columns] matrix the blocks hold.
std::vector<int64_t> checkpointShape(const TensorSpec &spec, int64_t worldSize) {
  std::vector<int64_t> full = fullShape(spec, worldSize);
  if (spec.blockFormat.empty())
    return full;
  // The manifest's reader checked the name.
  BlockLayout layout = *blockLayoutFromName(spec.blockFormat);
  return {full[0] * layout.interleavedRows, full[1] * ggmlTypeInfo(layout.type).blockSize};
}

} // namespace

llvm::Expected<Checkpoint> tmc::rt::randomCheckpoint(const Manifest &manifest, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> normal(0.0f, 0.02f);
  std::vector<float> pool(kPoolValues);
  for (float &value : pool)
    value = normal(rng);
  std::vector<float> ones(kPoolValues, 1.0f);
  // Each pool in each dtype, encoded at its first use.
  std::map<std::pair<DType, bool>, std::vector<uint8_t>> encodedPools;

  auto tensors = std::make_shared<std::vector<HostTensor>>();
  Checkpoint checkpoint;
  for (const TensorSpec &spec : manifest.params) {
    DType dtype = spec.blockFormat.empty() ? spec.dtype : DType::F32;
    if (dtype != DType::F32 && dtype != DType::BF16 && dtype != DType::F16)
      return makeError("--random-weights: weight '" + spec.name + "' is " + dtypeName(dtype) +
                       ", not a float; random weights fill float32, bfloat16 and float16 ones");
    std::vector<int64_t> shape = checkpointShape(spec, manifest.worldSize);
    auto tensor = HostTensor::allocate(dtype, shape, "the random weight '" + spec.name + "'");
    if (!tensor)
      return tensor.takeError();
    bool vector = shape.size() == 1;
    size_t elementBytes = dtypeSize(dtype);
    std::vector<uint8_t> &encoded = encodedPools[{dtype, vector}];
    if (encoded.empty()) {
      encoded.resize(kPoolValues * elementBytes);
      writeFromFloat32((vector ? ones : pool).data(), kPoolValues, dtype, encoded.data());
    }
    // The pool copied over the tensor from an offset.
    size_t count = tensor->numElements(), at = rng() % kPoolValues;
    auto *out = static_cast<uint8_t *>(tensor->data());
    for (size_t done = 0; done < count;) {
      size_t run = std::min(count - done, kPoolValues - at);
      std::memcpy(out + done * elementBytes, encoded.data() + at * elementBytes,
                  run * elementBytes);
      done += run;
      at = 0;
    }
    TensorInfo info;
    info.name = spec.name;
    info.dtype = dtype;
    info.shape = shape;
    info.data = tensor->data();
    info.numBytes = tensor->numBytes();
    info.file = "--random-weights";
    checkpoint.infos.push_back(std::move(info));
    tensors->push_back(std::move(*tensor));
  }
  llvm::sort(checkpoint.infos,
             [](const TensorInfo &a, const TensorInfo &b) { return a.name < b.name; });
  checkpoint.storage = std::move(tensors);
  return checkpoint;
}
