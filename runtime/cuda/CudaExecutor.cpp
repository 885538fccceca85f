//===- CudaExecutor.cpp - running a CUDA artifact ---------------*- C++ -*-===//
#include "runtime/cuda/CudaExecutor.h"

#include "runtime/Error.h"
#include "runtime/MemrefDescriptor.h"

#include "llvm/ADT/StringExtras.h"

#include <cstdlib>
#include <utility>

using namespace tmc::rt;
using namespace tmc::rt::cuda;

static thread_local Executor *current = nullptr;

Executor *tmc::rt::cuda::activeExecutor() { return current; }

/// "sm_90a" -> 90; "sm_80" -> 80.
static std::optional<int> archNumber(llvm::StringRef arch) {
  int number = 0;
  if (!arch.consume_front("sm_"))
    return std::nullopt;
  arch = arch.rtrim("af");
  if (arch.getAsInteger(10, number))
    return std::nullopt;
  return number;
}

llvm::Expected<std::unique_ptr<Executor>> Executor::create(llvm::StringRef arch,
                                                           llvm::StringRef artifact) {
  auto driver = loadDriver();
  if (!driver)
    return makeError(artifact + " is a CUDA artifact, and " +
                     llvm::toString(driver.takeError()));
  const Driver &cu = **driver;
  std::unique_ptr<Executor> executor(new Executor);
  executor->cu = &cu;
  int count = 0;
  if (llvm::Error error = check(cu, "cuDeviceGetCount", cu.cuDeviceGetCount(&count)))
    return std::move(error);
  int ordinal = 0;
  if (const char *chosen = std::getenv("TMC_CUDA_DEVICE"))
    if (!llvm::to_integer(chosen, ordinal) || ordinal < 0 || ordinal >= count)
      return makeError(std::string("TMC_CUDA_DEVICE=") + chosen + " is not a device of this " +
                       "machine, which has " + std::to_string(count) + " (0 to " +
                       std::to_string(count - 1) + ")");
  if (count == 0)
    return makeError(artifact + " is a CUDA artifact, but the driver finds no GPU");
  if (llvm::Error error = check(cu, "cuDeviceGet", cu.cuDeviceGet(&executor->device, ordinal)))
    return std::move(error);
  char deviceName[256] = {};
  cu.cuDeviceGetName(deviceName, sizeof(deviceName), executor->device);
  int major = 0, minor = 0;
  cu.cuDeviceGetAttribute(&major, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, executor->device);
  cu.cuDeviceGetAttribute(&minor, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, executor->device);
  int capability = major * 10 + minor;
  executor->name = std::string(deviceName) + ", sm_" + std::to_string(capability);
  // A cubin runs only on its own architecture ("a" variants exactly so).
  std::optional<int> wanted = archNumber(arch);
  if (!wanted || *wanted != capability)
    return makeError(artifact + " was compiled for " + arch + ", but device " +
                     std::to_string(ordinal) + " is " + executor->name +
                     "; recompile it with --cuda-arch sm_" + std::to_string(capability) +
                     (capability >= 90 ? "a" : ""));
  if (llvm::Error error = check(cu, "cuDevicePrimaryCtxRetain",
                                cu.cuDevicePrimaryCtxRetain(&executor->context, executor->device)))
    return std::move(error);
  if (llvm::Error error = check(cu, "cuCtxSetCurrent", cu.cuCtxSetCurrent(executor->context)))
    return std::move(error);
  if (llvm::Error error = check(cu, "cuStreamCreate",
                                cu.cuStreamCreate(&executor->queue, CU_STREAM_NON_BLOCKING)))
    return std::move(error);
  return executor;
}

Executor::~Executor() {
  if (!cu)
    return;
  cu->cuCtxSetCurrent(context);
  blas.reset();
  endDeviceCaches();
  for (auto &[weightName, weight] : weights)
    cu->cuMemFree(weight.pointer);
  if (queue)
    cu->cuStreamDestroy(queue);
  if (context)
    cu->cuDevicePrimaryCtxRelease(device);
  if (current == this)
    current = nullptr;
}

void Executor::activate() {
  cu->cuCtxSetCurrent(context);
  current = this;
}

Gemm *Executor::gemm() {
  if (!blas) {
    auto created = Gemm::create(*cu, queue);
    if (!created) {
      fail(llvm::toString(created.takeError()));
      return nullptr;
    }
    blas = std::move(*created);
  }
  return blas.get();
}

llvm::Error Executor::takeFailure() {
  if (failure.empty())
    return llvm::Error::success();
  return makeError(std::exchange(failure, std::string()));
}

void Executor::fail(std::string message) {
  if (failure.empty())
    failure = std::move(message);
}

llvm::Expected<CUdeviceptr> Executor::allocate(size_t bytes, llvm::StringRef what) {
  CUdeviceptr pointer = 0;
  CUresult result = cu->cuMemAllocAsync(&pointer, bytes == 0 ? 1 : bytes, queue);
  if (result != CUDA_SUCCESS)
    return makeError("cannot allocate " + std::to_string(bytes) + " bytes of device memory on " +
                     name + " for " + what + ": " + describe(*cu, "cuMemAllocAsync", result));
  return pointer;
}

llvm::Error Executor::uploadWeights(const std::map<std::string, HostTensor> &hostWeights) {
  activate();
  for (auto &[weightName, weight] : weights)
    cu->cuMemFree(weight.pointer);
  weights.clear();
  for (const auto &[weightName, tensor] : hostWeights) {
    CUdeviceptr pointer = 0;
    CUresult result = cu->cuMemAlloc(&pointer, std::max<size_t>(tensor.numBytes(), 1));
    if (result != CUDA_SUCCESS)
      return makeError("cannot allocate " + std::to_string(tensor.numBytes()) +
                       " bytes of device memory on " + name + " for weight '" + weightName +
                       "': " + describe(*cu, "cuMemAlloc", result));
    weights[weightName] = {pointer, std::vector<int64_t>(tensor.shape())};
    if (llvm::Error error = check(*cu, "cuMemcpyHtoDAsync",
                                  cu->cuMemcpyHtoDAsync(pointer, tensor.data(), tensor.numBytes(),
                                                        queue)))
      return error;
  }
  return check(*cu, "cuStreamSynchronize", cu->cuStreamSynchronize(queue));
}

void Executor::beginDeviceCaches() {
  endDeviceCaches();
  keepCaches = true;
}

void Executor::endDeviceCaches() {
  cu->cuCtxSetCurrent(context);
  cu->cuStreamSynchronize(queue);
  for (auto &[host, pointer] : deviceCaches)
    cu->cuMemFree(pointer);
  deviceCaches.clear();
  keepCaches = false;
}

/// A device buffer's descriptor for compiled code.
static std::vector<int64_t> descriptorOf(CUdeviceptr pointer, llvm::ArrayRef<int64_t> shape) {
  return memrefDescriptor(static_cast<int64_t>(pointer), shape);
}

llvm::Expected<std::vector<HostTensor>> Executor::run(void (*fn)(void **), const EntryPoint &entry,
                                                      llvm::ArrayRef<HostTensor> inputs) {
  activate();
  failure.clear();
  std::vector<CUdeviceptr> inputBuffers;
  auto freeInputs = [&] {
    for (CUdeviceptr pointer : inputBuffers)
      cu->cuMemFreeAsync(pointer, queue);
    cu->cuStreamSynchronize(queue);
  };
  std::vector<std::vector<int64_t>> descriptors;
  std::vector<CUdeviceptr> inputPointers;
  for (auto [index, spec, input] : llvm::enumerate(entry.inputs, inputs)) {
    bool resident = keepCaches && llvm::is_contained(entry.inPlace, int64_t(index));
    if (auto found = deviceCaches.find(input.data()); resident && found != deviceCaches.end()) {
      inputPointers.push_back(found->second);
      descriptors.push_back(descriptorOf(found->second, input.shape()));
      continue;
    }
    CUdeviceptr pointer = 0;
    if (resident) {
      CUresult result = cu->cuMemAlloc(&pointer, std::max<size_t>(input.numBytes(), 1));
      if (result != CUDA_SUCCESS) {
        freeInputs();
        return makeError("cannot allocate " + std::to_string(input.numBytes()) +
                         " bytes of device memory on " + name + " for the cache '" + spec.name +
                         "': " + describe(*cu, "cuMemAlloc", result));
      }
      deviceCaches[input.data()] = pointer;
    } else {
      auto allocated = allocate(input.numBytes(), "input '" + spec.name + "'");
      if (!allocated) {
        freeInputs();
        return allocated.takeError();
      }
      pointer = *allocated;
      inputBuffers.push_back(pointer);
    }
    cu->cuMemcpyHtoDAsync(pointer, input.data(), input.numBytes(), queue);
    inputPointers.push_back(pointer);
    descriptors.push_back(descriptorOf(pointer, input.shape()));
  }
  for (const std::string &param : entry.params) {
    auto found = weights.find(param);
    if (found == weights.end()) {
      freeInputs();
      return makeError("weight '" + param + "' is not on the device; bind the weights first");
    }
    descriptors.push_back(descriptorOf(found->second.pointer, found->second.shape));
  }
  std::vector<int64_t> results = resultBuffer(entry.results);
  std::vector<void *> args;
  if (!entry.results.empty())
    args.push_back(results.data());
  for (std::vector<int64_t> &descriptor : descriptors)
    args.push_back(descriptor.data());
  fn(args.data());
  CUresult finished = cu->cuStreamSynchronize(queue);
  if (finished != CUDA_SUCCESS)
    fail("running '" + entry.name + "' on " + name + ": " +
         describe(*cu, "cuStreamSynchronize", finished));

  std::vector<HostTensor> outputs;
  for (auto [spec, result] : llvm::zip(entry.results, readResults(entry.results, results))) {
    auto allocated = static_cast<CUdeviceptr>(result.allocated);
    auto aligned = static_cast<CUdeviceptr>(result.aligned);
    int64_t offset = result.offset;
    size_t rank = spec.shape.size();
    std::vector<int64_t> &shape = result.shape, &strides = result.strides;
    if (!failure.empty()) {
      cu->cuMemFreeAsync(allocated, queue);
      continue;
    }
    // The elements the view spans, from its first to its last.
    int64_t span = 1;
    for (size_t d = 0; d < rank; ++d)
      span += shape[d] == 0 ? 0 : (shape[d] - 1) * strides[d];
    size_t elementSize = dtypeSize(spec.dtype);
    HostTensor staged(spec.dtype, {span});
    CUresult copied = cu->cuMemcpyDtoHAsync(staged.data(), aligned + offset * elementSize,
                                            span * elementSize, queue);
    cu->cuMemFreeAsync(allocated, queue);
    cu->cuStreamSynchronize(queue);
    if (copied != CUDA_SUCCESS) {
      fail("reading result '" + spec.name + "': " + describe(*cu, "cuMemcpyDtoHAsync", copied));
      continue;
    }
    outputs.push_back(HostTensor::gather(spec.dtype, shape, strides, staged.data()));
  }
  // The caches were written in place on the device; the host copies
  // follow, unless the device copies are kept.
  for (int64_t index : keepCaches ? llvm::ArrayRef<int64_t>() : llvm::ArrayRef(entry.inPlace)) {
    const HostTensor &cache = inputs[index];
    CUresult copied =
        cu->cuMemcpyDtoHAsync(cache.data(), inputPointers[index], cache.numBytes(), queue);
    if (copied != CUDA_SUCCESS)
      fail("reading back '" + entry.inputs[index].name +
           "': " + describe(*cu, "cuMemcpyDtoHAsync", copied));
  }
  freeInputs();
  if (!failure.empty())
    return makeError(failure);
  return outputs;
}
