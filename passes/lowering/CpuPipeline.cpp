//===- CpuPipeline.cpp - the tmc-lower-to-cpu pipeline ----------*- C++ -*-===//
//
// From the tmc graph to the LLVM dialect, as one straight list of passes. Each
// step says why it runs; `tmc-opt --tmc-lower-to-cpu --mlir-print-ir-after-all`
// shows the IR after every one of them.
//
//===----------------------------------------------------------------------===//

#include "passes/attention/Passes.h"
#include "passes/conversion/Passes.h"
#include "passes/lowering/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Arith/Transforms/Passes.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

void tmc::buildCpuPipeline(OpPassManager &pm, const CpuPipelineOptions &options) {
  // Each attention layer gets its backend before lowering picks its code.
  SelectAttentionOptions attention;
  attention.implementation = options.attnImplementation;
  pm.addPass(createSelectAttention(attention));
  // Weights become arguments: the runtime's calling convention.
  pm.addPass(createPrepareEntryPoints());
  // Every tmc op becomes linalg/tensor/arith/math on tensors.
  pm.addPass(createConvertTmcToLinalg());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  // Tensors become buffers; function boundaries use contiguous (identity)
  // layouts, which is what the runtime hands in.
  bufferization::OneShotBufferizePassOptions bufferize;
  bufferize.bufferizeFunctionBoundaries = true;
  bufferize.functionBoundaryTypeConversion = bufferization::LayoutMapOption::IdentityLayoutMap;
  // sdpa's key-block loop carries fresh running statistics each iteration.
  bufferize.allowReturnAllocsFromLoops = true;
  pm.addPass(bufferization::createOneShotBufferizePass(bufferize));
  // KV caches are written into their arguments: the functions stop
  // returning them, so nothing clones them per call.
  pm.addPass(createDropInPlaceResults());
  // Free every intermediate buffer; returned buffers belong to the caller.
  bufferization::buildBufferDeallocationPipeline(pm);
  // Matmuls go to OpenBLAS unless generated loops were asked for.
  if (options.gemm == "blas")
    pm.addPass(createLinalgToBlas());
  // Remaining linalg ops (and strided copies) become loops; views become
  // explicit address arithmetic.
  pm.addNestedPass<func::FuncOp>(createCopiesToLinalg());
  pm.addNestedPass<func::FuncOp>(createConvertLinalgToLoopsPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createSCFToControlFlowPass());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  // erf and tanh have no LLVM intrinsic and become libm calls; the rest maps
  // onto LLVM intrinsics.
  // Math on bf16 (exp in silu, softmax) runs in f32, as LLVM has no bf16 libm.
  pm.addNestedPass<func::FuncOp>(math::createMathExtendToSupportedTypes());
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createConvertMathToLibmPass());
  // bf16 <-> f32 conversions become integer arithmetic: no compiler-rt call
  // (__truncsfbf2) the artifact would have to link.
  // bf16 arithmetic (a bf16 linear's loops) runs in f32, rounding each result,
  // as x86 has no bf16 ALU and LLVM would call compiler-rt for every op.
  arith::ArithEmulateUnsupportedFloatsOptions emulate;
  emulate.sourceTypeStrs = {"bf16"};
  emulate.targetTypeStr = "f32";
  pm.addNestedPass<func::FuncOp>(arith::createArithEmulateUnsupportedFloats(emulate));
  arith::ArithExpandOpsPassOptions expand;
  expand.includeBf16 = true;
  pm.addNestedPass<func::FuncOp>(arith::createArithExpandOpsPass(expand));
  pm.addPass(createFinalizeMemRefToLLVMConversionPass());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertIndexToLLVMPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  // One `tmc_entry_<name>(void **)` per entry point for the runtime.
  pm.addPass(createEmitPackedEntryPoints());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
}

void tmc::registerCpuPipeline() {
  PassPipelineRegistration<CpuPipelineOptions>(
      "tmc-lower-to-cpu", "Lowers a tmc graph to the LLVM dialect for CPU execution",
      buildCpuPipeline);
}
