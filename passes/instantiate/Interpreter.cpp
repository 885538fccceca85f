//===- Interpreter.cpp - Python semantics of model files --------*- C++ -*-===//
//
// Statements and expressions of the mdl dialect evaluated as Python would:
// names, attributes, calls with keywords and defaults, classes with bases and
// super(), compile-time `if`, unrolled `for`, tuples, lists, dicts and list
// comprehensions. Tensors are handed to the op table (Torch.cpp).
//
//===----------------------------------------------------------------------===//

#include "passes/instantiate/Interpreter.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/FormatVariadic.h"

#include <cmath>

using namespace mlir;

namespace tmc::instantiate {

const char *kindName(Kind kind) {
  switch (kind) {
  case Kind::None: return "None";
  case Kind::Bool: return "bool";
  case Kind::Int: return "int";
  case Kind::Float: return "float";
  case Kind::Str: return "str";
  case Kind::Ellipsis: return "ellipsis";
  case Kind::Tuple: return "tuple";
  case Kind::List: return "list";
  case Kind::Dict: return "dict";
  case Kind::Slice: return "slice";
  case Kind::Tensor: return "tensor";
  case Kind::SymInt: return "dynamic size";
  case Kind::DType: return "dtype";
  case Kind::Device: return "device";
  case Kind::PyModule: return "module";
  case Kind::Builtin: return "builtin";
  case Kind::Function: return "function";
  case Kind::Class: return "class";
  case Kind::Instance: return "object";
  case Kind::Method: return "method";
  case Kind::Param: return "weight";
  case Kind::Shape: return "tensor under construction";
  case Kind::Mask: return "attention mask";
  case Kind::Rope: return "rotary embedding";
  case Kind::Super: return "super()";
  }
  return "value";
}

CallStackEntry::CallStackEntry(Interpreter &interp, Location loc) : interp(interp) {
  if (++interp.depth > 200)
    fail(loc, "calls nest more than 200 deep (unbounded recursion in the model file?)");
  interp.callStack.push_back(loc);
}

CallStackEntry::~CallStackEntry() {
  if (std::uncaught_exceptions())
    interp.unwound.push_back(interp.callStack.back());
  --interp.depth;
  interp.callStack.pop_back();
}

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

Bound::Bound(const CallArgs &args, llvm::ArrayRef<llvm::StringRef> params, const llvm::Twine &what,
             Location loc) {
  std::vector<std::string> names;
  for (llvm::StringRef spec : params) {
    auto [name, def] = spec.split('=');
    names.push_back(name.str());
    if (spec.contains('='))
      values[name] = parseDefault(def);
  }
  if (args.positional.size() > names.size())
    fail(loc, llvm::formatv("{0} takes at most {1} positional arguments, {2} given", what,
                            names.size(), args.positional.size()));
  for (auto [i, v] : llvm::enumerate(args.positional)) {
    values[names[i]] = v;
    given.insert(names[i]);
  }
  for (auto &[key, v] : args.keywords) {
    if (!llvm::is_contained(names, key))
      fail(loc, what + " has no parameter '" + key + "' (it takes: " +
                    llvm::join(names.begin(), names.end(), ", ") + ")");
    if (given.contains(key))
      fail(loc, what + " got two values for '" + key + "'");
    values[key] = v;
    given.insert(key);
  }
  for (const std::string &name : names)
    if (!values.count(name))
      fail(loc, what + " is missing its argument '" + name + "'");
}

const PyValue &Bound::operator[](llvm::StringRef name) const { return values.find(name)->second; }
bool Bound::passed(llvm::StringRef name) const { return given.contains(name); }

//===----------------------------------------------------------------------===//
// Module level
//===----------------------------------------------------------------------===//

Interpreter::Interpreter(ModuleOp program, Graph &graph) : program(program), graph(graph) {}

std::string Interpreter::compilesToName(OperandRange decorators) {
  for (mlir::Value dec : decorators) {
    auto call = dec.getDefiningOp<mdl::CallOp>();
    if (!call || call.getArgs().size() != 1)
      continue;
    auto callee = call.getCallee().getDefiningOp<mdl::NameOp>();
    auto arg = call.getArgs()[0].getDefiningOp<mdl::StrOp>();
    if (callee && arg && callee.getId() == "compiles_to")
      return arg.getValue().str();
  }
  return "";
}

void Interpreter::loadModule() {
  // Classes first, so that bases resolve regardless of order.
  for (auto cls : program.getOps<mdl::ClassOp>()) {
    classInfos.push_back(std::make_unique<ClassInfo>());
    ClassInfo *info = classInfos.back().get();
    info->op = cls;
    info->compilesTo = compilesToName(cls.getDecorators());
    classByName[cls.getSymName()] = info;
    globals[cls.getSymName()] = PyValue::object(Kind::Class, info);
  }
  for (auto &info : classInfos) {
    for (Attribute base : info->op.getBases()) {
      llvm::StringRef name = cast<FlatSymbolRefAttr>(base).getValue();
      if (name == "nn.Module" || name == "torch.nn.Module") {
        info->isModule = true;
      } else if (ClassInfo *parent = classByName.lookup(name)) {
        info->bases.push_back(parent);
      } else if (name != "object") {
        fail(info->op.getLoc(), "class " + info->name() + " derives from '" + name +
                                    "', which is neither nn.Module nor a class of this file");
      }
    }
  }
  for (auto &info : classInfos)
    for (ClassInfo *base : info->bases)
      info->isModule |= base->isModule;

  Frame frame;
  for (Operation &op : program.getBody()->getOperations()) {
    if (!op.hasTrait<mdl::Statement>() || isa<mdl::ClassOp>(op))
      continue;
    if (auto imp = dyn_cast<mdl::ImportOp>(op)) {
      llvm::StringRef module = imp.getModule();
      if (module != "torch" && module != "torch.nn" && module != "torch.nn.functional")
        fail(op.getLoc(), "model files may import only torch, torch.nn and "
                          "torch.nn.functional; '" + module + "' is not supported");
      llvm::StringRef bound = imp.getAlias() ? *imp.getAlias() : module.split('.').first;
      globals[bound] = PyValue::named(Kind::PyModule, imp.getAlias() ? module.str() : bound.str());
      continue;
    }
    if (auto from = dyn_cast<mdl::FromImportOp>(op)) {
      llvm::StringRef module = from.getModule();
      if (module.starts_with("."))
        fail(op.getLoc(), "this file imports from another model ('" + module +
                              "'); instantiate the expanded modeling file (tmc expand)");
      for (auto [i, name] : llvm::enumerate(from.getNames())) {
        llvm::StringRef n = cast<StringAttr>(name).getValue();
        llvm::StringRef alias = n;
        if (i < from.getAliases().size() &&
            !cast<StringAttr>(from.getAliases()[i]).getValue().empty())
          alias = cast<StringAttr>(from.getAliases()[i]).getValue();
        std::string full = (module + "." + n).str();
        if (full == "torch.nn" || full == "torch.nn.functional")
          globals[alias] = PyValue::named(Kind::PyModule, full);
        else
          globals[alias] = PyValue::named(Kind::Builtin, full);
      }
      continue;
    }
    if (auto def = dyn_cast<mdl::DefOp>(op)) {
      PyValue fn;
      fn.kind = Kind::Function;
      fn.op = def;
      globals[def.getSymName()] = fn;
      continue;
    }
    if (isa<mdl::AssignOp, mdl::ExprStmtOp, mdl::CommentOp, mdl::PassOp, mdl::AssertOp,
            mdl::IfOp>(op)) {
      exec(op, frame);
      for (auto &[k, v] : frame.locals)
        globals[k] = v;
      frame.locals.clear();
      continue;
    }
  }
}

ClassInfo *Interpreter::findClass(llvm::StringRef name) { return classByName.lookup(name); }

llvm::SmallVector<ClassInfo *> Interpreter::classes() {
  llvm::SmallVector<ClassInfo *> out;
  for (auto &info : classInfos)
    out.push_back(info.get());
  return out;
}

PyValue Interpreter::global(llvm::StringRef name, Location loc) {
  auto it = globals.find(name);
  if (it == globals.end())
    fail(loc, "name '" + name + "' is not defined");
  return it->second;
}

void Interpreter::evaluateClassAttrs(ClassInfo *cls) {
  if (cls->attrsEvaluated)
    return;
  cls->attrsEvaluated = true;
  Frame frame;
  for (Operation &op : cls->op.getBody().front()) {
    if (!isa<mdl::AssignOp>(op))
      continue;
    exec(op, frame);
  }
  for (auto &[k, v] : frame.locals)
    cls->classAttrs[intern(k)] = v;
}

std::pair<mdl::DefOp, ClassInfo *> Interpreter::findMethod(ClassInfo *cls, llvm::StringRef name) {
  for (auto def : cls->op.getBody().front().getOps<mdl::DefOp>())
    if (def.getSymName() == name)
      return {def, cls};
  for (ClassInfo *base : cls->bases) {
    auto found = findMethod(base, name);
    if (found.first)
      return found;
  }
  return {nullptr, nullptr};
}

//===----------------------------------------------------------------------===//
// Helpers
//===----------------------------------------------------------------------===//

PyValue Interpreter::makeTuple(std::vector<PyValue> items) {
  auto *seq = create<SequenceObj>();
  seq->items = std::move(items);
  return PyValue::object(Kind::Tuple, seq);
}

PyValue Interpreter::makeList(std::vector<PyValue> items) {
  auto *seq = create<SequenceObj>();
  seq->items = std::move(items);
  return PyValue::object(Kind::List, seq);
}

std::string Interpreter::repr(const PyValue &v) {
  switch (v.kind) {
  case Kind::None: return "None";
  case Kind::Bool: return v.b ? "True" : "False";
  case Kind::Int: return std::to_string(v.i);
  case Kind::Float: return llvm::formatv("{0}", v.f).str();
  case Kind::Str: return "'" + v.str + "'";
  case Kind::DType: return "torch." + v.str;
  case Kind::Class: return "class " + v.as<ClassInfo>()->name().str();
  case Kind::Function: return "function " + cast<mdl::DefOp>(v.op).getSymName().str();
  case Kind::Instance: {
    auto *inst = v.as<InstanceObj>();
    return (inst->cls ? inst->cls->name().str() : inst->builtin) + " object";
  }
  default: return std::string("a ") + kindName(v.kind);
  }
}

bool Interpreter::truthy(const PyValue &v, Location loc) {
  switch (v.kind) {
  case Kind::None: return false;
  case Kind::Bool: return v.b;
  case Kind::Int: return v.i != 0;
  case Kind::Float: return v.f != 0.0;
  case Kind::Str: return !v.str.empty();
  case Kind::Tuple:
  case Kind::List: return !v.as<SequenceObj>()->items.empty();
  case Kind::Dict: return !v.as<DictObj>()->entries.empty();
  case Kind::Tensor:
  case Kind::Param:
  case Kind::SymInt:
    fail(loc, std::string("the truth of a ") + kindName(v.kind) +
                  " is known only when the model runs; conditions must be known at compile "
                  "time (config fields, `is None`)");
  default: return true;
  }
}

int64_t Interpreter::toInt(const PyValue &v, Location loc, const llvm::Twine &what) {
  if (v.kind == Kind::Int)
    return v.i;
  if (v.kind == Kind::Bool)
    return v.b;
  fail(loc, what + " must be an int, not " + repr(v));
}

double Interpreter::toFloat(const PyValue &v, Location loc, const llvm::Twine &what) {
  if (v.kind == Kind::Float)
    return v.f;
  if (v.kind == Kind::Int)
    return double(v.i);
  if (v.kind == Kind::Bool)
    return v.b;
  fail(loc, what + " must be a number, not " + repr(v));
}

bool Interpreter::equal(const PyValue &a, const PyValue &b) {
  if (a.isNumber() && b.isNumber()) {
    if (a.kind == Kind::Float || b.kind == Kind::Float)
      return toFloat(a, UnknownLoc::get(program.getContext()), "") ==
             toFloat(b, UnknownLoc::get(program.getContext()), "");
    return (a.kind == Kind::Int ? a.i : a.b) == (b.kind == Kind::Int ? b.i : b.b);
  }
  if (a.kind != b.kind)
    return false;
  switch (a.kind) {
  case Kind::None: return true;
  case Kind::Str:
  case Kind::DType:
  case Kind::Builtin:
  case Kind::PyModule: return a.str == b.str;
  case Kind::SymInt: return a.i == b.i;
  case Kind::Function: return a.op == b.op;
  case Kind::Tuple:
  case Kind::List: {
    auto &x = a.as<SequenceObj>()->items, &y = b.as<SequenceObj>()->items;
    if (x.size() != y.size())
      return false;
    for (size_t i = 0; i < x.size(); ++i)
      if (!equal(x[i], y[i]))
        return false;
    return true;
  }
  default: return a.obj == b.obj;
  }
}

TensorObj *Interpreter::tensorOf(const PyValue &v, Location loc, const llvm::Twine &what) {
  if (v.kind == Kind::Tensor)
    return v.as<TensorObj>();
  if (v.kind == Kind::Param)
    return graph.param(v.as<ParamObj>(), loc);
  fail(loc, what + " must be a tensor, not " + repr(v));
}

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
    static const char *dtypes[] = {"float32", "float", "bfloat16", "float16", "half",
                                   "float64", "double", "int64", "long", "int32", "int", "bool"};
    if (base.str == "torch" && llvm::is_contained(dtypes, name))
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
      std::string n = t.isF32() ? "float32" : t.isBF16() ? "bfloat16" : t.isF16() ? "float16"
                    : t.isF64() ? "float64" : t.isInteger(64) ? "int64" : t.isInteger(32) ? "int32"
                                                                           : "bool";
      return PyValue::named(Kind::DType, n);
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

//===----------------------------------------------------------------------===//
// Statements
//===----------------------------------------------------------------------===//

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

//===----------------------------------------------------------------------===//
// Expressions
//===----------------------------------------------------------------------===//

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
        return binary(op.getOp(), lhs, eval(op.getRhs(), frame), loc);
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
    if (op == "+") return PyValue::integer(x + y);
    if (op == "-") return PyValue::integer(x - y);
    if (op == "*") return PyValue::integer(x * y);
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
      int64_t r = 1;
      for (int64_t k = 0; k < y; ++k)
        r *= x;
      return PyValue::integer(r);
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

//===----------------------------------------------------------------------===//
// Python builtins and methods of builtin values
//===----------------------------------------------------------------------===//

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
      Bound bound(args, {"key", "default=None"}, "dict.get()", loc);
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
      Bound bound(args, {"key", "default=None"}, "dict.pop()", loc);
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
      Bound bound(args, {"prefix"}, "str." + name.str() + "()", loc);
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
