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

#endif // TMC_TARGETS_LINALG_PASSES_TD
