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
    given attention backends by `tmc-select-attention` in the `scheduled`
    phase, and lowered by a target (`targets/<name>`) to its own dialects.

    The discardable attributes below carry what the compiled artifact
    promises its runtime (its ABI). Instantiation writes the model's facts,
    `tmc-prepare-entry-points` the entry points, and the manifest writer reads
    them back from the final IR, so `tmc-opt` and `tmc compile` print the same
    module at every phase.
  }];
  let cppNamespace = "::tmc";
  let useDefaultAttributePrinterParser = 1;
  let hasOperationAttrVerify = 1;
  let extraClassDeclaration = [{
    void registerAttributes();
  }];
  let discardableAttrs = (ins
    // On the module, from instantiation: config `model_type` and
    // `_attn_implementation`.
    "::mlir::StringAttr":$model_type,
    "::mlir::StringAttr":$attn_implementation,
    // On the module, from instantiation: the model class (`LlamaForCausalLM`),
    // the root of an activation trace. On a layer's func.call: that layer's
    // module path (`model.layers.3`), which `*` in its callee's paths stands for.
    "::mlir::StringAttr":$model_class,
    "::mlir::StringAttr":$module_path,
    // On the module, from a target's lowering of tmc.trace: the trace points,
    // by id, as [{module, output, index}] (docs/DEBUGGING.md).
    "::mlir::ArrayAttr":$trace_points,
    // On the module, from instantiation: the tensor-parallel plan, module
    // names (`*` for layer numbers) to strategies: the config's
    // base_model_tp_plan under the base model's name, and the head's _tp_plan.
    "::mlir::DictionaryAttr":$tp_plan,
    // On the module, from instantiation: patterns (Python re.search) of
    // checkpoint tensors that are not weights (the model class's
    // _keys_to_ignore_on_load_unexpected); the manifest carries them.
    "::mlir::ArrayAttr":$ignored_checkpoint_keys,
    // On the module, from instantiation: where the runtime pads shorter rows
    // of a batch, "left" for decoders (as for generation), "right" for
    // encoders (absolute positions count from the first token).
    "::mlir::StringAttr":$padding_side,
    // On the module, from tmc-shard-tp: the ranks one program serves; on a
    // tmc.param it sharded: a #tmc.split.
    "::mlir::IntegerAttr":$world_size,
    "::mlir::Attribute":$split,
    // On a tmc.param: the storage `tmc-store-weights` chose, a block layout
    // (`q4_1`, `q4_1x16`) or a float type's torch name (`bfloat16`); the compile driver
    // sets it beforehand for weights whose checkpoint storage it keeps.
    "::mlir::StringAttr":$storage,
    // On the module, from tmc-prepare-entry-points: every weight the artifact
    // reads ([#tmc.tensor]), its entry points ([#tmc.entry_point]) and the
    // attention backend of each layer kind.
    "::mlir::ArrayAttr":$params,
    "::mlir::ArrayAttr":$entry_points,
    "::mlir::DictionaryAttr":$attention_backends,
    // On an entry function: the decode entry's KV-cache positions.
    "::mlir::IntegerAttr":$max_seq_len,
    // On entry arguments: an input's name (`input_ids`) or a weight's
    // checkpoint name; on results: the argument a cache is written into.
    "::mlir::StringAttr":$name,
    "::mlir::StringAttr":$param,
    "::mlir::IntegerAttr":$in_place,
    // On a linalg op the attention lowering built: a #tmc.head_contraction.
    "::mlir::Attribute":$head_contraction,
    // Beside it, from the key-chunk lowering of a decode step's attention:
    // the most rows each head of A has, which lets a target read each key and
    // value row once for all of them (a vector kernel instead of a GEMM).
    "::mlir::IntegerAttr":$head_rows_at_most,
    // On a linalg.generic the lowering of a linear built over a weight stored
    // in blocks (tmc-store-weights): its block layout, for targets' kernels.
    "::mlir::StringAttr":$block_product,
    // On a tmc.linear over a stored weight, and on the product its lowering
    // builds: "int8" (a weight in interleaved blocks, `q4_1x16`) when the
    // target's kernel multiplies the inputs quantized to 8 bits per block of
    // 32, as llama.cpp does (`tmc compile --activation-dtype int8`);
    // "bfloat16" (a bf16 weight) when it rounds them to bf16
    // (`--activation-dtype bfloat16`).
    "::mlir::StringAttr":$activations
  );
}

class Tmc_Op<string mnemonic, list<Trait> traits = []>
    : Op<Tmc_Dialect, mnemonic, traits>;

/// The module path an op was instantiated from (`model.layers.3.mlp.down_proj`).
def Tmc_ModulePathAttr : OptionalAttr<StrAttr>;

#endif // TMC_IR_TMC_DIALECT_TD
