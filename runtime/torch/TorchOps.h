//===- TorchOps.h - ATen implementations of the tmc ops ---------*- C++ -*-===//
//
// Internal to the LibTorch executor. Each op family lives in its own file and
// exposes one entry point that runs an op of that family on ATen tensors. Op
// handlers report failures by throwing (OpError for their own checks; ATen
// throws c10::Error); the executor catches both and names the op and its
// location in the llvm::Error it returns.
//
//===----------------------------------------------------------------------===//

#ifndef TMC_RUNTIME_TORCH_TORCHOPS_H
#define TMC_RUNTIME_TORCH_TORCHOPS_H

#include "mlir/IR/Operation.h"
#include "mlir/IR/Types.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/Twine.h"

#include <ATen/ATen.h>

#include <optional>
#include <stdexcept>

namespace tmc::rt::detail {

/// A failed check inside an op handler.
struct OpError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Throws an OpError carrying `message`.
[[noreturn]] void fail(const llvm::Twine &message);

/// What op handlers need besides their operands.
struct OpEnv {
  /// Where tensors that have no operand to follow (positions) are created.
  at::Device device;
};

using Results = llvm::SmallVector<at::Tensor, 1>;

/// The ATen dtype of an MLIR element type, or nullopt when there is none.
std::optional<at::ScalarType> toScalarType(mlir::Type elementType);

/// The ATen dtype of `type`'s elements; throws when there is none.
at::ScalarType scalarTypeOf(mlir::Type type);

/// The value of an `index` operand (a 0-d integer tensor).
int64_t toIndex(const at::Tensor &value);

/// Linear algebra, embedding, rope, attention and softmax. Returns false
/// when `op` is not one of them.
bool runNnOp(mlir::Operation *op, llvm::ArrayRef<at::Tensor> operands, const OpEnv &env,
             Results &results);

/// Elementwise, cast, reductions, shapes and arange. Returns false when `op` is
/// not one of them.
bool runTensorOp(mlir::Operation *op, llvm::ArrayRef<at::Tensor> operands,
                 const OpEnv &env, Results &results);

} // namespace tmc::rt::detail

#endif // TMC_RUNTIME_TORCH_TORCHOPS_H
