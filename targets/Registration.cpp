//===- Registration.cpp - every target tmc is built with --------*- C++ -*-===//
#include "targets/Target.h"
#include "targets/cpu/CpuTarget.h"
#include "targets/cuda/CudaTarget.h"

void tmc::registerAllTargets() {
  registerTarget(cpu::createCpuTarget());
  registerTarget(cuda::createCudaTarget());
}
