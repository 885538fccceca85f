//===- TpPlan.cpp - a model's tensor-parallel plan --------------*- C++ -*-===//
#include "passes/parallel/TpPlan.h"
#include "runtime/Error.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/MemoryBuffer.h"

#include <nlohmann/json.hpp>

using namespace tmc::parallel;
using tmc::rt::makeError;

namespace {
struct StrategyName {
  llvm::StringLiteral name;
  Strategy strategy;
  bool alias;
};
constexpr StrategyName kStrategies[] = {
    {"colwise", Strategy::Colwise, false},
    {"colwise_gather_output", Strategy::ColwiseGatherOutput, false},
    {"rowwise", Strategy::Rowwise, false},
    {"rowwise_split_input", Strategy::RowwiseSplitInput, false},
    {"packed_colwise", Strategy::PackedColwise, false},
    {"packed_rowwise", Strategy::PackedRowwise, false},
    {"embedding_rowwise", Strategy::EmbeddingRowwise, false},
    {"replicated_with_grad_allreduce", Strategy::Replicated, false},
    // transformers' older names for the same layouts.
    {"colwise_rep", Strategy::ColwiseGatherOutput, true},
    {"rowwise_rep", Strategy::RowwiseSplitInput, true},
    {"replicate", Strategy::Replicated, true},
};
} // namespace

llvm::StringRef tmc::parallel::strategyName(Strategy strategy) {
  for (const StrategyName &entry : kStrategies)
    if (entry.strategy == strategy && !entry.alias)
      return entry.name;
  llvm_unreachable("every strategy has a name");
}

std::optional<Strategy> tmc::parallel::parseStrategy(llvm::StringRef name) {
  for (const StrategyName &entry : kStrategies)
    if (entry.name == name)
      return entry.strategy;
  return std::nullopt;
}

std::string tmc::parallel::strategyNames() {
  std::string names;
  for (const StrategyName &entry : kStrategies)
    names += (names.empty() ? "" : ", ") + entry.name.str();
  return names;
}

bool tmc::parallel::isColwise(Strategy strategy) {
  return strategy == Strategy::Colwise || strategy == Strategy::ColwiseGatherOutput ||
         strategy == Strategy::PackedColwise;
}

bool tmc::parallel::isRowwise(Strategy strategy) {
  return strategy == Strategy::Rowwise || strategy == Strategy::RowwiseSplitInput ||
         strategy == Strategy::PackedRowwise;
}

int64_t tmc::parallel::packedBlocks(Strategy strategy) {
  return strategy == Strategy::PackedColwise || strategy == Strategy::PackedRowwise ? 2 : 1;
}

std::string tmc::parallel::layerWildcard(llvm::StringRef name) {
  llvm::SmallVector<llvm::StringRef> parts;
  name.split(parts, '.');
  std::string result;
  for (auto [i, part] : llvm::enumerate(parts)) {
    // A number is a layer index only after a dot: `w1` stays `w1`.
    bool index = i > 0 && !part.empty() && llvm::all_of(part, llvm::isDigit);
    result += (i ? "." : "") + (index ? std::string("*") : part.str());
  }
  return result;
}

llvm::Expected<TpPlan> TpPlan::fromDictionary(mlir::DictionaryAttr dict, llvm::StringRef source) {
  TpPlan plan;
  for (mlir::NamedAttribute entry : dict) {
    auto value = llvm::dyn_cast<mlir::StringAttr>(entry.getValue());
    llvm::StringRef key = entry.getName().getValue();
    if (!value)
      return makeError(source + ": tp_plan['" + key + "'] must be a strategy name");
    std::optional<Strategy> strategy = parseStrategy(value.getValue());
    if (!strategy)
      return makeError(source + ": tp_plan['" + key + "'] is '" + value.getValue() +
                       "', not a strategy tmc knows; known: " + strategyNames());
    plan.byKey[key] = plan.plan.size();
    plan.plan.push_back({key.str(), *strategy});
  }
  return plan;
}

llvm::Expected<TpPlan> TpPlan::fromJsonFile(llvm::StringRef path) {
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/true);
  if (!buffer)
    return makeError(path + ": cannot read the tp plan: " + buffer.getError().message());
  auto json = nlohmann::json::parse((*buffer)->getBuffer().begin(), (*buffer)->getBuffer().end(),
                                    nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object())
    return makeError(path + ": a tp plan is a JSON object of module names to strategies "
                            "({\"model.layers.*.mlp.down_proj\": \"rowwise\", ...})");
  TpPlan plan;
  for (auto it = json.begin(); it != json.end(); ++it) {
    if (!it.value().is_string())
      return makeError(path + ": '" + it.key() + "' must map to a strategy name (a string)");
    std::string name = it.value().get<std::string>();
    std::optional<Strategy> strategy = parseStrategy(name);
    if (!strategy)
      return makeError(path + ": '" + it.key() + "' has strategy '" + name +
                       "', which tmc does not know; known: " + strategyNames());
    plan.byKey[it.key()] = plan.plan.size();
    plan.plan.push_back({it.key(), *strategy});
  }
  return plan;
}

const TpPlan::Entry *TpPlan::lookupModule(llvm::StringRef path) const {
  auto it = byKey.find(layerWildcard(path));
  return it == byKey.end() ? nullptr : &plan[it->second];
}

const TpPlan::Entry *TpPlan::lookupWeight(llvm::StringRef weight) const {
  if (const Entry *entry = lookupModule(weight))
    return entry;
  auto [module, leaf] = weight.rsplit('.');
  return leaf.empty() ? nullptr : lookupModule(module);
}
