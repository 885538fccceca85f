//===- Pipelines.cpp - the target-independent phases ------------*- C++ -*-===//
#include "passes/Pipelines.h"

#include "passes/abi/Passes.h"
#include "passes/attention/Passes.h"
#include "passes/instantiate/Passes.h"
#include "passes/parallel/Passes.h"
#include "passes/storage/Passes.h"
#include "passes/trace/Passes.h"

#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

namespace {
struct PhaseInfo {
  tmc::Phase phase;
  llvm::StringLiteral name;
};
constexpr PhaseInfo kPhases[] = {
    {tmc::Phase::Modeling, "modeling"}, {tmc::Phase::Mdl, "mdl"},
    {tmc::Phase::Graph, "graph"},       {tmc::Phase::Scheduled, "scheduled"},
    {tmc::Phase::Target, "target"},     {tmc::Phase::Llvm, "llvm"},
    {tmc::Phase::Artifact, "artifact"},
};
} // namespace

llvm::StringRef tmc::phaseName(Phase phase) {
  for (const PhaseInfo &info : kPhases)
    if (info.phase == phase)
      return info.name;
  llvm_unreachable("every phase has a name");
}

std::optional<tmc::Phase> tmc::parsePhase(llvm::StringRef name) {
  for (const PhaseInfo &info : kPhases)
    if (info.name == name)
      return info.phase;
  return std::nullopt;
}

std::string tmc::phaseNames() {
  std::string names;
  for (const PhaseInfo &info : kPhases)
    names += (names.empty() ? "" : ", ") + info.name.str();
  return names;
}

void tmc::buildGraphPipeline(OpPassManager &pm, const GraphPipelineOptions &options) {
  InstantiateOptions instantiate;
  instantiate.configPath = options.config;
  instantiate.dtype = options.dtype;
  instantiate.maxSeqLen = options.maxSeqLen;
  instantiate.kvCacheDtype = options.kvCacheDtype;
  pm.addPass(createInstantiate(instantiate));
  pm.addPass(createCanonicalizerPass());
}

void tmc::buildSchedulePipeline(OpPassManager &pm, const SchedulePipelineOptions &options) {
  // Before sharding, so that a trace sees whole tensors.
  if (options.trace)
    pm.addPass(createInsertTracePoints());
  pm.addPass(createKeepLastLogits());
  // The slices of one value that the last position's ops take are one.
  pm.addPass(createCSEPass());
  if (options.tp != 1 || !options.tpPlan.empty()) {
    ShardTpOptions shard;
    shard.worldSize = options.tp;
    shard.planPath = options.tpPlan;
    pm.addPass(createShardTp(shard));
    // Slices of one value for several users are one.
    pm.addPass(createCSEPass());
  }
  // After sharding, so that blocks are cut from each rank's columns.
  StoreWeightsOptions storage;
  storage.dtype = options.weightDtype;
  storage.activations = options.activationDtype;
  pm.addPass(createStoreWeights(storage));
  SelectAttentionOptions attention;
  attention.implementation = options.attnImplementation;
  pm.addPass(createSelectAttention(attention));
}

void tmc::registerPhasePipelines() {
  PassPipelineRegistration<GraphPipelineOptions>(
      "tmc-graph-pipeline", "mdl -> graph: instantiate the model file for a config",
      buildGraphPipeline);
  PassPipelineRegistration<SchedulePipelineOptions>(
      "tmc-schedule-pipeline",
      "graph -> scheduled: the target-independent graph passes (trace points, tensor-parallel "
      "sharding, attention selection)",
      buildSchedulePipeline);
}
