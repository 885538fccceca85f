//===- DTypes.h - tensor element types and their names ----------*- C++ -*-===//
//
// The one mapping between MLIR element types and the dtypes tensors have
// outside the compiler (rt::DType: safetensors, manifests, the runtime).
//
//===----------------------------------------------------------------------===//

#ifndef TMC_IR_TMC_DTYPES_H
#define TMC_IR_TMC_DTYPES_H

#include "runtime/Safetensors.h"

#include "mlir/IR/Types.h"

namespace tmc {

/// The dtype of an element type; an error naming a type that has none.
llvm::Expected<rt::DType> dtypeOf(mlir::Type type);

/// The element type of a dtype.
mlir::Type elementTypeOf(rt::DType dtype, mlir::MLIRContext *context);

} // namespace tmc

#endif // TMC_IR_TMC_DTYPES_H
