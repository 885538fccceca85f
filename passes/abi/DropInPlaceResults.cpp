//===- DropInPlaceResults.cpp - results written into arguments --*- C++ -*-===//
//
// The decode entry returns every KV cache it updated (value semantics); once
// bufferized, a cache is written into its argument, and returning it would
// make the deallocation pipeline clone it on every call. This pass drops such
// results: the caller already holds the buffer.
//
//===----------------------------------------------------------------------===//

#include "ir/Tmc/TmcAttrs.h"
#include "passes/abi/Passes.h"

#include "mlir/IR/SymbolTable.h"

namespace tmc {
#define GEN_PASS_DEF_DROPINPLACERESULTS
#include "passes/abi/Passes.h.inc"
} // namespace tmc

using namespace mlir;

namespace {
/// The function argument `v` is (through memref.cast), or null.
BlockArgument argumentOf(Value v, func::FuncOp func) {
  while (auto cast = v.getDefiningOp<memref::CastOp>())
    v = cast.getSource();
  auto arg = dyn_cast<BlockArgument>(v);
  if (!arg || arg.getOwner() != &func.getBody().front())
    return {};
  return arg;
}

struct DropInPlaceResults : public tmc::impl::DropInPlaceResultsBase<DropInPlaceResults> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    // Private functions first: their calls then pass arguments straight
    // through, and a public function returns its argument itself.
    llvm::SmallVector<func::FuncOp> order;
    for (auto func : module.getOps<func::FuncOp>())
      if (!func.isPublic())
        order.push_back(func);
    for (auto func : module.getOps<func::FuncOp>())
      if (func.isPublic())
        order.push_back(func);
    for (func::FuncOp func : order) {
      if (func.isDeclaration() || !func.getBody().hasOneBlock())
        continue;
      auto ret = cast<func::ReturnOp>(func.getBody().front().getTerminator());
      // result index -> argument index
      llvm::SmallVector<std::pair<unsigned, unsigned>> dropped;
      for (unsigned i = 0, e = func.getNumResults(); i < e; ++i) {
        if (!isa<BaseMemRefType>(func.getResultTypes()[i]))
          continue;
        auto mark = func.getResultAttrOfType<IntegerAttr>(
            i, tmc::tmcDialect(&getContext())->getInPlaceAttrHelper().getName());
        BlockArgument arg = argumentOf(ret.getOperand(i), func);
        if (func.isPublic()) {
          if (!mark)
            continue;
          unsigned index = mark.getInt();
          if (index >= func.getNumArguments() ||
              func.getArgument(index).getType() != func.getResultTypes()[i]) {
            func.emitOpError("result ") << i << " is marked tmc.in_place = " << index
                                        << " but that argument does not match it";
            return signalPassFailure();
          }
          if (!arg || arg.getArgNumber() != index) {
            // Not written in place: copy into the argument before returning.
            OpBuilder b(ret);
            memref::CopyOp::create(b, ret.getLoc(), ret.getOperand(i), func.getArgument(index));
          }
          dropped.push_back({i, index});
        } else if (arg) {
          dropped.push_back({i, arg.getArgNumber()});
        }
      }
      if (dropped.empty())
        continue;
      // Every use of a private function must be a call we can rewrite.
      llvm::SmallVector<func::CallOp> calls;
      if (!func.isPublic()) {
        std::optional<SymbolTable::UseRange> uses = SymbolTable::getSymbolUses(func, module);
        if (!uses)
          continue;
        bool onlyCalls = true;
        for (const SymbolTable::SymbolUse &use : *uses) {
          auto call = dyn_cast<func::CallOp>(use.getUser());
          if (call)
            calls.push_back(call);
          else
            onlyCalls = false;
        }
        if (!onlyCalls)
          continue;
      }
      llvm::BitVector erase(func.getNumResults());
      for (auto [result, argument] : dropped)
        erase.set(result);
      if (!func.isPublic()) {
        for (func::CallOp call : calls) {
          for (auto [result, argument] : dropped)
            call.getResult(result).replaceAllUsesWith(call.getOperand(argument));
          OpBuilder b(call);
          llvm::SmallVector<Type> types;
          for (unsigned i = 0; i < call.getNumResults(); ++i)
            if (!erase.test(i))
              types.push_back(call.getResult(i).getType());
          auto replacement = func::CallOp::create(b, call.getLoc(), call.getCalleeAttr(), types,
                                                  call.getOperands());
          replacement->setAttrs(call->getAttrs());
          unsigned next = 0;
          for (unsigned i = 0; i < call.getNumResults(); ++i)
            if (!erase.test(i))
              call.getResult(i).replaceAllUsesWith(replacement.getResult(next++));
          call.erase();
        }
      }
      ret->eraseOperands(erase);
      if (failed(func.eraseResults(erase))) {
        func.emitOpError("cannot drop its in-place results");
        return signalPassFailure();
      }
    }
  }
};
} // namespace
