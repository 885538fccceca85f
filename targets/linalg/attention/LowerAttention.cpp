//===- LowerAttention.cpp - lower attention with a target's table ---------===//
#include "targets/linalg/attention/LowerAttention.h"

#include "passes/attention/AttentionBackends.h"

#include "mlir/IR/PatternMatch.h"

using namespace mlir;

LogicalResult tmc::lowering::lowerAttention(Operation *root,
                                            ArrayRef<AttentionLowering> lowerings,
                                            llvm::StringRef targetName) {
  SmallVector<AttentionOp> ops;
  root->walk([&](AttentionOp op) { ops.push_back(op); });
  IRRewriter rewriter(root->getContext());
  for (AttentionOp op : ops) {
    llvm::StringRef backend = attentionBackendOf(op);
    const AttentionLowering *lowering = llvm::find_if(
        lowerings, [&](const AttentionLowering &known) { return known.backend == backend; });
    if (lowering == lowerings.end()) {
      std::string names;
      for (const AttentionLowering &known : lowerings)
        names += (names.empty() ? "" : ", ") + known.backend.str();
      return op.emitOpError("attention backend '")
             << backend << "' has no " << targetName << " lowering"
             << (lookupAttentionBackend(backend) ? "" : " (and is not registered)") << "; the "
             << targetName << " target lowers: " << names;
    }
    rewriter.setInsertionPoint(op);
    rewriter.replaceOp(op, lowering->lower(rewriter, op));
  }
  return success();
}
