//===- Passes.h - activation traces -----------------------------*- C++ -*-===//
#ifndef TMC_PASSES_TRACE_PASSES_H
#define TMC_PASSES_TRACE_PASSES_H

#include "ir/Tmc/TmcDialect.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace tmc {
#define GEN_PASS_DECL
#include "passes/trace/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "passes/trace/Passes.h.inc"
} // namespace tmc

#endif // TMC_PASSES_TRACE_PASSES_H
