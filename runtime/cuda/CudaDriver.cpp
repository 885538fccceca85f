//===- CudaDriver.cpp - the CUDA driver API, opened at run time -*- C++ -*-===//
#include "runtime/cuda/CudaDriver.h"

#include "runtime/Error.h"

#include <dlfcn.h>
#include <mutex>

using namespace tmc::rt;
using namespace tmc::rt::cuda;

// cuda.h renames entry points to their current version (cuMemAlloc is
// cuMemAlloc_v2); stringizing after expansion gives the symbol to look up.
#define TMC_CUDA_SYMBOL(name) TMC_CUDA_STRINGIZE(name)
#define TMC_CUDA_STRINGIZE(name) #name

static llvm::Expected<Driver> openDriver() {
  void *library = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!library)
    return makeError(std::string("cannot load the CUDA driver (") + dlerror() +
                     "): CUDA artifacts run on a machine with an NVIDIA GPU and its driver; "
                     "compile for --target cpu to run here");
  Driver driver;
#define TMC_CUDA_RESOLVE(name)                                                                   \
  driver.name = reinterpret_cast<decltype(driver.name)>(dlsym(library, TMC_CUDA_SYMBOL(name)));  \
  if (!driver.name)                                                                              \
    return makeError("the CUDA driver has no " TMC_CUDA_SYMBOL(                                  \
        name) "; it is older than CUDA 12, which tmc needs: update the NVIDIA driver");
  TMC_CUDA_DRIVER_FUNCTIONS(TMC_CUDA_RESOLVE)
#undef TMC_CUDA_RESOLVE
  if (llvm::Error error = check(driver, "cuInit", driver.cuInit(0)))
    return std::move(error);
  return driver;
}

llvm::Expected<const Driver *> tmc::rt::cuda::loadDriver() {
  static std::once_flag once;
  static Driver driver;
  static std::string error;
  std::call_once(once, [] {
    llvm::Expected<Driver> opened = openDriver();
    if (opened)
      driver = *opened;
    else
      error = llvm::toString(opened.takeError());
  });
  if (!error.empty())
    return makeError(error);
  return &driver;
}

std::string tmc::rt::cuda::describe(const Driver &driver, const char *call, CUresult result) {
  const char *name = nullptr, *text = nullptr;
  driver.cuGetErrorName(result, &name);
  driver.cuGetErrorString(result, &text);
  return std::string(call) + ": " + (name ? name : "CUDA error " + std::to_string(result)) +
         (text ? std::string(" (") + text + ")" : "");
}

llvm::Error tmc::rt::cuda::check(const Driver &driver, const char *call, CUresult result) {
  if (result == CUDA_SUCCESS)
    return llvm::Error::success();
  return makeError(describe(driver, call, result));
}
