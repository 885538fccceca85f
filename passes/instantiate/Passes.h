//===- Passes.h - instantiation ---------------------------------*- C++ -*-===//
#ifndef TMC_PASSES_INSTANTIATE_PASSES_H
#define TMC_PASSES_INSTANTIATE_PASSES_H

#include "ir/Tmc/TmcDialect.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace tmc {
#define GEN_PASS_DECL
#include "passes/instantiate/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "passes/instantiate/Passes.h.inc"
} // namespace tmc

#endif // TMC_PASSES_INSTANTIATE_PASSES_H
