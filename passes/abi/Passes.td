//===- Passes.td - the artifact's calling convention -------*- tablegen -*-===//
//
// What every target's pipeline does to meet the runtime: weights become
// arguments, the ABI is written on the module for the manifest, caches are
// updated in place, and each entry point gets one packed C signature.
//
//===----------------------------------------------------------------------===//

#ifndef TMC_PASSES_ABI_PASSES_TD
#define TMC_PASSES_ABI_PASSES_TD

include "mlir/Pass/PassBase.td"

def KeepLastLogits : Pass<"tmc-keep-last-logits", "mlir::ModuleOp"> {
  let summary = "The decode entry returns the logits of each row's last position only";
  let description = [{
    Generation picks the next token from the last position's logits, so the
    decode entry (the function with `tmc.max_seq_len`) need not compute the
    others: transformers' `logits_to_keep=1`. Its first result `[batch, new,
    vocab]` becomes `[batch, 1, vocab]`, a `tmc.slice ... start = -1` of dim
    1, and the slice moves up through the ops that made the logits as long
    as each has no other user: `tmc.linear` (the head), elementwise ops
    (an operand of size 1 there, broadcast, is kept whole), casts, powers and
    reductions over other dims (the final norm). A prompt of n tokens then
    runs the head and the final norm once instead of n times. Runs in the
    `scheduled` phase after the trace points (a traced tensor has another
    user and stays whole) and before sharding.
  }];
}

def PrepareEntryPoints : Pass<"tmc-prepare-entry-points", "mlir::ModuleOp"> {
  let summary = "Gives public functions the artifact's calling convention";
  let description = [{
    Each public function is an entry point. It gets one trailing argument per
    `tmc.param` it reads (in declaration order), tagged
    `tmc.param = "<checkpoint name>"`; every tensor argument is marked
    `bufferization.writable = false` (the runtime passes inputs and
    memory-mapped, read-only weights, which compiled code must never write);
    and it is marked `llvm.emit_c_interface`. The `tmc.param` declarations are
    then removed. Reading a weight in a private function is an error: weights
    reach layer functions as arguments.

    The ABI is written on the module for the manifest: `tmc.params` (every
    weight an entry point reads, `#tmc.tensor`), `tmc.entry_points` (one
    `#tmc.entry_point` per public function: inputs named by their `tmc.name`,
    weights, results, caches written in place, `tmc.max_seq_len`) and
    `tmc.attention_backends` (the backend of each attention layer kind).
  }];
  let dependentDialects = ["::mlir::bufferization::BufferizationDialect"];
}

def DropInPlaceResults : Pass<"tmc-drop-in-place-results", "mlir::ModuleOp"> {
  let summary = "Drops buffer results that are written into an argument";
  let description = [{
    Runs right after bufferization. A result that returns (a cast of) one of
    its function's arguments is dropped, and call sites use the argument
    instead: a KV cache a layer function updated in place. A public
    function's result marked `tmc.in_place = <argument index>` (a cache the
    decode entry updates) is dropped too; when bufferization could not write
    it in place, a copy into the argument takes its place. Public results
    without the mark stay: they are the artifact's ABI.
  }];
  let dependentDialects = ["::mlir::memref::MemRefDialect"];
}

def EmitPackedEntryPoints : Pass<"tmc-emit-packed-entry-points", "mlir::ModuleOp"> {
  let summary = "Adds tmc_entry_<name>(void **args) for every C-interface function";
  let description = [{
    Runs on the LLVM dialect after `convert-func-to-llvm`. For each
    `_mlir_ciface_<name>` it emits `tmc_entry_<name>(ptr args)` where
    `args[i]` points at argument `i` of the C interface (a memref descriptor,
    or the result descriptors first when the function returns values). The
    runtime calls every entry point through this one signature. The C
    interface and the function it wraps (which takes every descriptor
    expanded) are inlined into the entry and removed, and every other
    defined function becomes internal: only the packed entries are exported.
  }];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
}

#endif // TMC_PASSES_ABI_PASSES_TD
