//===- Passes.td - lowering tmc programs to native code ----*- tablegen -*-===//
//
// The steps of the CPU pipeline that upstream does not provide: the weight
// ABI, GEMM library calls, and the artifact's entry points.
//
//===----------------------------------------------------------------------===//

#ifndef TMC_PASSES_LOWERING_PASSES_TD
#define TMC_PASSES_LOWERING_PASSES_TD

include "mlir/Pass/PassBase.td"

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

def LinalgToBlas : Pass<"tmc-linalg-to-blas", "mlir::ModuleOp"> {
  let summary = "Replaces f32 matmuls on memrefs with cblas_sgemm calls";
  let description = [{
    `linalg.matmul` (plain or transposed-B) and `linalg.batch_matmul` on f32
    memrefs whose innermost stride is 1 become calls to `cblas_sgemm` (one per
    batch) with `beta = 1`, which keeps linalg's accumulate-into-output
    semantics. The two per-head contractions of the attention lowering
    (scores `q k^T` and the weighted sum `p v`, rank-4 `linalg.generic`s
    whose key/value head is `h floordiv group` under GQA) become one sgemm
    per (batch, head) the same way. Other matmuls stay for the loop lowering.
  }];
  let dependentDialects = [
    "::mlir::LLVM::LLVMDialect", "::mlir::func::FuncDialect",
    "::mlir::scf::SCFDialect", "::mlir::arith::ArithDialect",
    "::mlir::memref::MemRefDialect",
  ];
}

def CopiesToLinalg : Pass<"tmc-copies-to-linalg", "mlir::func::FuncOp"> {
  let summary = "Rewrites memref.copy into linalg.copy, so copies become loops";
  let description = [{
    Bufferization copies strided views (a slice of a fused projection, such
    as Phi-3's `gate_up_proj` halves) with `memref.copy`, which the LLVM
    lowering turns into a call to `memrefCopy` from MLIR's C runner
    library for any non-contiguous layout. Artifacts do not link that
    library; as `linalg.copy` the copy becomes plain loops instead.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

def EmitPackedEntryPoints : Pass<"tmc-emit-packed-entry-points", "mlir::ModuleOp"> {
  let summary = "Adds tmc_entry_<name>(void **args) for every C-interface function";
  let description = [{
    Runs on the LLVM dialect after `convert-func-to-llvm`. For each
    `_mlir_ciface_<name>` it emits `tmc_entry_<name>(ptr args)` where
    `args[i]` points at argument `i` of the C interface (a memref descriptor,
    or the result descriptors first when the function returns values). The
    runtime calls every entry point through this one signature.
  }];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
}

#endif // TMC_PASSES_LOWERING_PASSES_TD
