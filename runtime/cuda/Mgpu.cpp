//===- Mgpu.cpp - the functions the gpu-to-llvm lowering calls ---*- C++ -*-===/
//
// Upstream ships these in libmlir_cuda_runtime (CudaRuntimeWrappers.cpp),
// which Debian does not package and which links libcuda. tmc serves the
// ones its host code calls from the driver it opened, with one difference:
// streams. gpu-to-llvm brackets every launch and allocation with a stream
// create / synchronize / destroy; here all of them are the active
// executor's one stream, synchronizing is the executor's job at the end of
// a call, so the host never waits inside an entry point and the whole call
// is one in-order stream of work (which a CUDA graph can capture).
//
//===----------------------------------------------------------------------===//

#include "runtime/cuda/CudaExecutor.h"

#include <cstdint>

using namespace tmc::rt::cuda;

namespace {
/// Records `result` on the active executor when it is a failure.
bool succeeded(const char *call, CUresult result) {
  if (result == CUDA_SUCCESS)
    return true;
  if (Executor *executor = activeExecutor())
    executor->fail(describe(executor->driver(), call, result));
  return false;
}
} // namespace

extern "C" {

// The kernels embedded in model.so, loaded by its constructors when the
// runtime opens it (after the executor was activated).
CUmodule mgpuModuleLoad(void *data, size_t /*bytes*/) {
  Executor *executor = activeExecutor();
  if (!executor)
    return nullptr;
  CUmodule module = nullptr;
  succeeded("cuModuleLoadData", executor->driver().cuModuleLoadData(&module, data));
  return module;
}

void mgpuModuleUnload(CUmodule module) {
  if (Executor *executor = activeExecutor(); executor && module)
    executor->driver().cuModuleUnload(module);
}

CUfunction mgpuModuleGetFunction(CUmodule module, const char *name) {
  Executor *executor = activeExecutor();
  if (!executor || !module)
    return nullptr;
  CUfunction function = nullptr;
  succeeded("cuModuleGetFunction", executor->driver().cuModuleGetFunction(&function, module, name));
  return function;
}

void mgpuLaunchKernel(CUfunction function, intptr_t gridX, intptr_t gridY, intptr_t gridZ,
                      intptr_t blockX, intptr_t blockY, intptr_t blockZ, int32_t sharedBytes,
                      CUstream stream, void **params, void ** /*extra*/, size_t /*count*/) {
  Executor *executor = activeExecutor();
  // An empty iteration space (a batch of no rows) launches nothing.
  if (!executor || !function || gridX == 0 || gridY == 0 || gridZ == 0)
    return;
  succeeded("cuLaunchKernel",
            executor->driver().cuLaunchKernel(function, gridX, gridY, gridZ, blockX, blockY,
                                              blockZ, sharedBytes, stream, params, nullptr));
}

CUstream mgpuStreamCreate() {
  Executor *executor = activeExecutor();
  return executor ? executor->stream() : nullptr;
}

void mgpuStreamDestroy(CUstream) {}

void mgpuStreamSynchronize(CUstream) {}

void *mgpuMemAlloc(uint64_t bytes, CUstream stream, bool /*hostShared*/) {
  Executor *executor = activeExecutor();
  if (!executor)
    return nullptr;
  CUdeviceptr pointer = 0;
  // A buffer of no elements still gets an address the frees can release.
  if (!succeeded("cuMemAllocAsync (a buffer of compiled code)",
                 executor->driver().cuMemAllocAsync(&pointer, bytes == 0 ? 1 : bytes, stream)))
    return nullptr;
  return reinterpret_cast<void *>(pointer);
}

void mgpuMemFree(void *pointer, CUstream stream) {
  if (Executor *executor = activeExecutor(); executor && pointer)
    succeeded("cuMemFreeAsync",
              executor->driver().cuMemFreeAsync(reinterpret_cast<CUdeviceptr>(pointer), stream));
}

} // extern "C"
