//===- TorchTensorOps.cpp - the op table: tensor operations -----*- C++ -*-===//
//
// The torch.*, torch.nn.functional.* and Tensor-method calls a model file
// may make on tensors, one table entry each. A function and the method of
// the same meaning share an entry (`torch.mean(x, 1)`, `x.mean(1)`), as they
// share a signature in PyTorch once the receiver is the first parameter.
//
//===----------------------------------------------------------------------===//

#include "passes/instantiate/TorchTable.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

using namespace mlir;

namespace tmc::instantiate {

/// The sizes of `*shape`-style arguments: `view(b, s, -1)` or `view((b, s, -1))`.
static std::vector<PyValue> sizeArguments(TorchCall &call, llvm::StringRef param) {
  std::vector<PyValue> items = call[param].as<SequenceObj>()->items;
  if (items.size() == 1 && (items[0].kind == Kind::Tuple || items[0].kind == Kind::List))
    return items[0].as<SequenceObj>()->items;
  return items;
}

static Dim dimOf(TorchCall &call, const PyValue &v) {
  if (v.kind == Kind::SymInt)
    return Dim::symbol(v.i);
  return Dim::fixed(call.interp.toInt(v, call.loc, "a size"));
}

static PyValue tensorTuple(TorchCall &call, llvm::ArrayRef<TensorObj *> parts) {
  std::vector<PyValue> items;
  for (TensorObj *t : parts)
    items.push_back(call.result(t));
  return call.interp.makeTuple(items);
}

//===----------------------------------------------------------------------===//
// Making tensors
//===----------------------------------------------------------------------===//

/// At construction, only as the shape of an nn.Parameter.
static PyValue shapeOnly(TorchCall &call) {
  auto *s = call.interp.create<ShapeObj>();
  for (const PyValue &v : sizeArguments(call, "size")) {
    Dim d = dimOf(call, v);
    if (!d.isStatic())
      fail(call.loc, call.name + " with a dynamic size is not supported; model files create "
                                 "tensors from their inputs");
    s->shape.push_back(d.size);
  }
  return PyValue::object(Kind::Shape, s);
}

static PyValue scalarTensor(TorchCall &call) {
  Type elt = call["dtype"].isNone() ? Type(Float32Type::get(call.ops.graph.getContext()))
                                    : call.dtype(call["dtype"]);
  double v = call.interp.toFloat(call["data"], call.loc, call.name + "()'s data");
  return call.result(call.ops.scalar(v, elt));
}

/// `arange(end)` or `arange(start, end)`, as Python's range.
static PyValue arange(TorchCall &call) {
  bool endOnly = call["end"].isNone();
  int64_t start = endOnly ? 0 : call.integer("start");
  const PyValue &end = endOnly ? call["start"] : call["end"];
  if (call.integer("step") != 1)
    fail(call.loc, call.name + " with a step other than 1 is not supported");
  Graph &graph = call.ops.graph;
  OpBuilder &b = graph.b();
  Dim length;
  mlir::Value startIndex = arith::ConstantIndexOp::create(b, call.loc, start);
  mlir::Value lengthIndex;
  if (end.kind == Kind::SymInt) {
    if (start != 0)
      fail(call.loc, call.name + "(start, n) with a dynamic n needs start 0");
    length = Dim::symbol(end.i);
    lengthIndex = graph.symValue(end.i, call.loc);
  } else {
    int64_t e = call.interp.toInt(end, call.loc, "arange's end");
    length = Dim::fixed(std::max<int64_t>(0, e - start));
    lengthIndex = arith::ConstantIndexOp::create(b, call.loc, length.size);
  }
  return call.result(graph.createTensor<ArangeOp>(call.loc, {length},
                                                  IntegerType::get(graph.getContext(), 64),
                                                  startIndex, lengthIndex));
}

//===----------------------------------------------------------------------===//
// Arithmetic and products
//===----------------------------------------------------------------------===//

template <typename OpTy> static PyValue unary(TorchCall &call) {
  return call.result(call.ops.unary<OpTy>(call.tensor("input")));
}

static PyValue gelu(TorchCall &call) {
  const PyValue &approx = call["approximate"];
  if (approx.kind != Kind::Str || (approx.str != "none" && approx.str != "tanh"))
    fail(call.loc, "F.gelu's approximate must be 'none' or 'tanh'");
  TensorObj *x = call.tensor("input");
  return call.result(approx.str == "tanh" ? call.ops.unary<GeluTanhOp>(x)
                                          : call.ops.unary<GeluOp>(x));
}

static PyValue power(TorchCall &call) {
  return call.interp.tensorBinary("**", call["input"], call["exponent"], call.loc);
}

static PyValue matmul(TorchCall &call) {
  // `other` is read first: a weight read in a layer function becomes its
  // argument, in the order the layer functions have always had.
  TensorObj *other = call.tensor("other");
  return call.result(call.ops.matmul(call.tensor("input"), other));
}

static PyValue linear(TorchCall &call) {
  // Bias, weight, input: the order of the layer-function arguments they
  // become (see matmul).
  TensorObj *bias = call.optionalTensor("bias");
  TensorObj *weight = call.tensor("weight");
  return call.result(call.ops.linear(call.tensor("input"), weight, bias));
}

static PyValue layerNorm(TorchCall &call) {
  TensorObj *bias = call.optionalTensor("bias"); // first: see matmul
  TensorObj *weight = call.optionalTensor("weight");
  TensorObj *input = call.tensor("input");
  llvm::SmallVector<int64_t> shape = call.integers("normalized_shape");
  if (shape.size() != 1)
    fail(call.loc, "F.layer_norm normalizes the last dim only: give normalized_shape as one size");
  double eps = call.interp.toFloat(call["eps"], call.loc, "F.layer_norm's eps");
  return call.result(call.ops.layerNorm(input, shape[0], weight, bias, eps));
}

static PyValue embedding(TorchCall &call) {
  TensorObj *weight = call.tensor("weight"); // first: see matmul
  return call.result(call.ops.embedding(call.tensor("input"), weight));
}

static PyValue softmax(TorchCall &call) {
  TensorObj *x = call.tensor("input");
  if (!call["dtype"].isNone())
    x = call.ops.cast(x, call.dtype(call["dtype"]));
  return call.result(call.ops.softmax(x, call.integer("dim")));
}

template <typename OpTy> static PyValue reduce(TorchCall &call) {
  TensorObj *x = call.tensor("input");
  return call.result(call.ops.reduce<OpTy>(x, call.integers("dim"),
                                           call.interp.truthy(call["keepdim"], call.loc)));
}

//===----------------------------------------------------------------------===//
// Element types and copies
//===----------------------------------------------------------------------===//

static PyValue identity(TorchCall &call) { return call.result(call.tensor("self")); }

static PyValue toFloat32(TorchCall &call) {
  TensorObj *x = call.tensor("self");
  return call.result(call.ops.cast(x, Float32Type::get(call.ops.graph.getContext())));
}

/// `.to(dtype)`, `.to(device)`, `.to(device, dtype=...)`, `.to(other)`.
static PyValue castTo(TorchCall &call) {
  TensorObj *x = call.tensor("self");
  PyValue dtype = call["dtype"];
  if (dtype.isNone())
    for (const PyValue &v : call["args"].as<SequenceObj>()->items)
      if (v.kind == Kind::DType)
        dtype = v;
      else if (v.kind == Kind::Tensor || v.kind == Kind::Param)
        dtype = call.interp.getAttr(v, "dtype", call.loc);
  if (dtype.isNone())
    return call.result(x);
  return call.result(call.ops.cast(x, call.dtype(dtype)));
}

static PyValue castToDtype(TorchCall &call) {
  TensorObj *x = call.tensor("self");
  if (call["dtype"].isNone())
    return call.result(x);
  return call.result(call.ops.cast(x, call.dtype(call["dtype"])));
}

static PyValue typeAs(TorchCall &call) {
  TensorObj *x = call.tensor("self");
  Type elt = call.interp.tensorOf(call["other"], call.loc, "type_as's argument")->elementType;
  return call.result(call.ops.cast(x, elt));
}

//===----------------------------------------------------------------------===//
// Shapes
//===----------------------------------------------------------------------===//

static PyValue view(TorchCall &call) {
  TensorObj *x = call.tensor("self");
  SmallVector<Dim> dims;
  std::optional<size_t> inferAt;
  for (auto [i, v] : llvm::enumerate(sizeArguments(call, "shape"))) {
    if (v.kind == Kind::Int && v.i == -1) {
      if (inferAt)
        fail(call.loc, call.name + "(): only one size may be -1");
      inferAt = i;
      dims.push_back(Dim::fixed(-1));
      continue;
    }
    dims.push_back(dimOf(call, v));
  }
  return call.result(call.ops.reshape(x, dims, inferAt.has_value(), inferAt.value_or(0)));
}

static PyValue permute(TorchCall &call) {
  TensorObj *x = call.tensor("self");
  SmallVector<int64_t> perm;
  for (const PyValue &v : sizeArguments(call, "dims"))
    perm.push_back(call.interp.toInt(v, call.loc, "a permutation entry"));
  if (perm.size() != x->dims.size())
    fail(call.loc, "permute needs one entry per dimension");
  return call.result(call.ops.permute(x, perm));
}

static PyValue transpose(TorchCall &call) {
  TensorObj *x = call.tensor("input");
  return call.result(call.ops.transpose(x, call.integer("dim0"), call.integer("dim1")));
}

static PyValue unsqueeze(TorchCall &call) {
  TensorObj *x = call.tensor("self");
  return call.result(call.ops.unsqueeze(x, call.integer("dim")));
}

static PyValue squeeze(TorchCall &call) {
  TensorObj *x = call.tensor("self");
  int64_t dim = normalizeDim(call.integer("dim"), x->dims.size(), call.loc);
  if (x->dims[dim] != Dim::fixed(1))
    return call.result(x);
  SmallVector<Dim> dims(x->dims);
  dims.erase(dims.begin() + dim);
  return call.result(call.ops.reshape(x, dims, false, 0));
}

static PyValue flatten(TorchCall &call) {
  TensorObj *x = call.tensor("self");
  int64_t s = normalizeDim(call.integer("start_dim"), x->dims.size(), call.loc);
  int64_t e = normalizeDim(call.integer("end_dim"), x->dims.size(), call.loc);
  SmallVector<Dim> dims(x->dims.begin(), x->dims.begin() + s);
  int64_t n = 1;
  for (int64_t i = s; i <= e; ++i) {
    if (!x->dims[i].isStatic())
      fail(call.loc, "flatten over a dynamic dimension is not supported");
    n *= x->dims[i].size;
  }
  dims.push_back(Dim::fixed(n));
  dims.append(x->dims.begin() + e + 1, x->dims.end());
  return call.result(call.ops.reshape(x, dims, false, 0));
}

static PyValue size(TorchCall &call) {
  TensorObj *x = call.tensor("self");
  PyValue shape = call.interp.getAttr(call["self"], "shape", call.loc);
  if (call["dim"].isNone())
    return shape;
  int64_t dim = normalizeDim(call.integer("dim"), x->dims.size(), call.loc);
  return shape.as<SequenceObj>()->items[dim];
}

static PyValue rank(TorchCall &call) { return PyValue::integer(call.tensor("self")->dims.size()); }

static PyValue cat(TorchCall &call) {
  std::vector<TensorObj *> parts;
  for (const PyValue &v : call.interp.iterate(call["tensors"], call.loc))
    parts.push_back(call.interp.tensorOf(v, call.loc, call.name + "'s input"));
  return call.result(call.ops.concat(parts, call.integer("dim")));
}

static PyValue chunk(TorchCall &call) {
  TensorObj *x = call.tensor("self");
  int64_t chunks = call.integer("chunks");
  int64_t dim = normalizeDim(call.integer("dim"), x->dims.size(), call.loc);
  if (chunks <= 0 || !x->dims[dim].isStatic() || x->dims[dim].size % chunks)
    fail(call.loc, "chunk: dimension " + std::to_string(dim) + " of " + shapeString(x->dims) +
                       " does not split into " + std::to_string(chunks) + " equal parts");
  SmallVector<int64_t> sizes(chunks, x->dims[dim].size / chunks);
  return tensorTuple(call, call.ops.split(x, sizes, dim));
}

static PyValue split(TorchCall &call) {
  TensorObj *x = call.tensor("self");
  int64_t dim = normalizeDim(call.integer("dim"), x->dims.size(), call.loc);
  SmallVector<int64_t> sizes;
  const PyValue &s = call["split_size_or_sections"];
  if (s.kind == Kind::Int) {
    if (!x->dims[dim].isStatic() || s.i <= 0)
      fail(call.loc, "split needs a static dimension and a positive size");
    for (int64_t left = x->dims[dim].size; left > 0; left -= s.i)
      sizes.push_back(std::min(left, s.i));
  } else {
    sizes = call.integers("split_size_or_sections");
  }
  return tensorTuple(call, call.ops.split(x, sizes, dim));
}

static const TorchOp kTensorOps[] = {
    // Making tensors.
    {{"torch.ones", "torch.zeros", "torch.empty"}, "*size, dtype=None, device=None", shapeOnly},
    {{"torch.tensor"}, "data, *, dtype=None, device=None", scalarTensor},
    {{"torch.arange"}, "start, end=None, step=1, *, dtype=None, device=None", arange},

    // Arithmetic and products.
    {{"torch.rsqrt", "F.rsqrt", "Tensor.rsqrt"}, "input, inplace=False", unary<RsqrtOp>},
    {{"torch.tanh", "F.tanh", "Tensor.tanh"}, "input, inplace=False", unary<TanhOp>},
    {{"torch.exp", "F.exp", "Tensor.exp"}, "input, inplace=False", unary<ExpOp>},
    {{"torch.sigmoid", "F.sigmoid", "Tensor.sigmoid"}, "input, inplace=False", unary<SigmoidOp>},
    {{"torch.relu", "F.relu", "Tensor.relu"}, "input, inplace=False", unary<ReluOp>},
    {{"torch.silu", "F.silu", "Tensor.silu"}, "input, inplace=False", unary<SiluOp>},
    {{"torch.neg", "F.neg", "Tensor.neg", "torch.negative", "F.negative", "Tensor.negative"},
     "input, inplace=False",
     unary<NegOp>},
    {{"F.gelu"}, "input, approximate=\"none\"", gelu},
    {{"torch.pow", "Tensor.pow"}, "input, exponent", power},
    {{"torch.matmul"}, "input, other", matmul},
    {{"F.linear"}, "input, weight, bias=None", linear},
    {{"F.layer_norm"}, "input, normalized_shape, weight=None, bias=None, eps=1e-05", layerNorm},
    {{"F.embedding"}, "input, weight, padding_idx=None", embedding},
    {{"F.dropout"}, "input, p=0.5, training=False, inplace=False", passInput},
    {{"F.softmax", "torch.softmax", "Tensor.softmax"}, "input, dim, dtype=None", softmax},
    {{"torch.mean", "Tensor.mean"}, "input, dim=None, keepdim=False", reduce<MeanOp>},
    {{"torch.sum", "Tensor.sum"}, "input, dim=None, keepdim=False", reduce<SumOp>},

    // Element types and copies.
    {{"Tensor.contiguous", "Tensor.clone"}, "self, memory_format=None", identity},
    {{"Tensor.detach"}, "self", identity},
    {{"Tensor.float"}, "self, memory_format=None", toFloat32},
    {{"Tensor.to"},
     "self, *args, device=None, dtype=None, non_blocking=False, copy=False, memory_format=None",
     castTo},
    {{"Tensor.type"}, "self, dtype=None, non_blocking=False", castToDtype},
    {{"Tensor.type_as"}, "self, other", typeAs},

    // Shapes.
    {{"Tensor.view", "Tensor.reshape"}, "self, *shape", view},
    {{"Tensor.permute"}, "self, *dims", permute},
    {{"torch.transpose", "Tensor.transpose"}, "input, dim0, dim1", transpose},
    {{"Tensor.unsqueeze"}, "self, dim", unsqueeze},
    {{"Tensor.squeeze"}, "self, dim", squeeze},
    {{"Tensor.flatten"}, "self, start_dim=0, end_dim=-1", flatten},
    {{"Tensor.size"}, "self, dim=None", size},
    {{"Tensor.dim"}, "self", rank},
    {{"torch.cat", "torch.concat"}, "tensors, dim=0", cat},
    {{"Tensor.chunk"}, "self, chunks, dim=0", chunk},
    {{"Tensor.split"}, "self, split_size_or_sections, dim=0", split},
};


llvm::ArrayRef<TorchOp> tensorOpTable() { return kTensorOps; }

} // namespace tmc::instantiate
