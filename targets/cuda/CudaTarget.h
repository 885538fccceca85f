//===- CudaTarget.h - the CUDA target ---------------------------*- C++ -*-===//
#ifndef TMC_TARGETS_CUDA_CUDATARGET_H
#define TMC_TARGETS_CUDA_CUDATARGET_H

#include "targets/Target.h"

namespace tmc::cuda {
std::unique_ptr<Target> createCudaTarget();
} // namespace tmc::cuda

#endif // TMC_TARGETS_CUDA_CUDATARGET_H
