//===- Passes.h - lowerings shared by the linalg targets --------*- C++ -*-===//
#ifndef TMC_TARGETS_LINALG_PASSES_H
#define TMC_TARGETS_LINALG_PASSES_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassManager.h"

namespace tmc::lowering {
#define GEN_PASS_DECL
#include "targets/linalg/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "targets/linalg/Passes.h.inc"

/// Tensors become buffers, the same for every linalg target: one-shot
/// bufferization with contiguous function boundaries, KV caches written in
/// place (tmc-drop-in-place-results), every buffer freed. A target that
/// plans an arena (tmc-plan-memory) adds it after its own kernels, whose
/// scratch buffers it then places too.
void buildBufferizePipeline(mlir::OpPassManager &pm);
} // namespace tmc::lowering

#endif // TMC_TARGETS_LINALG_PASSES_H
