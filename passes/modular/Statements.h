//===- Statements.h - statement helpers of modular expansion ----*- C++ -*-===//
//
// An mdl statement is one op with the expression ops feeding it placed just
// before it in the same block. Expansion moves, clones and matches whole
// statements; these helpers keep a statement and its expressions together.
//
//===----------------------------------------------------------------------===//

#ifndef TMC_PASSES_MODULAR_STATEMENTS_H
#define TMC_PASSES_MODULAR_STATEMENTS_H

#include "ir/Mdl/MdlOps.h"

#include "mlir/IR/Builders.h"

#include <optional>
#include <string>

namespace tmc::modular {

/// The expression ops feeding statement `stmt`, in block order.
llvm::SmallVector<mlir::Operation *> expressionOps(mlir::Operation *stmt);

/// The first op of statement `stmt` (its first expression op, or itself).
mlir::Operation *firstOpOf(mlir::Operation *stmt);

/// The first op of `stmt` together with the comment lines directly above it.
mlir::Operation *leadingOpOf(mlir::Operation *stmt);

/// Moves `stmt` and its expression ops before `dest`, or to the end of
/// `block` when `dest` is null.
void moveStatement(mlir::Operation *stmt, mlir::Operation *dest,
                   mlir::Block *block = nullptr);

/// The statements of `block`, in order (expression ops skipped).
llvm::SmallVector<mlir::Operation *> statementsOf(mlir::Block &block);

/// Clones `stmt` with its expression ops before `builder`'s insertion point;
/// returns the clones (expression ops first, the statement last).
llvm::SmallVector<mlir::Operation *> cloneStatement(mlir::Operation *stmt,
                                                    mlir::OpBuilder &builder);

/// Clones the expression tree computing `value` before `builder`'s insertion
/// point; returns the clone's value (null for a null `value`).
mlir::Value cloneExpression(mlir::Value value, mlir::OpBuilder &builder);

/// "self.o_proj" for an assignment target made of names and attributes.
std::optional<std::string> targetKey(mlir::Value value);

/// The target key of an assignment statement, or none.
std::optional<std::string> assignKey(mlir::Operation *stmt);

/// The `super().<method>(...)` call `value` is, or null; sets `method`.
mdl::CallOp superCall(mlir::Value value, llvm::StringRef *method = nullptr);

/// The call of a top-level statement `super().<method>(...)` or `return
/// super().<method>(...)`, or null.
mdl::CallOp superStatement(mlir::Operation *stmt, llvm::StringRef method);

/// True for the `super()` call itself.
bool isSuperCall(mlir::Operation *op);

/// True for `AttributeError()`, the value that removes a field.
bool isAttributeErrorCall(mlir::Value value);

} // namespace tmc::modular

#endif // TMC_PASSES_MODULAR_STATEMENTS_H
