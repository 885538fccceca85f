//===- TpPlan.h - a model's tensor-parallel plan ----------------*- C++ -*-===//
//
// transformers' tp_plan: module names, with layer numbers written `*`, mapped
// to the strategy that shards the module's weights. A weight finds its entry
// as transformers finds it: its name with every `.N.` (and a final `.N`)
// written `.*.`, looked up exactly, then the name of its module.
//
//===----------------------------------------------------------------------===//

#ifndef TMC_PASSES_PARALLEL_TPPLAN_H
#define TMC_PASSES_PARALLEL_TPPLAN_H

#include "mlir/IR/BuiltinAttributes.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/Error.h"

#include <optional>
#include <string>

namespace tmc::parallel {

enum class Strategy {
  Colwise,             // weight split on its output dim, bias split; output stays split
  ColwiseGatherOutput, // colwise, then all-gather of the output
  Rowwise,             // weight split on its input dim; all-reduce, then the bias
  RowwiseSplitInput,   // rowwise on a replicated input, each rank taking its slice
  PackedColwise,       // colwise on a fused [gate; up] weight, block by block
  PackedRowwise,       // rowwise on a fused weight's input dim, block by block
  EmbeddingRowwise,    // vocabulary split: masked lookup, all-reduce
  Replicated,          // every rank holds the whole weight
};

/// The strategy's name in tp_plan; aliases transformers also accepts
/// (`colwise_rep`, `rowwise_rep`, `replicate`) parse to the same strategy.
llvm::StringRef strategyName(Strategy strategy);
std::optional<Strategy> parseStrategy(llvm::StringRef name);
/// "colwise, colwise_gather_output, ..." for messages.
std::string strategyNames();

bool isColwise(Strategy strategy);
bool isRowwise(Strategy strategy);
/// Blocks a packed strategy splits its weight into (transformers' split_factor).
int64_t packedBlocks(Strategy strategy);

/// `model.layers.12.mlp.w1` -> `model.layers.*.mlp.w1`.
std::string layerWildcard(llvm::StringRef name);

class TpPlan {
public:
  /// From `{"key": "strategy", ...}`; `source` names where it came from.
  static llvm::Expected<TpPlan> fromDictionary(mlir::DictionaryAttr plan, llvm::StringRef source);
  static llvm::Expected<TpPlan> fromJsonFile(llvm::StringRef path);

  struct Entry {
    std::string key;
    Strategy strategy;
  };
  /// The entry of a weight (a checkpoint name), or null.
  const Entry *lookupWeight(llvm::StringRef weight) const;
  /// The entry of a module path (`at "..."` of an op), or null.
  const Entry *lookupModule(llvm::StringRef path) const;
  llvm::ArrayRef<Entry> entries() const { return plan; }
  bool empty() const { return plan.empty(); }

private:
  std::vector<Entry> plan;
  llvm::StringMap<size_t> byKey;
};

} // namespace tmc::parallel

#endif // TMC_PASSES_PARALLEL_TPPLAN_H
