//===- Passes.td - attention backend selection -------------*- tablegen -*-===//
#ifndef TMC_PASSES_ATTENTION_PASSES_TD
#define TMC_PASSES_ATTENTION_PASSES_TD

include "mlir/Pass/PassBase.td"

def SelectAttention : Pass<"tmc-select-attention", "mlir::ModuleOp"> {
  let summary = "Picks the backend of every tmc.attention, per layer kind";
  let description = [{
    Sets `backend` on each `tmc.attention` from `implementation` (or the
    module's `tmc.attn_implementation` attribute, which instantiation copies
    from config `_attn_implementation`; `eager` when neither is set). Sliding
    layers (`sliding_window` set) use `sliding-implementation` when given,
    so layer kinds can differ. An unknown name is an error listing the
    registered backends; a backend that cannot run a layer is an error naming
    the layer.
  }];
  let options = [
    Option<"implementation", "implementation", "std::string", /*default=*/"\"\"",
           "Backend for every attention layer (eager, sdpa)">,
    Option<"slidingImplementation", "sliding-implementation", "std::string",
           /*default=*/"\"\"", "Backend for sliding-window layers (default: implementation)">,
  ];
  let dependentDialects = ["::tmc::TmcDialect"];
}

#endif // TMC_PASSES_ATTENTION_PASSES_TD
