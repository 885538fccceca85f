//===- Passes.td - instantiation ---------------------------*- tablegen -*-===//
#ifndef TMC_PASSES_INSTANTIATE_PASSES_TD
#define TMC_PASSES_INSTANTIATE_PASSES_TD

include "mlir/Pass/PassBase.td"

def Instantiate : Pass<"tmc-instantiate", "mlir::ModuleOp"> {
  let summary = "Builds the tmc graph of an expanded model file for one config";
  let description = [{
    Runs the expanded model file (mdl dialect) as Python on a config: the
    config class (the class with a `model_type` attribute) is built from
    config.json's fields (each checked against the type of its default), the
    model class (`architectures[0]`, else the `*ForCausalLM` class) from the
    config, and its `forward(input_ids, attention_mask)` is traced into
    `func.func @forward(%input_ids: tensor<?x?xi64>, %attention_mask:
    tensor<?x?xi64>) -> logits`. Config values fold, `if`s on them are decided
    and loops over layers unroll; every weight becomes a `tmc.param` named as
    in Hugging Face checkpoints (a tied weight keeps its owner's name). A
    module held in an nn.ModuleList (a decoder layer) becomes a call of one
    private function per distinct layer kind, with its weights as arguments.
    Functions marked `@compiles_to(...)` become one op (docs/LANGUAGE.md).
    With `max-seq-len=N` a second entry `@decode(input_ids [batch, new],
    attention_mask [batch, past + new], position_ids [batch, new], then per
    attention layer i `cache.i.key` and `cache.i.value` [batch, kv_heads, N,
    head_dim])` returns the logits of the new tokens followed by every cache
    with the new keys and values written at position `past`
    (tmc.kv_cache_write) and attends over the cache's first `past + new`
    positions (tmc.kv_cache_read) with the attention_mask as key mask;
    prefill is a decode call with past = 0 (docs/GENERATION.md). With
    `kv-cache-dtype=float16` (or `bfloat16`) the caches hold that type: each
    write is of the new keys and values cast to it, each read is cast back,
    so attention computes in the graph's type on rounded keys and values
    (llama.cpp's default cache is f16: half the bytes a decode step reads).
    The mdl ops are removed. Errors point at the model file line, with the
    calls that led there as notes.
  }];
  let options = [
    Option<"configPath", "config", "std::string", /*default=*/"",
           "config.json to instantiate (default: the config class's defaults)">,
    Option<"dtype", "dtype", "std::string", /*default=*/"",
           "Weight dtype: float32 or bfloat16 (default: config torch_dtype, else float32)">,
    Option<"maxSeqLen", "max-seq-len", "int64_t", /*default=*/"0",
           "Also build @decode, generation against a KV cache of this many positions "
           "(0: @forward only)">,
    Option<"kvCacheDtype", "kv-cache-dtype", "std::string", /*default=*/"",
           "Element type of @decode's KV caches: float32, float16 or bfloat16 (default: "
           "the keys' and values' own); new keys and values are rounded to it as they are "
           "written, and read back widened">,
  ];
  let dependentDialects = ["::tmc::TmcDialect", "::mlir::func::FuncDialect",
                           "::mlir::arith::ArithDialect", "::mlir::tensor::TensorDialect"];
}

#endif // TMC_PASSES_INSTANTIATE_PASSES_TD
