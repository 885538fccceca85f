//===- TensorOps.cpp - tmc ops with PyTorch's shape rules -------*- C++ -*-===//
//
// The result shapes of PyTorch's tensor operations, computed and checked
// before the op is built, so a model-file mistake is reported at its line
// with both shapes rather than by the tmc verifier.
//
//===----------------------------------------------------------------------===//

#include "passes/instantiate/TensorOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "llvm/Support/FormatVariadic.h"

using namespace mlir;

namespace tmc::instantiate {

int64_t normalizeDim(int64_t dim, size_t rank, Location loc) {
  int64_t r = rank;
  if (dim < -r || dim >= r)
    fail(loc, llvm::formatv("dimension {0} is out of range for a tensor of rank {1}", dim, rank));
  return dim < 0 ? dim + r : dim;
}

TensorObj *TensorOps::cast(TensorObj *x, Type to) {
  if (x->elementType == to)
    return x;
  if (!isa<FloatType>(to))
    fail(loc, "casts to integer types are not supported");
  return graph.createTensor<CastOp>(loc, x->dims, to, graph.use(x));
}

TensorObj *TensorOps::scalar(double v, Type elt) {
  auto type = RankedTensorType::get({}, elt);
  auto attr = DenseElementsAttr::get(type, ArrayRef<Attribute>{FloatAttr::get(elt, v)});
  mlir::Value c = arith::ConstantOp::create(graph.b(), loc, type, attr);
  return graph.make(c, {});
}

static SmallVector<Dim> broadcast(llvm::ArrayRef<Dim> a, llvm::ArrayRef<Dim> b,
                                  llvm::StringRef what, Location loc) {
  size_t rank = std::max(a.size(), b.size());
  SmallVector<Dim> out(rank);
  for (size_t i = 0; i < rank; ++i) {
    Dim x = i < rank - a.size() ? Dim::fixed(1) : a[i - (rank - a.size())];
    Dim y = i < rank - b.size() ? Dim::fixed(1) : b[i - (rank - b.size())];
    if (x == y || y == Dim::fixed(1))
      out[i] = x;
    else if (x == Dim::fixed(1))
      out[i] = y;
    else
      fail(loc, what + ": shapes " + shapeString(a) + " and " + shapeString(b) +
                    " do not broadcast");
  }
  return out;
}

SmallVector<Dim> TensorOps::promoteAndBroadcast(TensorObj *&a, TensorObj *&b,
                                                llvm::StringRef what) {
  Type elt = a->elementType;
  if (a->elementType != b->elementType) {
    auto wider = [](Type t) { return t.isF64() ? 3 : t.isF32() ? 2 : isa<FloatType>(t) ? 1 : 0; };
    elt = wider(a->elementType) >= wider(b->elementType) ? a->elementType : b->elementType;
    if (!isa<FloatType>(elt))
      fail(loc, "arithmetic on integer tensors is not supported");
    a = cast(a, elt);
    b = cast(b, elt);
  }
  if (!isa<FloatType>(elt))
    fail(loc, "arithmetic on integer tensors is not supported; convert with .float()");
  return broadcast(a->dims, b->dims, what, loc);
}

TensorObj *TensorOps::reshape(TensorObj *x, llvm::ArrayRef<Dim> requested, bool hasInfer,
                              size_t inferAt) {
  SmallVector<Dim> dims(requested.begin(), requested.end());
  // Symbols present on both sides cancel; what is left must be static.
  llvm::SmallVector<int> leftover;
  int64_t inStatic = 1, outStatic = 1;
  for (const Dim &d : x->dims)
    d.isStatic() ? void(inStatic *= d.size) : leftover.push_back(d.sym);
  std::string shapes = shapeString(x->dims) + " to " + shapeString(dims);
  for (auto [i, d] : llvm::enumerate(dims)) {
    if (hasInfer && i == inferAt)
      continue;
    if (d.isStatic()) {
      outStatic *= d.size;
      continue;
    }
    auto it = llvm::find(leftover, d.sym);
    if (it == leftover.end())
      fail(loc, "view/reshape: cannot reshape " + shapes);
    leftover.erase(it);
  }
  if (!hasInfer) {
    if (!leftover.empty() || inStatic != outStatic)
      fail(loc, "view/reshape: cannot reshape " + shapes);
  } else if (outStatic == 0 || inStatic % outStatic) {
    fail(loc, "view/reshape: cannot reshape " + shapes + ": the sizes do not divide");
  } else if (leftover.empty()) {
    dims[inferAt] = Dim::fixed(inStatic / outStatic);
  } else if (leftover.size() == 1 && inStatic == outStatic) {
    dims[inferAt] = Dim::symbol(leftover[0]);
  } else {
    fail(loc, "view/reshape: -1 would merge dynamic sizes of " + shapeString(x->dims) +
                  "; tmc keeps batch and sequence dimensions separate");
  }
  if (dims == x->dims)
    return x;
  SmallVector<mlir::Value> sizes;
  for (const Dim &d : dims)
    if (!d.isStatic())
      sizes.push_back(graph.symValue(d.sym, loc));
  return graph.createTensor<ReshapeOp>(loc, dims, x->elementType, graph.use(x), sizes);
}

TensorObj *TensorOps::unsqueeze(TensorObj *x, int64_t dim) {
  dim = normalizeDim(dim, x->dims.size() + 1, loc);
  SmallVector<Dim> dims(x->dims);
  dims.insert(dims.begin() + dim, Dim::fixed(1));
  return reshape(x, dims, false, 0);
}

TensorObj *TensorOps::permute(TensorObj *x, llvm::ArrayRef<int64_t> perm) {
  SmallVector<Dim> dims;
  SmallVector<int64_t> p;
  for (int64_t d : perm) {
    p.push_back(normalizeDim(d, x->dims.size(), loc));
    dims.push_back(x->dims[p.back()]);
  }
  bool identity = true;
  for (auto [i, d] : llvm::enumerate(p))
    identity = identity && int64_t(i) == d;
  if (identity)
    return x;
  return graph.createTensor<TransposeOp>(loc, dims, x->elementType, graph.use(x), p);
}

TensorObj *TensorOps::transpose(TensorObj *x, int64_t a, int64_t b) {
  a = normalizeDim(a, x->dims.size(), loc);
  b = normalizeDim(b, x->dims.size(), loc);
  SmallVector<int64_t> perm;
  for (size_t i = 0; i < x->dims.size(); ++i)
    perm.push_back(i);
  std::swap(perm[a], perm[b]);
  return permute(x, perm);
}

SmallVector<Dim> TensorOps::reducedDims(TensorObj *x, SmallVector<int64_t> &axes, bool keepdim) {
  if (axes.empty())
    for (size_t i = 0; i < x->dims.size(); ++i)
      axes.push_back(i);
  SmallVector<Dim> dims;
  for (int64_t &a : axes)
    a = normalizeDim(a, x->dims.size(), loc);
  for (auto [i, d] : llvm::enumerate(x->dims)) {
    if (!llvm::is_contained(axes, int64_t(i)))
      dims.push_back(d);
    else if (keepdim)
      dims.push_back(Dim::fixed(1));
  }
  return dims;
}

TensorObj *TensorOps::slice(TensorObj *x, int64_t dim, int64_t start, std::optional<int64_t> end,
                            int64_t step) {
  Dim d = x->dims[dim];
  if (step <= 0)
    fail(loc, "slice steps must be positive");
  if (d.isStatic()) {
    int64_t n = d.size;
    if (start < 0)
      start = std::max<int64_t>(0, start + n);
    int64_t stop = end ? (*end < 0 ? *end + n : std::min(*end, n)) : n;
    start = std::min(start, n);
    stop = std::max(stop, start);
    if (start == 0 && stop == n && step == 1)
      return x;
    end = stop;
    d = Dim::fixed((stop - start + step - 1) / step);
  } else {
    if (start < 0 || (end && *end < 0))
      fail(loc, "negative slice bounds need a static dimension");
    if (start == 0 && !end && step == 1)
      return x;
    if (end && step == 1 && start == 0)
      d = Dim::fixed(*end); // assumes the dynamic size is at least `end`
    else
      fail(loc, "slicing a dynamic dimension (batch, sequence) is supported only as [:n]");
  }
  SmallVector<Dim> dims(x->dims);
  dims[dim] = d;
  OpBuilder &b = graph.b();
  return graph.createTensor<SliceOp>(loc, dims, x->elementType, graph.use(x),
                                     b.getI64IntegerAttr(dim), b.getI64IntegerAttr(start),
                                     end ? b.getI64IntegerAttr(*end) : IntegerAttr(),
                                     b.getI64IntegerAttr(step));
}

TensorObj *TensorOps::concat(llvm::ArrayRef<TensorObj *> parts, int64_t dim) {
  if (parts.empty())
    fail(loc, "torch.cat of no tensors");
  dim = normalizeDim(dim, parts[0]->dims.size(), loc);
  SmallVector<Dim> dims(parts[0]->dims);
  int64_t total = 0;
  SmallVector<mlir::Value> operands;
  Type elt = parts[0]->elementType;
  for (TensorObj *p : parts) {
    if (p->dims.size() != dims.size() || p->elementType != elt)
      fail(loc, "torch.cat: tensors differ in rank or dtype");
    for (size_t i = 0; i < dims.size(); ++i)
      if (i != size_t(dim) && p->dims[i] != dims[i])
        fail(loc, "torch.cat: shapes " + shapeString(parts[0]->dims) + " and " +
                      shapeString(p->dims) + " differ outside dimension " +
                      std::to_string(dim));
    if (!p->dims[dim].isStatic())
      fail(loc, "torch.cat along a dynamic dimension is not supported");
    total += p->dims[dim].size;
    operands.push_back(graph.use(p));
  }
  dims[dim] = Dim::fixed(total);
  return graph.createTensor<ConcatOp>(loc, dims, elt, operands, graph.b().getI64IntegerAttr(dim));
}

std::vector<TensorObj *> TensorOps::split(TensorObj *x, llvm::ArrayRef<int64_t> sizes,
                                          int64_t dim) {
  dim = normalizeDim(dim, x->dims.size(), loc);
  int64_t total = 0;
  for (int64_t s : sizes)
    total += s;
  if (!x->dims[dim].isStatic() || x->dims[dim].size != total)
    fail(loc, "split/chunk: dimension " + std::to_string(dim) + " of " +
                  shapeString(x->dims) + " is not " + std::to_string(total));
  SmallVector<Type> types;
  std::vector<SmallVector<Dim>> shapes;
  for (int64_t s : sizes) {
    SmallVector<Dim> dims(x->dims);
    dims[dim] = Dim::fixed(s);
    types.push_back(graph.typeOf(dims, x->elementType));
    shapes.push_back(dims);
  }
  auto op = graph.create<SplitOp>(loc, types, graph.use(x), graph.b().getI64IntegerAttr(dim),
                                  graph.b().getDenseI64ArrayAttr(sizes));
  std::vector<TensorObj *> out;
  for (auto [i, dims] : llvm::enumerate(shapes))
    out.push_back(graph.make(op.getResult(i), dims));
  return out;
}

TensorObj *TensorOps::linear(TensorObj *x, TensorObj *w, TensorObj *bias) {
  if (w->dims.size() != 2 || x->dims.empty())
    fail(loc, "linear: weight must be 2-D and the input at least 1-D");
  if (x->dims.back() != w->dims[1])
    fail(loc, "linear: the input has " + shapeString(x->dims) + " but the weight " +
                  shapeString(w->dims) + " expects " + std::to_string(w->dims[1].size) +
                  " input features");
  if (x->elementType != w->elementType)
    x = cast(x, w->elementType);
  SmallVector<Dim> dims(x->dims);
  dims.back() = w->dims[0];
  mlir::Value input = graph.use(x), weight = graph.use(w);
  mlir::Value biasValue = bias ? graph.use(bias) : mlir::Value();
  return graph.createTensor<LinearOp>(loc, dims, w->elementType, input, weight, biasValue);
}

TensorObj *TensorOps::embedding(TensorObj *ids, TensorObj *w) {
  if (!isa<IntegerType>(ids->elementType))
    fail(loc, "embedding: indices must be an integer tensor");
  SmallVector<Dim> dims(ids->dims);
  dims.push_back(w->dims[1]);
  mlir::Value indices = graph.use(ids), table = graph.use(w);
  return graph.createTensor<EmbeddingOp>(loc, dims, w->elementType, indices, table,
                                         /*offset=*/mlir::Value());
}

TensorObj *TensorOps::matmul(TensorObj *a, TensorObj *b) {
  if (a->dims.size() != b->dims.size() || a->dims.size() < 2)
    fail(loc, "matmul: tmc supports equal-rank inputs of rank >= 2, got " +
                  shapeString(a->dims) + " and " + shapeString(b->dims));
  size_t r = a->dims.size();
  if (a->dims[r - 1] != b->dims[r - 2])
    fail(loc, "matmul: " + shapeString(a->dims) + " @ " + shapeString(b->dims) +
                  " do not agree on the inner dimension");
  SmallVector<Dim> dims(a->dims.begin(), a->dims.end() - 1);
  dims.push_back(b->dims[r - 1]);
  mlir::Value lhs = graph.use(a), rhs = graph.use(b);
  return graph.createTensor<MatmulOp>(loc, dims, a->elementType, lhs, rhs);
}

TensorObj *TensorOps::softmax(TensorObj *x, int64_t dim) {
  dim = normalizeDim(dim, x->dims.size(), loc);
  return graph.createTensor<SoftmaxOp>(loc, x->dims, x->elementType, graph.use(x),
                                       graph.b().getI64IntegerAttr(dim));
}

TensorObj *TensorOps::pow(TensorObj *x, double exponent) {
  return graph.createTensor<PowOp>(loc, x->dims, x->elementType, graph.use(x),
                                   graph.b().getF64FloatAttr(exponent));
}

TensorObj *TensorOps::layerNorm(TensorObj *x, int64_t size, TensorObj *weight, TensorObj *bias,
                                double eps) {
  if (x->dims.empty() || !isa<FloatType>(x->elementType))
    fail(loc, "layer_norm needs a floating-point tensor of rank >= 1");
  if (x->dims.back() != Dim::fixed(size))
    fail(loc, "layer_norm normalizes the last dim, of size " + std::to_string(size) +
                  ", but the input is " + shapeString(x->dims));
  for (TensorObj *affine : {weight, bias})
    if (affine && (affine->dims.size() != 1 || affine->dims[0] != x->dims.back()))
      fail(loc, "layer_norm: the input " + shapeString(x->dims) +
                    " is normalized over its last dim, but weight or bias is " +
                    shapeString(affine->dims));
  // One rounding at the end, after the affine part, as torch's kernel does.
  Type f32 = Float32Type::get(x->elementType.getContext());
  TensorObj *x32 = cast(x, f32);
  TensorObj *centered = binary<SubOp>(x32, reduce<MeanOp>(x32, {-1}, /*keepdim=*/true));
  TensorObj *variance = reduce<MeanOp>(binary<MulOp>(centered, centered), {-1}, true);
  TensorObj *normalized =
      binary<MulOp>(centered, unary<RsqrtOp>(binary<AddOp>(variance, scalar(eps, f32))));
  if (weight)
    normalized = binary<MulOp>(normalized, weight);
  if (bias)
    normalized = binary<AddOp>(normalized, bias);
  return cast(normalized, x->elementType);
}

} // namespace tmc::instantiate
