//===- CopiesToLinalg.cpp - memref.copy -> linalg.copy ----------*- C++ -*-===//

#include "targets/linalg/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"

namespace tmc::lowering {
#define GEN_PASS_DEF_COPIESTOLINALG
#include "targets/linalg/Passes.h.inc"
} // namespace tmc::lowering

using namespace mlir;

namespace {
struct CopiesToLinalg : public tmc::lowering::impl::CopiesToLinalgBase<CopiesToLinalg> {
  void runOnOperation() override {
    SmallVector<memref::CopyOp> copies;
    getOperation().walk([&](memref::CopyOp copy) { copies.push_back(copy); });
    for (memref::CopyOp copy : copies) {
      OpBuilder builder(copy);
      linalg::CopyOp::create(builder, copy.getLoc(), copy.getSource(), copy.getTarget());
      copy.erase();
    }
  }
};
} // namespace
