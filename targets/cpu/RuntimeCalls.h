//===- RuntimeCalls.h - calls from compiled code into the runtime -*- C++ -*-===//
//
// The CPU target reaches the runtime (collectives, traces) through C
// functions that take buffers as i64 addresses. This builds those calls on
// tensors, before bufferization: a tensor crosses as the address of a
// contiguous buffer (`bufferization.to_buffer` with the identity layout,
// which makes bufferization copy when the tensor's buffer is strided).
//
//===----------------------------------------------------------------------===//

#ifndef TMC_TARGETS_CPU_RUNTIMECALLS_H
#define TMC_TARGETS_CPU_RUNTIMECALLS_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"

#include "targets/linalg/RuntimeDType.h"

#include <optional>

namespace tmc::cpu {

class RuntimeCalls {
public:
  explicit RuntimeCalls(mlir::ModuleOp module) : module(module), builder(module.getContext()) {}

  mlir::OpBuilder &b() { return builder; }

  /// The private declaration of runtime function `name` (made once).
  mlir::func::FuncOp declare(llvm::StringRef name, mlir::TypeRange inputs, mlir::TypeRange results);
  mlir::Value i64(mlir::Location loc, int64_t value);
  mlir::Value indexToI64(mlir::Location loc, mlir::Value index);
  /// `tensor` as a read-only contiguous buffer.
  mlir::Value readOnlyBuffer(mlir::Location loc, mlir::Value tensor);
  /// The address of a buffer's first element, as i64.
  mlir::Value addressOf(mlir::Location loc, mlir::Value buffer);
  /// Elements of `tensor`'s dims [begin, end), as i64.
  mlir::Value product(mlir::Location loc, mlir::Value tensor, int64_t begin, int64_t end);

private:
  mlir::ModuleOp module;
  mlir::OpBuilder builder;
};

/// A call of the OpenMP runtime's `name` () -> i32 (omp_get_max_threads,
/// omp_get_thread_num, ...), as an index; declared in `module` once.
mlir::Value openmpQuery(mlir::OpBuilder &b, mlir::Location loc, mlir::ModuleOp module,
                        llvm::StringRef name);

} // namespace tmc::cpu

#endif // TMC_TARGETS_CPU_RUNTIMECALLS_H
