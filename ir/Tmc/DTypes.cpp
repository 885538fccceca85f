//===- DTypes.cpp - tensor element types and their names --------*- C++ -*-===//
#include "ir/Tmc/DTypes.h"
#include "runtime/Error.h"
#include "runtime/GgmlTypes.h"

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

/// PyTorch's names; the first of each dtype is its canonical one.
struct TorchName {
  llvm::StringLiteral name;
  DType dtype;
};
const TorchName kTorchNames[] = {
    {"float32", DType::F32}, {"float", DType::F32},   {"bfloat16", DType::BF16},
    {"float16", DType::F16}, {"half", DType::F16},    {"float64", DType::F64},
    {"double", DType::F64},  {"int64", DType::I64},   {"long", DType::I64},
    {"int32", DType::I32},   {"int", DType::I32},     {"int16", DType::I16},
    {"int8", DType::I8},     {"uint8", DType::U8},    {"bool", DType::Bool},
};
} // namespace

std::optional<DType> tmc::dtypeOfTorchName(llvm::StringRef name) {
  for (const TorchName &entry : kTorchNames)
    if (entry.name == name)
      return entry.dtype;
  return std::nullopt;
}

llvm::StringRef tmc::torchNameOf(DType dtype) {
  for (const TorchName &entry : kTorchNames)
    if (entry.dtype == dtype)
      return entry.name;
  llvm_unreachable("every dtype has a PyTorch name");
}

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

namespace {
constexpr llvm::StringLiteral kFloatStorages[] = {"float32", "bfloat16", "float16"};
} // namespace

bool tmc::isWeightStorage(llvm::StringRef name) {
  return llvm::is_contained(kFloatStorages, name) || rt::blockFormatFromName(name);
}

std::string tmc::weightStorageNames() {
  std::string names;
  for (llvm::StringRef name : kFloatStorages)
    names += name.str() + ", ";
  return names + rt::blockFormatNames();
}
