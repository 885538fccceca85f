//===- RuntimeDType.cpp - element types as the runtime's C ABI codes ------===//
#include "targets/linalg/RuntimeDType.h"

std::optional<int64_t> tmc::lowering::runtimeDTypeCode(mlir::Type type) {
  if (type.isF32())
    return 0;
  if (type.isBF16())
    return 1;
  if (type.isF16())
    return 2;
  if (type.isInteger(64))
    return 3;
  if (type.isInteger(32))
    return 4;
  return std::nullopt;
}
