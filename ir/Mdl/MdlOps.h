//===- MdlOps.h - mdl operations --------------------------------*- C++ -*-===//
//
// The mdl ops, the `!mdl.value` type and the two traits that structure a
// model program: statements, and single-use expressions feeding them.
//
//===----------------------------------------------------------------------===//

#ifndef TMC_IR_MDL_MDLOPS_H
#define TMC_IR_MDL_MDLOPS_H

#include "ir/Mdl/MdlDialect.h"
#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/IR/SymbolTable.h"

#define GET_TYPEDEF_CLASSES
#include "ir/Mdl/MdlTypes.h.inc"

namespace tmc::mdl {

/// Discardable attribute: the `# text` at the end of a statement's line.
inline constexpr llvm::StringLiteral kTrailingCommentAttr =
    "mdl.trailing_comment";
/// Discardable unit attribute: a blank line precedes the statement.
inline constexpr llvm::StringLiteral kBlankLineAttr = "mdl.blank_line";

/// Checks that `op`'s result is used exactly once, by an op of the same block
/// placed after it: what makes the ops before a statement one expression tree.
mlir::LogicalResult verifyExpression(mlir::Operation *op);

/// Ops that compute a Python value (see verifyExpression).
template <typename ConcreteType>
class Expression : public mlir::OpTrait::TraitBase<ConcreteType, Expression> {
public:
  static mlir::LogicalResult verifyTrait(mlir::Operation *op) {
    return verifyExpression(op);
  }
};

/// Ops that are one Python statement.
template <typename ConcreteType>
class Statement : public mlir::OpTrait::TraitBase<ConcreteType, Statement> {};

/// True for a Python identifier that is not a keyword (`hidden_size`, `_x1`).
bool isPythonIdentifier(llvm::StringRef name);

/// A statement that is code, not a comment line: Python blocks need one.
bool isCodeStatement(mlir::Operation &op);

/// Erases statement `stmt` together with the expression ops that feed it.
void eraseStatement(mlir::Operation *stmt);

} // namespace tmc::mdl

#define GET_OP_CLASSES
#include "ir/Mdl/MdlOps.h.inc"

#endif // TMC_IR_MDL_MDLOPS_H
