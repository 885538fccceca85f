//===- EmitPackedEntryPoints.cpp - one calling convention -------*- C++ -*-===//
//
// Entry points differ in arity and argument ranks; the runtime calls them all
// as `void tmc_entry_<name>(void **args)`, where args[i] points at the i-th
// argument of `_mlir_ciface_<name>` (memref descriptors are passed by
// pointer, so such an argument is the pointer itself; a scalar is loaded).
//
//===----------------------------------------------------------------------===//

#include "ir/Tmc/TmcAttrs.h"
#include "passes/abi/Passes.h"

namespace tmc {
#define GEN_PASS_DEF_EMITPACKEDENTRYPOINTS
#include "passes/abi/Passes.h.inc"
} // namespace tmc

using namespace mlir;

namespace {
constexpr StringLiteral kCInterfacePrefix = "_mlir_ciface_";

struct EmitPackedEntryPoints
    : public tmc::impl::EmitPackedEntryPointsBase<EmitPackedEntryPoints> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<LLVM::LLVMFuncOp> interfaces;
    for (auto func : module.getOps<LLVM::LLVMFuncOp>())
      if (func.getName().starts_with(kCInterfacePrefix) && !func.isExternal())
        interfaces.push_back(func);
    for (LLVM::LLVMFuncOp func : interfaces) {
      emitEntry(func);
      // The C wrapper calls the entry with every memref descriptor expanded
      // (~7 scalars per weight: ~1,900 arguments for a 32-layer Llama). LLVM's
      // instruction selection and scheduling are quadratic in such a block,
      // so compile time grew with layers; inlined, the call disappears.
      auto inner = module.lookupSymbol<LLVM::LLVMFuncOp>(
          func.getName().drop_front(kCInterfacePrefix.size()));
      if (inner && !inner.isExternal()) {
        inner.setLinkage(LLVM::Linkage::Internal);
        inner.setAlwaysInline(true);
      }
    }
    // Input and weight names are in the module's tmc.entry_points; LLVM IR
    // has no use for them.
    tmc::TmcDialect *tmc = tmc::tmcDialect(&getContext());
    for (auto func : module.getOps<LLVM::LLVMFuncOp>())
      for (unsigned i = 0, e = func.getNumArguments(); i < e; ++i) {
        func.removeArgAttr(i, tmc->getParamAttrHelper().getName());
        func.removeArgAttr(i, tmc->getNameAttrHelper().getName());
      }
  }

  void emitEntry(LLVM::LLVMFuncOp target) {
    MLIRContext *ctx = &getContext();
    OpBuilder b = OpBuilder::atBlockEnd(getOperation().getBody());
    Location loc = target.getLoc();
    auto ptr = LLVM::LLVMPointerType::get(ctx);
    std::string name =
        ("tmc_entry_" + target.getName().drop_front(kCInterfacePrefix.size())).str();
    auto entry = LLVM::LLVMFuncOp::create(
        b, loc, name, LLVM::LLVMFunctionType::get(LLVM::LLVMVoidType::get(ctx), {ptr}));
    Block *body = entry.addEntryBlock(b);
    b.setInsertionPointToStart(body);
    Value args = body->getArgument(0);
    SmallVector<Value> operands;
    for (auto [i, type] : llvm::enumerate(target.getFunctionType().getParams())) {
      Value slot = LLVM::GEPOp::create(b, loc, ptr, ptr, args,
                                       ArrayRef<LLVM::GEPArg>{static_cast<int32_t>(i)});
      Value pointer = LLVM::LoadOp::create(b, loc, ptr, slot);
      operands.push_back(isa<LLVM::LLVMPointerType>(type)
                             ? pointer
                             : LLVM::LoadOp::create(b, loc, type, pointer).getResult());
    }
    LLVM::CallOp::create(b, loc, target, operands);
    LLVM::ReturnOp::create(b, loc, ValueRange{});
  }
};
} // namespace
