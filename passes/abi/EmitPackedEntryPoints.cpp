//===- EmitPackedEntryPoints.cpp - one calling convention -------*- C++ -*-===//
//
// Entry points differ in arity and argument ranks; the runtime calls them all
// as `void tmc_entry_<name>(void **args)`, where args[i] points at the i-th
// argument of `_mlir_ciface_<name>` (memref descriptors are passed by
// pointer, so such an argument is the pointer itself; a scalar is loaded).
//
// The chain tmc_entry_<name> -> _mlir_ciface_<name> -> <name> is inlined here,
// in MLIR, into one function. `<name>` takes every memref descriptor expanded
// (~7 scalars per weight: ~2,500 arguments for the decode entry of a 32-layer
// Llama) and the C wrapper takes one pointer per argument (~360): LLVM's
// CalledValuePropagation, instruction selection and scheduling are quadratic
// in such signatures and call blocks, so compile time grew with layers while
// the layer functions, compiled once, did not (docs/BENCHMARKS.md).
//
//===----------------------------------------------------------------------===//

#include "ir/Tmc/TmcAttrs.h"
#include "passes/abi/Passes.h"

#include "mlir/Dialect/LLVMIR/Transforms/InlinerInterfaceImpl.h"
#include "mlir/Dialect/OpenMP/OpenMPDialect.h"
#include "mlir/Transforms/Inliner.h"
#include "mlir/Transforms/InliningUtils.h"

namespace tmc {
#define GEN_PASS_DEF_EMITPACKEDENTRYPOINTS
#include "passes/abi/Passes.h.inc"
} // namespace tmc

using namespace mlir;

namespace {
/// OpenMP regions (the CPU target's parallel loops) move with the body they
/// are in: inlining a function into its wrapper changes nothing about them.
struct OpenMPInliner : DialectInlinerInterface {
  using DialectInlinerInterface::DialectInlinerInterface;
  bool isLegalToInline(Operation *, Region *, bool, IRMapping &) const final { return true; }
  bool isLegalToInline(Region *, Region *, bool, IRMapping &) const final { return true; }
};

constexpr StringLiteral kCInterfacePrefix = "_mlir_ciface_";
constexpr StringLiteral kEntryPrefix = "tmc_entry_";

struct EmitPackedEntryPoints
    : public tmc::impl::EmitPackedEntryPointsBase<EmitPackedEntryPoints> {
  void getDependentDialects(DialectRegistry &registry) const override {
    Base::getDependentDialects(registry);
    LLVM::registerInlinerInterface(registry);
    registry.addExtension(+[](MLIRContext *, omp::OpenMPDialect *dialect) {
      dialect->addInterfaces<OpenMPInliner>();
    });
  }

  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<LLVM::LLVMFuncOp> interfaces;
    for (auto func : module.getOps<LLVM::LLVMFuncOp>())
      if (func.getName().starts_with(kCInterfacePrefix) && !func.isExternal())
        interfaces.push_back(func);
    for (LLVM::LLVMFuncOp wrapper : interfaces) {
      auto inner = module.lookupSymbol<LLVM::LLVMFuncOp>(
          wrapper.getName().drop_front(kCInterfacePrefix.size()));
      if (inner && !inner.isExternal() && failed(inlineCallsOf(inner, wrapper)))
        return signalPassFailure();
      LLVM::LLVMFuncOp entry = emitEntry(wrapper);
      if (failed(inlineCallsOf(wrapper, entry)))
        return signalPassFailure();
      if (inner && inner.symbolKnownUseEmpty(module))
        inner.erase();
      if (wrapper.symbolKnownUseEmpty(module))
        wrapper.erase();
    }
    // Only the packed entries are the artifact's ABI. Internal layer
    // functions let LLVM drop the descriptor fields they never read (dead
    // argument elimination), which shortens every layer call.
    for (auto func : module.getOps<LLVM::LLVMFuncOp>())
      if (!func.isExternal() && !func.getName().starts_with(kEntryPrefix))
        func.setLinkage(LLVM::Linkage::Internal);
    // Input and weight names are in the module's tmc.entry_points; LLVM IR
    // has no use for them.
    tmc::TmcDialect *tmc = tmc::tmcDialect(&getContext());
    for (auto func : module.getOps<LLVM::LLVMFuncOp>())
      for (unsigned i = 0, e = func.getNumArguments(); i < e; ++i) {
        func.removeArgAttr(i, tmc->getParamAttrHelper().getName());
        func.removeArgAttr(i, tmc->getNameAttrHelper().getName());
      }
  }

  /// Inlines every call of `callee` inside `caller`.
  LogicalResult inlineCallsOf(LLVM::LLVMFuncOp callee, LLVM::LLVMFuncOp caller) {
    SmallVector<LLVM::CallOp> calls;
    caller.walk([&](LLVM::CallOp call) {
      if (call.getCallee() == callee.getName())
        calls.push_back(call);
    });
    InlinerInterface interface(&getContext());
    InlinerConfig config;
    for (LLVM::CallOp call : calls) {
      if (failed(inlineCall(interface, config.getCloneCallback(), call, callee,
                            &callee.getBody())))
        return call.emitOpError("cannot inline '")
               << callee.getName() << "' into the entry point '" << caller.getName() << "'";
      call.erase();
    }
    return success();
  }

  LLVM::LLVMFuncOp emitEntry(LLVM::LLVMFuncOp target) {
    MLIRContext *ctx = &getContext();
    OpBuilder b = OpBuilder::atBlockEnd(getOperation().getBody());
    Location loc = target.getLoc();
    auto ptr = LLVM::LLVMPointerType::get(ctx);
    std::string name =
        (kEntryPrefix + target.getName().drop_front(kCInterfacePrefix.size())).str();
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
    return entry;
  }
};
} // namespace
