//===- RuntimeDType.h - element types as the runtime C ABI codes -*- C++ -*-===/
#ifndef TMC_TARGETS_LINALG_RUNTIMEDTYPE_H
#define TMC_TARGETS_LINALG_RUNTIMEDTYPE_H

#include "mlir/IR/Types.h"

#include <cstdint>
#include <optional>

namespace tmc::lowering {

/// The element codes the runtime's C functions take (f32 0, bf16 1, f16 2,
/// i64 3, i32 4: runtime/collectives/CollectiveAbi.h, runtime/Trace.h,
/// runtime/cuda/CudaAbi.h), or nullopt for a type they do not take.
std::optional<int64_t> runtimeDTypeCode(mlir::Type elementType);

} // namespace tmc::lowering

#endif // TMC_TARGETS_LINALG_RUNTIMEDTYPE_H
