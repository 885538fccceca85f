//===- Passes.h - modular expansion -----------------------------*- C++ -*-===//
#ifndef TMC_PASSES_MODULAR_PASSES_H
#define TMC_PASSES_MODULAR_PASSES_H

#include "ir/Mdl/MdlDialect.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace tmc {
#define GEN_PASS_DECL
#include "passes/modular/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "passes/modular/Passes.h.inc"
} // namespace tmc

#endif // TMC_PASSES_MODULAR_PASSES_H
