//===- Passes.h - how weights are stored ------------------------*- C++ -*-===//
#ifndef TMC_PASSES_STORAGE_PASSES_H
#define TMC_PASSES_STORAGE_PASSES_H

#include "ir/Tmc/TmcDialect.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace tmc {
#define GEN_PASS_DECL
#include "passes/storage/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "passes/storage/Passes.h.inc"
} // namespace tmc

#endif // TMC_PASSES_STORAGE_PASSES_H
