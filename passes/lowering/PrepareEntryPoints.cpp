//===- PrepareEntryPoints.cpp - the artifact calling convention -*- C++ -*-===//
//
// The artifact's ABI: an entry point receives its inputs, then one buffer per
// weight it reads, named by a `tmc.param` argument attribute that the manifest
// and the runtime use to find the checkpoint tensor.
//
//===----------------------------------------------------------------------===//

#include "ir/Tmc/TmcOps.h"
#include "passes/lowering/Passes.h"

#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/MapVector.h"

namespace tmc {
#define GEN_PASS_DEF_PREPAREENTRYPOINTS
#include "passes/lowering/Passes.h.inc"
} // namespace tmc

using namespace mlir;

namespace {
struct PrepareEntryPoints : public tmc::impl::PrepareEntryPointsBase<PrepareEntryPoints> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    llvm::StringMap<unsigned> declarationOrder;
    for (auto [i, param] : llvm::enumerate(module.getOps<tmc::ParamOp>()))
      declarationOrder[param.getSymName()] = i;

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
      if (failed(convert(func, reads, declarationOrder)))
        return signalPassFailure();
    }
    for (auto param : llvm::make_early_inc_range(module.getOps<tmc::ParamOp>()))
      param.erase();
  }

  LogicalResult convert(func::FuncOp func, ArrayRef<tmc::GetParamOp> reads,
                        const llvm::StringMap<unsigned> &declarationOrder) {
    OpBuilder builder(func.getContext());
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
      func.setArgAttr(index, "tmc.param", builder.getStringAttr(name));
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
      if (auto mark = func.getResultAttrOfType<IntegerAttr>(i, "tmc.in_place"))
        inPlace.insert(mark.getInt());
    for (unsigned i = 0, e = func.getNumArguments(); i < e; ++i)
      if (isa<TensorType>(func.getArgument(i).getType()))
        func.setArgAttr(i, bufferization::BufferizationDialect::kWritableAttrName,
                        builder.getBoolAttr(inPlace.contains(i)));
    func->setAttr(LLVM::LLVMDialect::getEmitCWrapperAttrName(), builder.getUnitAttr());
    return success();
  }
};
} // namespace
