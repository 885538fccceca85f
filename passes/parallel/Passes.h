//===- Passes.h - tensor parallelism ----------------------------*- C++ -*-===//
#ifndef TMC_PASSES_PARALLEL_PASSES_H
#define TMC_PASSES_PARALLEL_PASSES_H

#include "ir/Tmc/TmcDialect.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Shard/IR/ShardDialect.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace tmc {
#define GEN_PASS_DECL
#include "passes/parallel/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "passes/parallel/Passes.h.inc"
} // namespace tmc

#endif // TMC_PASSES_PARALLEL_PASSES_H
