//===- TmcAttrs.td - tmc attributes ------------------------*- tablegen -*-===//
//
// The artifact ABI as IR: what an entry point takes and returns, written on
// the module by tmc-prepare-entry-points and turned into manifest.json after
// the target's pipeline. Also the marks lowering leaves for later passes.
//
//===----------------------------------------------------------------------===//

#ifndef TMC_IR_TMC_ATTRS_TD
#define TMC_IR_TMC_ATTRS_TD

include "ir/Tmc/TmcDialect.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/BuiltinAttributeInterfaces.td"

class Tmc_Attr<string name, string attrMnemonic, list<Trait> traits = []>
    : AttrDef<Tmc_Dialect, name, traits> {
  let mnemonic = attrMnemonic;
}

def Tmc_SplitAttr : Tmc_Attr<"Split", "split"> {
  let summary = "How a tensor-parallel weight is divided among the ranks";
  let description = [{
    Set by `tmc-shard-tp` on a `tmc.param` whose type it made rank-local.
    The checkpoint holds the full tensor: the param's shape with `dim`
    multiplied by the world size. That dimension is `blocks` equal blocks (2
    for a fused `gate_up_proj` sharded `packed_colwise`), each divided into
    world-size equal parts; rank `r` holds part `r` of every block, in block
    order. The runtime cuts each rank's slice out of the checkpoint.

    ```mlir
    tmc.param @model.layers.0.mlp.down_proj.weight : tensor<64x88xf32> {tmc.split = #tmc.split<dim = 1>}
    ```
  }];
  let parameters = (ins "int64_t":$dim, DefaultValuedParameter<"int64_t", "1">:$blocks);
  let assemblyFormat = "`<` struct(params) `>`";
}

def Tmc_TensorSpecAttr : Tmc_Attr<"TensorSpec", "tensor"> {
  let summary = "A named tensor that crosses the artifact boundary";
  let description = [{
    An entry point's input or result, or a weight: its name (an input name,
    `result0`, or the checkpoint name) and its type, `?` for dynamic sizes;
    a tensor-parallel weight's type is its rank-local slice, and `split` says
    how the ranks divide the checkpoint's tensor. An integer input whose
    values index a table (token ids into an embedding) has `values_below`,
    the table's rows: the runtime rejects values outside `[0, values_below)`
    before any backend reads them. A weight stored in blocks
    (`tmc-store-weights`) has `block_format`: its type is the
    `[rows, blocks, words]` tensor of 16-bit words `tmc.dequantize` reads.

    ```mlir
    #tmc.tensor<"input_ids" : tensor<?x?xi64> values_below = 256>
    #tmc.tensor<"model.layers.0.mlp.down_proj.weight" : tensor<64x6x10xi16> block_format = "q4_1">
    ```
  }];
  let parameters = (ins StringRefParameter<"the name">:$name,
                        "::mlir::RankedTensorType":$type,
                        OptionalParameter<"::tmc::SplitAttr">:$split,
                        DefaultValuedParameter<"int64_t", "0">:$values_below,
                        StringRefParameter<"the block format of a weight", "\"\"">:$block_format);
  let assemblyFormat = [{
    `<` $name `:` $type (`,` $split^)? (`values_below` `=` $values_below^)?
    (`block_format` `=` $block_format^)? `>`
  }];
  let builders = [
    AttrBuilder<(ins "::llvm::StringRef":$name, "::mlir::RankedTensorType":$type), [{
      return $_get($_ctxt, name, type, ::tmc::SplitAttr(), 0, "");
    }]>,
    AttrBuilder<(ins "::llvm::StringRef":$name, "::mlir::RankedTensorType":$type,
                     "::tmc::SplitAttr":$split), [{
      return $_get($_ctxt, name, type, split, 0, "");
    }]>
  ];
}

def Tmc_EntryPointAttr : Tmc_Attr<"EntryPoint", "entry_point"> {
  let summary = "One entry point of the artifact";
  let description = [{
    A public function as the runtime calls it: `inputs` ([#tmc.tensor]) come
    first, then the weights named in `params` (checkpoint names, in argument
    order); `results` ([#tmc.tensor]) are returned. `in_place` lists the
    inputs the call writes (KV caches), and `max_seq_len` is a decode entry's
    cache length (0 otherwise). `arena_bytes` is the size of the scratch
    buffer the call takes as its last argument, where `tmc-plan-memory`
    placed its intermediate buffers (0: no such argument).

    ```mlir
    #tmc.entry_point<name = "forward", inputs = [#tmc.tensor<"input_ids" : tensor<?x?xi64>>],
                     params = ["model.embed_tokens.weight"],
                     results = [#tmc.tensor<"result0" : tensor<?x?x256xf32>>]>
    ```
  }];
  let parameters = (ins
    StringRefParameter<"the function's name">:$name,
    "::mlir::ArrayAttr":$inputs,
    "::mlir::ArrayAttr":$params,
    "::mlir::ArrayAttr":$results,
    "::mlir::DenseI64ArrayAttr":$in_place,
    DefaultValuedParameter<"int64_t", "0">:$max_seq_len,
    DefaultValuedParameter<"int64_t", "0">:$arena_bytes
  );
  let assemblyFormat = "`<` struct(params) `>`";
}

def Tmc_HeadContractionAttr : Tmc_Attr<"HeadContraction", "head_contraction"> {
  let summary = "Marks an attention contraction as one GEMM per (batch, head)";
  let description = [{
    Set by the attention lowering on the rank-4 `linalg.generic`s it builds
    for q . k (`transpose_b = true`: C[b,h,i,j] += A[b,h,i,k] B[b,h/g,j,k]) and
    p . v (`transpose_b = false`: C[b,h,i,j] += A[b,h,i,k] B[b,h/g,k,j]), with
    g = `group` query heads per kv head. A target may hand each (b, h) matrix
    product to a GEMM library; without it the generic is ordinary loops.
  }];
  let parameters = (ins "bool":$transpose_b, "int64_t":$group);
  let assemblyFormat = "`<` struct(params) `>`";
}

#endif // TMC_IR_TMC_ATTRS_TD
