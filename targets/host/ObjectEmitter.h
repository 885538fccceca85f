//===- ObjectEmitter.h - LLVM dialect to a shared library -------*- C++ -*-===//
#ifndef TMC_TARGETS_HOST_OBJECTEMITTER_H
#define TMC_TARGETS_HOST_OBJECTEMITTER_H

#include "mlir/IR/BuiltinOps.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/Support/Error.h"

namespace tmc::host {

/// Translates `module` (LLVM dialect) to LLVM IR, optimizes it at -O3 for the
/// host CPU, writes the object code and links `libraryPath` with the C
/// compiler against `libraries` (`-lopenblas`); symbols of the runtime stay
/// undefined, for the executable that loads the library. `llvmIRPath`, when
/// non-empty, receives the optimized LLVM IR.
llvm::Error emitSharedLibrary(mlir::ModuleOp module, llvm::StringRef libraryPath,
                              llvm::StringRef llvmIRPath,
                              llvm::ArrayRef<llvm::StringRef> libraries);

} // namespace tmc::host

#endif // TMC_TARGETS_HOST_OBJECTEMITTER_H
