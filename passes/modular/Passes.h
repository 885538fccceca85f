//===- Passes.h - modular expansion -----------------------------*- C++ -*-===//
#ifndef TMC_PASSES_MODULAR_PASSES_H
#define TMC_PASSES_MODULAR_PASSES_H

#include "ir/Mdl/MdlDialect.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

#include "llvm/Support/VirtualFileSystem.h"

namespace tmc {
#define GEN_PASS_DECL
#include "passes/modular/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "passes/modular/Passes.h.inc"

/// tmc-expand-modular reading parent modeling files through `fs`: `tmc
/// check-modular` overlays the files it regenerated, so that a chain
/// C <- B <- A is checked against B as regenerated, not as committed.
std::unique_ptr<mlir::Pass>
createExpandModular(const ExpandModularOptions &options,
                    llvm::IntrusiveRefCntPtr<llvm::vfs::FileSystem> fs);
} // namespace tmc

#endif // TMC_PASSES_MODULAR_PASSES_H
