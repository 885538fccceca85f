//===- InlineAllocaScopes.cpp - alloca_scopes without allocas go ---------===//

#include "targets/cpu/Passes.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/CallInterfaces.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace tmc::cpu {
#define GEN_PASS_DEF_CPUINLINEALLOCASCOPES
#include "targets/cpu/Passes.h.inc"
} // namespace tmc::cpu

using namespace mlir;

namespace {
/// Whether `op` itself may allocate on the stack of the enclosing scope.
bool mayAllocateOnStack(Operation *op) {
  if (isa<CallOpInterface>(op) || op->hasTrait<OpTrait::HasRecursiveMemoryEffects>())
    return false;
  auto effects = dyn_cast<MemoryEffectOpInterface>(op);
  if (!effects)
    return true;
  SmallVector<MemoryEffects::EffectInstance> instances;
  effects.getEffects(instances);
  return llvm::any_of(instances, [](const MemoryEffects::EffectInstance &effect) {
    return isa<MemoryEffects::Allocate>(effect.getEffect()) &&
           isa<SideEffects::AutomaticAllocationScopeResource>(effect.getResource());
  });
}

struct CpuInlineAllocaScopes
    : public tmc::cpu::impl::CpuInlineAllocaScopesBase<CpuInlineAllocaScopes> {
  void runOnOperation() override {
    SmallVector<memref::AllocaScopeOp> scopes;
    getOperation().walk([&](memref::AllocaScopeOp scope) {
      WalkResult found = scope->walk<WalkOrder::PreOrder>([&](Operation *op) {
        if (op == scope)
          return WalkResult::advance();
        // A nested scope frees its own allocations.
        if (op->hasTrait<OpTrait::AutomaticAllocationScope>())
          return WalkResult::skip();
        return mayAllocateOnStack(op) ? WalkResult::interrupt() : WalkResult::advance();
      });
      if (!found.wasInterrupted() && scope.getNumResults() == 0)
        scopes.push_back(scope);
    });
    IRRewriter rewriter(&getContext());
    for (memref::AllocaScopeOp scope : scopes) {
      Block *body = &scope.getBodyRegion().front();
      rewriter.eraseOp(body->getTerminator());
      rewriter.inlineBlockBefore(body, scope);
      rewriter.eraseOp(scope);
    }
  }
};
} // namespace
