//===- Statements.cpp - statements of model files ---------------*- C++ -*-===//
//
// Statements run as Python runs them, with every control-flow decision made
// at compile time: `if` on values known when instantiating, `for` unrolled
// over sequences and ModuleLists, assignment with tuple unpacking into names,
// attributes and items.
//
//===----------------------------------------------------------------------===//

#include "passes/instantiate/Interpreter.h"

#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/FormatVariadic.h"

using namespace mlir;

namespace tmc::instantiate {

void Interpreter::execBlock(Block &block, Frame &frame) {
  for (Operation &op : block) {
    if (!op.hasTrait<mdl::Statement>())
      continue; // expressions are evaluated by the statement that uses them
    exec(op, frame);
    if (frame.returned)
      return;
  }
}

void Interpreter::exec(Operation &stmt, Frame &frame) {
  Location loc = stmt.getLoc();
  llvm::TypeSwitch<Operation *>(&stmt)
      .Case<mdl::AssignOp>([&](mdl::AssignOp op) {
        if (!op.getValue())
          return; // a bare annotation
        PyValue v = eval(op.getValue(), frame);
        assign(op.getTarget(), v, frame, loc);
      })
      .Case<mdl::AugAssignOp>([&](mdl::AugAssignOp op) {
        PyValue current = eval(op.getTarget(), frame);
        PyValue rhs = eval(op.getValue(), frame);
        llvm::StringRef binop = op.getOp().drop_back(1); // "+=" -> "+"
        assign(op.getTarget(), binary(binop, current, rhs, loc), frame, loc);
      })
      .Case<mdl::ExprStmtOp>([&](mdl::ExprStmtOp op) { (void)eval(op.getValue(), frame); })
      .Case<mdl::ReturnOp>([&](mdl::ReturnOp op) {
        frame.result = op.getValue() ? eval(op.getValue(), frame) : PyValue::none();
        frame.returned = true;
      })
      .Case<mdl::PassOp, mdl::CommentOp, mdl::ImportOp, mdl::FromImportOp>([](Operation *) {})
      .Case<mdl::DelOp>([&](mdl::DelOp op) {
        for (mlir::Value target : op.getTargets())
          if (auto name = target.getDefiningOp<mdl::NameOp>())
            frame.locals.erase(name.getId());
      })
      .Case<mdl::AssertOp>([&](mdl::AssertOp op) {
        if (truthy(eval(op.getTest(), frame), loc))
          return;
        std::string message = "assertion failed";
        if (op.getMessage()) {
          PyValue m = eval(op.getMessage(), frame);
          message += ": " + (m.kind == Kind::Str ? m.str : repr(m));
        }
        fail(loc, message);
      })
      .Case<mdl::IfOp>([&](mdl::IfOp op) {
        if (truthy(eval(op.getCond(), frame), loc))
          execBlock(op.getThenRegion().front(), frame);
        else if (!op.getElseRegion().empty())
          execBlock(op.getElseRegion().front(), frame);
      })
      .Case<mdl::ForOp>([&](mdl::ForOp op) {
        for (const PyValue &item : iterate(eval(op.getIter(), frame), loc)) {
          assign(op.getTarget(), item, frame, loc);
          execBlock(op.getBody().front(), frame);
          if (frame.returned)
            return;
        }
      })
      .Case<mdl::DefOp>([&](mdl::DefOp op) {
        PyValue fn;
        fn.kind = Kind::Function;
        fn.op = op;
        frame.locals[op.getSymName()] = fn;
      })
      .Default([&](Operation *op) {
        fail(loc, "'" + op->getName().getStringRef() + "' cannot be instantiated");
      });
}

void Interpreter::assign(mlir::Value target, const PyValue &value, Frame &frame, Location loc) {
  Operation *def = target.getDefiningOp();
  if (auto name = dyn_cast<mdl::NameOp>(def)) {
    frame.locals[name.getId()] = value;
    return;
  }
  if (auto attr = dyn_cast<mdl::AttrOp>(def)) {
    setAttr(eval(attr.getBase(), frame), attr.getName(), value, loc);
    return;
  }
  if (auto sub = dyn_cast<mdl::SubscriptOp>(def)) {
    PyValue base = eval(sub.getBase(), frame);
    PyValue index = eval(sub.getIndex(), frame);
    if (base.kind == Kind::Dict) {
      auto &entries = base.as<DictObj>()->entries;
      for (auto &entry : entries)
        if (equal(entry.first, index)) {
          entry.second = value;
          return;
        }
      entries.push_back({index, value});
      return;
    }
    if (base.kind == Kind::List) {
      auto &items = base.as<SequenceObj>()->items;
      int64_t i = toInt(index, loc, "a list index");
      if (i < 0)
        i += items.size();
      if (i < 0 || i >= int64_t(items.size()))
        fail(loc, "list index out of range");
      items[i] = value;
      return;
    }
    fail(loc, "cannot assign to an item of " + repr(base));
  }
  if (isa<mdl::TupleOp, mdl::ListOp>(def)) {
    std::vector<PyValue> items = iterate(value, loc);
    if (items.size() != def->getNumOperands())
      fail(loc, llvm::formatv("cannot unpack {0} values into {1} names", items.size(),
                              def->getNumOperands()));
    for (auto [t, v] : llvm::zip(def->getOperands(), items))
      assign(t, v, frame, loc);
    return;
  }
  fail(loc, "cannot assign to this expression");
}

std::vector<PyValue> Interpreter::iterate(const PyValue &v, Location loc) {
  switch (v.kind) {
  case Kind::Tuple:
  case Kind::List: return v.as<SequenceObj>()->items;
  case Kind::Dict: {
    std::vector<PyValue> keys;
    for (auto &e : v.as<DictObj>()->entries)
      keys.push_back(e.first);
    return keys;
  }
  case Kind::Instance: {
    auto *inst = v.as<InstanceObj>();
    if (inst->builtin == "ModuleList")
      return inst->items;
    break;
  }
  default: break;
  }
  fail(loc, "cannot iterate over " + repr(v) + " at compile time");
}

} // namespace tmc::instantiate
