//===- Passes.h - the artifact's calling convention -------------*- C++ -*-===//
#ifndef TMC_PASSES_ABI_PASSES_H
#define TMC_PASSES_ABI_PASSES_H

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace tmc {
#define GEN_PASS_DECL
#include "passes/abi/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "passes/abi/Passes.h.inc"
} // namespace tmc

#endif // TMC_PASSES_ABI_PASSES_H
