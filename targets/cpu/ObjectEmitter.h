//===- ObjectEmitter.h - LLVM dialect to a shared library -------*- C++ -*-===//
#ifndef TMC_TARGETS_CPU_OBJECTEMITTER_H
#define TMC_TARGETS_CPU_OBJECTEMITTER_H

#include "mlir/IR/BuiltinOps.h"

#include "llvm/Support/Error.h"

namespace tmc::cpu {

/// Translates `module` (LLVM dialect) to LLVM IR, optimizes it at -O3 for the
/// host CPU, writes the object code and links `libraryPath` with the C
/// compiler, against OpenBLAS and libm. `llvmIRPath`, when non-empty, receives
/// the optimized LLVM IR.
llvm::Error emitSharedLibrary(mlir::ModuleOp module, llvm::StringRef libraryPath,
                              llvm::StringRef llvmIRPath);

} // namespace tmc::cpu

#endif // TMC_TARGETS_CPU_OBJECTEMITTER_H
