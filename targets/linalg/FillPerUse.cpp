//===- FillPerUse.cpp - one linalg.fill per use, before bufferization ----===//

#include "targets/linalg/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"

namespace tmc::lowering {
#define GEN_PASS_DEF_FILLPERUSE
#include "targets/linalg/Passes.h.inc"
} // namespace tmc::lowering

using namespace mlir;

namespace {
struct FillPerUse : public tmc::lowering::impl::FillPerUseBase<FillPerUse> {
  void runOnOperation() override {
    SmallVector<linalg::FillOp> fills;
    getOperation().walk([&](linalg::FillOp fill) {
      if (fill.hasPureTensorSemantics() && !fill->getResult(0).hasOneUse())
        fills.push_back(fill);
    });
    OpBuilder builder(&getContext());
    for (linalg::FillOp fill : fills) {
      SmallVector<OpOperand *> uses;
      for (OpOperand &use : fill->getResult(0).getUses())
        uses.push_back(&use);
      // Every use gets a clone right before its op (what the fill reads
      // dominates the fill, so that op too), and the original goes: which
      // use would keep it depends on the use-list order, which printing and
      // parsing the IR does not keep.
      for (OpOperand *use : uses) {
        builder.setInsertionPoint(use->getOwner());
        use->set(builder.clone(*fill)->getResult(0));
      }
      fill.erase();
    }
  }
};
} // namespace
