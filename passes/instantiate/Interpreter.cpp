//===- Interpreter.cpp - the model-file interpreter -------------*- C++ -*-===//
//
// The interpreter's state: the module-level names of the model file
// (imports, functions, classes and constants, run once), its classes with
// bases resolved, and the helpers every part of evaluation shares (truth,
// numbers, equality, repr). Calls.cpp, Statements.cpp, Expressions.cpp and
// Builtins.cpp evaluate the rest as Python would.
//
//===----------------------------------------------------------------------===//

#include "passes/instantiate/Interpreter.h"

#include "llvm/Support/FormatVariadic.h"

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

} // namespace tmc::instantiate
