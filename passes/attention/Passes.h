//===- Passes.h - attention backend selection -------------------*- C++ -*-===//
#ifndef TMC_PASSES_ATTENTION_PASSES_H
#define TMC_PASSES_ATTENTION_PASSES_H

#include "ir/Tmc/TmcDialect.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace tmc {
#define GEN_PASS_DECL
#include "passes/attention/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "passes/attention/Passes.h.inc"
} // namespace tmc

#endif // TMC_PASSES_ATTENTION_PASSES_H
