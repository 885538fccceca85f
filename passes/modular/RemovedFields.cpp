//===- RemovedFields.cpp - `field = AttributeError()` -----------*- C++ -*-===//
//
// As in transformers' modular converter, a child class removes an inherited
// field by assigning it `AttributeError()`: `pretraining_tp = AttributeError()`
// in the class body (or `self.pretraining_tp = AttributeError()` in its
// `__init__`). For the __init__-style configs of tmc's model files the field
// lives in three places, all removed: the class attribute, the `__init__`
// parameter, and the `self.field = ...` assignments.
//
//===----------------------------------------------------------------------===//

#include "passes/modular/Rules.h"
#include "passes/modular/Statements.h"

#include "mlir/IR/Builders.h"

using namespace mlir;
using namespace tmc::mdl;

namespace tmc::modular {

namespace {

/// The field `stmt` removes, `name = AttributeError()` when `prefix` is empty
/// or `self.name = AttributeError()` for prefix "self.".
std::optional<std::string> removedField(Operation *stmt, StringRef prefix) {
  auto assign = dyn_cast<AssignOp>(stmt);
  if (!assign || !isAttributeErrorCall(assign.getValue()))
    return std::nullopt;
  std::optional<std::string> key = targetKey(assign.getTarget());
  StringRef field = key ? StringRef(*key) : StringRef();
  if (!field.consume_front(prefix) || field.contains('.'))
    return std::nullopt;
  return field.str();
}

/// Python blocks need a statement: a block emptied by a removal gets `pass`.
void keepBlockValid(Block *block, Location loc) {
  if (llvm::any_of(*block, isCodeStatement))
    return;
  OpBuilder builder = OpBuilder::atBlockEnd(block);
  PassOp::create(builder, loc);
}

} // namespace

SmallVector<RemovedField> takeRemovedFields(ClassOp cls) {
  SmallVector<RemovedField> fields;
  auto take = [&](Operation *stmt, StringRef prefix) {
    std::optional<std::string> field = removedField(stmt, prefix);
    if (!field)
      return;
    fields.push_back({*field, firstOpOf(stmt)->getLoc()}); // the line, not its `=`
    eraseStatement(stmt);
  };
  for (Operation *stmt : statementsOf(cls.getBody().front())) {
    auto def = dyn_cast<DefOp>(stmt);
    if (!def) {
      take(stmt, "");
      continue;
    }
    if (def.getSymName() != "__init__")
      continue;
    Block &body = def.getBody().front();
    for (Operation *inner : statementsOf(body))
      take(inner, "self.");
    keepBlockValid(&body, def.getLoc());
  }
  return fields;
}

LogicalResult removeFields(ClassOp cls, ArrayRef<RemovedField> fields, StringRef parentName) {
  Block &body = cls.getBody().front();
  for (const RemovedField &field : fields) {
    bool removed = false;
    // The class attribute, with the comment lines that describe it.
    for (Operation *stmt : statementsOf(body)) {
      auto assign = dyn_cast<AssignOp>(stmt);
      if (!assign || !assign.getTarget().getDefiningOp<NameOp>() || assignKey(stmt) != field.name)
        continue;
      Operation *leading = leadingOpOf(stmt);
      bool blankLine = leading->hasAttr(kBlankLineAttr);
      while (auto comment = dyn_cast_or_null<CommentOp>(firstOpOf(stmt)->getPrevNode()))
        comment->erase();
      // The blank line above the removed lines stays above what follows.
      Operation *next = stmt->getNextNode();
      while (next && !next->hasTrait<Statement>())
        next = next->getNextNode();
      if (blankLine && next)
        next->setAttr(kBlankLineAttr, UnitAttr::get(cls.getContext()));
      eraseStatement(stmt);
      removed = true;
    }

    DefOp init;
    for (Operation *stmt : statementsOf(body))
      if (auto def = dyn_cast<DefOp>(stmt); def && def.getSymName() == "__init__")
        init = def;
    if (init) {
      // Every `self.field = ...` of __init__, nested ones too.
      SmallVector<AssignOp> assigns;
      init.getBody().walk([&](AssignOp assign) {
        if (targetKey(assign.getTarget()) == "self." + field.name)
          assigns.push_back(assign);
      });
      for (AssignOp assign : assigns) {
        Block *block = assign->getBlock();
        Location loc = assign.getLoc();
        eraseStatement(assign);
        keepBlockValid(block, loc);
        removed = true;
      }

      SmallVector<Param> params = paramsOf(init);
      auto param = llvm::find_if(params, [&](const Param &p) { return p.name == field.name; });
      if (param != params.end()) {
        params.erase(param);
        setParams(init, params);
        removed = true;
        // Nothing may read the parameter any more.
        NameOp use;
        init.getBody().walk([&](NameOp name) {
          if (!use && name.getId() == field.name)
            use = name;
        });
        if (use) {
          InFlightDiagnostic diag =
              emitError(field.loc, "cannot remove '")
              << field.name << "': the parent's __init__ still reads its parameter; "
              << "override __init__ without it, or keep the field";
          diag.attachNote(use.getLoc()) << "'" << field.name << "' is read here";
          return failure();
        }
      }
    }
    if (!removed)
      return emitError(field.loc, "'")
             << field.name << " = AttributeError()' removes nothing: '" << parentName
             << "' has no class attribute, __init__ parameter or 'self." << field.name
             << "' assignment of that name; delete the line";
  }
  return success();
}

} // namespace tmc::modular
