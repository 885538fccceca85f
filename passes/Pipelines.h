//===- Pipelines.h - the compiler's phases ----------------------*- C++ -*-===//
//
// tmc compiles in named phases, as IREE's `--compile-to`:
//   modeling   the expanded modeling file (Python)
//   mdl        the model file as the mdl dialect
//   graph      the instantiated tmc graph         (tmc-graph-pipeline)
//   scheduled  after target-independent passes    (tmc-schedule-pipeline)
//   target     the target's own dialects          (the target's first pipeline)
//   llvm       the LLVM dialect                   (the target's second pipeline)
//   artifact   the artifact directory
// Each arrow between two IR phases is one pipeline registered in tmc-opt, so
// `tmc-opt <phase>.mlir --<pipeline>` reproduces what `tmc compile` does next.
//
//===----------------------------------------------------------------------===//

#ifndef TMC_PASSES_PIPELINES_H
#define TMC_PASSES_PIPELINES_H

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassOptions.h"

#include <optional>

namespace tmc {

enum class Phase { Modeling, Mdl, Graph, Scheduled, Target, Llvm, Artifact };

/// "modeling", "mdl", ..., "artifact".
llvm::StringRef phaseName(Phase phase);
/// The phase named `name`, if any.
std::optional<Phase> parsePhase(llvm::StringRef name);
/// "modeling, mdl, graph, scheduled, target, llvm, artifact".
std::string phaseNames();

/// `mdl` -> `graph`: instantiation for a config, then canonicalization.
struct GraphPipelineOptions : mlir::PassPipelineOptions<GraphPipelineOptions> {
  Option<std::string> config{*this, "config",
                             llvm::cl::desc("config.json to instantiate (default: the "
                                            "config class's defaults)")};
  Option<std::string> dtype{*this, "dtype",
                            llvm::cl::desc("Weight dtype: float32 or bfloat16 (default: "
                                           "config torch_dtype, else float32)")};
  Option<int64_t> maxSeqLen{*this, "max-seq-len",
                            llvm::cl::desc("KV-cache positions of @decode (0: no decode)"),
                            llvm::cl::init(0)};
  Option<std::string> kvCacheDtype{
      *this, "kv-cache-dtype",
      llvm::cl::desc("Element type of @decode's KV caches: float32, float16 or bfloat16 "
                     "(default: the keys' own)")};
};
void buildGraphPipeline(mlir::OpPassManager &pm, const GraphPipelineOptions &options);

/// `graph` -> `scheduled`: the target-independent graph passes: trace points
/// (with trace), tensor-parallel sharding (with tp > 1), weight storage,
/// then attention selection.
struct SchedulePipelineOptions : mlir::PassPipelineOptions<SchedulePipelineOptions> {
  Option<bool> trace{*this, "trace",
                     llvm::cl::desc("Trace every module's inputs and outputs (tmc compile --trace)"),
                     llvm::cl::init(false)};
  Option<int64_t> tp{*this, "tp",
                     llvm::cl::desc("Tensor-parallel ranks: shard the graph by the tp_plan "
                                    "for this many (1: unsharded)"),
                     llvm::cl::init(1)};
  Option<std::string> tpPlan{*this, "tp-plan",
                             llvm::cl::desc("JSON tp_plan to shard by instead of the model's")};
  Option<std::string> attnImplementation{
      *this, "attn-implementation",
      llvm::cl::desc("Attention backend of every layer (eager, sdpa), or per layer kind "
                     "(sdpa,sliding_attention=eager); empty: the module's "
                     "tmc.attn_implementation, else eager")};
  Option<std::string> weightDtype{
      *this, "weight-dtype",
      llvm::cl::desc("Storage of the weights linears and embeddings read (tmc-store-weights): "
                     "float32, bfloat16, float16, q8_0, q4_0, q4_1"),
      llvm::cl::init("float32")};
  Option<std::string> activationDtype{
      *this, "activation-dtype",
      llvm::cl::desc("Inputs of products over weights in blocks: float32, or int8 (quantized "
                     "per block of 32, int8 dot products)"),
      llvm::cl::init("float32")};
};
void buildSchedulePipeline(mlir::OpPassManager &pm, const SchedulePipelineOptions &options);

/// Registers tmc-graph-pipeline and tmc-schedule-pipeline.
void registerPhasePipelines();

} // namespace tmc

#endif // TMC_PASSES_PIPELINES_H
