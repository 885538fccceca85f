//===- CudaDriver.h - the CUDA driver API, opened at run time ---*- C++ -*-===//
//
// tmc builds and runs CPU artifacts where no NVIDIA driver exists, so the
// runtime links no CUDA library: the driver (libcuda.so.1) and cuBLASLt are
// opened with dlopen when a CUDA artifact is loaded, and a machine without
// them gets one error saying so. The function table holds the versioned
// entry points cuda.h names (cuMemAlloc is cuMemAlloc_v2).
//
//===----------------------------------------------------------------------===//

#ifndef TMC_RUNTIME_CUDA_CUDADRIVER_H
#define TMC_RUNTIME_CUDA_CUDADRIVER_H

#include <cuda.h>

#include "llvm/Support/Error.h"

namespace tmc::rt::cuda {

// Each entry point of the driver tmc calls.
#define TMC_CUDA_DRIVER_FUNCTIONS(X)                                                             \
  X(cuInit)                                                                                      \
  X(cuGetErrorName)                                                                              \
  X(cuGetErrorString)                                                                            \
  X(cuDriverGetVersion)                                                                          \
  X(cuDeviceGet)                                                                                 \
  X(cuDeviceGetCount)                                                                            \
  X(cuDeviceGetName)                                                                             \
  X(cuDeviceGetAttribute)                                                                        \
  X(cuDeviceTotalMem)                                                                            \
  X(cuDevicePrimaryCtxRetain)                                                                    \
  X(cuDevicePrimaryCtxRelease)                                                                   \
  X(cuCtxSetCurrent)                                                                             \
  X(cuModuleLoadData)                                                                            \
  X(cuModuleUnload)                                                                              \
  X(cuModuleGetFunction)                                                                         \
  X(cuLaunchKernel)                                                                              \
  X(cuStreamCreate)                                                                              \
  X(cuStreamSynchronize)                                                                         \
  X(cuStreamDestroy)                                                                             \
  X(cuMemAlloc)                                                                                  \
  X(cuMemFree)                                                                                   \
  X(cuMemAllocAsync)                                                                             \
  X(cuMemFreeAsync)                                                                              \
  X(cuMemcpyHtoDAsync)                                                                           \
  X(cuMemcpyDtoHAsync)                                                                           \
  X(cuMemcpyDtoDAsync)                                                                           \
  X(cuMemsetD8Async)                                                                             \
  X(cuStreamBeginCapture)                                                                        \
  X(cuStreamEndCapture)                                                                          \
  X(cuGraphInstantiate)                                                                          \
  X(cuGraphLaunch)                                                                               \
  X(cuGraphDestroy)                                                                              \
  X(cuGraphExecDestroy)

struct Driver {
#define TMC_CUDA_DECLARE(name) decltype(&::name) name = nullptr;
  TMC_CUDA_DRIVER_FUNCTIONS(TMC_CUDA_DECLARE)
#undef TMC_CUDA_DECLARE
};

/// The driver, opened and initialized (cuInit) once per process; an error
/// naming what is missing on a machine without it.
llvm::Expected<const Driver *> loadDriver();

/// "cuMemAlloc: CUDA_ERROR_OUT_OF_MEMORY (out of memory)" style text.
std::string describe(const Driver &driver, const char *call, CUresult result);

/// An error for a failed driver call, or success.
llvm::Error check(const Driver &driver, const char *call, CUresult result);

} // namespace tmc::rt::cuda

#endif // TMC_RUNTIME_CUDA_CUDADRIVER_H
