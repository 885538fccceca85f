//===- Graph.cpp - the tmc functions instantiation builds -------*- C++ -*-===//

#include "passes/instantiate/Graph.h"

#include "ir/Tmc/TmcOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;

namespace tmc::instantiate {

/// `tmc.name`: an entry argument's name, which the manifest gives its input.
static StringAttr inputNameAttr(MLIRContext *ctx) {
  return tmcDialect(ctx)->getNameAttrHelper().getName();
}

void fail(Location loc, const llvm::Twine &message) { throw Failure{loc, message.str()}; }

std::string shapeString(llvm::ArrayRef<Dim> dims) {
  std::string s = "(";
  for (auto [i, d] : llvm::enumerate(dims))
    s += (i ? ", " : "") + (d.isStatic() ? std::to_string(d.size) : "?");
  return s + ")";
}

std::string ParamObj::name() const {
  std::string prefix = owner ? owner->path() : "";
  return prefix.empty() ? attr : prefix + "." + attr;
}

std::string InstanceObj::path() const {
  if (!parent)
    return "";
  std::string prefix = parent->path();
  return prefix.empty() ? nameInParent : prefix + "." + nameInParent;
}

Graph::Graph(ModuleOp module) : module(module), builder(module.getContext()) {}

int Graph::newSymbol() { return nextSymbol++; }

TensorObj *Graph::newTensor() {
  tensors.push_back(std::make_unique<TensorObj>());
  return tensors.back().get();
}

RankedTensorType Graph::typeOf(llvm::ArrayRef<Dim> dims, Type elementType) {
  SmallVector<int64_t> shape;
  for (const Dim &d : dims)
    shape.push_back(d.isStatic() ? d.size : ShapedType::kDynamic);
  return RankedTensorType::get(shape, elementType);
}

TensorObj *Graph::make(Value value, llvm::ArrayRef<Dim> dims) {
  TensorObj *t = newTensor();
  t->value = value;
  t->dims.assign(dims.begin(), dims.end());
  t->elementType = cast<RankedTensorType>(value.getType()).getElementType();
  return t;
}

void Graph::declareParam(ParamObj *param, Location loc) {
  if (declared.count(param))
    return;
  OpBuilder::InsertionGuard guard(builder);
  builder.setInsertionPointToEnd(module.getBody());
  auto type = RankedTensorType::get(param->shape, param->elementType);
  std::string name = param->name();
  if (SymbolTable::lookupSymbolIn(module, name))
    fail(loc, "two weights are both named '" + name + "'");
  declared[param] = ParamOp::create(builder, loc, builder.getStringAttr(name), TypeAttr::get(type));
}

void Graph::addSymbolSources(Scope &scope, Value tensor, llvm::ArrayRef<Dim> dims) {
  for (auto [i, d] : llvm::enumerate(dims))
    if (!d.isStatic() && !scope.symbolSources.count(d.sym))
      scope.symbolSources[d.sym] = {tensor, unsigned(i)};
}

std::vector<TensorObj *> Graph::beginEntry(llvm::StringRef name,
                                           llvm::ArrayRef<std::string> argNames,
                                           llvm::ArrayRef<SmallVector<Dim>> argDims,
                                           llvm::ArrayRef<Type> argElementTypes, Location loc) {
  SmallVector<Type> argTypes;
  for (auto [dims, elt] : llvm::zip(argDims, argElementTypes))
    argTypes.push_back(typeOf(dims, elt));
  builder.setInsertionPointToEnd(module.getBody());
  auto func = func::FuncOp::create(builder, loc, name, builder.getFunctionType(argTypes, {}));
  Block *entry = func.addEntryBlock();
  scopes.push_back(Scope{});
  current().func = func;
  std::vector<TensorObj *> args;
  for (unsigned i = 0; i < argTypes.size(); ++i) {
    func.setArgAttr(i, inputNameAttr(getContext()), builder.getStringAttr(argNames[i]));
    addSymbolSources(current(), entry->getArgument(i), argDims[i]);
    args.push_back(make(entry->getArgument(i), argDims[i]));
  }
  builder.setInsertionPointToStart(entry);
  return args;
}

void Graph::endEntry(llvm::ArrayRef<TensorObj *> results, Location loc) {
  SmallVector<Value> values;
  for (TensorObj *t : results)
    values.push_back(use(t));
  func::ReturnOp::create(builder, loc, values);
  func::FuncOp func = current().func;
  func.setType(builder.getFunctionType(func.getArgumentTypes(), ValueRange(values).getTypes()));
  scopes.pop_back();
  cacheValues.clear();
}

TensorObj *Graph::addEntryArgument(llvm::StringRef name, llvm::ArrayRef<Dim> dims,
                                   Type elementType, Location loc) {
  Scope &entry = scopes.front();
  unsigned index = entry.func.getNumArguments();
  if (failed(entry.func.insertArgument(
          index, typeOf(dims, elementType),
          builder.getDictionaryAttr(builder.getNamedAttr(inputNameAttr(getContext()), builder.getStringAttr(name))),
          loc)))
    fail(loc, "internal error: cannot add entry argument " + name);
  Value arg = entry.func.getArgument(index);
  addSymbolSources(entry, arg, dims);
  return make(arg, dims);
}

TensorObj *Graph::cacheValue(unsigned slot) {
  if (slot >= cacheValues.size())
    return nullptr;
  // The innermost update wins; else the entry's value (captured on use).
  for (auto it = scopes.rbegin(); it != scopes.rend(); ++it)
    for (auto u = it->cacheUpdates.rbegin(); u != it->cacheUpdates.rend(); ++u)
      if (u->first == slot)
        return u->second;
  return cacheValues[slot];
}

void Graph::makeCacheSlot(unsigned slot, TensorObj *entryValue) {
  if (cacheValues.size() <= slot)
    cacheValues.resize(slot + 1, nullptr);
  cacheValues[slot] = entryValue;
}

void Graph::setCacheValue(unsigned slot, TensorObj *value) {
  if (scopes.size() > 1)
    current().cacheUpdates.push_back({slot, value});
  else
    cacheValues[slot] = value;
}

void Graph::beginLayer(llvm::StringRef concretePrefix, llvm::StringRef genericPrefix,
                       Location loc) {
  OpBuilder::InsertPoint saved = builder.saveInsertionPoint();
  builder.setInsertionPointToEnd(module.getBody());
  std::string name = "__tmc_layer_" + std::to_string(nextLayer++);
  auto func = func::FuncOp::create(builder, loc, name, builder.getFunctionType({}, {}));
  func.setPrivate();
  Block *entry = func.addEntryBlock();
  builder.setInsertionPointToStart(entry);
  scopes.push_back(Scope{});
  current().func = func;
  current().concretePrefix = concretePrefix.str();
  current().genericPrefix = genericPrefix.str();
  current().savedInsertion = saved;
}

std::vector<TensorObj *> Graph::endLayer(llvm::ArrayRef<TensorObj *> results,
                                         llvm::StringRef baseName, Location loc) {
  SmallVector<Value> values;
  for (TensorObj *t : results)
    values.push_back(use(t));
  // Cache slots the layer wrote are returned after its results (the last
  // write of each slot).
  std::vector<std::pair<unsigned, TensorObj *>> updates;
  for (auto &[slot, t] : current().cacheUpdates) {
    auto same = llvm::find_if(updates, [&](auto &u) { return u.first == slot; });
    if (same != updates.end())
      same->second = t;
    else
      updates.push_back({slot, t});
  }
  for (auto &[slot, t] : updates)
    values.push_back(use(t));
  func::ReturnOp::create(builder, loc, values);
  Scope scope = std::move(current());
  scopes.pop_back();
  func::FuncOp func = scope.func;
  func.setType(builder.getFunctionType(func.front().getArgumentTypes(),
                                       ValueRange(values).getTypes()));

  // Layers of one kind print the same once named alike: paths are generic,
  // weights and inputs are arguments, locations are not printed.
  std::string key;
  {
    std::string realName = func.getSymName().str();
    func.setSymName("layer");
    llvm::raw_string_ostream os(key);
    func->print(os);
    func.setSymName(realName);
  }
  func::FuncOp callee;
  auto it = kinds.find(key);
  if (it != kinds.end()) {
    callee = it->second;
    func.erase();
  } else {
    // Kinds of one class are numbered in order of appearance.
    unsigned n = kindsPerClass[baseName]++;
    std::string name = n ? baseName.str() + "_" + std::to_string(n) : baseName.str();
    func.setSymName(name);
    kinds[key] = func;
    callee = func;
  }

  builder.restoreInsertionPoint(scope.savedInsertion);
  // The captured values are values of the enclosing function.
  auto call = func::CallOp::create(builder, loc, callee, ValueRange(scope.captureOrder));
  // Which layer this call is: what `*` in the callee's paths stands for.
  tmcDialect(getContext())
      ->getModulePathAttrHelper()
      .setAttr(call, builder.getStringAttr(scope.concretePrefix));
  std::vector<TensorObj *> out;
  for (auto [i, t] : llvm::enumerate(results))
    out.push_back(make(call.getResult(i), t->dims));
  for (auto [i, u] : llvm::enumerate(updates))
    setCacheValue(u.first, make(call.getResult(results.size() + i), u.second->dims));
  return out;
}

Value Graph::capture(Scope &scope, Value outer) {
  auto it = scope.captured.find(outer);
  if (it != scope.captured.end())
    return it->second;
  Block &entry = scope.func.front();
  Value arg = entry.addArgument(outer.getType(), outer.getLoc());
  scope.captured[outer] = arg;
  scope.captureOrder.push_back(outer);
  return arg;
}

Value Graph::use(TensorObj *t) {
  Scope &scope = current();
  Region *owner = t->value.getParentRegion();
  if (owner && owner->getParentOp() == scope.func.getOperation())
    return t->value;
  if (scopes.size() < 2)
    fail(t->value.getLoc(), "internal error: a tensor of another function reached the entry");
  Value arg = capture(scope, t->value);
  addSymbolSources(scope, arg, t->dims);
  return arg;
}

Value Graph::symValue(int sym, Location loc) {
  Scope &scope = current();
  auto known = scope.symbols.find(sym);
  if (known != scope.symbols.end())
    return known->second;
  Value value;
  auto source = scope.symbolSources.find(sym);
  if (source != scope.symbolSources.end()) {
    OpBuilder::InsertionGuard guard(builder);
    builder.setInsertionPointToStart(&scope.func.front());
    Value index = arith::ConstantIndexOp::create(builder, loc, source->second.second);
    value = tensor::DimOp::create(builder, loc, source->second.first, index);
  } else if (scopes.size() > 1) {
    // The size is known to the caller only: ask it, then pass it in.
    Scope saved = std::move(scopes.back());
    scopes.pop_back();
    Value outerValue;
    {
      OpBuilder::InsertionGuard guard(builder);
      builder.restoreInsertionPoint(saved.savedInsertion);
      outerValue = symValue(sym, loc);
    }
    scopes.push_back(std::move(saved));
    value = capture(current(), outerValue);
  } else {
    fail(loc, "internal error: no tensor carries dynamic dimension #" + llvm::Twine(sym));
  }
  current().symbols[sym] = value;
  return value;
}

TensorObj *Graph::param(ParamObj *p, Location loc) {
  Scope &scope = current();
  auto it = scope.params.find(p);
  if (it != scope.params.end())
    return it->second;
  TensorObj *t;
  if (scopes.size() == 1) {
    declareParam(p, loc);
    auto type = RankedTensorType::get(p->shape, p->elementType);
    OpBuilder::InsertionGuard guard(builder);
    builder.setInsertionPointToStart(&scope.func.front());
    Value read = GetParamOp::create(builder, loc, type,
                                    FlatSymbolRefAttr::get(getContext(), p->name()));
    SmallVector<Dim> dims;
    for (int64_t n : p->shape)
      dims.push_back(Dim::fixed(n));
    t = make(read, dims);
  } else {
    // Read the weight in the caller and pass it to the layer function.
    Scope saved = std::move(scopes.back());
    scopes.pop_back();
    TensorObj *outer;
    {
      OpBuilder::InsertionGuard guard(builder);
      builder.restoreInsertionPoint(saved.savedInsertion);
      outer = param(p, loc);
    }
    scopes.push_back(std::move(saved));
    t = make(capture(current(), outer->value), outer->dims);
  }
  current().params[p] = t;
  return t;
}

StringAttr Graph::path() {
  std::string p = currentPath;
  for (auto it = scopes.rbegin(); it != scopes.rend(); ++it) {
    const std::string &prefix = it->concretePrefix;
    if (!prefix.empty() && llvm::StringRef(p).starts_with(prefix) &&
        (p.size() == prefix.size() || p[prefix.size()] == '.')) {
      p = it->genericPrefix + p.substr(prefix.size());
      break;
    }
  }
  if (p.empty())
    return {};
  return builder.getStringAttr(p);
}

} // namespace tmc::instantiate
