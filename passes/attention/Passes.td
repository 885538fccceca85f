//===- Passes.td - attention backend selection -------------*- tablegen -*-===//
#ifndef TMC_PASSES_ATTENTION_PASSES_TD
#define TMC_PASSES_ATTENTION_PASSES_TD

include "mlir/Pass/PassBase.td"

def SelectAttention : Pass<"tmc-select-attention", "mlir::ModuleOp"> {
  let summary = "Picks the backend of every tmc.attention, per layer kind";
  let description = [{
    Sets `backend` on each `tmc.attention` from `implementation` (or the
    module's `tmc.attn_implementation` attribute, which instantiation copies
    from config `_attn_implementation`; `eager` when neither is set). The
    layer kind follows transformers' `layer_types`: `sliding_attention` (the
    op has `sliding_window`), `chunked_attention` (`chunk_size`) or
    `full_attention`; `implementation` may name a backend per kind:
    `sdpa,sliding_attention=eager`. An unknown name is an error listing the
    registered backends; a backend that cannot run a layer is an error naming
    the layer.
  }];
  let options = [
    Option<"implementation", "implementation", "std::string", /*default=*/"\"\"",
           "Backend for every attention layer (eager, sdpa), optionally per layer "
           "kind: NAME,KIND=NAME,... with KIND full_attention, sliding_attention or "
           "chunked_attention">,
  ];
  let dependentDialects = ["::tmc::TmcDialect"];
}

#endif // TMC_PASSES_ATTENTION_PASSES_TD
