//===- Calls.cpp - calls and attributes of model files ----------*- C++ -*-===//
//
// Python's calling convention and attribute lookup: arguments bound to
// parameters (defaults, keywords, *args, **kwargs), functions, classes,
// bound methods and modules called, instance and class attributes found
// through the bases, and super(). A module held in an nn.ModuleList is traced
// into a function of its own here (Graph.cpp).
//
//===----------------------------------------------------------------------===//

#include "ir/Tmc/DTypes.h"
#include "passes/instantiate/Interpreter.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FormatVariadic.h"

using namespace mlir;

namespace tmc::instantiate {

//===----------------------------------------------------------------------===//
// Argument binding
//===----------------------------------------------------------------------===//

static PyValue parseDefault(llvm::StringRef text) {
  if (text == "None")
    return PyValue::none();
  if (text == "False" || text == "True")
    return PyValue::boolean(text == "True");
  int64_t i;
  if (!text.getAsInteger(10, i))
    return PyValue::integer(i);
  double f;
  if (!text.getAsDouble(f))
    return PyValue::real(f);
  return PyValue::string(text.trim('"').str());
}

Signature::Signature(llvm::StringRef text) {
  llvm::SmallVector<llvm::StringRef> parts;
  text.split(parts, ',', /*MaxSplit=*/-1, /*KeepEmpty=*/false);
  bool keywordOnly = false;
  for (llvm::StringRef part : parts) {
    part = part.trim();
    if (part.consume_front("**")) {
      varKeyword = part.str();
      continue;
    }
    if (part.consume_front("*")) {
      varPositional = part.str();
      keywordOnly = true;
      continue;
    }
    auto [name, def] = part.split('=');
    Param param{name.trim().str(), std::nullopt};
    if (part.contains('='))
      param.defaultValue = parseDefault(def.trim());
    params.push_back(std::move(param));
    if (!keywordOnly)
      ++numPositional;
  }
}

Bound::Bound(Interpreter &interp, const Signature &signature, const CallArgs &args,
             const llvm::Twine &what, Location loc) {
  size_t numArgs = args.positional.size();
  if (numArgs > signature.numPositional && signature.varPositional.empty())
    fail(loc, llvm::formatv("{0} takes at most {1} positional arguments, {2} given", what,
                            signature.numPositional, numArgs));
  size_t numBound = std::min(numArgs, signature.numPositional);
  for (size_t i = 0; i < numBound; ++i)
    values[signature.params[i].name] = args.positional[i];
  if (!signature.varPositional.empty())
    values[signature.varPositional] = interp.makeTuple(
        std::vector<PyValue>(args.positional.begin() + numBound, args.positional.end()));

  DictObj *extra = signature.varKeyword.empty() ? nullptr : interp.create<DictObj>();
  for (auto &[key, v] : args.keywords) {
    bool named = llvm::any_of(signature.params,
                              [&](const Signature::Param &p) { return p.name == key; });
    if (!named && extra) {
      extra->entries.push_back({PyValue::string(key), v});
      continue;
    }
    if (!named) {
      std::vector<llvm::StringRef> names;
      for (const Signature::Param &p : signature.params)
        names.push_back(p.name);
      fail(loc, what + " has no parameter '" + key + "' (it takes: " +
                    llvm::join(names, ", ") + ")");
    }
    if (!values.try_emplace(key, v).second)
      fail(loc, what + " got two values for '" + key + "'");
  }
  if (extra)
    values[signature.varKeyword] = PyValue::object(Kind::Dict, extra);

  for (const Signature::Param &p : signature.params) {
    if (values.count(p.name))
      continue;
    if (!p.defaultValue)
      fail(loc, what + " is missing its argument '" + p.name + "'");
    values[p.name] = *p.defaultValue;
  }
}

const PyValue &Bound::operator[](llvm::StringRef name) const { return values.find(name)->second; }


//===----------------------------------------------------------------------===//
// Calls
//===----------------------------------------------------------------------===//

llvm::StringMap<PyValue> Interpreter::bindArguments(mdl::DefOp fn, ClassInfo *cls,
                                                 std::optional<PyValue> self, const CallArgs &args,
                                                 Location loc) {
  Frame frame;
  std::vector<PyValue> positional;
  if (self)
    positional.push_back(*self);
  positional.insert(positional.end(), args.positional.begin(), args.positional.end());

  ArrayAttr params = fn.getParams();
  std::string what = (cls ? cls->name().str() + "." : "") + fn.getSymName().str() + "()";
  size_t next = 0;
  bool keywordOnly = false;
  std::string varKw;
  std::vector<std::string> named;
  for (auto [i, attr] : llvm::enumerate(params)) {
    llvm::StringRef p = cast<StringAttr>(attr).getValue();
    if (p == "*") {
      keywordOnly = true;
      continue;
    }
    if (p.starts_with("**")) {
      varKw = p.drop_front(2).str();
      continue;
    }
    if (p.starts_with("*")) {
      std::vector<PyValue> rest;
      while (next < positional.size())
        rest.push_back(positional[next++]);
      frame.locals[p.drop_front(1)] = makeTuple(std::move(rest));
      keywordOnly = true;
      continue;
    }
    named.push_back(p.str());
    if (!keywordOnly && next < positional.size()) {
      frame.locals[p] = positional[next++];
      continue;
    }
  }
  if (next < positional.size())
    fail(loc, llvm::formatv("{0} takes {1} positional arguments but {2} were given", what,
                            named.size(), positional.size()));
  auto *extra = create<DictObj>();
  for (auto &[key, v] : args.keywords) {
    if (llvm::is_contained(named, key)) {
      if (frame.locals.count(key))
        fail(loc, what + " got two values for argument '" + key + "'");
      frame.locals[key] = v;
    } else if (!varKw.empty()) {
      extra->entries.push_back({PyValue::string(key), v});
    } else {
      fail(loc, what + " got an unexpected keyword argument '" + key + "'");
    }
  }
  if (!varKw.empty())
    frame.locals[varKw] = PyValue::object(Kind::Dict, extra);
  for (auto [i, attr] : llvm::enumerate(params)) {
    llvm::StringRef p = cast<StringAttr>(attr).getValue();
    if (p == "*" || p.starts_with("*") || frame.locals.count(p))
      continue;
    if (mlir::Value def = fn.getDefault(i)) {
      Frame moduleFrame;
      frame.locals[p] = eval(def, moduleFrame);
      continue;
    }
    fail(loc, what + " is missing the argument '" + p + "'");
  }
  return std::move(frame.locals);
}

PyValue Interpreter::invoke(mdl::DefOp fn, ClassInfo *cls, std::optional<PyValue> self,
                          const CallArgs &args, Location loc) {
  CallStackEntry entry(*this, loc);
  Frame frame;
  frame.cls = cls;
  frame.locals = bindArguments(fn, cls, self, args, loc);
  if (self)
    frame.self = *self;
  execBlock(fn.getBody().front(), frame);
  return frame.result;
}

PyValue Interpreter::instantiate(ClassInfo *cls, const CallArgs &args, Location loc) {
  auto *inst = create<InstanceObj>();
  inst->cls = cls;
  PyValue self = PyValue::object(Kind::Instance, inst);
  auto [init, owner] = findMethod(cls, "__init__");
  if (init)
    invoke(init, owner, self, args, loc);
  else if (!args.positional.empty() || !args.keywords.empty())
    fail(loc, cls->name() + "() takes no arguments (it has no __init__)");
  return self;
}

PyValue Interpreter::callInstance(InstanceObj *inst, const PyValue &self, const CallArgs &args,
                                Location loc) {
  if (!inst->cls)
    return callBuiltinModule(inst, args, loc);
  if (inst->cls->compilesTo == "rotary_embedding")
    return callRotaryEmbedding(inst, args, loc);
  if (!inst->cls->compilesTo.empty())
    fail(loc, "unknown @compiles_to(\"" + inst->cls->compilesTo + "\") on class " +
                  inst->cls->name() + "; classes may compile to: rotary_embedding");
  auto [forward, owner] = findMethod(inst->cls, "forward");
  if (!forward)
    fail(loc, repr(self) + " is not callable: " + inst->cls->name() + " has no forward");

  std::string savedPath = graph.getPath();
  graph.setPath(inst->path());
  PyValue result;
  if (inst->isListElement() && !graph.inLayer()) {
    // One function per distinct layer kind (DESIGN.md §13).
    std::string concrete = inst->path();
    std::string generic = inst->parent->path() + ".*";
    graph.beginLayer(concrete, generic, loc);
    result = invoke(forward, owner, self, args, loc);
    std::vector<TensorObj *> outs;
    bool tuple = result.kind == Kind::Tuple;
    std::vector<PyValue> items = tuple ? result.as<SequenceObj>()->items : std::vector<PyValue>{result};
    for (PyValue &item : items)
      if (item.kind == Kind::Tensor || item.kind == Kind::Param)
        outs.push_back(tensorOf(item, loc, "a layer result"));
      else if (!item.isNone() && !item.isNumber())
        fail(loc, inst->cls->name() + ".forward returns " + repr(item) +
                      "; a layer held in an nn.ModuleList may return tensors (or None) only");
    std::vector<TensorObj *> called = graph.endLayer(outs, inst->cls->name(), loc);
    size_t next = 0;
    for (PyValue &item : items)
      if (item.kind == Kind::Tensor || item.kind == Kind::Param)
        item = makeTensor(called[next++]);
    result = tuple ? makeTuple(items) : items[0];
  } else {
    result = invoke(forward, owner, self, args, loc);
  }
  graph.setPath(savedPath);
  return result;
}

PyValue Interpreter::callMethod(MethodObj *m, const CallArgs &args, Location loc) {
  if (!m->fn)
    return callBuiltinMethod(m->self, m->builtinName, args, loc);
  return invoke(m->fn, m->definingClass, m->self, args, loc);
}

PyValue Interpreter::call(const PyValue &callee, const CallArgs &args, Location loc) {
  switch (callee.kind) {
  case Kind::Function: {
    auto fn = cast<mdl::DefOp>(callee.op);
    std::string intrinsic = compilesToName(fn.getDecorators());
    if (!intrinsic.empty())
      return callIntrinsic(intrinsic, fn, args, loc);
    return invoke(fn, nullptr, std::nullopt, args, loc);
  }
  case Kind::Class:
    return instantiate(callee.as<ClassInfo>(), args, loc);
  case Kind::Instance:
    return callInstance(callee.as<InstanceObj>(), callee, args, loc);
  case Kind::Method:
    return callMethod(callee.as<MethodObj>(), args, loc);
  case Kind::Builtin:
    return callBuiltin(callee.str, args, loc);
  default:
    fail(loc, repr(callee) + " is not callable");
  }
}

//===----------------------------------------------------------------------===//
// Attributes
//===----------------------------------------------------------------------===//

static PyValue boundMethod(Interpreter &interp, const PyValue &self, llvm::StringRef name) {
  auto *m = interp.create<MethodObj>();
  m->self = self;
  m->builtinName = name.str();
  return PyValue::object(Kind::Method, m);
}

std::optional<PyValue> Interpreter::findAttr(const PyValue &base, llvm::StringRef name) {
  if (base.kind != Kind::Instance)
    return std::nullopt;
  auto *inst = base.as<InstanceObj>();
  auto it = inst->attrs.find(name);
  if (it != inst->attrs.end())
    return it->second;
  if (!inst->cls)
    return std::nullopt;
  llvm::SmallVector<ClassInfo *> work{inst->cls};
  while (!work.empty()) {
    ClassInfo *cls = work.pop_back_val();
    evaluateClassAttrs(cls);
    auto found = cls->classAttrs.find(name);
    if (found != cls->classAttrs.end())
      return found->second;
    for (ClassInfo *b : llvm::reverse(cls->bases))
      work.push_back(b);
  }
  auto [fn, owner] = findMethod(inst->cls, name);
  if (fn) {
    auto *m = create<MethodObj>();
    m->self = base;
    m->fn = fn;
    m->definingClass = owner;
    return PyValue::object(Kind::Method, m);
  }
  return std::nullopt;
}

PyValue Interpreter::getAttr(const PyValue &base, llvm::StringRef name, Location loc) {
  switch (base.kind) {
  case Kind::Instance: {
    if (std::optional<PyValue> v = findAttr(base, name))
      return *v;
    auto *inst = base.as<InstanceObj>();
    if (inst->cls && inst->cls->name().ends_with("Config"))
      fail(loc, "the config has no field '" + name + "'; add it to config.json or give " +
                    inst->cls->name() + ".__init__ a default for it");
    fail(loc, repr(base) + " has no attribute '" + name + "'");
  }
  case Kind::Class: {
    auto *cls = base.as<ClassInfo>();
    evaluateClassAttrs(cls);
    auto it = cls->classAttrs.find(name);
    if (it != cls->classAttrs.end())
      return it->second;
    fail(loc, "class " + cls->name() + " has no attribute '" + name + "'");
  }
  case Kind::Super: {
    auto *s = base.as<SuperObj>();
    for (ClassInfo *parent : s->cls->bases) {
      auto [fn, owner] = findMethod(parent, name);
      if (fn) {
        auto *m = create<MethodObj>();
        m->self = s->self;
        m->fn = fn;
        m->definingClass = owner;
        return PyValue::object(Kind::Method, m);
      }
    }
    if (name == "__init__" && s->cls->isModule)
      return PyValue::named(Kind::Builtin, "nn.Module.__init__");
    fail(loc, "super() of " + s->cls->name() + " has no method '" + name + "'");
  }
  case Kind::PyModule: {
    std::string full = base.str + "." + name.str();
    if (full == "torch.nn" || full == "torch.nn.functional")
      return PyValue::named(Kind::PyModule, full);
    if (base.str == "torch" && dtypeOfTorchName(name))
      return PyValue::named(Kind::DType, name.str());
    return PyValue::named(Kind::Builtin, full);
  }
  case Kind::Dict:
  case Kind::List:
  case Kind::Str:
    return boundMethod(*this, base, name);
  case Kind::Tensor:
  case Kind::Param: {
    if (name == "shape") {
      std::vector<PyValue> dims;
      if (base.kind == Kind::Param)
        for (int64_t n : base.as<ParamObj>()->shape)
          dims.push_back(PyValue::integer(n));
      else
        for (const Dim &d : base.as<TensorObj>()->dims) {
          PyValue v = d.isStatic() ? PyValue::integer(d.size) : PyValue::integer(d.sym);
          if (!d.isStatic())
            v.kind = Kind::SymInt;
          dims.push_back(v);
        }
      return makeTuple(std::move(dims));
    }
    if (name == "dtype") {
      Type t = base.kind == Kind::Param ? base.as<ParamObj>()->elementType
                                        : base.as<TensorObj>()->elementType;
      llvm::Expected<rt::DType> dtype = dtypeOf(t);
      if (!dtype)
        fail(loc, llvm::toString(dtype.takeError()));
      return PyValue::named(Kind::DType, torchNameOf(*dtype).str());
    }
    if (name == "device")
      return PyValue::named(Kind::Device, "cpu");
    return boundMethod(*this, base, name);
  }
  case Kind::Shape:
    return boundMethod(*this, base, name);
  default:
    fail(loc, repr(base) + " has no attribute '" + name + "'");
  }
}

void Interpreter::setAttr(const PyValue &base, llvm::StringRef name, const PyValue &value,
                          Location loc) {
  if (base.kind != Kind::Instance)
    fail(loc, "cannot set attribute '" + name + "' on " + repr(base));
  auto *inst = base.as<InstanceObj>();
  if (value.kind == Kind::Instance) {
    auto *child = value.as<InstanceObj>();
    if (!child->parent && child != inst && (child->cls == nullptr || child->cls->isModule)) {
      child->parent = inst;
      child->nameInParent = name.str();
    }
  }
  if (value.kind == Kind::Param && !value.as<ParamObj>()->owner) {
    value.as<ParamObj>()->owner = inst;
    value.as<ParamObj>()->attr = name.str();
  }
  inst->attrs[intern(name)] = value;
}

} // namespace tmc::instantiate
