//===- TmcOps.td - tmc operations --------------------------*- tablegen -*-===//
//
// Weights and the tensor ops of the graph.
//
//===----------------------------------------------------------------------===//

#ifndef TMC_IR_TMC_OPS_TD
#define TMC_IR_TMC_OPS_TD

include "ir/Tmc/TmcDialect.td"
include "mlir/IR/SymbolInterfaces.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/IR/CommonTypeConstraints.td"

//===----------------------------------------------------------------------===//
// Weights
//===----------------------------------------------------------------------===//

def Tmc_ParamOp : Tmc_Op<"param", [Symbol]> {
  let summary = "A named weight of the model";
  let description = [{
    Declares one checkpoint tensor at module level. The symbol is the tensor's
    name in the checkpoint, so loading needs no mapping; the type is its shape
    and dtype on this rank (after sharding).

    ```mlir
    tmc.param @"model.layers.0.mlp.down_proj.weight" : tensor<64x176xf32>
    ```
  }];
  let arguments = (ins SymbolNameAttr:$sym_name,
                       TypeAttrOf<AnyRankedTensor>:$type);
  let assemblyFormat = "$sym_name attr-dict `:` $type";
  let extraClassDeclaration = [{
    mlir::RankedTensorType getTensorType() {
      return mlir::cast<mlir::RankedTensorType>(getType());
    }
  }];
  let hasVerifier = 1;
}

def Tmc_GetParamOp : Tmc_Op<"get_param", [
    Pure, DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "Reads a weight declared by tmc.param";
  let description = [{
    The value of a weight inside a function. Its type must equal the declared
    one.

    ```mlir
    %w = tmc.get_param @"model.norm.weight" : tensor<64xf32>
    ```
  }];
  let arguments = (ins FlatSymbolRefAttr:$name);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$name attr-dict `:` type($result)";
}

//===----------------------------------------------------------------------===//
// Linear algebra
//===----------------------------------------------------------------------===//

def Tmc_LinearOp : Tmc_Op<"linear", [Pure]> {
  let summary = "y = x W^T + b, as torch.nn.functional.linear";
  let description = [{
    `input` is `[..., in_features]`, `weight` is `[out_features, in_features]`
    (checkpoint layout), the optional `bias` is `[out_features]`; the result is
    `[..., out_features]`. Leading dimensions may be dynamic.

    ```mlir
    %y = tmc.linear %x, %w at "model.layers.0.mlp.down_proj"
        : (tensor<?x?x176xf32>, tensor<64x176xf32>) -> tensor<?x?x64xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input, AnyRankedTensor:$weight,
                       Optional<AnyRankedTensor>:$bias,
                       Tmc_ModulePathAttr:$path);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $input `,` $weight (`,` $bias^)? (`at` $path^)? attr-dict
    `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

#endif // TMC_IR_TMC_OPS_TD
