//===- Passes.td - tensor parallelism ----------------------*- tablegen -*-===//
#ifndef TMC_PASSES_PARALLEL_PASSES_TD
#define TMC_PASSES_PARALLEL_PASSES_TD

include "mlir/Pass/PassBase.td"

def ShardTp : Pass<"tmc-shard-tp", "mlir::ModuleOp"> {
  let summary = "Shards the graph for tensor parallelism from the model's tp_plan";
  let description = [{
    Rewrites the tmc graph into the program one rank of `world-size` runs,
    with transformers' tp_plan semantics (docs/PARALLELISM.md). The plan is
    the module's `tmc.tp_plan` (instantiation writes the config's
    base_model_tp_plan and the head's _tp_plan), or the JSON object in
    `plan`. Keys are module names with `*` for layer numbers; a weight
    matches its name with `.N.` as `.*.`, then its module's name.

    Each sharded `tmc.param` gets its rank-local type and a `#tmc.split`;
    values follow from their producers (split along a dimension, or
    replicated), head counts divide through the views around attention, KV
    caches of the decode entry shard by kv heads, and the collectives a
    strategy implies are upstream `shard` ops on `@tp`: `shard.all_reduce`
    after a row-parallel linear (its bias added once, after), `shard.all_gather`
    where a sharded value must be whole, `shard.all_slice` where a replicated
    value meets a sharded one. An op that cannot work on slices gets whole
    operands, so every plan computes what the unsharded graph computes.

    An impossible plan is an error naming the plan key, the module and the
    numbers: an unknown strategy, a key that matches no weight, a dimension
    or head count the ranks do not divide.
  }];
  let options = [
    Option<"worldSize", "world-size", "int64_t", /*default=*/"1",
           "Ranks the program runs on (1: no sharding)">,
    Option<"planPath", "plan", "std::string", /*default=*/"\"\"",
           "JSON file with the tp_plan to apply instead of the module's tmc.tp_plan "
           "(full module names: model.layers.*.mlp.down_proj, lm_head)">,
  ];
  let dependentDialects = ["::tmc::TmcDialect", "::mlir::shard::ShardDialect",
                           "::mlir::arith::ArithDialect", "::mlir::func::FuncDialect",
                           "::mlir::tensor::TensorDialect"];
}

#endif // TMC_PASSES_PARALLEL_PASSES_TD
