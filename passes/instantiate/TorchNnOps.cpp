//===- TorchNnOps.cpp - the op table: nn modules ----------------*- C++ -*-===//
//
// The torch.nn modules a model file may build in __init__ and call in
// forward. Making one declares its weights (named by where the module is
// assigned, as in a checkpoint); calling one, `nn.X.forward`, builds its op.
//
//===----------------------------------------------------------------------===//

#include "passes/instantiate/TorchTable.h"

using namespace mlir;

namespace tmc::instantiate {

InstanceObj *newModule(TorchCall &call, llvm::StringRef kind) {
  auto *inst = call.interp.create<InstanceObj>();
  inst->builtin = kind.str();
  return inst;
}

static PyValue moduleValue(InstanceObj *inst) { return PyValue::object(Kind::Instance, inst); }

/// Fails unless `shape` is a weight tmc can hold: positive sizes within
/// kMaxWeightDim, kMaxWeightElements in all.
static void checkWeightShape(TorchCall &call, llvm::StringRef attr, llvm::ArrayRef<int64_t> shape) {
  int64_t elements = 1;
  for (int64_t n : shape) {
    if (n <= 0)
      fail(call.loc, call.name + "(): weight '" + attr + "' would have a non-positive size " +
                         std::to_string(n) + " (check the config)");
    if (n > kMaxWeightDim || __builtin_mul_overflow(elements, n, &elements) ||
        elements > kMaxWeightElements)
      fail(call.loc, call.name + "(): weight '" + attr + "' of shape " +
                         shapeString(llvm::to_vector(llvm::map_range(shape, Dim::fixed))) +
                         " is larger than tmc allows (dims below 2^31, at most 2^36 "
                         "elements); check the config sizes it reads");
  }
}

/// A weight of `owner`, in the compile dtype.
static void addWeight(TorchCall &call, InstanceObj *owner, llvm::StringRef attr,
                      SmallVector<int64_t> shape) {
  checkWeightShape(call, attr, shape);
  auto *p = call.interp.create<ParamObj>();
  p->shape = std::move(shape);
  p->elementType = call.ops.graph.paramType();
  call.interp.setAttr(moduleValue(owner), attr, PyValue::object(Kind::Param, p), call.loc);
}

static void setInt(TorchCall &call, InstanceObj *inst, llvm::StringRef attr, int64_t value) {
  inst->attrs[call.interp.intern(attr)] = PyValue::integer(value);
}

static PyValue makeLinear(TorchCall &call) {
  InstanceObj *inst = newModule(call, "Linear");
  int64_t in = call.integer("in_features");
  int64_t out = call.integer("out_features");
  addWeight(call, inst, "weight", {out, in});
  if (call.interp.truthy(call["bias"], call.loc))
    addWeight(call, inst, "bias", {out});
  else
    inst->attrs[call.interp.intern("bias")] = PyValue::none();
  setInt(call, inst, "in_features", in);
  setInt(call, inst, "out_features", out);
  return moduleValue(inst);
}

static PyValue callLinear(TorchCall &call) {
  InstanceObj *inst = call["self"].as<InstanceObj>();
  const PyValue &bias = inst->attrs.lookup("bias");
  // Bias, weight, input: the order of the layer-function arguments they
  // become, as for F.linear.
  TensorObj *biasTensor = bias.isNone() ? nullptr : call.interp.tensorOf(bias, call.loc, "bias");
  TensorObj *weight = call.interp.tensorOf(inst->attrs.lookup("weight"), call.loc, "weight");
  return call.result(call.ops.linear(call.tensor("input"), weight, biasTensor));
}

static PyValue makeEmbedding(TorchCall &call) {
  InstanceObj *inst = newModule(call, "Embedding");
  int64_t num = call.integer("num_embeddings");
  int64_t dim = call.integer("embedding_dim");
  addWeight(call, inst, "weight", {num, dim});
  inst->attrs[call.interp.intern("padding_idx")] = call["padding_idx"];
  setInt(call, inst, "num_embeddings", num);
  setInt(call, inst, "embedding_dim", dim);
  return moduleValue(inst);
}

static PyValue callEmbedding(TorchCall &call) {
  InstanceObj *inst = call["self"].as<InstanceObj>();
  TensorObj *weight = call.interp.tensorOf(inst->attrs.lookup("weight"), call.loc, "weight");
  return call.result(call.ops.embedding(call.tensor("input"), weight));
}

static PyValue makeLayerNorm(TorchCall &call) {
  InstanceObj *inst = newModule(call, "LayerNorm");
  llvm::SmallVector<int64_t> shape = call.integers("normalized_shape");
  if (shape.size() != 1)
    fail(call.loc, "nn.LayerNorm normalizes the last dim only: give normalized_shape as one int");
  if (call.interp.truthy(call["elementwise_affine"], call.loc)) {
    addWeight(call, inst, "weight", {shape[0]});
    if (call.interp.truthy(call["bias"], call.loc))
      addWeight(call, inst, "bias", {shape[0]});
  }
  for (const char *attr : {"weight", "bias"})
    inst->attrs.try_emplace(call.interp.intern(attr), PyValue::none());
  setInt(call, inst, "normalized_size", shape[0]);
  inst->attrs[call.interp.intern("eps")] =
      PyValue::real(call.interp.toFloat(call["eps"], call.loc, "nn.LayerNorm's eps"));
  return moduleValue(inst);
}

static PyValue callLayerNorm(TorchCall &call) {
  InstanceObj *inst = call["self"].as<InstanceObj>();
  auto optional = [&](llvm::StringRef attr) -> TensorObj * {
    const PyValue &v = inst->attrs.lookup(attr);
    return v.isNone() ? nullptr : call.interp.tensorOf(v, call.loc, attr);
  };
  TensorObj *bias = optional("bias"); // first: the order of callLinear's reads
  TensorObj *weight = optional("weight");
  return call.result(call.ops.layerNorm(call.tensor("input"),
                                        inst->attrs.lookup("normalized_size").i, weight, bias,
                                        inst->attrs.lookup("eps").f));
}

/// nn.Tanh: no weights; calling one is torch.tanh.
static PyValue callTanh(TorchCall &call) {
  return call.result(call.ops.unary<TanhOp>(call.tensor("input")));
}

static PyValue makeModuleList(TorchCall &call) {
  InstanceObj *inst = newModule(call, "ModuleList");
  if (!call["modules"].isNone())
    for (const PyValue &v : call.interp.iterate(call["modules"], call.loc)) {
      if (v.kind != Kind::Instance)
        fail(call.loc, "nn.ModuleList holds modules, not " + call.interp.repr(v));
      auto *child = v.as<InstanceObj>();
      child->parent = inst;
      child->nameInParent = std::to_string(inst->items.size());
      inst->items.push_back(v);
    }
  return moduleValue(inst);
}

/// nn.Dropout, nn.Identity: no weights, and calling one returns its input.
static PyValue makePassThrough(TorchCall &call) {
  return moduleValue(newModule(call, call.name.drop_front(llvm::StringRef("nn.").size())));
}

static PyValue makeParameter(TorchCall &call) {
  if (call["data"].kind != Kind::Shape)
    fail(call.loc, "nn.Parameter takes torch.ones(...) or torch.zeros(...) in a model file");
  checkWeightShape(call, "data", call["data"].as<ShapeObj>()->shape);
  auto *p = call.interp.create<ParamObj>();
  p->shape = call["data"].as<ShapeObj>()->shape;
  p->elementType = call.ops.graph.paramType();
  return PyValue::object(Kind::Param, p);
}

static const TorchOp kNnOps[] = {
    {{"nn.Linear"}, "in_features, out_features, bias=True, device=None, dtype=None", makeLinear},
    {{"nn.Linear.forward"}, "self, input", callLinear},
    {{"nn.Embedding"}, "num_embeddings, embedding_dim, padding_idx=None", makeEmbedding},
    {{"nn.Embedding.forward"}, "self, input", callEmbedding},
    {{"nn.LayerNorm"},
     "normalized_shape, eps=1e-05, elementwise_affine=True, bias=True, device=None, dtype=None",
     makeLayerNorm},
    {{"nn.LayerNorm.forward"}, "self, input", callLayerNorm},
    {{"nn.ModuleList"}, "modules=None", makeModuleList},
    {{"nn.Dropout"}, "p=0.5, inplace=False", makePassThrough},
    {{"nn.Identity"}, "*args, **kwargs", makePassThrough},
    {{"nn.Tanh"}, "", makePassThrough},
    {{"nn.Dropout.forward", "nn.Identity.forward"}, "self, input", passInput},
    {{"nn.Tanh.forward"}, "self, input", callTanh},
    {{"nn.Parameter"}, "data, requires_grad=True", makeParameter},
};


llvm::ArrayRef<TorchOp> nnOpTable() { return kNnOps; }

} // namespace tmc::instantiate
