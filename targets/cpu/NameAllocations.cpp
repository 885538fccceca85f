//===- NameAllocations.cpp - a name for every heap buffer -------*- C++ -*-===//
//
// Compiled code allocates its intermediate buffers with the runtime's
// checked allocator (runtime/Allocation.h). So that a failed allocation can
// say which buffer it was, each memref.alloc is preceded by a call that
// records a description of it in a thread-local the allocator reads.
//
//===----------------------------------------------------------------------===//

#include "targets/cpu/Passes.h"
#include "targets/cpu/RuntimeCalls.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"

#include "llvm/Support/Path.h"

namespace tmc::cpu {
#define GEN_PASS_DEF_NAMEALLOCATIONS
#include "targets/cpu/Passes.h.inc"
} // namespace tmc::cpu

using namespace mlir;

namespace {
/// "modeling_llama.py:120:9" for a file location (the innermost one of a
/// call-site or fused location), else empty.
std::string sourceOf(Location loc) {
  if (auto file = dyn_cast<FileLineColLoc>(loc))
    return (llvm::sys::path::filename(file.getFilename().getValue()) + ":" +
            llvm::Twine(file.getLine()) + ":" + llvm::Twine(file.getColumn()))
        .str();
  if (auto name = dyn_cast<NameLoc>(loc))
    return sourceOf(name.getChildLoc());
  if (auto call = dyn_cast<CallSiteLoc>(loc))
    return sourceOf(call.getCallee());
  if (auto fused = dyn_cast<FusedLoc>(loc))
    for (Location part : fused.getLocations())
      if (std::string text = sourceOf(part); !text.empty())
        return text;
  return "";
}

struct NameAllocations : public tmc::cpu::impl::NameAllocationsBase<NameAllocations> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    tmc::cpu::RuntimeCalls calls(module);
    OpBuilder &b = calls.b();
    auto ptr = LLVM::LLVMPointerType::get(&getContext());
    func::FuncOp site = calls.declare("tmc_alloc_site", {ptr}, {});
    unsigned count = 0;
    module.walk([&](memref::AllocOp alloc) {
      auto func = alloc->getParentOfType<func::FuncOp>();
      std::string text;
      llvm::raw_string_ostream os(text);
      os << "a " << alloc.getType() << " buffer in @" << func.getSymName();
      if (std::string source = sourceOf(alloc.getLoc()); !source.empty())
        os << " (" << source << ")";
      b.setInsertionPoint(alloc);
      Value description = LLVM::createGlobalString(
          alloc.getLoc(), b, ("tmc_alloc_site_" + llvm::Twine(count++)).str(), text + '\0',
          LLVM::Linkage::Private);
      func::CallOp::create(b, alloc.getLoc(), site, ValueRange{description});
    });
  }
};
} // namespace
