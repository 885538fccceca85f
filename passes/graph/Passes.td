//===- Passes.td - passes over the tmc tensor graph --------*- tablegen -*-===//
//
// Cleanups and rewrites of the graph that keep it in the tmc dialect.
//
//===----------------------------------------------------------------------===//

#ifndef TMC_PASSES_GRAPH_PASSES_TD
#define TMC_PASSES_GRAPH_PASSES_TD

include "mlir/Pass/PassBase.td"

def PruneUnusedParams : Pass<"tmc-prune-unused-params", "mlir::ModuleOp"> {
  let summary = "Removes tmc.param declarations that no op reads";
  let description = [{
    After dead-code elimination or tying (a `lm_head` that reuses
    `embed_tokens`), some declared weights are no longer read. Removing them
    keeps the manifest's parameter list equal to what the runtime must load.
    With `keep-names`, weights named there stay even when unread.
  }];
  let options = [
    ListOption<"keepNames", "keep-names", "std::string",
               "Weights to keep even when no op reads them">,
  ];
  let dependentDialects = ["::tmc::TmcDialect"];
}

#endif // TMC_PASSES_GRAPH_PASSES_TD
