//===- Passes.td - activation traces -----------------------*- tablegen -*-===//
#ifndef TMC_PASSES_TRACE_PASSES_TD
#define TMC_PASSES_TRACE_PASSES_TD

include "mlir/Pass/PassBase.td"

def InsertTracePoints : Pass<"tmc-insert-trace-points", "mlir::ModuleOp"> {
  let summary = "Records every module's inputs and outputs (tmc compile --trace)";
  let description = [{
    Inserts a `tmc.trace` for each input and output of each module of the
    model, found from the module paths instantiation gives every op (and the
    `tmc.module_path` of each layer call): a module's ops are those at its
    path or below it; its inputs are the tensors those ops read from outside
    (not weights, constants or KV caches), in order of first use; its outputs
    are the tensors they make that something outside reads, in order of that
    read. The whole model is the module with the empty path: the entry's
    inputs and results. Inside a layer function, `*` in a path is the layer
    number, which the pass passes in as a new last argument of the layer
    function (an `index`, a constant at each call).

    The runtime writes what the trace points record as a tree in the layout
    of transformers' model_addition_debugger_context (docs/DEBUGGING.md).
    Runs first in the `scheduled` phase, so a tensor-parallel artifact traces
    whole tensors (tmc-shard-tp gathers a trace's split operand).
  }];
  let dependentDialects = ["::tmc::TmcDialect", "::mlir::arith::ArithDialect",
                           "::mlir::func::FuncDialect"];
}

#endif // TMC_PASSES_TRACE_PASSES_TD
