//===- RuntimeCalls.cpp - calls from compiled code into the runtime -*- C++ -*-===//

#include "targets/cpu/RuntimeCalls.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;

namespace tmc::cpu {

func::FuncOp RuntimeCalls::declare(llvm::StringRef name, TypeRange inputs, TypeRange results) {
  if (auto existing = module.lookupSymbol<func::FuncOp>(name))
    return existing;
  OpBuilder::InsertionGuard guard(builder);
  builder.setInsertionPointToEnd(module.getBody());
  auto func = func::FuncOp::create(builder, module.getLoc(), name,
                                   builder.getFunctionType(inputs, results));
  func.setPrivate();
  return func;
}

Value RuntimeCalls::i64(Location loc, int64_t value) {
  return arith::ConstantIntOp::create(builder, loc, value, 64);
}

Value RuntimeCalls::indexToI64(Location loc, Value index) {
  return arith::IndexCastOp::create(builder, loc, builder.getI64Type(), index);
}

Value RuntimeCalls::readOnlyBuffer(Location loc, Value tensor) {
  auto type = cast<RankedTensorType>(tensor.getType());
  return bufferization::ToBufferOp::create(
      builder, loc, MemRefType::get(type.getShape(), type.getElementType()), tensor,
      /*read_only=*/true);
}

Value RuntimeCalls::addressOf(Location loc, Value buffer) {
  Value index = memref::ExtractAlignedPointerAsIndexOp::create(builder, loc, buffer);
  return indexToI64(loc, index);
}

Value RuntimeCalls::product(Location loc, Value tensor, int64_t begin, int64_t end) {
  auto type = cast<RankedTensorType>(tensor.getType());
  Value result = arith::ConstantIndexOp::create(builder, loc, 1);
  for (int64_t d = begin; d < end; ++d) {
    Value size = type.isDynamicDim(d)
                     ? tensor::DimOp::create(builder, loc, tensor, d).getResult()
                     : arith::ConstantIndexOp::create(builder, loc, type.getDimSize(d)).getResult();
    result = arith::MulIOp::create(builder, loc, result, size);
  }
  return indexToI64(loc, result);
}

Value openmpQuery(OpBuilder &b, Location loc, ModuleOp module, StringRef name) {
  if (!module.lookupSymbol<func::FuncOp>(name)) {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(module.getBody());
    auto function = func::FuncOp::create(b, loc, name, b.getFunctionType({}, {b.getI32Type()}));
    function.setPrivate();
  }
  Value value =
      func::CallOp::create(b, loc, name, TypeRange{b.getI32Type()}, ValueRange{}).getResult(0);
  return arith::IndexCastUIOp::create(b, loc, b.getIndexType(), value);
}

} // namespace tmc::cpu
