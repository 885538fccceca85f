//===- TorchExecutor.h - run a tmc graph op by op with ATen -----*- C++ -*-===//
//
// The LibTorch reference executor: walks a `func.func` of the tmc dialect and
// runs every op with ATen on the given weights. Its semantics are those of
// PyTorch and Hugging Face transformers (f32 norms, HF rotary angles, eager
// attention), so it is the in-process numerics reference that compiled code is
// checked against (DESIGN.md §7, §8).
//
//===----------------------------------------------------------------------===//

#ifndef TMC_RUNTIME_TORCH_TORCHEXECUTOR_H
#define TMC_RUNTIME_TORCH_TORCHEXECUTOR_H

#include "mlir/IR/BuiltinOps.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <ATen/core/Tensor.h>

#include <functional>
#include <vector>

namespace tmc::rt {

/// Supplies a weight by its checkpoint name (the tmc.param symbol).
using ParamProvider = std::function<llvm::Expected<at::Tensor>(llvm::StringRef name)>;

/// Runs `entry` of `module` on `inputs` (one per function argument; index-typed
/// arguments are passed as 0-d int64 tensors) and returns its results.
///
/// Inputs are checked against the function signature (rank, static dimensions,
/// dtype) and every weight against its tmc.param declaration; an op the
/// executor does not know, or one ATen rejects, is an error naming the op and
/// its location. Each weight is requested from `params` at most once per call.
/// New tensors (positions, constants) are created on the device of the first
/// input of rank >= 1 (the CPU when there is none).
llvm::Expected<std::vector<at::Tensor>> runWithTorch(mlir::ModuleOp module,
                                                     llvm::StringRef entry,
                                                     llvm::ArrayRef<at::Tensor> inputs,
                                                     const ParamProvider &params);

} // namespace tmc::rt

#endif // TMC_RUNTIME_TORCH_TORCHEXECUTOR_H
