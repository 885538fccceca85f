//===- CudaExecutor.h - running a CUDA artifact -----------------*- C++ -*-===//
//
// One GPU, one context, one stream: the executor keeps an artifact's weights
// in device memory and runs its entry points with device copies of their
// inputs. Every launch, allocation and GEMM the host code makes goes onto
// the executor's stream (runtime/cuda/Mgpu.cpp, CudaGemm.cpp), in program
// order, so the host waits once per call.
//
//===----------------------------------------------------------------------===//

#ifndef TMC_RUNTIME_CUDA_CUDAEXECUTOR_H
#define TMC_RUNTIME_CUDA_CUDAEXECUTOR_H

#include "runtime/HostTensor.h"
#include "runtime/Manifest.h"
#include "runtime/cuda/CudaDriver.h"
#include "runtime/cuda/CudaGemm.h"

#include <map>
#include <memory>
#include <string>

namespace tmc::rt::cuda {

class Executor {
public:
  /// Opens the driver, takes device `TMC_CUDA_DEVICE` (default 0), checks
  /// that it runs code for `arch` (the manifest's cuda_arch), makes its
  /// primary context current and creates the stream. `artifact` names the
  /// directory in errors.
  static llvm::Expected<std::unique_ptr<Executor>> create(llvm::StringRef arch,
                                                          llvm::StringRef artifact);
  ~Executor();
  Executor(const Executor &) = delete;
  Executor &operator=(const Executor &) = delete;

  /// Makes this the executor of the calling thread: its context current,
  /// and the one the mgpu functions and tmc_cuda_gemm put work on.
  void activate();

  /// Copies every weight to device memory, replacing earlier ones.
  llvm::Error uploadWeights(const std::map<std::string, HostTensor> &weights);

  /// Runs `entry` (inputs already checked) through its packed symbol `fn`:
  /// inputs are copied to the device, results back, and in-place inputs
  /// (KV caches) are written back into the host tensors.
  llvm::Expected<std::vector<HostTensor>> run(void (*fn)(void **), const EntryPoint &entry,
                                              llvm::ArrayRef<HostTensor> inputs);

  /// From here until endDeviceCaches(), in-place inputs (the KV caches)
  /// stay in device memory between calls: each is copied in at the first
  /// call that passes its host tensor, updated there by every later call
  /// that passes the same tensor, and never copied back, so the host
  /// tensors keep their first contents. Generation, where only compiled
  /// code reads the caches, runs this way.
  void beginDeviceCaches();
  /// Frees the device caches and returns to copying caches both ways.
  void endDeviceCaches();

  /// cuBLASLt on this executor's stream, opened at the first GEMM; null
  /// (and the failure recorded) when it cannot be.
  Gemm *gemm();

  /// The failure recorded since the last call, as an error (and cleared).
  llvm::Error takeFailure();

  /// Records the first failure of a call compiled code made (those return
  /// nothing); run() reports it.
  void fail(std::string message);

  const Driver &driver() const { return *cu; }
  CUstream stream() const { return queue; }
  /// The device the executor runs on, for messages ("NVIDIA H200, sm_90").
  const std::string &deviceName() const { return name; }

private:
  Executor() = default;
  llvm::Expected<CUdeviceptr> allocate(size_t bytes, llvm::StringRef what);

  const Driver *cu = nullptr;
  CUdevice device = 0;
  CUcontext context = nullptr;
  CUstream queue = nullptr;
  std::string name;
  struct DeviceWeight {
    CUdeviceptr pointer;
    std::vector<int64_t> shape;
  };
  std::map<std::string, DeviceWeight> weights;
  std::unique_ptr<Gemm> blas;
  std::string failure;
  bool keepCaches = false;
  /// The device copy of each cache by its host tensor's data.
  std::map<const void *, CUdeviceptr> deviceCaches;
};

/// The executor activate() made current on this thread, or null.
Executor *activeExecutor();

} // namespace tmc::rt::cuda

#endif // TMC_RUNTIME_CUDA_CUDAEXECUTOR_H
