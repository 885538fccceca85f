//===- Torch.cpp - the PyTorch op table of model files ----------*- C++ -*-===//
//
// Each supported PyTorch call becomes one tmc op whose result shape is
// computed here, with dynamic sizes (batch, sequence) tracked as symbols so
// that `view(batch, seq, -1, head_dim)` resolves its -1 statically. The table
// is documented in docs/LANGUAGE.md; adding a call is one entry here.
//
//===----------------------------------------------------------------------===//

#include "passes/instantiate/Interpreter.h"

#include "ir/Tmc/TmcOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "llvm/Support/FormatVariadic.h"

using namespace mlir;

namespace tmc::instantiate {
namespace {

int64_t normalizeDim(int64_t dim, size_t rank, Location loc) {
  int64_t r = rank;
  if (dim < -r || dim >= r)
    fail(loc, llvm::formatv("dimension {0} is out of range for a tensor of rank {1}", dim, rank));
  return dim < 0 ? dim + r : dim;
}

} // namespace

Type Interpreter::dtypeOf(const PyValue &v, Location loc) {
  if (v.kind != Kind::DType)
    fail(loc, "expected a torch dtype, not " + repr(v));
  MLIRContext *ctx = program.getContext();
  llvm::StringRef n = v.str;
  if (n == "float32" || n == "float")
    return Float32Type::get(ctx);
  if (n == "bfloat16")
    return BFloat16Type::get(ctx);
  if (n == "float16" || n == "half")
    return Float16Type::get(ctx);
  if (n == "float64" || n == "double")
    return Float64Type::get(ctx);
  if (n == "int64" || n == "long")
    return IntegerType::get(ctx, 64);
  if (n == "int32" || n == "int")
    return IntegerType::get(ctx, 32);
  return IntegerType::get(ctx, 1);
}

SmallVector<Dim> Interpreter::sizesOf(llvm::ArrayRef<PyValue> values, Location loc) {
  std::vector<PyValue> flat(values.begin(), values.end());
  if (flat.size() == 1 && (flat[0].kind == Kind::Tuple || flat[0].kind == Kind::List))
    flat = flat[0].as<SequenceObj>()->items;
  SmallVector<Dim> dims;
  for (const PyValue &v : flat) {
    if (v.kind == Kind::SymInt)
      dims.push_back(Dim::symbol(v.i));
    else
      dims.push_back(Dim::fixed(toInt(v, loc, "a size")));
  }
  return dims;
}

//===----------------------------------------------------------------------===//
// Shape helpers
//===----------------------------------------------------------------------===//

namespace {

/// The op builders the table shares, with shape checks.
struct Ops {
  Interpreter &interp;
  Graph &graph;
  Location loc;

  PyValue wrap(TensorObj *t) { return interp.makeTensor(t); }

  TensorObj *result(Operation *op, llvm::ArrayRef<Dim> dims) {
    return graph.make(op->getResult(0), dims);
  }

  TensorObj *cast(TensorObj *x, Type to) {
    if (x->elementType == to)
      return x;
    if (!isa<FloatType>(to))
      fail(loc, "casts to integer types are not supported");
    return result(graph.emit(loc, "cast", graph.use(x), graph.typeOf(x->dims, to)), x->dims);
  }

  TensorObj *scalar(double v, Type elt) {
    auto type = RankedTensorType::get({}, elt);
    auto attr = DenseElementsAttr::get(type, ArrayRef<Attribute>{FloatAttr::get(elt, v)});
    mlir::Value c = arith::ConstantOp::create(graph.b(), loc, type, attr);
    return graph.make(c, {});
  }

  TensorObj *unaryOp(llvm::StringRef name, TensorObj *x) {
    if (!isa<FloatType>(x->elementType))
      fail(loc, name + " needs a floating-point tensor");
    Type t = graph.typeOf(x->dims, x->elementType);
    return result(graph.emit(loc, name, graph.use(x), t), x->dims);
  }

  SmallVector<Dim> broadcast(llvm::ArrayRef<Dim> a, llvm::ArrayRef<Dim> b, llvm::StringRef what) {
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

  TensorObj *binaryOp(llvm::StringRef name, TensorObj *a, TensorObj *b) {
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
    SmallVector<Dim> dims = broadcast(a->dims, b->dims, name);
    return result(graph.emit(loc, name, {graph.use(a), graph.use(b)}, graph.typeOf(dims, elt)),
                  dims);
  }

  TensorObj *reshape(TensorObj *x, llvm::ArrayRef<Dim> requested, bool hasInfer, size_t inferAt) {
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
    SmallVector<mlir::Value> operands{graph.use(x)};
    operands.append(sizes);
    return result(graph.emit(loc, "reshape", operands, graph.typeOf(dims, x->elementType)),
                  dims);
  }

  TensorObj *unsqueeze(TensorObj *x, int64_t dim) {
    dim = normalizeDim(dim, x->dims.size() + 1, loc);
    SmallVector<Dim> dims(x->dims);
    dims.insert(dims.begin() + dim, Dim::fixed(1));
    return reshape(x, dims, false, 0);
  }

  TensorObj *permute(TensorObj *x, llvm::ArrayRef<int64_t> perm) {
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
    NamedAttribute attr(graph.b().getStringAttr("permutation"),
                        graph.b().getDenseI64ArrayAttr(p));
    return result(graph.emit(loc, "transpose", graph.use(x),
                       graph.typeOf(dims, x->elementType), {attr}),
                  dims);
  }

  TensorObj *transpose(TensorObj *x, int64_t a, int64_t b) {
    a = normalizeDim(a, x->dims.size(), loc);
    b = normalizeDim(b, x->dims.size(), loc);
    SmallVector<int64_t> perm;
    for (size_t i = 0; i < x->dims.size(); ++i)
      perm.push_back(i);
    std::swap(perm[a], perm[b]);
    return permute(x, perm);
  }

  TensorObj *reduce(llvm::StringRef name, TensorObj *x, SmallVector<int64_t> axes, bool keepdim) {
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
    SmallVector<NamedAttribute> attrs{
        NamedAttribute(graph.b().getStringAttr("dims"), graph.b().getDenseI64ArrayAttr(axes))};
    if (keepdim)
      attrs.push_back(NamedAttribute(graph.b().getStringAttr("keepdim"), graph.b().getUnitAttr()));
    return result(graph.emit(loc, name, graph.use(x), graph.typeOf(dims, x->elementType), attrs),
                  dims);
  }

  TensorObj *slice(TensorObj *x, int64_t dim, int64_t start, std::optional<int64_t> end,
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
    auto &b = graph.b();
    SmallVector<NamedAttribute> attrs{
        NamedAttribute(b.getStringAttr("dim"), b.getI64IntegerAttr(dim)),
        NamedAttribute(b.getStringAttr("start"), b.getI64IntegerAttr(start))};
    if (end)
      attrs.push_back(NamedAttribute(b.getStringAttr("end"), b.getI64IntegerAttr(*end)));
    if (step != 1)
      attrs.push_back(NamedAttribute(b.getStringAttr("step"), b.getI64IntegerAttr(step)));
    return result(graph.emit(loc, "slice", graph.use(x), graph.typeOf(dims, x->elementType),
                       attrs),
                  dims);
  }

  TensorObj *concat(llvm::ArrayRef<TensorObj *> parts, int64_t dim) {
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
    NamedAttribute attr(graph.b().getStringAttr("dim"), graph.b().getI64IntegerAttr(dim));
    return result(graph.emit(loc, "concat", operands, graph.typeOf(dims, elt), {attr}), dims);
  }

  std::vector<TensorObj *> split(TensorObj *x, llvm::ArrayRef<int64_t> sizes, int64_t dim) {
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
    auto &b = graph.b();
    Operation *op = graph.emit(loc, "split", graph.use(x), types,
                         {NamedAttribute(b.getStringAttr("dim"), b.getI64IntegerAttr(dim)),
                          NamedAttribute(b.getStringAttr("sizes"), b.getDenseI64ArrayAttr(sizes))});
    std::vector<TensorObj *> out;
    for (auto [i, dims] : llvm::enumerate(shapes))
      out.push_back(graph.make(op->getResult(i), dims));
    return out;
  }

  TensorObj *linear(TensorObj *x, TensorObj *w, TensorObj *bias) {
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
    SmallVector<mlir::Value> operands{graph.use(x), graph.use(w)};
    if (bias)
      operands.push_back(graph.use(bias));
    return result(graph.emit(loc, "linear", operands, graph.typeOf(dims, w->elementType)), dims);
  }

  TensorObj *embedding(TensorObj *ids, TensorObj *w) {
    if (!isa<IntegerType>(ids->elementType))
      fail(loc, "embedding: indices must be an integer tensor");
    SmallVector<Dim> dims(ids->dims);
    dims.push_back(w->dims[1]);
    return result(graph.emit(loc, "embedding", {graph.use(ids), graph.use(w)},
                       graph.typeOf(dims, w->elementType)),
                  dims);
  }

  TensorObj *matmul(TensorObj *a, TensorObj *b) {
    if (a->dims.size() != b->dims.size() || a->dims.size() < 2)
      fail(loc, "matmul: tmc supports equal-rank inputs of rank >= 2, got " +
                    shapeString(a->dims) + " and " + shapeString(b->dims));
    size_t r = a->dims.size();
    if (a->dims[r - 1] != b->dims[r - 2])
      fail(loc, "matmul: " + shapeString(a->dims) + " @ " + shapeString(b->dims) +
                    " do not agree on the inner dimension");
    SmallVector<Dim> dims(a->dims.begin(), a->dims.end() - 1);
    dims.push_back(b->dims[r - 1]);
    return result(graph.emit(loc, "matmul", {graph.use(a), graph.use(b)},
                       graph.typeOf(dims, a->elementType)),
                  dims);
  }

  TensorObj *softmax(TensorObj *x, int64_t dim) {
    dim = normalizeDim(dim, x->dims.size(), loc);
    NamedAttribute attr(graph.b().getStringAttr("dim"), graph.b().getI64IntegerAttr(dim));
    return result(graph.emit(loc, "softmax", graph.use(x), graph.typeOf(x->dims, x->elementType),
                       {attr}),
                  x->dims);
  }

  TensorObj *pow(TensorObj *x, double e) {
    NamedAttribute attr(graph.b().getStringAttr("exponent"), graph.b().getF64FloatAttr(e));
    return result(graph.emit(loc, "pow", graph.use(x), graph.typeOf(x->dims, x->elementType),
                       {attr}),
                  x->dims);
  }
};

} // namespace

//===----------------------------------------------------------------------===//
// torch.*, torch.nn.functional.*, torch.nn.*
//===----------------------------------------------------------------------===//

static SmallVector<int64_t> intList(Interpreter &interp, const PyValue &v, Location loc,
                                    llvm::StringRef what) {
  SmallVector<int64_t> out;
  if (v.isNone())
    return out;
  if (v.kind == Kind::Tuple || v.kind == Kind::List) {
    for (const PyValue &item : v.as<SequenceObj>()->items)
      out.push_back(interp.toInt(item, loc, what));
    return out;
  }
  out.push_back(interp.toInt(v, loc, what));
  return out;
}

static const char *const kUnaryOps[][2] = {
    {"rsqrt", "rsqrt"}, {"tanh", "tanh"}, {"exp", "exp"}, {"sigmoid", "sigmoid"},
    {"relu", "relu"},   {"silu", "silu"}, {"neg", "neg"}, {"negative", "neg"}};

std::optional<PyValue> Interpreter::callTorch(llvm::StringRef fullName, const CallArgs &args,
                                            Location loc) {
  std::string name = fullName.str();
  if (fullName.consume_front("torch.nn.functional."))
    name = "F." + fullName.str();
  else if (fullName.consume_front("torch.nn."))
    name = "nn." + fullName.str();
  else if (!fullName.starts_with("torch."))
    return std::nullopt;
  llvm::StringRef n = name;
  Ops ops{*this, graph, loc};

  if (n.consume_front("nn."))
    return builtinModule(n, args, loc);

  if (n == "torch.ones" || n == "torch.zeros" || n == "torch.empty") {
    auto *s = create<ShapeObj>();
    for (const Dim &d : sizesOf(args.positional, loc)) {
      if (!d.isStatic())
        fail(loc, n + " with a dynamic size is not supported; model files create tensors "
                      "from their inputs");
      s->shape.push_back(d.size);
    }
    return PyValue::object(Kind::Shape, s);
  }
  if (n == "torch.tensor") {
    Bound bound(args, {"data", "dtype=None", "device=None"}, "torch.tensor()", loc);
    Type elt = bound["dtype"].isNone() ? Type(Float32Type::get(program.getContext()))
                                       : dtypeOf(bound["dtype"], loc);
    return makeTensor(ops.scalar(toFloat(bound["data"], loc, "torch.tensor()'s data"), elt));
  }
  if (n == "torch.arange") {
    std::vector<PyValue> pos = args.positional;
    if (pos.empty() || pos.size() > 2)
      fail(loc, "torch.arange takes (end) or (start, end)");
    int64_t start = pos.size() == 2 ? toInt(pos[0], loc, "arange's start") : 0;
    const PyValue &end = pos.back();
    Dim length;
    PyValue lengthValue;
    OpBuilder &b = graph.b();
    mlir::Value startIndex = arith::ConstantIndexOp::create(b, loc, start);
    mlir::Value lengthIndex;
    if (end.kind == Kind::SymInt) {
      if (start != 0)
        fail(loc, "torch.arange(start, n) with a dynamic n needs start 0");
      length = Dim::symbol(end.i);
      lengthIndex = graph.symValue(end.i, loc);
    } else {
      int64_t e = toInt(end, loc, "arange's end");
      length = Dim::fixed(std::max<int64_t>(0, e - start));
      lengthIndex = arith::ConstantIndexOp::create(b, loc, length.size);
    }
    auto type = graph.typeOf({length}, IntegerType::get(program.getContext(), 64));
    return makeTensor(ops.result(graph.emit(loc, "arange", {startIndex, lengthIndex}, type),
                                 {length}));
  }
  if (n == "torch.cat" || n == "torch.concat") {
    Bound bound(args, {"tensors", "dim=0"}, n, loc);
    std::vector<TensorObj *> parts;
    for (const PyValue &v : iterate(bound["tensors"], loc))
      parts.push_back(tensorOf(v, loc, "torch.cat's input"));
    return makeTensor(ops.concat(parts, toInt(bound["dim"], loc, "dim")));
  }
  if (n == "torch.matmul") {
    Bound bound(args, {"input", "other"}, n, loc);
    return makeTensor(ops.matmul(tensorOf(bound["input"], loc, "input"),
                                 tensorOf(bound["other"], loc, "other")));
  }
  if (n == "F.linear") {
    Bound bound(args, {"input", "weight", "bias=None"}, n, loc);
    TensorObj *bias = bound["bias"].isNone() ? nullptr : tensorOf(bound["bias"], loc, "bias");
    return makeTensor(ops.linear(tensorOf(bound["input"], loc, "input"),
                                 tensorOf(bound["weight"], loc, "weight"), bias));
  }
  if (n == "F.embedding") {
    Bound bound(args, {"input", "weight", "padding_idx=None"}, n, loc);
    return makeTensor(ops.embedding(tensorOf(bound["input"], loc, "input"),
                                    tensorOf(bound["weight"], loc, "weight")));
  }
  if (n == "F.dropout") {
    Bound bound(args, {"input", "p=0.5", "training=False", "inplace=False"}, n, loc);
    return bound["input"];
  }
  if (n == "F.gelu") {
    Bound bound(args, {"input", "approximate=\"none\""}, n, loc);
    const PyValue &approx = bound["approximate"];
    if (approx.kind != Kind::Str || (approx.str != "none" && approx.str != "tanh"))
      fail(loc, "F.gelu's approximate must be 'none' or 'tanh'");
    return makeTensor(ops.unaryOp(approx.str == "tanh" ? "gelu_tanh" : "gelu",
                                  tensorOf(bound["input"], loc, "input")));
  }
  if (n == "F.softmax" || n == "torch.softmax") {
    Bound bound(args, {"input", "dim", "dtype=None"}, n, loc);
    TensorObj *x = tensorOf(bound["input"], loc, "input");
    if (!bound["dtype"].isNone())
      x = ops.cast(x, dtypeOf(bound["dtype"], loc));
    return makeTensor(ops.softmax(x, toInt(bound["dim"], loc, "dim")));
  }
  if (n == "torch.pow") {
    Bound bound(args, {"input", "exponent"}, n, loc);
    return tensorBinary("**", bound["input"], bound["exponent"], loc);
  }
  if (n == "torch.mean" || n == "torch.sum") {
    Bound bound(args, {"input", "dim=None", "keepdim=False"}, n, loc);
    return makeTensor(ops.reduce(n.drop_front(6), tensorOf(bound["input"], loc, "input"),
                                 intList(*this, bound["dim"], loc, "dim"),
                                 truthy(bound["keepdim"], loc)));
  }
  for (auto &[torchName, op] : kUnaryOps) {
    if (n == (std::string("torch.") + torchName) || n == (std::string("F.") + torchName)) {
      Bound bound(args, {"input", "inplace=False"}, n, loc);
      return makeTensor(ops.unaryOp(op, tensorOf(bound["input"], loc, "input")));
    }
  }
  if (n == "torch.transpose") {
    Bound bound(args, {"input", "dim0", "dim1"}, n, loc);
    return makeTensor(ops.transpose(tensorOf(bound["input"], loc, "input"),
                                    toInt(bound["dim0"], loc, "dim0"),
                                    toInt(bound["dim1"], loc, "dim1")));
  }
  if (n == "torch.finfo" || n == "torch.no_grad" || n == "torch.stack" || n == "torch.where")
    fail(loc, n + " is not supported in traced code; if it builds a mask, mark the function "
                  "@compiles_to(\"causal_mask\")");
  fail(loc, "'" + n + "' is not in tmc's op table (docs/LANGUAGE.md lists what is)");
}

//===----------------------------------------------------------------------===//
// Tensor methods, indexing and operators
//===----------------------------------------------------------------------===//

std::optional<PyValue> Interpreter::callTensorMethod(const PyValue &self, llvm::StringRef name,
                                                   const CallArgs &args, Location loc) {
  if (self.kind == Kind::Shape)
    fail(loc, "a tensor made with torch.ones/zeros is only a shape for nn.Parameter; ." + name +
                  "() is not supported on it");
  Ops ops{*this, graph, loc};
  TensorObj *x = tensorOf(self, loc, "the receiver");
  std::string what = "Tensor." + name.str() + "()";
  auto pos = [&](size_t i) -> const PyValue & {
    if (i >= args.positional.size())
      fail(loc, what + " is missing an argument");
    return args.positional[i];
  };

  if (name == "contiguous" || name == "clone" || name == "detach")
    return makeTensor(x);
  if (name == "float")
    return makeTensor(ops.cast(x, Float32Type::get(program.getContext())));
  if (name == "to" || name == "type") {
    // .to(dtype), .to(device), .to(device=..., dtype=...), .to(other_tensor)
    PyValue dtype;
    for (const PyValue &v : args.positional)
      if (v.kind == Kind::DType)
        dtype = v;
      else if (v.kind == Kind::Tensor || v.kind == Kind::Param)
        dtype = getAttr(v, "dtype", loc);
    for (auto &[k, v] : args.keywords)
      if (k == "dtype")
        dtype = v;
    if (dtype.isNone())
      return makeTensor(x);
    return makeTensor(ops.cast(x, dtypeOf(dtype, loc)));
  }
  if (name == "type_as")
    return makeTensor(ops.cast(x, tensorOf(pos(0), loc, "type_as's argument")->elementType));
  if (name == "pow")
    return tensorBinary("**", self, pos(0), loc);
  if (name == "mean" || name == "sum") {
    Bound bound(args, {"dim=None", "keepdim=False"}, what, loc);
    return makeTensor(ops.reduce(name, x, intList(*this, bound["dim"], loc, "dim"),
                                 truthy(bound["keepdim"], loc)));
  }
  if (name == "view" || name == "reshape") {
    std::vector<PyValue> sizes = args.positional;
    if (sizes.size() == 1 && (sizes[0].kind == Kind::Tuple || sizes[0].kind == Kind::List))
      sizes = sizes[0].as<SequenceObj>()->items;
    SmallVector<Dim> dims;
    bool infer = false;
    size_t inferAt = 0;
    for (auto [i, v] : llvm::enumerate(sizes)) {
      if (v.kind == Kind::Int && v.i == -1) {
        if (infer)
          fail(loc, what + ": only one size may be -1");
        infer = true;
        inferAt = i;
        dims.push_back(Dim::fixed(-1));
        continue;
      }
      dims.push_back(sizesOf({v}, loc)[0]);
    }
    return makeTensor(ops.reshape(x, dims, infer, inferAt));
  }
  if (name == "transpose")
    return makeTensor(ops.transpose(x, toInt(pos(0), loc, "dim0"), toInt(pos(1), loc, "dim1")));
  if (name == "permute") {
    SmallVector<int64_t> perm;
    std::vector<PyValue> dims = args.positional;
    if (dims.size() == 1 && (dims[0].kind == Kind::Tuple || dims[0].kind == Kind::List))
      dims = dims[0].as<SequenceObj>()->items;
    for (const PyValue &v : dims)
      perm.push_back(toInt(v, loc, "a permutation entry"));
    if (perm.size() != x->dims.size())
      fail(loc, "permute needs one entry per dimension");
    return makeTensor(ops.permute(x, perm));
  }
  if (name == "unsqueeze")
    return makeTensor(ops.unsqueeze(x, toInt(pos(0), loc, "dim")));
  if (name == "squeeze") {
    int64_t dim = normalizeDim(toInt(pos(0), loc, "dim"), x->dims.size(), loc);
    if (x->dims[dim] != Dim::fixed(1))
      return makeTensor(x);
    SmallVector<Dim> dims(x->dims);
    dims.erase(dims.begin() + dim);
    return makeTensor(ops.reshape(x, dims, false, 0));
  }
  if (name == "flatten") {
    Bound bound(args, {"start_dim=0", "end_dim=-1"}, what, loc);
    int64_t s = normalizeDim(toInt(bound["start_dim"], loc, "start_dim"), x->dims.size(), loc);
    int64_t e = normalizeDim(toInt(bound["end_dim"], loc, "end_dim"), x->dims.size(), loc);
    SmallVector<Dim> dims(x->dims.begin(), x->dims.begin() + s);
    int64_t n = 1;
    for (int64_t i = s; i <= e; ++i) {
      if (!x->dims[i].isStatic())
        fail(loc, "flatten over a dynamic dimension is not supported");
      n *= x->dims[i].size;
    }
    dims.push_back(Dim::fixed(n));
    dims.append(x->dims.begin() + e + 1, x->dims.end());
    return makeTensor(ops.reshape(x, dims, false, 0));
  }
  if (name == "size") {
    PyValue shape = getAttr(self, "shape", loc);
    if (args.positional.empty())
      return shape;
    int64_t dim = normalizeDim(toInt(pos(0), loc, "dim"), x->dims.size(), loc);
    return shape.as<SequenceObj>()->items[dim];
  }
  if (name == "dim")
    return PyValue::integer(x->dims.size());
  if (name == "softmax") {
    Bound bound(args, {"dim", "dtype=None"}, what, loc);
    TensorObj *in = bound["dtype"].isNone() ? x : ops.cast(x, dtypeOf(bound["dtype"], loc));
    return makeTensor(ops.softmax(in, toInt(bound["dim"], loc, "dim")));
  }
  if (name == "chunk") {
    Bound bound(args, {"chunks", "dim=0"}, what, loc);
    int64_t chunks = toInt(bound["chunks"], loc, "chunks");
    int64_t dim = normalizeDim(toInt(bound["dim"], loc, "dim"), x->dims.size(), loc);
    if (chunks <= 0 || !x->dims[dim].isStatic() || x->dims[dim].size % chunks)
      fail(loc, "chunk: dimension " + std::to_string(dim) + " of " + shapeString(x->dims) +
                    " does not split into " + std::to_string(chunks) + " equal parts");
    SmallVector<int64_t> sizes(chunks, x->dims[dim].size / chunks);
    std::vector<PyValue> parts;
    for (TensorObj *t : ops.split(x, sizes, dim))
      parts.push_back(makeTensor(t));
    return makeTuple(parts);
  }
  if (name == "split") {
    Bound bound(args, {"split_size_or_sections", "dim=0"}, what, loc);
    int64_t dim = normalizeDim(toInt(bound["dim"], loc, "dim"), x->dims.size(), loc);
    SmallVector<int64_t> sizes;
    const PyValue &s = bound["split_size_or_sections"];
    if (s.kind == Kind::Int) {
      if (!x->dims[dim].isStatic() || s.i <= 0)
        fail(loc, "split needs a static dimension and a positive size");
      for (int64_t left = x->dims[dim].size; left > 0; left -= s.i)
        sizes.push_back(std::min(left, s.i));
    } else {
      sizes = intList(*this, s, loc, "a split size");
    }
    std::vector<PyValue> parts;
    for (TensorObj *t : ops.split(x, sizes, dim))
      parts.push_back(makeTensor(t));
    return makeTuple(parts);
  }
  for (auto &[torchName, op] : kUnaryOps)
    if (name == torchName)
      return makeTensor(ops.unaryOp(op, x));
  return std::nullopt;
}

PyValue Interpreter::tensorSubscript(TensorObj *t, const PyValue &index, Location loc) {
  Ops ops{*this, graph, loc};
  std::vector<PyValue> items = index.kind == Kind::Tuple ? index.as<SequenceObj>()->items
                                                       : std::vector<PyValue>{index};
  size_t consumed = 0;
  for (const PyValue &v : items)
    if (v.kind != Kind::None && v.kind != Kind::Ellipsis)
      ++consumed;
  if (consumed > t->dims.size())
    fail(loc, "too many indices for a tensor of rank " + std::to_string(t->dims.size()));
  // Slices first, then one reshape for None (new axes) and integer indices.
  TensorObj *x = t;
  SmallVector<Dim> finalDims;
  size_t dim = 0;
  for (const PyValue &v : items) {
    if (v.kind == Kind::Ellipsis) {
      size_t skip = t->dims.size() - consumed;
      for (size_t k = 0; k < skip; ++k)
        finalDims.push_back(x->dims[dim++]);
      consumed = t->dims.size(); // a second ellipsis skips nothing
      continue;
    }
    if (v.kind == Kind::None) {
      finalDims.push_back(Dim::fixed(1));
      continue;
    }
    if (v.kind == Kind::Slice) {
      auto *s = v.as<SliceObj>();
      int64_t start = s->lower.isNone() ? 0 : toInt(s->lower, loc, "a slice bound");
      std::optional<int64_t> end;
      if (!s->upper.isNone())
        end = toInt(s->upper, loc, "a slice bound");
      int64_t step = s->step.isNone() ? 1 : toInt(s->step, loc, "a slice step");
      x = ops.slice(x, dim, start, end, step);
      finalDims.push_back(x->dims[dim++]);
      continue;
    }
    if (v.kind == Kind::Int) {
      int64_t i = v.i;
      if (!x->dims[dim].isStatic() && i < 0)
        fail(loc, "negative indices need a static dimension");
      if (x->dims[dim].isStatic() && i < 0)
        i += x->dims[dim].size;
      x = ops.slice(x, dim, i, i + 1, 1);
      ++dim; // dropped by the reshape below
      continue;
    }
    fail(loc, "tensor indices must be ints, slices, None or ..., not " + repr(v));
  }
  while (dim < x->dims.size())
    finalDims.push_back(x->dims[dim++]);
  return makeTensor(ops.reshape(x, finalDims, false, 0));
}

PyValue Interpreter::tensorBinary(llvm::StringRef op, const PyValue &a, const PyValue &b, Location loc) {
  Ops ops{*this, graph, loc};
  if (op == "neg")
    return makeTensor(ops.unaryOp("neg", tensorOf(a, loc, "operand")));
  bool aTensor = a.kind == Kind::Tensor || a.kind == Kind::Param;
  bool bTensor = b.kind == Kind::Tensor || b.kind == Kind::Param;
  if (op == "**") {
    if (!aTensor || !b.isNumber())
      fail(loc, "** is supported as tensor ** number only");
    return makeTensor(ops.pow(tensorOf(a, loc, "base"), toFloat(b, loc, "the exponent")));
  }
  if (op == "@")
    return makeTensor(ops.matmul(tensorOf(a, loc, "lhs"), tensorOf(b, loc, "rhs")));
  static const std::pair<const char *, const char *> names[] = {
      {"+", "add"}, {"-", "sub"}, {"*", "mul"}, {"/", "div"}};
  const char *tmcName = nullptr;
  for (auto &[py, t] : names)
    if (op == py)
      tmcName = t;
  if (!tmcName)
    fail(loc, "operator " + op + " is not supported on tensors");
  TensorObj *x = aTensor ? tensorOf(a, loc, "lhs") : nullptr;
  TensorObj *y = bTensor ? tensorOf(b, loc, "rhs") : nullptr;
  if (!x)
    x = ops.scalar(toFloat(a, loc, "the lhs of " + op), y->elementType);
  if (!y)
    y = ops.scalar(toFloat(b, loc, "the rhs of " + op), x->elementType);
  return makeTensor(ops.binaryOp(tmcName, x, y));
}

//===----------------------------------------------------------------------===//
// nn.Linear, nn.Embedding, nn.ModuleList, nn.Parameter, nn.Dropout
//===----------------------------------------------------------------------===//

PyValue Interpreter::builtinModule(llvm::StringRef kind, const CallArgs &args, Location loc) {
  std::string what = "nn." + kind.str() + "()";
  auto newParam = [&](InstanceObj *owner, llvm::StringRef attr, SmallVector<int64_t> shape) {
    for (int64_t n : shape)
      if (n <= 0)
        fail(loc, what + ": weight '" + attr + "' would have a non-positive size " +
                      std::to_string(n) + " (check the config)");
    auto *p = create<ParamObj>();
    p->shape = std::move(shape);
    p->elementType = graph.paramType();
    PyValue v = PyValue::object(Kind::Param, p);
    setAttr(PyValue::object(Kind::Instance, owner), attr, v, loc);
    return v;
  };
  if (kind == "Module" || kind == "Module.__init__")
    return PyValue::none();
  if (kind == "Linear") {
    Bound bound(args, {"in_features", "out_features", "bias=True", "device=None", "dtype=None"},
                what, loc);
    auto *inst = create<InstanceObj>();
    inst->builtin = "Linear";
    int64_t in = toInt(bound["in_features"], loc, "in_features");
    int64_t out = toInt(bound["out_features"], loc, "out_features");
    newParam(inst, "weight", {out, in});
    if (truthy(bound["bias"], loc))
      newParam(inst, "bias", {out});
    else
      inst->attrs[intern("bias")] = PyValue::none();
    inst->attrs[intern("in_features")] = PyValue::integer(in);
    inst->attrs[intern("out_features")] = PyValue::integer(out);
    return PyValue::object(Kind::Instance, inst);
  }
  if (kind == "Embedding") {
    Bound bound(args, {"num_embeddings", "embedding_dim", "padding_idx=None"}, what, loc);
    auto *inst = create<InstanceObj>();
    inst->builtin = "Embedding";
    int64_t num = toInt(bound["num_embeddings"], loc, "num_embeddings");
    int64_t dim = toInt(bound["embedding_dim"], loc, "embedding_dim");
    newParam(inst, "weight", {num, dim});
    inst->attrs[intern("padding_idx")] = bound["padding_idx"];
    inst->attrs[intern("num_embeddings")] = PyValue::integer(num);
    inst->attrs[intern("embedding_dim")] = PyValue::integer(dim);
    return PyValue::object(Kind::Instance, inst);
  }
  if (kind == "ModuleList") {
    Bound bound(args, {"modules=None"}, what, loc);
    auto *inst = create<InstanceObj>();
    inst->builtin = "ModuleList";
    if (!bound["modules"].isNone())
      for (const PyValue &v : iterate(bound["modules"], loc)) {
        if (v.kind != Kind::Instance)
          fail(loc, "nn.ModuleList holds modules, not " + repr(v));
        auto *child = v.as<InstanceObj>();
        child->parent = inst;
        child->nameInParent = std::to_string(inst->items.size());
        inst->items.push_back(v);
      }
    return PyValue::object(Kind::Instance, inst);
  }
  if (kind == "Dropout" || kind == "Identity") {
    auto *inst = create<InstanceObj>();
    inst->builtin = kind.str();
    return PyValue::object(Kind::Instance, inst);
  }
  if (kind == "Parameter") {
    Bound bound(args, {"data", "requires_grad=True"}, what, loc);
    if (bound["data"].kind != Kind::Shape)
      fail(loc, "nn.Parameter takes torch.ones(...) or torch.zeros(...) in a model file");
    auto *p = create<ParamObj>();
    p->shape = bound["data"].as<ShapeObj>()->shape;
    p->elementType = graph.paramType();
    return PyValue::object(Kind::Param, p);
  }
  fail(loc, "nn." + kind + " is not in tmc's op table (docs/LANGUAGE.md lists what is)");
}

PyValue Interpreter::callBuiltinModule(InstanceObj *inst, const CallArgs &args, Location loc) {
  Ops ops{*this, graph, loc};
  std::string savedPath = graph.getPath();
  graph.setPath(inst->path());
  PyValue result;
  if (inst->builtin == "Linear") {
    Bound bound(args, {"input"}, "nn.Linear", loc);
    const PyValue &bias = inst->attrs.lookup("bias");
    result = makeTensor(ops.linear(tensorOf(bound["input"], loc, "input"),
                                   tensorOf(inst->attrs.lookup("weight"), loc, "weight"),
                                   bias.isNone() ? nullptr : tensorOf(bias, loc, "bias")));
  } else if (inst->builtin == "Embedding") {
    Bound bound(args, {"input"}, "nn.Embedding", loc);
    result = makeTensor(ops.embedding(tensorOf(bound["input"], loc, "input"),
                                      tensorOf(inst->attrs.lookup("weight"), loc, "weight")));
  } else if (inst->builtin == "Dropout" || inst->builtin == "Identity") {
    Bound bound(args, {"input"}, ("nn." + inst->builtin), loc);
    result = bound["input"];
  } else {
    fail(loc, "nn." + inst->builtin + " is not callable");
  }
  graph.setPath(savedPath);
  return result;
}

} // namespace tmc::instantiate
