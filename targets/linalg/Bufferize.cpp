//===- Bufferize.cpp - tensors to buffers, for every linalg target --------===//
#include "targets/linalg/Passes.h"

#include "passes/abi/Passes.h"

#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Pass/PassManager.h"

using namespace mlir;

void tmc::lowering::buildBufferizePipeline(OpPassManager &pm) {
  // Function boundaries use contiguous (identity) layouts, which is what the
  // runtime hands in.
  pm.addNestedPass<func::FuncOp>(createFillPerUse());
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
}
