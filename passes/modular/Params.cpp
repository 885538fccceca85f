//===- Params.cpp - reading and rewriting a def's parameters ----*- C++ -*-===//

#include "passes/modular/Rules.h"

#include "mlir/IR/Builders.h"

using namespace mlir;
using namespace tmc::mdl;

namespace tmc::modular {

SmallVector<Param> paramsOf(DefOp def) {
  SmallVector<Param> params;
  for (auto [i, name] : llvm::enumerate(def.getParams().getAsValueRange<StringAttr>()))
    params.push_back({name.str(), def.getAnnotation(i), def.getDefault(i)});
  return params;
}

void setParams(DefOp def, ArrayRef<Param> params) {
  SmallVector<Value> old(def.getAnnotations());
  llvm::append_range(old, def.getDefaults());

  Builder builder(def.getContext());
  SmallVector<Attribute> names;
  SmallVector<int64_t> annotated, defaulted;
  SmallVector<Value> annotations, defaults;
  for (auto [i, param] : llvm::enumerate(params)) {
    names.push_back(builder.getStringAttr(param.name));
    if (param.annotation) {
      annotated.push_back(i);
      annotations.push_back(param.annotation);
    }
    if (param.value) {
      defaulted.push_back(i);
      defaults.push_back(param.value);
    }
  }
  def.setParamsAttr(builder.getArrayAttr(names));
  def.setAnnotatedAttr(builder.getDenseI64ArrayAttr(annotated));
  def.setDefaultedAttr(builder.getDenseI64ArrayAttr(defaulted));
  def.getAnnotationsMutable().assign(annotations);
  def.getDefaultsMutable().assign(defaults);

  // An expression no parameter uses any more would fail the single-use
  // verifier: erase it with the ops feeding it.
  for (Value value : old)
    if (value.use_empty())
      eraseStatement(value.getDefiningOp());
}

} // namespace tmc::modular
