//===- Passes.td - lowerings shared by the linalg targets --*- tablegen -*-===//
//
// Passes both targets that generate code from linalg (cpu, cuda) run.
//
//===----------------------------------------------------------------------===//

#ifndef TMC_TARGETS_LINALG_PASSES_TD
#define TMC_TARGETS_LINALG_PASSES_TD

include "mlir/Pass/PassBase.td"

def CopiesToLinalg : Pass<"tmc-copies-to-linalg", "mlir::func::FuncOp"> {
  let summary = "Rewrites memref.copy into linalg.copy, so copies become loops";
  let description = [{
    Bufferization copies strided views (a slice of a fused projection, such
    as Phi-3's `gate_up_proj` halves) with `memref.copy`, which the LLVM
    lowering turns into a call to `memrefCopy` from MLIR's C runner
    library for any non-contiguous layout. Artifacts do not link that
    library; as `linalg.copy` the copy becomes plain loops on the CPU and a
    kernel on CUDA, whose buffers the host cannot touch.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

def FillPerUse : Pass<"tmc-fill-per-use", "mlir::func::FuncOp"> {
  let summary = "Gives each op that starts from a filled tensor a fill of its own";
  let description = [{
    CSE merges identical `linalg.fill`s, so two products with zero
    accumulators (SmolLM2's k and v projections, gate and up) share one
    filled tensor. Bufferization then writes one of them in place and gives
    the other a fresh buffer with a copy of the zeros: a memset and a memcpy
    of the whole output for one fill. Here a fill on tensors with several
    uses is cloned before each use but the first, so each output is filled
    where it lives (and a target may fold the fill into its product).
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

def PlanMemory : Pass<"tmc-plan-memory", "mlir::ModuleOp"> {
  let summary = "Places intermediate buffers at offsets of one arena, planned ahead";
  let description = [{
    Runs after bufferization and deallocation, and after the target's own
    kernels (on the CPU, tmc-cpu-block-products: their scratch buffers are
    planned too). Each `memref.alloc` whose
    size is bounded under the plan's shape (`batch` rows; every other
    dynamic input dim at most the entry's `max_seq_len`, or the module's
    longest) becomes a `memref.view` of its function's frame, at an offset
    from a liveness-based plan (greedy by size). A function's frame holds
    its buffers and, while it calls them, its callees' frames; a private
    function's result buffer lives in its caller's frame, passed as a region
    argument. An entry's frame is its last argument (`tmc.arena`), of the
    `arena_bytes` its #tmc.entry_point records. A slot holds at most
    `max-slot-bytes`; a buffer whose bytes exceed its slot at run time (a
    longer prompt, a larger batch) comes from the heap instead. `batch=0`
    plans nothing.
  }];
  let options = [
    Option<"batch", "batch", "int64_t", /*default=*/"1",
           "the rows (dim 0 of every entry input) the plan covers; 0: no plan">,
    Option<"maxSlotBytes", "max-slot-bytes", "int64_t", /*default=*/"16 << 20",
           "the largest slot of one buffer; larger calls take it from the heap">
  ];
  let dependentDialects = ["::mlir::memref::MemRefDialect", "::mlir::scf::SCFDialect",
                           "::mlir::arith::ArithDialect"];
}

#endif // TMC_TARGETS_LINALG_PASSES_TD
