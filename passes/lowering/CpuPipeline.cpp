//===- CpuPipeline.cpp - the tmc-lower-to-cpu pipeline ----------*- C++ -*-===//
//
// From the tmc graph to the LLVM dialect, as one straight list of passes. Each
// step says why it runs; `tmc-opt --tmc-lower-to-cpu --mlir-print-ir-after-all`
// shows the IR after every one of them.
//
//===----------------------------------------------------------------------===//

#include "passes/conversion/Passes.h"
#include "passes/lowering/Passes.h"

#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"

#include "llvm/Support/raw_ostream.h"

using namespace mlir;

namespace {
/// Appends a textual pipeline of upstream passes; the strings are fixed, so a
/// failure here is a bug in tmc, reported instead of crashing.
void addUpstream(OpPassManager &pm, StringRef pipeline) {
  if (failed(parsePassPipeline(pipeline, pm, llvm::errs())))
    llvm::report_fatal_error(llvm::Twine("tmc: invalid built-in pipeline: ") + pipeline);
}
} // namespace

void tmc::buildCpuPipeline(OpPassManager &pm, const CpuPipelineOptions &options) {
  // Weights become arguments: the runtime's calling convention.
  pm.addPass(createPrepareEntryPoints());
  // Every tmc op becomes linalg/tensor/arith/math on tensors.
  pm.addPass(createConvertTmcToLinalg());
  addUpstream(pm, "canonicalize,cse");
  // Tensors become buffers; function boundaries use contiguous (identity) layouts,
  // which is what the runtime hands in.
  addUpstream(pm, "one-shot-bufferize{bufferize-function-boundaries "
                  "function-boundary-type-conversion=identity-layout-map}");
  // Free every intermediate buffer; returned buffers belong to the caller.
  bufferization::buildBufferDeallocationPipeline(pm);
  // Matmuls go to OpenBLAS unless generated loops were asked for.
  if (options.gemm == "blas")
    pm.addPass(createLinalgToBlas());
  // Remaining linalg ops become loops; views become explicit address arithmetic.
  addUpstream(pm, "func.func(convert-linalg-to-loops),lower-affine,convert-scf-to-cf,"
                  "expand-strided-metadata,lower-affine");
  // erf and tanh have no LLVM intrinsic: they become libm calls; the rest
  // maps onto LLVM intrinsics.
  addUpstream(pm, "convert-math-to-llvm,convert-math-to-libm");
  addUpstream(pm, "finalize-memref-to-llvm,convert-arith-to-llvm,convert-index-to-llvm,"
                  "convert-cf-to-llvm,convert-func-to-llvm,reconcile-unrealized-casts");
  // One `tmc_entry_<name>(void **)` per entry point for the runtime.
  pm.addPass(createEmitPackedEntryPoints());
  addUpstream(pm, "canonicalize,cse");
}

void tmc::registerCpuPipeline() {
  PassPipelineRegistration<CpuPipelineOptions>(
      "tmc-lower-to-cpu", "Lowers a tmc graph to the LLVM dialect for CPU execution",
      buildCpuPipeline);
}
