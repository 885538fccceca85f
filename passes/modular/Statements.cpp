//===- Statements.cpp - statement helpers of modular expansion --*- C++ -*-===//

#include "passes/modular/Statements.h"

#include "mlir/IR/IRMapping.h"

#include "llvm/ADT/STLExtras.h"

using namespace mlir;
using namespace tmc::mdl;

namespace tmc::modular {

SmallVector<Operation *> expressionOps(Operation *stmt) {
  SmallVector<Operation *> ops, worklist{stmt};
  while (!worklist.empty()) {
    Operation *op = worklist.pop_back_val();
    for (Value operand : op->getOperands())
      if (Operation *def = operand.getDefiningOp(); def && def->hasTrait<Expression>()) {
        ops.push_back(def);
        worklist.push_back(def);
      }
  }
  llvm::sort(ops, [](Operation *a, Operation *b) { return a->isBeforeInBlock(b); });
  return ops;
}

Operation *firstOpOf(Operation *stmt) {
  SmallVector<Operation *> exprs = expressionOps(stmt);
  return exprs.empty() ? stmt : exprs.front();
}

Operation *leadingOpOf(Operation *stmt) {
  Operation *first = firstOpOf(stmt);
  while (isa_and_nonnull<CommentOp>(first->getPrevNode()))
    first = first->getPrevNode();
  return first;
}

void moveStatement(Operation *stmt, Operation *dest, Block *block) {
  SmallVector<Operation *> ops = expressionOps(stmt);
  ops.push_back(stmt);
  for (Operation *op : ops) {
    if (dest)
      op->moveBefore(dest);
    else
      op->moveBefore(block, block->end());
  }
}

SmallVector<Operation *> statementsOf(Block &block) {
  SmallVector<Operation *> stmts;
  for (Operation &op : block)
    if (op.hasTrait<Statement>())
      stmts.push_back(&op);
  return stmts;
}

SmallVector<Operation *> cloneStatement(Operation *stmt, OpBuilder &builder) {
  SmallVector<Operation *> ops = expressionOps(stmt);
  ops.push_back(stmt);
  IRMapping mapping;
  SmallVector<Operation *> clones;
  for (Operation *op : ops)
    clones.push_back(builder.clone(*op, mapping));
  return clones;
}

Value cloneExpression(Value value, OpBuilder &builder) {
  Operation *root = value ? value.getDefiningOp() : nullptr;
  if (!root)
    return value;
  SmallVector<Operation *> ops = expressionOps(root);
  ops.push_back(root);
  IRMapping mapping;
  for (Operation *op : ops)
    builder.clone(*op, mapping);
  return mapping.lookup(value);
}

std::optional<std::string> targetKey(Value value) {
  Operation *op = value.getDefiningOp();
  if (auto name = dyn_cast_or_null<NameOp>(op))
    return name.getId().str();
  if (auto attr = dyn_cast_or_null<AttrOp>(op))
    if (std::optional<std::string> base = targetKey(attr.getBase()))
      return *base + "." + attr.getName().str();
  return std::nullopt;
}

std::optional<std::string> assignKey(Operation *stmt) {
  if (auto assign = dyn_cast<AssignOp>(stmt))
    return targetKey(assign.getTarget());
  return std::nullopt;
}

CallOp superCall(Value value, StringRef *method) {
  auto call = value ? value.getDefiningOp<CallOp>() : CallOp();
  if (!call)
    return {};
  auto attr = call.getCallee().getDefiningOp<AttrOp>();
  if (!attr)
    return {};
  auto inner = attr.getBase().getDefiningOp<CallOp>();
  if (!inner || !inner.getArgs().empty())
    return {};
  auto name = inner.getCallee().getDefiningOp<NameOp>();
  if (!name || name.getId() != "super")
    return {};
  if (method)
    *method = attr.getName();
  return call;
}

CallOp superStatement(Operation *stmt, StringRef method) {
  Value value;
  if (auto expr = dyn_cast<ExprStmtOp>(stmt))
    value = expr.getValue();
  else if (auto ret = dyn_cast<ReturnOp>(stmt))
    value = ret.getValue();
  StringRef called;
  CallOp call = superCall(value, &called);
  return call && called == method ? call : CallOp();
}

bool isSuperCall(Operation *op) {
  auto call = dyn_cast<CallOp>(op);
  if (!call)
    return false;
  auto name = call.getCallee().getDefiningOp<NameOp>();
  return name && name.getId() == "super" && call.getArgs().empty();
}

bool isAttributeErrorCall(Value value) {
  auto call = value ? value.getDefiningOp<CallOp>() : CallOp();
  if (!call || !call.getArgs().empty())
    return false;
  auto name = call.getCallee().getDefiningOp<NameOp>();
  return name && name.getId() == "AttributeError";
}

} // namespace tmc::modular
