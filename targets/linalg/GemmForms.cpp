//===- GemmForms.cpp - the matmuls a GEMM library computes ------*- C++ -*-===//
#include "targets/linalg/GemmForms.h"

#include "ir/Tmc/TmcAttrs.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"

using namespace mlir;

namespace tmc::lowering {

bool hasUnitInnerStride(Value memref) {
  auto type = dyn_cast<MemRefType>(memref.getType());
  SmallVector<int64_t> strides;
  int64_t offset;
  return type && succeeded(type.getStridesAndOffset(strides, offset)) && strides.back() == 1;
}

/// True when `value` is a memref of an accepted element type whose innermost
/// stride is statically 1 (every GEMM library needs it).
static bool isRowMajor(Value value, llvm::function_ref<bool(Type)> elementTypeOk) {
  auto type = dyn_cast<MemRefType>(value.getType());
  return type && elementTypeOk(type.getElementType()) && hasUnitInnerStride(value);
}

std::optional<GemmForm> matchGemm(linalg::LinalgOp op, llvm::function_ref<bool(Type)> elementTypeOk,
                                  bool f32Result) {
  if (!op.hasPureBufferSemantics() || op->getNumOperands() != 3 ||
      !llvm::all_of(op->getOperands(), [&](Value v) { return isRowMajor(v, elementTypeOk); }))
    return std::nullopt;
  auto elementOf = [&](unsigned operand) {
    return cast<MemRefType>(op->getOperand(operand).getType()).getElementType();
  };
  if (elementOf(0) != elementOf(1) ||
      (elementOf(2) != elementOf(0) && !(f32Result && elementOf(2).isF32())))
    return std::nullopt;
  Value a = op->getOperand(0), b = op->getOperand(1), c = op->getOperand(2);
  if (auto batched = dyn_cast<linalg::BatchMatmulOp>(op.getOperation())) {
    if (!linalg::BatchMatmulOp::isDefaultIndexingMaps(batched.getIndexingMaps()))
      return std::nullopt;
    return GemmForm{GemmForm::Kind::Batched, false, 1, a, b, c};
  }
  if (isa<linalg::MatmulTransposeBOp>(op.getOperation()))
    return GemmForm{GemmForm::Kind::Matrix, true, 1, a, b, c};
  if (auto matmul = dyn_cast<linalg::MatmulOp>(op.getOperation())) {
    if (!linalg::MatmulOp::isDefaultIndexingMaps(matmul.getIndexingMaps()))
      return std::nullopt;
    return GemmForm{GemmForm::Kind::Matrix, false, 1, a, b, c};
  }
  auto generic = dyn_cast<linalg::GenericOp>(op.getOperation());
  if (!generic)
    return std::nullopt;
  auto mark = dyn_cast_if_present<tmc::HeadContractionAttr>(
      tmc::tmcDialect(op->getContext())->getHeadContractionAttrHelper().getAttr(generic));
  if (!mark)
    return std::nullopt;
  return GemmForm{GemmForm::Kind::HeadContraction, mark.getTransposeB(), mark.getGroup(),
                  a, b, c};
}

Value firstElementPointer(OpBuilder &b, Location loc, Value memref,
                          memref::ExtractStridedMetadataOp metadata) {
  Type element = cast<MemRefType>(memref.getType()).getElementType();
  Value base = memref::ExtractAlignedPointerAsIndexOp::create(b, loc, memref);
  Value elementBytes =
      arith::ConstantIndexOp::create(b, loc, element.getIntOrFloatBitWidth() / 8);
  Value byteOffset = arith::MulIOp::create(b, loc, metadata.getOffset(), elementBytes);
  Value address = arith::AddIOp::create(b, loc, base, byteOffset);
  Value addressI64 = arith::IndexCastOp::create(b, loc, b.getI64Type(), address);
  return LLVM::IntToPtrOp::create(b, loc, LLVM::LLVMPointerType::get(b.getContext()),
                                  addressI64);
}

Value advancePointer(OpBuilder &b, Location loc, Value pointer, Type elementType,
                     Value elements) {
  Value elementsI64 = arith::IndexCastOp::create(b, loc, b.getI64Type(), elements);
  return LLVM::GEPOp::create(b, loc, pointer.getType(), elementType, pointer,
                             ValueRange{elementsI64});
}

} // namespace tmc::lowering
