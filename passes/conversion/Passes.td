//===- Passes.td - conversions out of the tmc dialect ------*- tablegen -*-===//
//
// Dialect conversions named XToY, as upstream names them.
//
//===----------------------------------------------------------------------===//

#ifndef TMC_PASSES_CONVERSION_PASSES_TD
#define TMC_PASSES_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertTmcToLinalg : Pass<"convert-tmc-to-linalg", "mlir::ModuleOp"> {
  let summary = "Lowers tmc tensor ops to linalg, tensor, arith and math";
  let description = [{
    Every tmc op except the weight ops (`tmc.param`, `tmc.get_param`, which
    `tmc-prepare-entry-points` removes first) becomes destination-style ops on
    tensors: `linear` and `matmul` become `linalg.matmul` (transposed-B for
    checkpoint-layout weights) and `linalg.batch_matmul`; elementwise ops,
    norms and rope become `linalg.generic`; shape ops become `tensor` ops.
    Dynamic sizes are read with `tensor.dim`. `tmc.attention` is not lowered
    here: each target lowers its backends first (`tmc-cpu-lower-attention`).
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect", "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect",
  ];
}

#endif // TMC_PASSES_CONVERSION_PASSES_TD
