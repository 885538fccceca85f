//===- DTypes.h - tensor element types and their names ----------*- C++ -*-===//
//
// The one mapping between MLIR element types, the dtypes tensors have outside
// the compiler (rt::DType: safetensors, manifests, the runtime) and the names
// model files and config.json give them (PyTorch's: `float32`, `bfloat16`).
//
//===----------------------------------------------------------------------===//

#ifndef TMC_IR_TMC_DTYPES_H
#define TMC_IR_TMC_DTYPES_H

#include "runtime/Safetensors.h"

#include "mlir/IR/Types.h"

#include <optional>

namespace tmc {

/// The dtype of an element type; an error naming a type that has none.
llvm::Expected<rt::DType> dtypeOf(mlir::Type type);

/// The element type of a dtype.
mlir::Type elementTypeOf(rt::DType dtype, mlir::MLIRContext *context);

/// The dtype PyTorch names `name` (`torch.float32`, `torch.half`, ...: the
/// part after `torch.`), if tmc knows it.
std::optional<rt::DType> dtypeOfTorchName(llvm::StringRef name);

/// PyTorch's canonical name of a dtype (`float32`, `bfloat16`, `int64`).
llvm::StringRef torchNameOf(rt::DType dtype);

/// Whether `name` is a storage tmc-store-weights gives weights (`tmc compile
/// --weight-dtype`): a float type's torch name or a block format (q4_1).
bool isWeightStorage(llvm::StringRef name);
/// "float32, bfloat16, float16, q8_0, q4_0, q4_1".
std::string weightStorageNames();

} // namespace tmc

#endif // TMC_IR_TMC_DTYPES_H
