//===- CpuTarget.h - the CPU target -----------------------------*- C++ -*-===//
#ifndef TMC_TARGETS_CPU_CPUTARGET_H
#define TMC_TARGETS_CPU_CPUTARGET_H

#include "targets/Target.h"

namespace tmc::cpu {
std::unique_ptr<Target> createCpuTarget();
} // namespace tmc::cpu

#endif // TMC_TARGETS_CPU_CPUTARGET_H
