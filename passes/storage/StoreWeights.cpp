//===- StoreWeights.cpp - the storage of matrix weights ---------*- C++ -*-===//
//
// Decode on a CPU reads every weight once per token, so its speed is the
// bytes of weights per token (docs/CPU_PERFORMANCE.md): storing the matrices
// that linears and embeddings read in 2 bytes, or in llama.cpp's blocks of
// 4.5 to 8.5 bits, is what makes it faster. The graph keeps its meaning: a
// read of a stored weight is followed by the op that gives back its values
// (`tmc.cast`, `tmc.dequantize`), and the targets fuse that op into the
// product that reads it.
//
//===----------------------------------------------------------------------===//

#include "ir/Tmc/DTypes.h"
#include "ir/Tmc/TmcOps.h"
#include "passes/storage/Passes.h"
#include "runtime/GgmlTypes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"

#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/SetVector.h"

namespace tmc {
#define GEN_PASS_DEF_STOREWEIGHTS
#include "passes/storage/Passes.h.inc"
} // namespace tmc

using namespace mlir;
namespace rt = tmc::rt;

namespace {

/// A function argument, by callee and position.
using Argument = std::pair<func::FuncOp, unsigned>;

/// Whether every use of `value` is a linear's weight, an embedding's table,
/// or an argument of a call whose callee uses it so; the callees' arguments
/// it reaches are added to `reached`.
bool onlyMatrixReads(Value value, ModuleOp module, llvm::SetVector<Argument> &reached) {
  for (OpOperand &use : value.getUses()) {
    if (tmc::readsMatrixWeight(use))
      continue;
    auto call = dyn_cast<func::CallOp>(use.getOwner());
    auto callee = call ? module.lookupSymbol<func::FuncOp>(call.getCallee()) : func::FuncOp();
    if (!callee || callee.isPublic() || callee.isDeclaration())
      return false;
    Argument argument{callee, use.getOperandNumber()};
    if (reached.contains(argument))
      continue;
    reached.insert(argument);
    if (!onlyMatrixReads(callee.getArgument(argument.second), module, reached))
      return false;
  }
  return true;
}

/// The type `param` is stored as for `storage`, or null to keep it.
RankedTensorType storedType(tmc::ParamOp param, StringRef storage) {
  RankedTensorType type = param.getTensorType();
  Type element = type.getElementType();
  MLIRContext *ctx = param.getContext();
  if (std::optional<rt::BlockLayout> layout = rt::blockLayoutFromName(storage)) {
    int64_t rows = layout->interleavedRows;
    if (type.getRank() != 2 || !type.hasStaticShape() || type.getDimSize(1) % 32 != 0 ||
        type.getDimSize(0) % rows != 0 || !isa<FloatType>(element))
      return {};
    return RankedTensorType::get(
        {type.getDimSize(0) / rows, type.getDimSize(1) / 32, layout->words()},
        IntegerType::get(ctx, 16));
  }
  std::optional<rt::DType> dtype = tmc::dtypeOfTorchName(storage);
  if (!dtype)
    return {};
  Type narrow = tmc::elementTypeOf(*dtype, ctx);
  if (!isa<FloatType>(element) ||
      narrow.getIntOrFloatBitWidth() >= element.getIntOrFloatBitWidth())
    return {};
  return type.clone(narrow);
}

/// What one weight becomes.
struct Plan {
  std::string storage;
  RankedTensorType logical, stored;
  SmallVector<tmc::GetParamOp> reads;
  llvm::SetVector<Argument> reached;
};

struct StoreWeights : public tmc::impl::StoreWeightsBase<StoreWeights> {
  using StoreWeightsBase::StoreWeightsBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    tmc::TmcDialect *tmc = tmc::tmcDialect(&getContext());
    if (!tmc::isWeightStorage(dtype)) {
      module.emitError("tmc-store-weights: dtype '")
          << dtype << "' is not one of: " << tmc::weightStorageNames();
      return signalPassFailure();
    }
    if (activations != "float32" && activations != "int8" && activations != "bfloat16") {
      module.emitError("tmc-store-weights: activations '")
          << activations << "' is not one of: float32, int8, bfloat16";
      return signalPassFailure();
    }
    llvm::StringMap<SmallVector<tmc::GetParamOp>> reads;
    module.walk([&](tmc::GetParamOp read) { reads[read.getName()].push_back(read); });

    llvm::MapVector<tmc::ParamOp, Plan> plans;
    // Weights that keep their type, with the layer arguments they reach.
    SmallVector<std::pair<Type, llvm::SetVector<Argument>>> kept;
    for (tmc::ParamOp param : module.getOps<tmc::ParamOp>()) {
      StringAttr preset = tmc->getStorageAttrHelper().getAttr(param);
      if (preset)
        param->removeAttr(tmc->getStorageAttrHelper().getName());
      Plan plan;
      plan.storage = preset ? preset.getValue().str() : dtype;
      plan.logical = param.getTensorType();
      // Int8 products put 16 rows in the lanes of a vector; a weight with
      // fewer rows keeps llama.cpp's layout, and f32 inputs.
      if (activations == "int8" && rt::blockFormatFromName(plan.storage)) {
        std::string interleaved = plan.storage + "x16";
        if (storedType(param, interleaved))
          plan.storage = interleaved;
      }
      plan.stored = storedType(param, plan.storage);
      plan.reads = reads.lookup(param.getSymName());
      bool matrixReads = true;
      for (tmc::GetParamOp read : plan.reads)
        matrixReads &= onlyMatrixReads(read.getResult(), module, plan.reached);
      if (plan.stored && !plan.reads.empty() && matrixReads)
        plans.insert({param, std::move(plan)});
      else
        kept.push_back({param.getType(), std::move(plan.reached)});
    }
    // A layer's function is called for every layer: an argument of it takes
    // one storage, so weights that would reach it in different storages (or
    // next to a weight kept as it is) all keep theirs.
    for (bool changed = true; changed;) {
      changed = false;
      llvm::DenseMap<Argument, Type> incoming;
      llvm::DenseSet<Argument> mixed;
      auto arrive = [&](Argument argument, Type type) {
        auto [it, inserted] = incoming.insert({argument, type});
        if (!inserted && it->second != type)
          mixed.insert(argument);
      };
      for (auto &[param, plan] : plans)
        for (Argument argument : plan.reached)
          arrive(argument, plan.stored);
      for (auto &[type, reached] : kept)
        for (Argument argument : reached)
          arrive(argument, type);
      for (auto it = plans.begin(); it != plans.end();) {
        if (llvm::any_of(it->second.reached, [&](Argument a) { return mixed.contains(a); })) {
          kept.push_back({it->first.getType(), std::move(it->second.reached)});
          it = plans.erase(it);
          changed = true;
        } else {
          ++it;
        }
      }
    }

    llvm::DenseSet<Argument> retyped;
    for (auto &[param, plan] : plans) {
      param.setTypeAttr(TypeAttr::get(plan.stored));
      tmc->getStorageAttrHelper().setAttr(param, StringAttr::get(&getContext(), plan.storage));
      for (tmc::GetParamOp read : plan.reads) {
        read.getResult().setType(plan.stored);
        store(read.getResult(), plan, module, retyped);
      }
    }
  }

  /// Gives `value` (a read of the weight, or an argument it is passed as) its
  /// stored type's readers: a decode before the linears and embeddings of
  /// this function, and the stored type in the callees it is passed to.
  void store(Value value, const Plan &plan, ModuleOp module, llvm::DenseSet<Argument> &retyped) {
    SmallVector<OpOperand *> direct;
    for (OpOperand &use : value.getUses()) {
      auto call = dyn_cast<func::CallOp>(use.getOwner());
      if (!call) {
        direct.push_back(&use);
        continue;
      }
      auto callee = module.lookupSymbol<func::FuncOp>(call.getCallee());
      Argument argument{callee, use.getOperandNumber()};
      if (!retyped.insert(argument).second)
        continue;
      BlockArgument arg = callee.getArgument(argument.second);
      arg.setType(plan.stored);
      SmallVector<Type> inputs(callee.getArgumentTypes());
      inputs[argument.second] = plan.stored;
      callee.setFunctionType(FunctionType::get(&getContext(), inputs, callee.getResultTypes()));
      store(arg, plan, module, retyped);
    }
    if (direct.empty())
      return;
    OpBuilder b(&getContext());
    if (auto arg = dyn_cast<BlockArgument>(value))
      b.setInsertionPointToStart(arg.getOwner());
    else
      b.setInsertionPointAfterValue(value);
    Location loc = value.getLoc();
    Value decoded =
        isa<IntegerType>(plan.stored.getElementType())
            ? tmc::DequantizeOp::create(b, loc, plan.logical, value, plan.storage, StringAttr())
                  .getResult()
            : tmc::CastOp::create(b, loc, plan.logical, value, StringAttr()).getResult();
    std::optional<rt::BlockLayout> layout = rt::blockLayoutFromName(plan.storage);
    // Bf16 inputs are multiplied on AMX tiles, 32 rows and 32 columns of the
    // weight at a time; other weights keep f32 inputs.
    ArrayRef<int64_t> shape = plan.logical.getShape();
    bool tiles = shape.size() == 2 && shape[0] % 32 == 0 && shape[1] % 32 == 0;
    StringRef inputs = layout && layout->interleavedRows > 1 ? "int8"
                       : activations == "bfloat16" && plan.storage == "bfloat16" && tiles
                           ? "bfloat16"
                           : "";
    for (OpOperand *use : direct) {
      use->set(decoded);
      if (!inputs.empty() && isa<tmc::LinearOp>(use->getOwner()))
        tmc::tmcDialect(&getContext())
            ->getActivationsAttrHelper()
            .setAttr(use->getOwner(), StringAttr::get(&getContext(), inputs));
    }
  }
};
} // namespace
