//===- TmcDialect.td - the tensor-graph dialect ------------*- tablegen -*-===//
//
// tmc is the tensor graph of an instantiated model: builtin tensors with
// dynamic batch and sequence dimensions, weights declared as `tmc.param`
// symbols named as in Hugging Face checkpoints, and ops that carry the module
// path they came from so tp_plan globs and debugging hooks can find them.
//
//===----------------------------------------------------------------------===//

#ifndef TMC_IR_TMC_DIALECT_TD
#define TMC_IR_TMC_DIALECT_TD

include "mlir/IR/OpBase.td"

def Tmc_Dialect : Dialect {
  let name = "tmc";
  let summary = "The tensor graph of an instantiated transformer model";
  let description = [{
    Produced by `tmc-instantiate` from a model's `mdl` program and its config;
    sharded by `tmc-shard-tp`, given attention backends by
    `tmc-select-attention`, and lowered to linalg, GPU and library calls.
  }];
  let cppNamespace = "::tmc";
}

class Tmc_Op<string mnemonic, list<Trait> traits = []>
    : Op<Tmc_Dialect, mnemonic, traits>;

/// The module path an op was instantiated from (`model.layers.3.mlp.down_proj`).
def Tmc_ModulePathAttr : OptionalAttr<StrAttr>;

#endif // TMC_IR_TMC_DIALECT_TD
