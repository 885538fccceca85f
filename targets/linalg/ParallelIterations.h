//===- ParallelIterations.h - an scf.parallel's iterations as one range -*- C++ -*-===//
//
// The CPU target splits a parallel loop's iterations across OpenMP threads,
// the CUDA target across GPU threads: both number them in one range, the
// last dimension fastest (neighbouring iterations, neighbouring elements).
//
//===----------------------------------------------------------------------===//
#ifndef TMC_TARGETS_LINALG_PARALLELITERATIONS_H
#define TMC_TARGETS_LINALG_PARALLELITERATIONS_H

#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/Builders.h"

namespace tmc::lowering {

/// The iterations of an scf.parallel numbered [0, total).
struct CollapsedIterations {
  /// Per dimension, ceil((upper - lower) / step), 0 where upper <= lower.
  llvm::SmallVector<mlir::Value> trips;
  mlir::Value total;
};

/// Emits the trip counts of `loop` at the builder's insertion point.
CollapsedIterations collapseIterations(mlir::OpBuilder &b, mlir::Location loc,
                                       mlir::scf::ParallelOp loop);

/// The induction values of `loop` at iteration `linear` of `iterations`.
llvm::SmallVector<mlir::Value> inductionValuesAt(mlir::OpBuilder &b, mlir::Location loc,
                                                 mlir::scf::ParallelOp loop,
                                                 const CollapsedIterations &iterations,
                                                 mlir::Value linear);

} // namespace tmc::lowering

#endif // TMC_TARGETS_LINALG_PARALLELITERATIONS_H
