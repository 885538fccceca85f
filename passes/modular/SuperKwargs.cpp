//===- SuperKwargs.cpp - `**super_kwargs` signature merging -----*- C++ -*-===//
//
// As in transformers' modular converter: a child method written
// `def __init__(self, sliding_window=4096, **super_kwargs)` whose body calls
// `super().__init__(**super_kwargs)` takes the parent's whole signature, so
// that a config states only the defaults that differ and the fields it adds.
//
//===----------------------------------------------------------------------===//

#include "passes/modular/Rules.h"
#include "passes/modular/Statements.h"

#include "mlir/IR/Builders.h"

using namespace mlir;
using namespace tmc::mdl;

namespace tmc::modular {

static constexpr llvm::StringLiteral kSuperKwargs = "**super_kwargs";

bool hasSuperKwargs(DefOp def) {
  ArrayAttr params = def.getParams();
  return !params.empty() && cast<StringAttr>(params[params.size() - 1]).getValue() == kSuperKwargs;
}

LogicalResult checkSuperKwargsCall(DefOp child) {
  for (Operation *stmt : statementsOf(child.getBody().front())) {
    CallOp call = superStatement(stmt, child.getSymName());
    if (!call)
      continue;
    auto name = call.getArgs().size() == 1 && call.getArgName(0) == "**"
                    ? call.getArgs()[0].getDefiningOp<NameOp>()
                    : NameOp();
    if (!name || name.getId() != "super_kwargs")
      return call.emitError("with **super_kwargs, call 'super().")
             << child.getSymName() << "(**super_kwargs)' and nothing else: the call is "
             << "replaced by the parent's body, so other arguments would be lost; give "
             << "them as defaults in the signature instead";
  }
  return success();
}

LogicalResult mergeSuperKwargs(DefOp child, DefOp parent) {
  // Inlining the parent's body replaced the super() call; any other use of
  // `super_kwargs` would now read an undefined name.
  WalkResult walk = child.getBody().walk([&](NameOp name) {
    if (name.getId() != "super_kwargs")
      return WalkResult::advance();
    name.emitError("'super_kwargs' is only for the 'super().")
        << child.getSymName() << "(**super_kwargs)' call: the expanded method takes the "
        << "parent's parameters instead; use them by name";
    return WalkResult::interrupt();
  });
  if (walk.wasInterrupted())
    return failure();

  // The parent's parameters, cloned before the child (the parent's
  // expressions go away with the parent's method).
  OpBuilder builder(child);
  SmallVector<Param> merged;
  std::optional<Param> doubleStar;
  for (Param param : paramsOf(parent)) {
    param.annotation = cloneExpression(param.annotation, builder);
    param.value = cloneExpression(param.value, builder);
    if (StringRef(param.name).starts_with("**"))
      doubleStar = param;
    else
      merged.push_back(param);
  }
  auto dropExpressions = [](const Param &param) {
    for (Value value : {param.annotation, param.value})
      if (value)
        eraseStatement(value.getDefiningOp());
  };

  // The child's parameters after `self`, but for `**super_kwargs` itself.
  SmallVector<Param> childParams = paramsOf(child);
  for (const Param &param : ArrayRef(childParams).drop_front().drop_back()) {
    if (StringRef(param.name).starts_with("*"))
      return child.emitError("'")
             << param.name << "' cannot be combined with **super_kwargs: the signature is "
             << "the parent's, with the child's named parameters added; name the parameter";
    auto same = llvm::find_if(merged, [&](const Param &p) { return p.name == param.name; });
    if (same != merged.end()) {
      dropExpressions(*same);
      *same = param;
      continue;
    }
    // New parameters follow the parent's positional ones, as in transformers.
    auto star = llvm::find_if(merged,
                              [](const Param &p) { return StringRef(p.name).starts_with("*"); });
    merged.insert(star, param);
  }
  if (doubleStar)
    merged.push_back(*doubleStar);

  // Python's rule, checked here to point at the modular file.
  bool seenDefault = false;
  for (const Param &param : merged) {
    if (StringRef(param.name).starts_with("*"))
      break;
    if (param.value)
      seenDefault = true;
    else if (seenDefault)
      return child.emitError("parameter '")
             << param.name << "' of '" << child.getSymName()
             << "' needs a default: with **super_kwargs it follows the parent's parameters, "
                "which have defaults";
  }

  setParams(child, merged);
  return success();
}

} // namespace tmc::modular
