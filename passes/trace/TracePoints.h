//===- TracePoints.h - the table of a module's trace points -----*- C++ -*-===//
//
// A target lowers each tmc.trace to a runtime call that names the point by
// an id; the manifest maps ids back to modules (`trace_points`), so the
// runtime can build the tree without strings in compiled code.
//
//===----------------------------------------------------------------------===//

#ifndef TMC_PASSES_TRACE_TRACEPOINTS_H
#define TMC_PASSES_TRACE_TRACEPOINTS_H

#include "ir/Tmc/TmcOps.h"

#include "mlir/IR/BuiltinOps.h"

namespace tmc {

/// Numbers `module`'s tmc.trace ops in walk order, writes their table on the
/// module (`tmc.trace_points`, [{module, output, index}] by id) and returns
/// the ops by id.
llvm::SmallVector<TraceOp> numberTracePoints(mlir::ModuleOp module);

} // namespace tmc

#endif // TMC_PASSES_TRACE_TRACEPOINTS_H
