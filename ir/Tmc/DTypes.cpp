//===- DTypes.cpp - tensor element types and their names --------*- C++ -*-===//
#include "ir/Tmc/DTypes.h"
#include "runtime/Error.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"

using namespace mlir;
using tmc::rt::DType;

namespace {
struct Mapping {
  DType dtype;
  Type (*get)(Builder &);
};
const Mapping kMappings[] = {
    {DType::F32, [](Builder &b) -> Type { return b.getF32Type(); }},
    {DType::F16, [](Builder &b) -> Type { return b.getF16Type(); }},
    {DType::BF16, [](Builder &b) -> Type { return b.getBF16Type(); }},
    {DType::F64, [](Builder &b) -> Type { return b.getF64Type(); }},
    {DType::I64, [](Builder &b) -> Type { return b.getI64Type(); }},
    {DType::I32, [](Builder &b) -> Type { return b.getI32Type(); }},
    {DType::I16, [](Builder &b) -> Type { return b.getI16Type(); }},
    {DType::I8, [](Builder &b) -> Type { return b.getI8Type(); }},
    {DType::U8, [](Builder &b) -> Type { return b.getIntegerType(8, /*isSigned=*/false); }},
    {DType::Bool, [](Builder &b) -> Type { return b.getI1Type(); }},
};
} // namespace

llvm::Expected<DType> tmc::dtypeOf(Type type) {
  Builder b(type.getContext());
  for (const Mapping &mapping : kMappings)
    if (mapping.get(b) == type)
      return mapping.dtype;
  std::string text;
  llvm::raw_string_ostream(text) << type;
  return rt::makeError("element type " + text + " has no dtype outside the compiler");
}

Type tmc::elementTypeOf(DType dtype, MLIRContext *context) {
  Builder b(context);
  for (const Mapping &mapping : kMappings)
    if (mapping.dtype == dtype)
      return mapping.get(b);
  llvm_unreachable("every dtype has an element type");
}
