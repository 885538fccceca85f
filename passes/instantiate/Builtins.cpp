//===- Builtins.cpp - Python builtins in model files ------------*- C++ -*-===//
//
// The builtin functions a model file may call (range, len, zip, isinstance,
// getattr, ...) and the methods of builtin values (dict.get, list.append,
// str.startswith, ...). torch calls and tensor methods are the op table's
// (TorchTable.h).
//
//===----------------------------------------------------------------------===//

#include "passes/instantiate/Interpreter.h"

#include <cmath>

using namespace mlir;

namespace tmc::instantiate {

PyValue Interpreter::callBuiltin(llvm::StringRef name, const CallArgs &args, Location loc) {
  if (std::optional<PyValue> v = callTorch(name, args, loc))
    return *v;
  auto arg = [&](size_t i) -> const PyValue & {
    if (i >= args.positional.size())
      fail(loc, name + "() is missing an argument");
    return args.positional[i];
  };
  if (name == "nn.Module.__init__" || name == "print")
    return PyValue::none();
  if (name == "range") {
    int64_t start = 0, stop, step = 1;
    if (args.positional.size() == 1) {
      stop = toInt(arg(0), loc, "range()'s argument");
    } else {
      start = toInt(arg(0), loc, "range()'s start");
      stop = toInt(arg(1), loc, "range()'s stop");
      if (args.positional.size() > 2)
        step = toInt(arg(2), loc, "range()'s step");
    }
    if (step == 0)
      fail(loc, "range() step must not be zero");
    // Loops unroll at compile time (one layer call per iteration): a config
    // size such as num_hidden_layers: 1000000000 must fail here, not exhaust
    // memory. In 128 bits, since stop - start may overflow int64.
    __int128 span = step > 0 ? __int128(stop) - start : __int128(start) - stop;
    __int128 stride = step > 0 ? __int128(step) : -__int128(step);
    if (span > 0 && (span + stride - 1) / stride > kMaxRangeItems)
      fail(loc, "range(" + std::to_string(start) + ", " + std::to_string(stop) + ", " +
                    std::to_string(step) + ") has more than " + std::to_string(kMaxRangeItems) +
                    " items, the most tmc unrolls (loops unroll at compile time); check the "
                    "config sizes it reads");
    std::vector<PyValue> items;
    for (int64_t i = start; step > 0 ? i < stop : i > stop; i += step)
      items.push_back(PyValue::integer(i));
    return makeList(items);
  }
  if (name == "len") {
    const PyValue &v = arg(0);
    if (v.kind == Kind::Str)
      return PyValue::integer(v.str.size());
    return PyValue::integer(iterate(v, loc).size());
  }
  if (name == "zip") {
    std::vector<std::vector<PyValue>> seqs;
    size_t n = SIZE_MAX;
    for (const PyValue &v : args.positional) {
      seqs.push_back(iterate(v, loc));
      n = std::min(n, seqs.back().size());
    }
    std::vector<PyValue> items;
    for (size_t i = 0; i < (seqs.empty() ? 0 : n); ++i) {
      std::vector<PyValue> tuple;
      for (auto &s : seqs)
        tuple.push_back(s[i]);
      items.push_back(makeTuple(tuple));
    }
    return makeList(items);
  }
  if (name == "enumerate") {
    std::vector<PyValue> items;
    int64_t start = args.positional.size() > 1 ? toInt(arg(1), loc, "enumerate()'s start") : 0;
    for (const PyValue &v : iterate(arg(0), loc))
      items.push_back(makeTuple({PyValue::integer(start++), v}));
    return makeList(items);
  }
  if (name == "int") {
    const PyValue &v = arg(0);
    if (v.kind == Kind::Float)
      return PyValue::integer(int64_t(v.f));
    return PyValue::integer(toInt(v, loc, "int()'s argument"));
  }
  if (name == "float")
    return PyValue::real(toFloat(arg(0), loc, "float()'s argument"));
  if (name == "bool")
    return PyValue::boolean(truthy(arg(0), loc));
  if (name == "abs") {
    const PyValue &v = arg(0);
    return v.kind == Kind::Float ? PyValue::real(std::fabs(v.f))
                                 : PyValue::integer(std::abs(toInt(v, loc, "abs()'s argument")));
  }
  if (name == "min" || name == "max") {
    std::vector<PyValue> items =
        args.positional.size() == 1 ? iterate(arg(0), loc) : args.positional;
    if (items.empty())
      fail(loc, name + "() of an empty sequence");
    PyValue best = items[0];
    for (const PyValue &v : items)
      if (compare(name == "min" ? "<" : ">", v, best, loc))
        best = v;
    return best;
  }
  if (name == "list" || name == "tuple") {
    std::vector<PyValue> items = args.positional.empty() ? std::vector<PyValue>{}
                                                       : iterate(arg(0), loc);
    return name == "list" ? makeList(items) : makeTuple(items);
  }
  if (name == "dict") {
    auto *d = create<DictObj>();
    for (auto &[k, v] : args.keywords)
      d->entries.push_back({PyValue::string(k), v});
    return PyValue::object(Kind::Dict, d);
  }
  if (name == "getattr" || name == "hasattr") {
    const PyValue &key = arg(1);
    if (key.kind != Kind::Str)
      fail(loc, name + "() needs a string attribute name");
    std::optional<PyValue> v = findAttr(arg(0), key.str);
    if (name == "hasattr")
      return PyValue::boolean(v.has_value());
    if (v)
      return *v;
    if (args.positional.size() > 2)
      return arg(2);
    return getAttr(arg(0), key.str, loc);
  }
  if (name == "isinstance") {
    const PyValue &cls = arg(1);
    const PyValue &v = arg(0);
    if (cls.kind == Kind::Builtin) {
      static const std::pair<const char *, Kind> types[] = {
          {"int", Kind::Int}, {"float", Kind::Float}, {"str", Kind::Str},
          {"bool", Kind::Bool}, {"list", Kind::List}, {"tuple", Kind::Tuple},
          {"dict", Kind::Dict}};
      for (auto &[n, k] : types)
        if (cls.str == n)
          return PyValue::boolean(v.kind == k || (k == Kind::Int && v.kind == Kind::Bool));
    }
    if (cls.kind == Kind::Class && v.kind == Kind::Instance) {
      auto *target = cls.as<ClassInfo>();
      llvm::SmallVector<ClassInfo *> work;
      if (v.as<InstanceObj>()->cls)
        work.push_back(v.as<InstanceObj>()->cls);
      while (!work.empty()) {
        ClassInfo *c = work.pop_back_val();
        if (c == target)
          return PyValue::boolean(true);
        work.append(c->bases.begin(), c->bases.end());
      }
      return PyValue::boolean(false);
    }
    fail(loc, "isinstance() supports int, float, str, bool, list, tuple, dict and model "
              "classes");
  }
  if (name == "str") {
    const PyValue &v = arg(0);
    return PyValue::string(v.kind == Kind::Str ? v.str : repr(v));
  }
  fail(loc, "'" + name + "' is not in tmc's op table (docs/LANGUAGE.md lists what is)");
}

PyValue Interpreter::callBuiltinMethod(const PyValue &self, llvm::StringRef name,
                                     const CallArgs &args, Location loc) {
  if (self.kind == Kind::Dict) {
    auto *d = self.as<DictObj>();
    if (name == "get") {
      Bound bound(*this, "key, default=None", args, "dict.get()", loc);
      for (auto &e : d->entries)
        if (equal(e.first, bound["key"]))
          return e.second;
      return bound["default"];
    }
    if (name == "items" || name == "keys" || name == "values") {
      std::vector<PyValue> items;
      for (auto &e : d->entries)
        items.push_back(name == "items"  ? makeTuple({e.first, e.second})
                        : name == "keys" ? e.first
                                         : e.second);
      return makeList(items);
    }
    if (name == "pop") {
      Bound bound(*this, "key, default=None", args, "dict.pop()", loc);
      for (auto it = d->entries.begin(); it != d->entries.end(); ++it)
        if (equal(it->first, bound["key"])) {
          PyValue v = it->second;
          d->entries.erase(it);
          return v;
        }
      return bound["default"];
    }
  }
  if (self.kind == Kind::List && name == "append") {
    if (args.positional.size() != 1)
      fail(loc, "list.append() takes one argument");
    self.as<SequenceObj>()->items.push_back(args.positional[0]);
    return PyValue::none();
  }
  if (self.kind == Kind::Str) {
    if (name == "lower" || name == "upper") {
      std::string s = self.str;
      for (char &c : s)
        c = name == "lower" ? std::tolower(c) : std::toupper(c);
      return PyValue::string(s);
    }
    if (name == "startswith" || name == "endswith") {
      Bound bound(*this, "prefix", args, "str." + name.str() + "()", loc);
      llvm::StringRef s(self.str);
      const std::string &p = bound["prefix"].str;
      return PyValue::boolean(name == "startswith" ? s.starts_with(p) : s.ends_with(p));
    }
  }
  if (self.kind == Kind::Tensor || self.kind == Kind::Param || self.kind == Kind::Shape)
    if (std::optional<PyValue> v = callTensorMethod(self, name, args, loc))
      return *v;
  fail(loc, std::string(kindName(self.kind)) + "." + name +
                "() is not in tmc's op table (docs/LANGUAGE.md lists what is)");
}

} // namespace tmc::instantiate
