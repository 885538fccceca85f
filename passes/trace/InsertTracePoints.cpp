//===- InsertTracePoints.cpp - tmc.trace at module boundaries ---*- C++ -*-===//
//
// A module of the model is the set of ops at its path or below it; the
// boundary of that set is what transformers' debugger sees of the module's
// forward: the tensors that enter and the tensors that leave. The pass
// traces both, in the function where the module's ops are: a layer's own
// module is traced around its call, the modules inside it in the layer
// function, where `*` stands for the layer number the caller passes in.
//
//===----------------------------------------------------------------------===//

#include "passes/trace/Passes.h"

#include "ir/Tmc/TmcOps.h"

#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/SetVector.h"

namespace tmc {
#define GEN_PASS_DEF_INSERTTRACEPOINTS
#include "passes/trace/Passes.h.inc"
} // namespace tmc

using namespace mlir;

namespace {

/// The module an op belongs to: its own path, or a layer call's module path.
std::optional<StringRef> modulePathOf(Operation *op) {
  if (auto call = dyn_cast<func::CallOp>(op)) {
    if (auto path = tmc::tmcDialect(op->getContext())->getModulePathAttrHelper().getAttr(call))
      return path.getValue();
    return std::nullopt;
  }
  if (isa<tmc::TmcDialect>(op->getDialect()))
    if (auto path = op->getAttrOfType<StringAttr>("path"))
      return path.getValue();
  return std::nullopt;
}

bool isUnder(StringRef path, StringRef module) {
  return path == module ||
         (path.starts_with(module) && path.drop_front(module.size()).starts_with("."));
}

bool isLayerNumber(StringRef part) {
  unsigned number;
  return part == "*" || !part.getAsInteger(10, number);
}

/// `path` and the modules enclosing it, below `stop` ("" for none); a
/// container of numbered layers (`model.layers`) is no module.
SmallVector<StringRef> enclosingModules(StringRef path, StringRef stop) {
  SmallVector<StringRef> parts;
  path.split(parts, '.');
  SmallVector<StringRef> modules;
  size_t length = path.size();
  for (size_t n = parts.size(); n > 0; length -= parts[--n].size() + 1) {
    StringRef module = path.take_front(length);
    if (!stop.empty() && module.size() <= stop.size())
      break;
    if (n == parts.size() || !isLayerNumber(parts[n]))
      modules.push_back(module);
  }
  return modules;
}

/// The layer a call's module path names: 3 for `model.layers.3`.
std::optional<int64_t> layerNumberOf(StringRef callPath) {
  size_t dot = callPath.rfind('.');
  int64_t number;
  if (dot == StringRef::npos || callPath.drop_front(dot + 1).getAsInteger(10, number))
    return std::nullopt;
  return number;
}

bool traceableElementType(Type type) {
  return type.isF32() || type.isBF16() || type.isF16() || type.isInteger(64) || type.isInteger(32);
}

class Inserter {
public:
  explicit Inserter(ModuleOp module) : module(module), builder(module.getContext()) {}

  LogicalResult run() {
    tmc::TmcDialect *tmc = tmc::tmcDialect(module.getContext());
    // Layer functions and their calls, in call order.
    for (auto func : module.getOps<func::FuncOp>()) {
      if (func.isDeclaration())
        continue;
      func.walk([&](func::CallOp call) {
        if (tmc->getModulePathAttrHelper().isAttrPresent(call))
          calls[call.getCallee()].push_back(call);
      });
    }
    for (auto func : llvm::make_early_inc_range(module.getOps<func::FuncOp>())) {
      if (func.isDeclaration())
        continue;
      if (!func.getBody().hasOneBlock())
        return func.emitOpError("tmc-insert-trace-points traces single-block functions");
      if (failed(traceFunction(func)))
        return failure();
    }
    return success();
  }

private:
  StringRef callPath(func::CallOp call) {
    return tmc::tmcDialect(module.getContext())->getModulePathAttrHelper().getAttr(call).getValue();
  }

  /// The prefix `*` stands for in a layer function (`model.layers.*`), or
  /// "" in an entry; every call must name its layer.
  FailureOr<std::string> layerPrefix(func::FuncOp func) {
    auto it = calls.find(func.getSymName());
    if (it == calls.end())
      return std::string();
    for (func::CallOp call : it->second)
      if (!layerNumberOf(callPath(call)))
        return call.emitOpError("a layer call's module path must end in its layer number, got '")
               << callPath(call) << "'";
    StringRef path = callPath(it->second.front());
    return (path.take_front(path.rfind('.')) + ".*").str();
  }

  /// A layer function's argument: the operand of its first call.
  Value callerOperand(BlockArgument arg) {
    auto func = dyn_cast<func::FuncOp>(arg.getOwner()->getParentOp());
    auto it = func ? calls.find(func.getSymName()) : calls.end();
    if (it == calls.end())
      return {};
    return it->second.front().getOperand(arg.getArgNumber());
  }

  bool isWeight(Value value) {
    if (value.getDefiningOp<tmc::GetParamOp>())
      return true;
    auto arg = dyn_cast<BlockArgument>(value);
    Value outer = arg ? callerOperand(arg) : Value();
    return outer && isWeight(outer);
  }

  /// KV caches are state, not activations: transformers' debugger shows the
  /// cache object, not its tensors.
  bool isCache(Value value) {
    if (value.getDefiningOp<tmc::KvCacheWriteOp>())
      return true;
    if (auto call = value.getDefiningOp<func::CallOp>()) {
      auto callee = module.lookupSymbol<func::FuncOp>(call.getCallee());
      if (!callee || callee.isDeclaration())
        return false;
      Operation *ret = callee.getBody().front().getTerminator();
      return isCache(ret->getOperand(cast<OpResult>(value).getResultNumber()));
    }
    auto arg = dyn_cast<BlockArgument>(value);
    if (!arg)
      return false;
    if (Value outer = callerOperand(arg))
      return isCache(outer);
    auto func = dyn_cast<func::FuncOp>(arg.getOwner()->getParentOp());
    auto name =
        func ? func.getArgAttrOfType<StringAttr>(arg.getArgNumber(), "tmc.name") : StringAttr();
    return name && name.getValue().starts_with("cache.");
  }

  bool isActivation(Value value) {
    auto type = dyn_cast<RankedTensorType>(value.getType());
    if (!type || !traceableElementType(type.getElementType()))
      return false;
    if (Operation *def = value.getDefiningOp())
      if (def->hasTrait<OpTrait::ConstantLike>())
        return false;
    return !isWeight(value) && !isCache(value);
  }

  struct Boundary {
    SmallVector<Value> inputs;
    SmallVector<Operation *> inputUsers; // where each input is first read
    SmallVector<Value> outputs;
  };

  /// The whole model: the entry's arguments and results.
  Boundary modelBoundary(Block &body) {
    Boundary boundary;
    for (BlockArgument arg : body.getArguments())
      if (isActivation(arg)) {
        boundary.inputs.push_back(arg);
        boundary.inputUsers.push_back(&body.front());
      }
    for (Value value : body.getTerminator()->getOperands())
      if (isActivation(value))
        boundary.outputs.push_back(value);
    return boundary;
  }

  Boundary boundaryOf(Block &body, StringRef module,
                      const llvm::DenseMap<Operation *, unsigned> &order) {
    auto inside = [&](Operation *op) {
      std::optional<StringRef> path = modulePathOf(op);
      return path && isUnder(*path, module);
    };
    Boundary boundary;
    llvm::DenseSet<Value> seen;
    // Outputs with the position of their first reader outside.
    SmallVector<std::pair<unsigned, Value>> outputs;
    for (Operation &op : body) {
      if (!inside(&op))
        continue;
      for (Value operand : op.getOperands()) {
        Operation *def = operand.getDefiningOp();
        if ((!def || !inside(def)) && isActivation(operand) && seen.insert(operand).second) {
          boundary.inputs.push_back(operand);
          boundary.inputUsers.push_back(&op);
        }
      }
      for (Value result : op.getResults()) {
        std::optional<unsigned> firstOutside;
        for (Operation *user : result.getUsers()) {
          Operation *top = body.findAncestorOpInBlock(*user);
          if (top && !inside(top) && !isa<tmc::TraceOp>(top))
            firstOutside = std::min(firstOutside.value_or(~0u), order.lookup(top));
        }
        if (firstOutside && isActivation(result))
          outputs.push_back({*firstOutside, result});
      }
    }
    llvm::stable_sort(outputs, [](auto &a, auto &b) { return a.first < b.first; });
    for (auto &[position, value] : outputs)
      boundary.outputs.push_back(value);
    return boundary;
  }

  void trace(Value value, bool output, int64_t index, StringRef module, Value layer) {
    tmc::TraceOp::create(builder, value.getLoc(), value, layer, output, uint64_t(index), module);
  }

  LogicalResult traceFunction(func::FuncOp func) {
    FailureOr<std::string> prefix = layerPrefix(func);
    if (failed(prefix))
      return failure();
    bool layer = !prefix->empty();
    Block &body = func.getBody().front();

    // The modules whose ops are here, enclosing modules first.
    llvm::SetVector<StringRef> modules;
    llvm::DenseMap<Operation *, unsigned> order;
    for (Operation &op : body) {
      order[&op] = order.size();
      std::optional<StringRef> path = modulePathOf(&op);
      if (!path || (layer && !isUnder(*path, *prefix)))
        continue;
      if (!layer && path->contains('*'))
        return op.emitOpError("is at a layer path ('")
               << *path << "') in a function no layer call (tmc.module_path) reaches";
      for (StringRef m : enclosingModules(*path, layer ? StringRef(*prefix) : StringRef()))
        modules.insert(m);
    }
    SmallVector<StringRef> sorted(modules.begin(), modules.end());
    llvm::stable_sort(sorted, [](StringRef a, StringRef b) { return a.count('.') < b.count('.'); });

    // Every boundary first: the traces are readers the boundaries must not see.
    SmallVector<std::pair<StringRef, Boundary>> boundaries;
    if (!layer)
      boundaries.push_back({"", modelBoundary(body)});
    for (StringRef m : sorted)
      boundaries.push_back({m, boundaryOf(body, m, order)});

    Value layerNumber;
    if (layer && llvm::any_of(boundaries, [](auto &b) {
          return !b.second.inputs.empty() || !b.second.outputs.empty();
        }))
      layerNumber = addLayerArgument(func);

    // Enclosing modules first: before an op, an enclosing module's inputs
    // come first; after one, the innermost module's outputs do.
    for (auto &[m, boundary] : boundaries) {
      Value number = m.contains('*') ? layerNumber : Value();
      for (auto [i, input, user] : llvm::enumerate(boundary.inputs, boundary.inputUsers)) {
        builder.setInsertionPoint(user);
        trace(input, /*output=*/false, i, m, number);
      }
      for (auto [i, output] : llvm::enumerate(boundary.outputs)) {
        if (Operation *def = output.getDefiningOp())
          builder.setInsertionPointAfter(def);
        else
          builder.setInsertionPoint(body.getTerminator());
        trace(output, /*output=*/true, i, m, number);
      }
    }
    return success();
  }

  /// A new last `index` argument of a layer function: its layer number,
  /// a constant at each call.
  Value addLayerArgument(func::FuncOp func) {
    Block &body = func.getBody().front();
    BlockArgument number = body.addArgument(builder.getIndexType(), func.getLoc());
    func.setType(
        builder.getFunctionType(body.getArgumentTypes(), func.getFunctionType().getResults()));
    for (func::CallOp call : calls[func.getSymName()]) {
      builder.setInsertionPoint(call);
      Value constant =
          arith::ConstantIndexOp::create(builder, call.getLoc(), *layerNumberOf(callPath(call)));
      call->insertOperands(call->getNumOperands(), constant);
    }
    return number;
  }

  ModuleOp module;
  OpBuilder builder;
  llvm::MapVector<StringRef, SmallVector<func::CallOp>> calls;
};

struct InsertTracePointsPass : tmc::impl::InsertTracePointsBase<InsertTracePointsPass> {
  void runOnOperation() override {
    if (failed(Inserter(getOperation()).run()))
      signalPassFailure();
  }
};

} // namespace
