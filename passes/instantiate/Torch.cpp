//===- Torch.cpp - calls through the PyTorch op table -----------*- C++ -*-===//
//
// Model files reach PyTorch by name (torch.cat, F.softmax, x.view, calling
// an nn.Linear); each name is looked up in the op table (TorchTable.h),
// indexed once, and its entry's signature binds the arguments before its
// builder runs. Tensor indexing and Python operators on tensors, which have
// no names to look up, build their ops here.
//
//===----------------------------------------------------------------------===//

#include "ir/Tmc/DTypes.h"
#include "passes/instantiate/TorchTable.h"

#include "llvm/Support/ErrorHandling.h"

using namespace mlir;

namespace tmc::instantiate {

//===----------------------------------------------------------------------===//
// Arguments of a table entry
//===----------------------------------------------------------------------===//

TensorObj *TorchCall::tensor(llvm::StringRef param) const {
  return interp.tensorOf(args[param], loc, param);
}

TensorObj *TorchCall::optionalTensor(llvm::StringRef param) const {
  return args[param].isNone() ? nullptr : tensor(param);
}

int64_t TorchCall::integer(llvm::StringRef param) const {
  return interp.toInt(args[param], loc, param);
}

llvm::SmallVector<int64_t> TorchCall::integers(llvm::StringRef param) const {
  const PyValue &v = args[param];
  llvm::SmallVector<int64_t> out;
  if (v.isNone())
    return out;
  if (v.kind != Kind::Tuple && v.kind != Kind::List)
    return {integer(param)};
  for (const PyValue &item : v.as<SequenceObj>()->items)
    out.push_back(interp.toInt(item, loc, param));
  return out;
}

Type TorchCall::dtype(const PyValue &value) const {
  if (value.kind != Kind::DType)
    fail(loc, "expected a torch dtype, not " + interp.repr(value));
  // Kind::DType values are made from known names only (Calls.cpp).
  return elementTypeOf(*dtypeOfTorchName(value.str), ops.graph.getContext());
}

PyValue passInput(TorchCall &call) { return call["input"]; }

//===----------------------------------------------------------------------===//
// Looking names up
//===----------------------------------------------------------------------===//

namespace {
struct TableEntry {
  const TorchOp *op;
  Signature signature;
};
} // namespace

/// Every name of the table, with its entry's signature parsed.
static const llvm::StringMap<TableEntry> &opsByName() {
  static const llvm::StringMap<TableEntry> byName = [] {
    llvm::StringMap<TableEntry> map;
    for (llvm::ArrayRef<TorchOp> table : {tensorOpTable(), nnOpTable()})
      for (const TorchOp &op : table)
        for (llvm::StringRef name : op.names) {
          if (name.empty())
            continue;
          if (!map.try_emplace(name, TableEntry{&op, Signature(op.signature)}).second)
            llvm::report_fatal_error("'" + name + "' is in the op table twice");
        }
    return map;
  }();
  return byName;
}

static const TableEntry *findOp(llvm::StringRef name) {
  auto it = opsByName().find(name);
  return it == opsByName().end() ? nullptr : &it->second;
}

static PyValue callOp(Interpreter &interp, const TableEntry &entry, llvm::StringRef name,
                      const CallArgs &args, Location loc) {
  Bound bound(interp, entry.signature, args, name + "()", loc);
  TensorOps ops{interp.getGraph(), loc};
  TorchCall call{interp, ops, bound, name, loc};
  return entry.op->build(call);
}

/// `receiver.method(args)` as `method(receiver, args)`.
static CallArgs withReceiver(const PyValue &receiver, const CallArgs &args) {
  CallArgs all = args;
  all.positional.insert(all.positional.begin(), receiver);
  return all;
}

std::optional<PyValue> Interpreter::callTorch(llvm::StringRef fullName, const CallArgs &args,
                                              Location loc) {
  std::string name = fullName.str();
  if (fullName.consume_front("torch.nn.functional."))
    name = "F." + fullName.str();
  else if (fullName.consume_front("torch.nn."))
    name = "nn." + fullName.str();
  else if (!fullName.starts_with("torch."))
    return std::nullopt;
  if (const TableEntry *entry = findOp(name))
    return callOp(*this, *entry, name, args, loc);
  // What building a mask calls; a mask builder compiles to one op instead.
  static const char *const maskHelpers[] = {"torch.finfo", "torch.no_grad", "torch.stack",
                                            "torch.where"};
  if (llvm::is_contained(maskHelpers, name))
    fail(loc, name + " is not supported in traced code; if it builds a mask, mark the function "
                     "@compiles_to(\"causal_mask\")");
  fail(loc, "'" + name + "' is not in tmc's op table (docs/LANGUAGE.md lists what is)");
}

std::optional<PyValue> Interpreter::callTensorMethod(const PyValue &self, llvm::StringRef name,
                                                     const CallArgs &args, Location loc) {
  if (self.kind == Kind::Shape)
    fail(loc, "a tensor made with torch.ones/zeros is only a shape for nn.Parameter; ." + name +
                  "() is not supported on it");
  std::string method = "Tensor." + name.str();
  const TableEntry *entry = findOp(method);
  if (!entry)
    return std::nullopt;
  return callOp(*this, *entry, method, withReceiver(self, args), loc);
}

PyValue Interpreter::callBuiltinModule(InstanceObj *inst, const CallArgs &args, Location loc) {
  std::string module = "nn." + inst->builtin;
  std::string forward = module + ".forward";
  const TableEntry *entry = findOp(forward);
  if (!entry)
    fail(loc, module + " is not callable");
  std::string savedPath = graph.getPath();
  graph.setPath(inst->path());
  PyValue result = callOp(*this, *entry, forward,
                          withReceiver(PyValue::object(Kind::Instance, inst), args), loc);
  graph.setPath(savedPath);
  return result;
}

//===----------------------------------------------------------------------===//
// Indexing and operators
//===----------------------------------------------------------------------===//

PyValue Interpreter::tensorSubscript(TensorObj *t, const PyValue &index, Location loc) {
  TensorOps ops{graph, loc};
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

PyValue Interpreter::tensorBinary(llvm::StringRef op, const PyValue &a, const PyValue &b,
                                  Location loc) {
  TensorOps ops{graph, loc};
  if (op == "neg")
    return makeTensor(ops.unary<NegOp>(tensorOf(a, loc, "operand")));
  bool aTensor = a.kind == Kind::Tensor || a.kind == Kind::Param;
  bool bTensor = b.kind == Kind::Tensor || b.kind == Kind::Param;
  if (op == "**") {
    if (!aTensor || !b.isNumber())
      fail(loc, "** is supported as tensor ** number only");
    return makeTensor(ops.pow(tensorOf(a, loc, "base"), toFloat(b, loc, "the exponent")));
  }
  if (op == "@") {
    TensorObj *rhs = tensorOf(b, loc, "rhs"); // first: see matmul in TorchTensorOps.cpp
    return makeTensor(ops.matmul(tensorOf(a, loc, "lhs"), rhs));
  }
  using Elementwise = TensorObj *(TensorOps::*)(TensorObj *, TensorObj *);
  static const std::pair<llvm::StringRef, Elementwise> operators[] = {
      {"+", &TensorOps::binary<AddOp>},
      {"-", &TensorOps::binary<SubOp>},
      {"*", &TensorOps::binary<MulOp>},
      {"/", &TensorOps::binary<DivOp>}};
  const auto *found =
      llvm::find_if(operators, [&](const auto &entry) { return entry.first == op; });
  if (found == std::end(operators))
    fail(loc, "operator " + op + " is not supported on tensors");
  TensorObj *x = aTensor ? tensorOf(a, loc, "lhs") : nullptr;
  TensorObj *y = bTensor ? tensorOf(b, loc, "rhs") : nullptr;
  if (!x)
    x = ops.scalar(toFloat(a, loc, "the lhs of " + op), y->elementType);
  if (!y)
    y = ops.scalar(toFloat(b, loc, "the rhs of " + op), x->elementType);
  return makeTensor((ops.*found->second)(x, y));
}

} // namespace tmc::instantiate
