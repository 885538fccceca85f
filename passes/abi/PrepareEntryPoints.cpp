//===- PrepareEntryPoints.cpp - the artifact calling convention -*- C++ -*-===//
//
// The artifact's ABI: an entry point receives its inputs, then one buffer per
// weight it reads, named by a `tmc.param` argument attribute. The pass also
// writes the whole ABI on the module (`tmc.params`, `tmc.entry_points`,
// `tmc.attention_backends`) while the functions still have tensor types, so
// the manifest writer reads it from the final IR and `tmc-opt` shows it.
//
//===----------------------------------------------------------------------===//

#include "ir/Tmc/TmcOps.h"
#include "passes/abi/Passes.h"
#include "passes/attention/AttentionBackends.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"

#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/StringSet.h"

namespace tmc {
#define GEN_PASS_DEF_PREPAREENTRYPOINTS
#include "passes/abi/Passes.h.inc"
} // namespace tmc

using namespace mlir;

namespace {
struct PrepareEntryPoints : public tmc::impl::PrepareEntryPointsBase<PrepareEntryPoints> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    tmc::TmcDialect *tmc = tmc::tmcDialect(&getContext());
    llvm::StringMap<unsigned> declarationOrder;
    SmallVector<tmc::ParamOp> declarations(module.getOps<tmc::ParamOp>());
    for (auto [i, param] : llvm::enumerate(declarations))
      declarationOrder[param.getSymName()] = i;

    llvm::StringSet<> used;
    SmallVector<Attribute> entryPoints;
    for (auto func : module.getOps<func::FuncOp>()) {
      if (func.isDeclaration())
        continue;
      SmallVector<tmc::GetParamOp> reads;
      func.walk([&](tmc::GetParamOp op) { reads.push_back(op); });
      if (!func.isPublic() && !reads.empty()) {
        reads.front().emitOpError("reads a weight inside private function '")
            << func.getSymName() << "'; pass weights to it as arguments";
        return signalPassFailure();
      }
      unsigned numInputs = func.getNumArguments();
      for (tmc::GetParamOp read : reads)
        used.insert(read.getName());
      if (failed(convert(func, reads, declarationOrder)))
        return signalPassFailure();
      if (!func.isPublic())
        continue;
      auto entry = describe(func, numInputs);
      if (failed(entry))
        return signalPassFailure();
      entryPoints.push_back(*entry);
    }

    Builder b(&getContext());
    SmallVector<Attribute> params;
    for (tmc::ParamOp param : declarations)
      if (used.contains(param.getSymName())) {
        // A weight stored in blocks names its format; any other storage is
        // its element type.
        StringAttr storage = tmc->getStorageAttrHelper().getAttr(param);
        bool blocks = storage && isa<IntegerType>(param.getTensorType().getElementType());
        params.push_back(tmc::TensorSpecAttr::get(
            &getContext(), param.getSymName(), param.getTensorType(),
            dyn_cast_or_null<tmc::SplitAttr>(tmc->getSplitAttrHelper().getAttr(param)), 0,
            blocks ? storage.getValue() : ""));
      }
    tmc->getParamsAttrHelper().setAttr(module, b.getArrayAttr(params));
    tmc->getEntryPointsAttrHelper().setAttr(module, b.getArrayAttr(entryPoints));
    // The backend each layer kind runs, as tmc-select-attention chose it.
    llvm::MapVector<StringRef, Attribute> backends;
    module.walk([&](tmc::AttentionOp op) {
      backends.insert({tmc::attentionLayerKind(op), b.getStringAttr(tmc::attentionBackendOf(op))});
    });
    if (!backends.empty()) {
      SmallVector<NamedAttribute> entries;
      for (auto [kind, backend] : backends)
        entries.push_back(b.getNamedAttr(kind, backend));
      tmc->getAttentionBackendsAttrHelper().setAttr(module, b.getDictionaryAttr(entries));
    }
    for (auto param : llvm::make_early_inc_range(module.getOps<tmc::ParamOp>()))
      param.erase();
  }

  LogicalResult convert(func::FuncOp func, ArrayRef<tmc::GetParamOp> reads,
                        const llvm::StringMap<unsigned> &declarationOrder) {
    OpBuilder builder(func.getContext());
    StringAttr paramName = tmc::tmcDialect(func.getContext())->getParamAttrHelper().getName();
    // One argument per distinct weight, in declaration order.
    llvm::MapVector<StringRef, Type> weights;
    SmallVector<tmc::GetParamOp> sorted(reads.begin(), reads.end());
    llvm::stable_sort(sorted, [&](tmc::GetParamOp a, tmc::GetParamOp b) {
      return declarationOrder.lookup(a.getName()) < declarationOrder.lookup(b.getName());
    });
    for (tmc::GetParamOp read : sorted)
      weights.insert({read.getName(), read.getType()});

    Block &entry = func.getBody().front();
    llvm::StringMap<Value> arguments;
    for (auto [name, type] : weights) {
      unsigned index = func.getNumArguments();
      if (failed(func.insertArgument(index, type, {}, func.getLoc())))
        return failure();
      func.setArgAttr(index, paramName, builder.getStringAttr(name));
      arguments[name] = entry.getArgument(index);
    }
    for (tmc::GetParamOp read : reads) {
      read.getResult().replaceAllUsesWith(arguments.lookup(read.getName()));
      read.erase();
    }
    if (!func.isPublic())
      return success();
    // Arguments a result is written into (KV caches, `tmc.in_place` on the
    // result) are writable; every other argument is read-only.
    llvm::SmallDenseSet<unsigned> inPlace;
    for (unsigned i = 0, e = func.getNumResults(); i < e; ++i)
      if (auto mark = inPlaceMark(func, i))
        inPlace.insert(mark.getInt());
    for (unsigned i = 0, e = func.getNumArguments(); i < e; ++i)
      if (isa<TensorType>(func.getArgument(i).getType()))
        func.setArgAttr(i, bufferization::BufferizationDialect::kWritableAttrName,
                        builder.getBoolAttr(inPlace.contains(i)));
    func->setAttr(LLVM::LLVMDialect::getEmitCWrapperAttrName(), builder.getUnitAttr());
    return success();
  }

  static IntegerAttr inPlaceMark(func::FuncOp func, unsigned result) {
    StringAttr name = tmc::tmcDialect(func.getContext())->getInPlaceAttrHelper().getName();
    return func.getResultAttrOfType<IntegerAttr>(result, name);
  }

  /// The rows of the tables `arg` indexes as embedding ids (the smallest, if
  /// several), or 0. A vocabulary-parallel embedding (`offset`) holds one
  /// rank's even share of the rows.
  static int64_t rowsIndexedBy(BlockArgument arg) {
    int64_t rows = 0;
    for (Operation *user : arg.getUsers()) {
      auto embedding = dyn_cast<tmc::EmbeddingOp>(user);
      if (!embedding || embedding.getIds() != arg)
        continue;
      int64_t tableRows = embedding.getTable().getType().getDimSize(0);
      if (ShapedType::isDynamic(tableRows))
        continue;
      if (embedding.getOffset()) {
        IntegerAttr worldSize = tmc::tmcDialect(arg.getContext())
                                    ->getWorldSizeAttrHelper()
                                    .getAttr(embedding->getParentOfType<ModuleOp>());
        tableRows *= worldSize ? worldSize.getInt() : 1;
      }
      rows = rows ? std::min(rows, tableRows) : tableRows;
    }
    return rows;
  }

  /// The rows of the smallest table that positions 0..seq-1 of the inputs'
  /// sequence dim index (BERT's absolute position embeddings), or 0: the
  /// longest sequence the entry can take.
  static int64_t positionRows(func::FuncOp func, unsigned numInputs) {
    int64_t rows = 0;
    func.walk([&](tmc::EmbeddingOp embedding) {
      mlir::Value ids = embedding.getIds();
      while (auto reshape = ids.getDefiningOp<tmc::ReshapeOp>())
        ids = reshape.getInput();
      auto arange = ids.getDefiningOp<tmc::ArangeOp>();
      if (!arange || getConstantIntValue(arange.getStart()) != 0)
        return;
      auto dim = arange.getLength().getDefiningOp<tensor::DimOp>();
      auto arg = dim ? dyn_cast<BlockArgument>(dim.getSource()) : BlockArgument();
      if (!arg || arg.getOwner()->getParentOp() != func || arg.getArgNumber() >= numInputs ||
          dim.getConstantIndex() != 1)
        return;
      int64_t tableRows = embedding.getTable().getType().getDimSize(0);
      if (!ShapedType::isDynamic(tableRows))
        rows = rows ? std::min(rows, tableRows) : tableRows;
    });
    return rows;
  }

  /// The #tmc.entry_point of a prepared public function whose first
  /// `numInputs` arguments are its inputs.
  FailureOr<Attribute> describe(func::FuncOp func, unsigned numInputs) {
    MLIRContext *ctx = func.getContext();
    tmc::TmcDialect *tmc = tmc::tmcDialect(ctx);
    Builder b(ctx);
    auto spec = [&](StringRef name, Type type) -> FailureOr<Attribute> {
      auto tensor = dyn_cast<RankedTensorType>(type);
      if (!tensor)
        return func.emitOpError("entry point '")
               << func.getSymName() << "': '" << name << "' is " << type
               << "; entry points take and return ranked tensors only";
      return Attribute(tmc::TensorSpecAttr::get(ctx, name, tensor));
    };
    SmallVector<Attribute> inputs, params, results;
    for (unsigned i = 0, e = func.getNumArguments(); i < e; ++i) {
      if (i >= numInputs) {
        params.push_back(func.getArgAttr(i, tmc->getParamAttrHelper().getName()));
        continue;
      }
      auto name = func.getArgAttrOfType<StringAttr>(i, tmc->getNameAttrHelper().getName());
      auto input = spec(name ? name.getValue().str() : "arg" + std::to_string(i),
                        func.getArgument(i).getType());
      if (failed(input))
        return failure();
      if (int64_t rows = rowsIndexedBy(func.getArgument(i))) {
        auto plain = cast<tmc::TensorSpecAttr>(*input);
        input = Attribute(tmc::TensorSpecAttr::get(ctx, plain.getName(), plain.getType(),
                                                   plain.getSplit(), rows, ""));
      }
      inputs.push_back(*input);
    }
    SmallVector<int64_t> inPlace;
    for (auto [i, type] : llvm::enumerate(func.getResultTypes())) {
      // Caches updated in place are inputs the call writes, not results.
      if (IntegerAttr mark = inPlaceMark(func, i)) {
        if (mark.getInt() < 0 || mark.getInt() >= numInputs)
          return func.emitOpError("result ")
                 << i << " is written in place into argument " << mark.getInt()
                 << ", which is not an input";
        inPlace.push_back(mark.getInt());
        continue;
      }
      auto result = spec("result" + std::to_string(i), type);
      if (failed(result))
        return failure();
      results.push_back(*result);
    }
    // A decode entry's is its KV cache; a forward's, its position table's.
    IntegerAttr maxSeqLen = tmc->getMaxSeqLenAttrHelper().getAttr(func);
    return Attribute(tmc::EntryPointAttr::get(
        ctx, func.getSymName(), b.getArrayAttr(inputs), b.getArrayAttr(params),
        b.getArrayAttr(results), b.getDenseI64ArrayAttr(inPlace),
        maxSeqLen ? maxSeqLen.getInt() : positionRows(func, numInputs), /*arena_bytes=*/0));
  }
};
} // namespace
