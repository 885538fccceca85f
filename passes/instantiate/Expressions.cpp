//===- Expressions.cpp - expressions of model files -------------*- C++ -*-===//
//
// Expressions evaluated to Python values: names (locals, then globals, then
// builtins), literals, calls, subscripts, and arithmetic, comparisons and
// boolean operators with Python's rules (floor division, chained comparisons,
// short-circuiting). Operators and subscripts on tensors build tmc ops
// (Torch.cpp).
//
//===----------------------------------------------------------------------===//

#include "passes/instantiate/Interpreter.h"

#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/FormatVariadic.h"

#include <cmath>

using namespace mlir;

namespace tmc::instantiate {

PyValue Interpreter::lookup(llvm::StringRef name, Frame &frame, Location loc) {
  auto local = frame.locals.find(name);
  if (local != frame.locals.end())
    return local->second;
  auto global = globals.find(name);
  if (global != globals.end())
    return global->second;
  static const char *builtins[] = {"range", "len", "zip", "enumerate", "int", "float", "bool",
                                   "min", "max", "abs", "list", "tuple", "isinstance",
                                   "getattr", "hasattr", "super", "str", "dict", "print"};
  if (llvm::is_contained(builtins, name))
    return PyValue::named(Kind::Builtin, name.str());
  fail(loc, "name '" + name + "' is not defined");
}

PyValue Interpreter::evalCall(mdl::CallOp call, Frame &frame) {
  Location loc = call.getLoc();
  // super() needs the frame's class and receiver.
  if (auto name = call.getCallee().getDefiningOp<mdl::NameOp>();
      name && name.getId() == "super" && call.getArgs().empty() &&
      !frame.locals.count("super")) {
    if (!frame.cls)
      fail(loc, "super() outside a method");
    auto *s = create<SuperObj>();
    s->self = frame.self;
    s->cls = frame.cls;
    return PyValue::object(Kind::Super, s);
  }
  PyValue callee = eval(call.getCallee(), frame);
  CallArgs args;
  for (auto [i, arg] : llvm::enumerate(call.getArgs())) {
    llvm::StringRef kind = call.getArgName(i);
    PyValue v = eval(arg, frame);
    if (kind.empty()) {
      args.positional.push_back(v);
    } else if (kind == "*") {
      for (PyValue &item : iterate(v, loc))
        args.positional.push_back(item);
    } else if (kind == "**") {
      if (v.kind != Kind::Dict)
        fail(loc, "** needs a dict, not " + repr(v));
      for (auto &[k, item] : v.as<DictObj>()->entries) {
        if (k.kind != Kind::Str)
          fail(loc, "** needs string keys");
        args.keywords.push_back({k.str, item});
      }
    } else {
      args.keywords.push_back({kind.str(), v});
    }
  }
  return this->call(callee, args, loc);
}

/// `x` or `config.x` for an operand that reads a name or an attribute of
/// one, else empty.
static std::string sourceName(Value expr) {
  Operation *def = expr.getDefiningOp();
  if (auto name = dyn_cast_or_null<mdl::NameOp>(def))
    return name.getId().str();
  if (auto attr = dyn_cast_or_null<mdl::AttrOp>(def)) {
    std::string base = sourceName(attr.getBase());
    return base.empty() ? "" : base + "." + attr.getName().str();
  }
  return "";
}

PyValue Interpreter::eval(mlir::Value expr, Frame &frame) {
  Operation *def = expr.getDefiningOp();
  Location loc = def->getLoc();
  return llvm::TypeSwitch<Operation *, PyValue>(def)
      .Case<mdl::NameOp>([&](mdl::NameOp op) {
        llvm::StringRef id = op.getId();
        if (id.contains('.')) { // a dotted name from a decorator or base: torch.Tensor
          auto [head, rest] = id.split('.');
          PyValue v = lookup(head, frame, loc);
          while (!rest.empty()) {
            auto [part, tail] = rest.split('.');
            v = getAttr(v, part, loc);
            rest = tail;
          }
          return v;
        }
        return lookup(id, frame, loc);
      })
      .Case<mdl::IntOp>([&](mdl::IntOp op) { return PyValue::integer(op.getValue()); })
      .Case<mdl::FloatOp>([&](mdl::FloatOp op) {
        double v;
        if (llvm::StringRef(op.getSpelling()).getAsDouble(v))
          fail(loc, "bad float literal " + op.getSpelling());
        return PyValue::real(v);
      })
      .Case<mdl::StrOp>([&](mdl::StrOp op) { return PyValue::string(op.getValue().str()); })
      .Case<mdl::BoolOp>([&](mdl::BoolOp op) { return PyValue::boolean(op.getValue()); })
      .Case<mdl::NoneOp>([&](mdl::NoneOp) { return PyValue::none(); })
      .Case<mdl::EllipsisOp>([&](mdl::EllipsisOp) {
        PyValue v;
        v.kind = Kind::Ellipsis;
        return v;
      })
      .Case<mdl::AttrOp>([&](mdl::AttrOp op) {
        return getAttr(eval(op.getBase(), frame), op.getName(), loc);
      })
      .Case<mdl::SubscriptOp>([&](mdl::SubscriptOp op) {
        PyValue base = eval(op.getBase(), frame);
        return subscript(base, eval(op.getIndex(), frame), loc);
      })
      .Case<mdl::SliceOp>([&](mdl::SliceOp op) {
        auto *s = create<SliceObj>();
        if (op.getLower())
          s->lower = eval(op.getLower(), frame);
        if (op.getUpper())
          s->upper = eval(op.getUpper(), frame);
        if (op.getStep())
          s->step = eval(op.getStep(), frame);
        return PyValue::object(Kind::Slice, s);
      })
      .Case<mdl::CallOp>([&](mdl::CallOp op) { return evalCall(op, frame); })
      .Case<mdl::BinaryOp>([&](mdl::BinaryOp op) {
        // Python evaluates left to right; C++ argument order is unspecified.
        PyValue lhs = eval(op.getLhs(), frame);
        PyValue rhs = eval(op.getRhs(), frame);
        llvm::StringRef kind = op.getOp();
        bool zero = (rhs.kind == Kind::Int && rhs.i == 0) || (rhs.kind == Kind::Float && rhs.f == 0);
        // A divisor read from a name is most often a config field
        // (`num_attention_heads: 0`): say which.
        if (zero && (kind == "/" || kind == "//" || kind == "%"))
          if (std::string name = sourceName(op.getRhs()); !name.empty())
            fail(loc, "division by zero: '" + name +
                          "' is 0 (if it is a config field, give it a positive value)");
        return binary(kind, lhs, rhs, loc);
      })
      .Case<mdl::UnaryOp>([&](mdl::UnaryOp op) {
        return unary(op.getOp(), eval(op.getOperand(), frame), loc);
      })
      .Case<mdl::CompareOp>([&](mdl::CompareOp op) {
        PyValue lhs = eval(op.getOperands()[0], frame);
        for (auto [i, attr] : llvm::enumerate(op.getOps())) {
          PyValue rhs = eval(op.getOperands()[i + 1], frame);
          if (!compare(cast<StringAttr>(attr).getValue(), lhs, rhs, loc))
            return PyValue::boolean(false);
          lhs = rhs;
        }
        return PyValue::boolean(true);
      })
      .Case<mdl::LogicalOp>([&](mdl::LogicalOp op) {
        if (op.getOp() == "not")
          return PyValue::boolean(!truthy(eval(op.getOperands()[0], frame), loc));
        bool isAnd = op.getOp() == "and";
        PyValue v;
        for (mlir::Value operand : op.getOperands()) {
          v = eval(operand, frame);
          if (truthy(v, loc) != isAnd)
            return v;
        }
        return v;
      })
      .Case<mdl::IfExpOp>([&](mdl::IfExpOp op) {
        return truthy(eval(op.getCond(), frame), loc) ? eval(op.getThenValue(), frame)
                                                      : eval(op.getElseValue(), frame);
      })
      .Case<mdl::ListOp>([&](mdl::ListOp op) {
        std::vector<PyValue> items;
        for (mlir::Value e : op.getElements())
          items.push_back(eval(e, frame));
        return makeList(std::move(items));
      })
      .Case<mdl::TupleOp>([&](mdl::TupleOp op) {
        std::vector<PyValue> items;
        for (mlir::Value e : op.getElements())
          items.push_back(eval(e, frame));
        return makeTuple(std::move(items));
      })
      .Case<mdl::DictOp>([&](mdl::DictOp op) {
        auto *d = create<DictObj>();
        for (unsigned i = 0; i < op.getNumEntries(); ++i)
          d->entries.push_back({eval(op.getKey(i), frame), eval(op.getValue(i), frame)});
        return PyValue::object(Kind::Dict, d);
      })
      .Case<mdl::ListCompOp>([&](mdl::ListCompOp op) {
        std::vector<PyValue> items;
        for (const PyValue &item : iterate(eval(op.getIter(), frame), loc)) {
          assign(op.getTarget(), item, frame, loc);
          bool keep = true;
          for (mlir::Value cond : op.getConds())
            keep = keep && truthy(eval(cond, frame), loc);
          if (keep)
            items.push_back(eval(op.getElement(), frame));
        }
        return makeList(std::move(items));
      })
      .Default([&](Operation *op) -> PyValue {
        fail(loc, "'" + op->getName().getStringRef() + "' cannot be evaluated");
      });
}

PyValue Interpreter::subscript(const PyValue &base, const PyValue &index, Location loc) {
  switch (base.kind) {
  case Kind::Tuple:
  case Kind::List: {
    auto &items = base.as<SequenceObj>()->items;
    if (index.kind == Kind::Slice) {
      auto *s = index.as<SliceObj>();
      int64_t n = items.size();
      int64_t lo = s->lower.isNone() ? 0 : toInt(s->lower, loc, "a slice bound");
      int64_t hi = s->upper.isNone() ? n : toInt(s->upper, loc, "a slice bound");
      if (!s->step.isNone() && toInt(s->step, loc, "a slice step") != 1)
        fail(loc, "list slices with a step are not supported");
      if (lo < 0) lo += n;
      if (hi < 0) hi += n;
      lo = std::clamp<int64_t>(lo, 0, n);
      hi = std::clamp<int64_t>(hi, lo, n);
      std::vector<PyValue> out(items.begin() + lo, items.begin() + hi);
      return base.kind == Kind::Tuple ? makeTuple(out) : makeList(out);
    }
    int64_t i = toInt(index, loc, "an index");
    if (i < 0)
      i += items.size();
    if (i < 0 || i >= int64_t(items.size()))
      fail(loc, llvm::formatv("index {0} is out of range for a {1} of {2} items", index.i,
                              kindName(base.kind), items.size()));
    return items[i];
  }
  case Kind::Dict: {
    for (auto &e : base.as<DictObj>()->entries)
      if (equal(e.first, index))
        return e.second;
    std::string keys;
    for (auto &e : base.as<DictObj>()->entries)
      keys += (keys.empty() ? "" : ", ") + repr(e.first);
    fail(loc, "key " + repr(index) + " is not in the dict (its keys: " + keys + ")");
  }
  case Kind::Instance: {
    auto *inst = base.as<InstanceObj>();
    if (inst->builtin == "ModuleList") {
      int64_t i = toInt(index, loc, "a ModuleList index");
      if (i < 0)
        i += inst->items.size();
      if (i < 0 || i >= int64_t(inst->items.size()))
        fail(loc, "ModuleList index out of range");
      return inst->items[i];
    }
    break;
  }
  case Kind::Tensor:
  case Kind::Param:
    return tensorSubscript(tensorOf(base, loc, "subscript base"), index, loc);
  default: break;
  }
  fail(loc, repr(base) + " cannot be indexed");
}

static int64_t floorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0)))
    --q;
  return q;
}

PyValue Interpreter::binary(llvm::StringRef op, const PyValue &a, const PyValue &b, Location loc) {
  bool tensors = a.kind == Kind::Tensor || a.kind == Kind::Param || b.kind == Kind::Tensor ||
                 b.kind == Kind::Param;
  if (tensors)
    return tensorBinary(op, a, b, loc);
  if (op == "+" && a.kind == b.kind && (a.kind == Kind::Str)) 
    return PyValue::string(a.str + b.str);
  if (op == "+" && (a.kind == Kind::List || a.kind == Kind::Tuple) && a.kind == b.kind) {
    std::vector<PyValue> items = a.as<SequenceObj>()->items;
    for (const PyValue &v : b.as<SequenceObj>()->items)
      items.push_back(v);
    return a.kind == Kind::List ? makeList(items) : makeTuple(items);
  }
  if (op == "*" && (a.kind == Kind::List || a.kind == Kind::Tuple) && b.kind == Kind::Int) {
    std::vector<PyValue> items;
    for (int64_t r = 0; r < b.i; ++r)
      for (const PyValue &v : a.as<SequenceObj>()->items)
        items.push_back(v);
    return a.kind == Kind::List ? makeList(items) : makeTuple(items);
  }
  if (a.kind == Kind::SymInt || b.kind == Kind::SymInt)
    fail(loc, "arithmetic on a dynamic size (batch, sequence length) is not supported; "
              "pass the size to a tensor op instead");
  if (!a.isNumber() || !b.isNumber())
    fail(loc, "unsupported operand types for " + op + ": " + repr(a) + " and " + repr(b));
  bool ints = a.kind != Kind::Float && b.kind != Kind::Float;
  if (ints) {
    int64_t x = toInt(a, loc, ""), y = toInt(b, loc, "");
    // Python's ints do not overflow; tmc's are 64 bits, and a config can
    // reach past them (vocab_size * hidden_size * ...).
    auto overflow = [&]() -> PyValue {
      fail(loc, std::to_string(x) + " " + op + " " + std::to_string(y) +
                    " does not fit in 64 bits; check the config sizes it reads");
    };
    int64_t r;
    if (op == "+" || op == "-" || op == "*") {
      bool wrapped = op == "+"   ? __builtin_add_overflow(x, y, &r)
                     : op == "-" ? __builtin_sub_overflow(x, y, &r)
                                 : __builtin_mul_overflow(x, y, &r);
      return wrapped ? overflow() : PyValue::integer(r);
    }
    if (op == "//" || op == "%") {
      if (y == 0)
        fail(loc, "integer division by zero");
      return op == "//" ? PyValue::integer(floorDiv(x, y)) : PyValue::integer(x - floorDiv(x, y) * y);
    }
    if (op == "/") {
      if (y == 0)
        fail(loc, "division by zero");
      return PyValue::real(double(x) / double(y));
    }
    if (op == "**") {
      if (y < 0)
        return PyValue::real(std::pow(double(x), double(y)));
      if (x == 0 || x == 1)
        return PyValue::integer(y == 0 ? 1 : x);
      if (x == -1)
        return PyValue::integer(y % 2 ? -1 : 1);
      // |x| >= 2: at most 63 steps before the result overflows.
      int64_t power = 1;
      for (int64_t k = 0; k < y; ++k)
        if (__builtin_mul_overflow(power, x, &power))
          return overflow();
      return PyValue::integer(power);
    }
    if (op == "&") return PyValue::integer(x & y);
    if (op == "|") return PyValue::integer(x | y);
  }
  double x = toFloat(a, loc, ""), y = toFloat(b, loc, "");
  if (op == "+") return PyValue::real(x + y);
  if (op == "-") return PyValue::real(x - y);
  if (op == "*") return PyValue::real(x * y);
  if (op == "/") {
    if (y == 0)
      fail(loc, "division by zero");
    return PyValue::real(x / y);
  }
  if (op == "//") return PyValue::real(std::floor(x / y));
  if (op == "%") return PyValue::real(x - std::floor(x / y) * y);
  if (op == "**") return PyValue::real(std::pow(x, y));
  fail(loc, "operator " + op + " is not supported on numbers");
}

PyValue Interpreter::unary(llvm::StringRef op, const PyValue &a, Location loc) {
  if (a.kind == Kind::Tensor || a.kind == Kind::Param) {
    if (op == "-")
      return tensorBinary("neg", a, PyValue::none(), loc);
    if (op == "+")
      return a;
    fail(loc, "unary " + op + " is not supported on tensors");
  }
  if (op == "not")
    return PyValue::boolean(!truthy(a, loc));
  if (op == "-" && (a.kind == Kind::Int || a.kind == Kind::Bool))
    return PyValue::integer(-toInt(a, loc, ""));
  if (op == "-" && a.kind == Kind::Float)
    return PyValue::real(-a.f);
  if (op == "+" && a.isNumber())
    return a;
  fail(loc, "unary " + op + " is not supported on " + repr(a));
}

bool Interpreter::compare(llvm::StringRef op, const PyValue &a, const PyValue &b, Location loc) {
  if (op == "is" || op == "is not") {
    bool same = (a.isNone() || b.isNone() || a.kind == Kind::Bool || b.kind == Kind::Bool)
                    ? (a.kind == b.kind && equal(a, b))
                    : (a.kind == b.kind && (a.obj ? a.obj == b.obj : equal(a, b)));
    return (op == "is") == same;
  }
  if (op == "in" || op == "not in") {
    bool found = false;
    if (b.kind == Kind::Str && a.kind == Kind::Str)
      found = b.str.find(a.str) != std::string::npos;
    else
      for (const PyValue &item : iterate(b, loc))
        found = found || equal(a, item);
    return (op == "in") == found;
  }
  if (op == "==")
    return equal(a, b);
  if (op == "!=")
    return !equal(a, b);
  if (a.kind == Kind::Str && b.kind == Kind::Str) {
    int c = a.str.compare(b.str);
    return op == "<" ? c < 0 : op == "<=" ? c <= 0 : op == ">" ? c > 0 : c >= 0;
  }
  if (!a.isNumber() || !b.isNumber())
    fail(loc, "cannot compare " + repr(a) + " " + op + " " + repr(b) + " at compile time");
  double x = toFloat(a, loc, ""), y = toFloat(b, loc, "");
  return op == "<" ? x < y : op == "<=" ? x <= y : op == ">" ? x > y : x >= y;
}

} // namespace tmc::instantiate
