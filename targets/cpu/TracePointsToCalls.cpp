//===- TracePointsToCalls.cpp - tmc.trace -> runtime calls ------*- C++ -*-===//
//
// The runtime computes a trace point's statistics; compiled code only hands
// it the tensor, so a trace costs one call and, for a strided view, a copy.
//
//===----------------------------------------------------------------------===//

#include "passes/trace/TracePoints.h"
#include "targets/cpu/Passes.h"
#include "targets/cpu/RuntimeCalls.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"

namespace tmc::cpu {
#define GEN_PASS_DEF_CPULOWERTRACEPOINTS
#include "targets/cpu/Passes.h.inc"
} // namespace tmc::cpu

using namespace mlir;

namespace {

struct CpuLowerTracePoints : public tmc::cpu::impl::CpuLowerTracePointsBase<CpuLowerTracePoints> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    tmc::cpu::RuntimeCalls calls(module);
    OpBuilder &b = calls.b();
    Type i64 = b.getI64Type();
    for (auto [id, op] : llvm::enumerate(tmc::numberTracePoints(module))) {
      Location loc = op.getLoc();
      Value value = op.getValue();
      auto type = cast<RankedTensorType>(value.getType());
      std::optional<int64_t> code = tmc::lowering::runtimeDTypeCode(type.getElementType());
      if (!code) {
        op.emitOpError("the CPU target traces f32, bf16, f16, i64 and i32 tensors");
        return signalPassFailure();
      }
      b.setInsertionPoint(op);
      SmallVector<Value> dims;
      for (int64_t d = 0; d < type.getRank(); ++d)
        dims.push_back(calls.product(loc, value, d, d + 1));
      Value dimsAddress = calls.i64(loc, 0);
      if (!dims.empty()) {
        Value shape = tensor::FromElementsOp::create(
            b, loc, RankedTensorType::get({type.getRank()}, i64), dims);
        dimsAddress = calls.addressOf(loc, calls.readOnlyBuffer(loc, shape));
      }
      Value layer = op.getLayer() ? calls.indexToI64(loc, op.getLayer()) : calls.i64(loc, -1);
      func::FuncOp callee = calls.declare("tmc_trace", {i64, i64, i64, i64, i64, i64}, {});
      func::CallOp::create(b, loc, callee,
                           ValueRange{calls.i64(loc, id), layer,
                                      calls.addressOf(loc, calls.readOnlyBuffer(loc, value)),
                                      dimsAddress, calls.i64(loc, type.getRank()),
                                      calls.i64(loc, *code)});
      op.erase();
    }
  }
};

} // namespace
