//===- ShardTp.cpp - tensor-parallel sharding from tp_plan ------*- C++ -*-===//
//
// One program for every rank. The plan decides how each weight is divided
// (#tmc.split on its tmc.param); from there a forward walk over each function
// gives every tensor a layout, replicated or split along one dimension into
// `world-size` equal parts (of each of `blocks` blocks, for packed weights),
// and rewrites its type to the rank-local one. Each op either works on its
// operands' slices as they are (elementwise ops on aligned splits, views
// that keep the split on the outer dimension of a group, attention over a
// split of heads) or gets whole operands through a collective, so the
// sharded program computes what the unsharded one does whatever the plan.
//
// Layer functions are called once per layer with the same layouts, so each
// is rewritten once; a function called with different layouts is cloned.
// KV caches (entry inputs named `cache.*`) take the layout of what is
// written into them: kv heads split when k_proj and v_proj are colwise.
//
//===----------------------------------------------------------------------===//

#include "passes/parallel/Passes.h"
#include "passes/parallel/TpPlan.h"

#include "ir/Tmc/TmcAttrs.h"
#include "ir/Tmc/TmcOps.h"
#include "runtime/Error.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Shard/IR/ShardOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/ReshapeOpsUtils.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/SymbolTable.h"

#include "llvm/ADT/ScopeExit.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"

#include <set>

#define DEBUG_TYPE "tmc-shard-tp"

namespace tmc {
#define GEN_PASS_DEF_SHARDTP
#include "passes/parallel/Passes.h.inc"
} // namespace tmc

using namespace mlir;
using namespace tmc::parallel;

namespace {

constexpr llvm::StringLiteral kGrid = "tp";

/// How the ranks hold a tensor.
struct Layout {
  enum Kind : uint8_t {
    Replicated, // every rank holds all of it
    Split,      // dimension `dim` is divided among the ranks
    Free,       // a KV cache input: it takes the layout of what is written into it
  };
  Kind kind = Replicated;
  int64_t dim = 0;
  int64_t blocks = 1;
  /// A KV cache, or a cache updated in place: entries return it rank-local.
  bool cache = false;
  /// The plan key that split it, for errors.
  std::string origin;

  static Layout split(int64_t dim, int64_t blocks, llvm::StringRef origin) {
    Layout layout;
    layout.kind = Split;
    layout.dim = dim;
    layout.blocks = blocks;
    layout.origin = origin.str();
    return layout;
  }
  bool isSplit() const { return kind == Split; }
  bool sameAs(const Layout &other) const {
    return kind == other.kind && (kind != Split || (dim == other.dim && blocks == other.blocks));
  }
};

std::string pathOf(Operation *op) {
  if (auto path = op->getAttrOfType<StringAttr>("path"))
    return path.str();
  return "<unnamed module>";
}

std::string shapeText(ArrayRef<int64_t> shape) {
  std::string text;
  for (auto [i, size] : llvm::enumerate(shape))
    text += (i ? "x" : "") + (ShapedType::isDynamic(size) ? std::string("?") : std::to_string(size));
  return text;
}

class Sharder {
public:
  Sharder(ModuleOp module, int64_t worldSize, const TpPlan &plan)
      : module(module), worldSize(worldSize), plan(plan), builder(module.getContext()) {}

  LogicalResult run();

private:
  struct FunctionLayouts {
    SmallVector<Layout> args, results;
  };

  // Weights.
  LogicalResult shardParams();
  FailureOr<Layout> paramLayout(tmc::ParamOp param, const TpPlan::Entry &entry);

  // Functions.
  LogicalResult shardFunction(func::FuncOp func, ArrayRef<Layout> argLayouts);
  LogicalResult shardOp(Operation *op, bool entry);
  LogicalResult shardCall(func::CallOp call);
  LogicalResult shardReturn(func::ReturnOp ret, bool entry);

  // Ops.
  LogicalResult shardElementwise(Operation *op);
  LogicalResult shardReduction(Operation *op, ArrayRef<int64_t> dims, bool keepdim);
  LogicalResult shardReshape(tmc::ReshapeOp op);
  LogicalResult shardTranspose(tmc::TransposeOp op);
  LogicalResult shardLinear(tmc::LinearOp op);
  LogicalResult shardEmbedding(tmc::EmbeddingOp op);
  LogicalResult shardMatmul(tmc::MatmulOp op);
  LogicalResult shardAttention(tmc::AttentionOp op);
  LogicalResult shardCacheWrite(tmc::KvCacheWriteOp op);
  LogicalResult shardSplit(tmc::SplitOp op);
  void bindCache(Value cache, Layout layout);
  /// An op that must see whole tensors: its split operands are gathered.
  LogicalResult replicateOperands(Operation *op);
  /// Gives the results operand 0's layout when the op works along none of
  /// `touchedDims` of it and its other operands are whole; else whole operands.
  LogicalResult passThrough(Operation *op, ArrayRef<int64_t> touchedDims);

  // Layouts and types.
  Layout layoutOf(Value value) const {
    auto it = layouts.find(value);
    return it == layouts.end() ? Layout() : it->second;
  }
  void setLayout(Value value, const Layout &layout);
  /// Gives `value` `layout` and the rank-local type that goes with it.
  void assign(Value value, const Layout &layout) {
    if (layout.isSplit())
      value.setType(localType(cast<RankedTensorType>(value.getType()), layout));
    setLayout(value, layout);
  }
  /// The rank-local type of `full` under `layout`.
  RankedTensorType localType(RankedTensorType full, const Layout &layout) const;
  RankedTensorType fullType(Value value) const;

  // Collectives. A slice goes right before its `user`, a reduction after.
  /// `value` whole (an all-gather right after its definition, made once).
  Value gather(Value value);
  Value slice(Value value, int64_t dim, Operation *user, llvm::StringRef origin);
  Value allReduce(Value value, Operation *after);

  InFlightDiagnostic planError(Operation *op, const Layout &layout) {
    InFlightDiagnostic diag = op->emitOpError();
    if (!layout.origin.empty())
      diag << "tp_plan '" << layout.origin << "' across " << worldSize << " ranks: ";
    return diag;
  }

  ModuleOp module;
  int64_t worldSize;
  const TpPlan &plan;
  OpBuilder builder;
  DenseMap<Value, Layout> layouts;
  DenseMap<Value, Value> gathered;
  llvm::StringMap<Layout> paramLayouts;
  llvm::StringMap<FunctionLayouts> done;
  llvm::DenseSet<Operation *> entries;
  /// Each private function as instantiation made it, for calls that need it
  /// with other layouts.
  llvm::StringMap<func::FuncOp> originals;
};

void Sharder::setLayout(Value value, const Layout &layout) {
  if (layout.kind == Layout::Replicated && !layout.cache) {
    layouts.erase(value);
    return;
  }
  layouts[value] = layout;
}

RankedTensorType Sharder::localType(RankedTensorType full, const Layout &layout) const {
  if (!layout.isSplit())
    return full;
  SmallVector<int64_t> shape(full.getShape());
  shape[layout.dim] /= worldSize;
  return full.clone(shape);
}

RankedTensorType Sharder::fullType(Value value) const {
  auto type = cast<RankedTensorType>(value.getType());
  Layout layout = layoutOf(value);
  if (!layout.isSplit())
    return type;
  SmallVector<int64_t> shape(type.getShape());
  shape[layout.dim] *= worldSize;
  return type.clone(shape);
}

//===----------------------------------------------------------------------===//
// Collectives
//===----------------------------------------------------------------------===//

Value Sharder::gather(Value value) {
  Layout layout = layoutOf(value);
  if (!layout.isSplit())
    return value;
  auto it = gathered.find(value);
  if (it != gathered.end())
    return it->second;
  OpBuilder::InsertionGuard guard(builder);
  builder.setInsertionPointAfterValue(value);
  Location loc = value.getLoc();
  auto local = cast<RankedTensorType>(value.getType());
  RankedTensorType full = fullType(value);
  Value result;
  if (layout.blocks == 1) {
    result = shard::AllGatherOp::create(builder, loc, full, kGrid, ArrayRef<int16_t>{0}, value,
                                        APInt(64, layout.dim));
  } else {
    // [.., blocks * part, ..] -> [.., blocks, part, ..], gather the parts,
    // then back: each block whole, in order.
    SmallVector<int64_t> blocked(local.getShape());
    int64_t part = blocked[layout.dim] / layout.blocks;
    blocked[layout.dim] = part;
    blocked.insert(blocked.begin() + layout.dim, layout.blocks);
    SmallVector<Value> dynamicSizes;
    for (int64_t d = 0; d < local.getRank(); ++d)
      if (local.isDynamicDim(d))
        dynamicSizes.push_back(tensor::DimOp::create(builder, loc, value, d));
    Value split = tmc::ReshapeOp::create(builder, loc, local.clone(blocked), value, dynamicSizes,
                                         StringAttr());
    SmallVector<int64_t> blockedFull(blocked);
    blockedFull[layout.dim + 1] *= worldSize;
    Value whole = shard::AllGatherOp::create(builder, loc, local.clone(blockedFull), kGrid,
                                             ArrayRef<int16_t>{0}, split, APInt(64, layout.dim + 1));
    result = tmc::ReshapeOp::create(builder, loc, full, whole, dynamicSizes, StringAttr());
  }
  gathered[value] = result;
  return result;
}

Value Sharder::slice(Value value, int64_t dim, Operation *user, llvm::StringRef origin) {
  OpBuilder::InsertionGuard guard(builder);
  builder.setInsertionPoint(user);
  auto type = cast<RankedTensorType>(value.getType());
  Layout layout = Layout::split(dim, 1, origin);
  Value result = shard::AllSliceOp::create(builder, value.getLoc(), localType(type, layout), value,
                                           kGrid, ArrayRef<int16_t>{0}, dim);
  setLayout(result, layout);
  return result;
}

Value Sharder::allReduce(Value value, Operation *after) {
  OpBuilder::InsertionGuard guard(builder);
  builder.setInsertionPointAfter(after);
  return shard::AllReduceOp::create(builder, value.getLoc(), value.getType(), kGrid,
                                    ArrayRef<int16_t>{0}, value, shard::ReductionKind::Sum);
}

//===----------------------------------------------------------------------===//
// Weights
//===----------------------------------------------------------------------===//

FailureOr<Layout> Sharder::paramLayout(tmc::ParamOp param, const TpPlan::Entry &entry) {
  auto type = cast<RankedTensorType>(param.getType());
  llvm::StringRef name = param.getSymName();
  bool isBias = name.ends_with(".bias");
  Strategy strategy = entry.strategy;
  int64_t blocks = packedBlocks(strategy);
  std::string what = "tp_plan '" + entry.key + "' (" + strategyName(strategy).str() + ")";
  std::optional<int64_t> dim;
  if (isColwise(strategy) || strategy == Strategy::EmbeddingRowwise) {
    if (type.getRank() != (isBias ? 1 : 2))
      return param.emitOpError() << what << " shards a Linear or Embedding weight [out, in] "
                                 << "and its bias [out], but " << name << " is "
                                 << shapeText(type.getShape());
    dim = 0;
  } else if (isRowwise(strategy)) {
    if (!isBias && type.getRank() != 2)
      return param.emitOpError() << what << " shards a Linear weight [out, in], but " << name
                                 << " is " << shapeText(type.getShape());
    if (!isBias)
      dim = 1;
  }
  if (!dim)
    return Layout();
  int64_t size = type.getDimSize(*dim);
  if (ShapedType::isDynamic(size) || size % (worldSize * blocks) != 0) {
    InFlightDiagnostic diag = param.emitOpError()
                              << what << " across " << worldSize << " ranks: dimension " << *dim
                              << " of " << name << " (" << shapeText(type.getShape()) << ") is "
                              << size;
    if (blocks > 1)
      diag << ", which does not split into " << blocks << " packed blocks of " << worldSize
           << " equal parts";
    else
      diag << ", not divisible by " << worldSize;
    return failure();
  }
  return Layout::split(*dim, blocks, entry.key);
}

LogicalResult Sharder::shardParams() {
  tmc::TmcDialect *tmc = tmc::tmcDialect(module.getContext());
  llvm::StringSet<> usedKeys;
  for (auto param : llvm::make_early_inc_range(module.getOps<tmc::ParamOp>())) {
    const TpPlan::Entry *entry = plan.lookupWeight(param.getSymName());
    if (!entry)
      continue;
    usedKeys.insert(entry->key);
    FailureOr<Layout> layout = paramLayout(param, *entry);
    if (failed(layout))
      return failure();
    if (!layout->isSplit())
      continue;
    auto type = cast<RankedTensorType>(param.getType());
    param.setType(localType(type, *layout));
    tmc->getSplitAttrHelper().setAttr(
        param, tmc::SplitAttr::get(module.getContext(), layout->dim, layout->blocks));
    paramLayouts[param.getSymName()] = *layout;
  }
  // A tied head has no weight of its own, but its linear carries the key.
  module.walk([&](Operation *op) {
    if (isa<tmc::LinearOp, tmc::EmbeddingOp>(op))
      if (const TpPlan::Entry *entry = plan.lookupModule(pathOf(op)))
        usedKeys.insert(entry->key);
  });
  for (const TpPlan::Entry &entry : plan.entries())
    if (!usedKeys.contains(entry.key)) {
      std::set<std::string> modules;
      for (auto param : module.getOps<tmc::ParamOp>())
        modules.insert(layerWildcard(param.getSymName().rsplit('.').first));
      std::string known;
      for (const std::string &name : modules)
        known += (known.empty() ? "" : ", ") + name;
      return module.emitError("tp_plan key '")
             << entry.key << "' (" << strategyName(entry.strategy)
             << ") matches no weight of this model; modules with weights: " << known;
    }
  return success();
}

//===----------------------------------------------------------------------===//
// Functions
//===----------------------------------------------------------------------===//

LogicalResult Sharder::run() {
  if (failed(shardParams()))
    return failure();
  builder.setInsertionPointToStart(module.getBody());
  shard::GridOp::create(builder, module.getLoc(), kGrid, ArrayRef<int64_t>{worldSize});
  tmc::TmcDialect *tmc = tmc::tmcDialect(module.getContext());
  for (auto func : module.getOps<func::FuncOp>())
    if (func.isPrivate() && !func.isExternal())
      originals[func.getSymName()] = func.clone();
  llvm::scope_exit dropOriginals([&] {
    for (auto &entry : originals)
      entry.second.erase();
  });
  for (auto func : llvm::to_vector(module.getOps<func::FuncOp>())) {
    if (!func.isPublic() || func.isExternal())
      continue;
    entries.insert(func);
    SmallVector<Layout> args(func.getNumArguments());
    for (auto [i, layout] : llvm::enumerate(args)) {
      auto name = func.getArgAttrOfType<StringAttr>(i, tmc->getNameAttrHelper().getName());
      if (name && name.getValue().starts_with("cache.")) {
        layout.kind = Layout::Free;
        layout.cache = true;
      }
    }
    if (failed(shardFunction(func, args)))
      return failure();
  }
  tmc->getWorldSizeAttrHelper().setAttr(
      module, IntegerAttr::get(IntegerType::get(module.getContext(), 64), worldSize));
  return success();
}

LogicalResult Sharder::shardFunction(func::FuncOp func, ArrayRef<Layout> argLayouts) {
  Block &body = func.getBody().front();
  for (auto [arg, layout] : llvm::zip(body.getArguments(), argLayouts))
    assign(arg, layout);
  bool entry = entries.contains(func);
  for (Operation &op : llvm::make_early_inc_range(body))
    if (failed(shardOp(&op, entry)))
      return failure();
  FunctionLayouts result;
  for (BlockArgument arg : body.getArguments()) {
    Layout layout = layoutOf(arg);
    if (layout.kind == Layout::Free) // never written: whole
      layout.kind = Layout::Replicated;
    result.args.push_back(layout);
  }
  auto ret = cast<func::ReturnOp>(body.getTerminator());
  for (Value value : ret.getOperands())
    result.results.push_back(layoutOf(value));
  func.setType(FunctionType::get(func.getContext(), body.getArgumentTypes(),
                                 ret.getOperandTypes()));
  done[func.getSymName()] = std::move(result);
  return success();
}

LogicalResult Sharder::shardOp(Operation *op, bool entry) {
  bool anySplit = llvm::any_of(op->getOperands(), [&](Value v) {
    Layout layout = layoutOf(v);
    return layout.isSplit() || layout.kind == Layout::Free;
  });
  if (auto read = dyn_cast<tmc::GetParamOp>(op)) {
    auto it = paramLayouts.find(read.getName());
    if (it != paramLayouts.end()) {
      auto param = SymbolTable::lookupNearestSymbolFrom<tmc::ParamOp>(op, read.getNameAttr());
      read.getResult().setType(cast<RankedTensorType>(param.getType()));
      setLayout(read.getResult(), it->second);
    }
    return success();
  }
  if (auto call = dyn_cast<func::CallOp>(op))
    return shardCall(call);
  if (auto ret = dyn_cast<func::ReturnOp>(op))
    return shardReturn(ret, entry);
  if (auto linear = dyn_cast<tmc::LinearOp>(op))
    return shardLinear(linear);
  if (auto embedding = dyn_cast<tmc::EmbeddingOp>(op))
    return shardEmbedding(embedding);
  if (auto write = dyn_cast<tmc::KvCacheWriteOp>(op))
    return shardCacheWrite(write);
  if (!anySplit)
    return success();
  if (isa<tmc::AddOp, tmc::SubOp, tmc::MulOp, tmc::DivOp, tmc::NegOp, tmc::ExpOp, tmc::TanhOp,
          tmc::RsqrtOp, tmc::SigmoidOp, tmc::ReluOp, tmc::SiluOp, tmc::GeluOp, tmc::GeluTanhOp,
          tmc::PowOp, tmc::CastOp>(op))
    return shardElementwise(op);
  if (auto reduce = dyn_cast<tmc::SumOp>(op))
    return shardReduction(op, reduce.getDims(), reduce.getKeepdim());
  if (auto reduce = dyn_cast<tmc::MeanOp>(op))
    return shardReduction(op, reduce.getDims(), reduce.getKeepdim());
  if (auto reduce = dyn_cast<tmc::MaxOp>(op))
    return shardReduction(op, reduce.getDims(), reduce.getKeepdim());
  if (auto softmax = dyn_cast<tmc::SoftmaxOp>(op))
    return passThrough(op, {softmax.getDim()});
  if (auto reshape = dyn_cast<tmc::ReshapeOp>(op))
    return shardReshape(reshape);
  if (auto transpose = dyn_cast<tmc::TransposeOp>(op))
    return shardTranspose(transpose);
  if (auto matmul = dyn_cast<tmc::MatmulOp>(op))
    return shardMatmul(matmul);
  if (auto attention = dyn_cast<tmc::AttentionOp>(op))
    return shardAttention(attention);
  if (auto rope = dyn_cast<tmc::RopeOp>(op)) {
    // Rotates the last dimension (head_dim) of each head.
    auto type = cast<RankedTensorType>(rope.getResult().getType());
    return passThrough(op, {type.getRank() - 1});
  }
  if (auto slice = dyn_cast<tmc::SliceOp>(op))
    return passThrough(op, {slice.getDim()});
  if (auto split = dyn_cast<tmc::SplitOp>(op))
    return shardSplit(split);
  if (auto concat = dyn_cast<tmc::ConcatOp>(op)) {
    Layout first = layoutOf(concat.getInputs().front());
    bool aligned = llvm::all_of(concat.getInputs(),
                                [&](Value v) { return layoutOf(v).sameAs(first); });
    int64_t rank = cast<RankedTensorType>(concat.getResult().getType()).getRank();
    int64_t dim = concat.getDim() < 0 ? concat.getDim() + rank : concat.getDim();
    if (!aligned || !first.isSplit() || first.dim == dim)
      return replicateOperands(op);
    Value result = concat.getResult();
    assign(result, first);
    return success();
  }
  if (isa<tmc::KvCacheReadOp, tmc::KvCacheWindowOp>(op)) {
    // A sliding layer reads its ring before writing the new keys into it:
    // the cache takes the layout of the keys already computed.
    Value cache = op->getOperand(0);
    if (layoutOf(cache).kind == Layout::Free)
      for (Operation *user : cache.getUsers())
        if (auto write = dyn_cast<tmc::KvCacheWriteOp>(user);
            write && write.getCache() == cache) {
          Value update = write.getUpdate();
          Operation *def = update.getDefiningOp();
          if (def && def->getBlock() == op->getBlock() && !def->isBeforeInBlock(op))
            continue;
          bindCache(cache, layoutOf(update));
        }
    // Reads keep the cache's layout (split kv heads), not its in-place role.
    Layout layout = layoutOf(cache);
    if (layout.kind == Layout::Free)
      return op->emitOpError("reads a KV cache before anything that decides its layout");
    layout.cache = false;
    Value result = op->getResult(0);
    assign(result, layout);
    return success();
  }
  return replicateOperands(op);
}

LogicalResult Sharder::replicateOperands(Operation *op) {
  for (OpOperand &operand : op->getOpOperands())
    if (layoutOf(operand.get()).isSplit())
      operand.set(gather(operand.get()));
  return success();
}

LogicalResult Sharder::passThrough(Operation *op, ArrayRef<int64_t> touchedDims) {
  Layout layout = layoutOf(op->getOperand(0));
  int64_t rank = cast<RankedTensorType>(op->getOperand(0).getType()).getRank();
  bool touched = llvm::any_of(touchedDims, [&](int64_t d) {
    return (d < 0 ? d + rank : d) == layout.dim;
  });
  bool othersSplit = llvm::any_of(op->getOperands().drop_front(),
                                  [&](Value v) { return layoutOf(v).isSplit(); });
  if (!layout.isSplit() || touched || othersSplit)
    return replicateOperands(op);
  for (Value result : op->getResults()) {
    assign(result, layout);
  }
  return success();
}

LogicalResult Sharder::shardCall(func::CallOp call) {
  auto callee = SymbolTable::lookupNearestSymbolFrom<func::FuncOp>(call, call.getCalleeAttr());
  SmallVector<Layout> argLayouts;
  for (Value operand : call.getOperands())
    argLayouts.push_back(layoutOf(operand));
  auto it = done.find(callee.getSymName());
  if (it != done.end()) {
    bool same = llvm::all_of(llvm::zip(argLayouts, it->second.args), [](auto pair) {
      auto [want, have] = pair;
      // A free cache argument takes whatever layout the callee gave it.
      return want.kind == Layout::Free || want.sameAs(have);
    });
    if (!same) {
      // Called with other layouts: a copy of the unsharded function.
      func::FuncOp copy = originals.lookup(callee.getSymName()).clone();
      SymbolTable(module).insert(copy, Block::iterator(callee));
      call.setCallee(copy.getSymName());
      callee = copy;
      it = done.end();
    }
  }
  if (it == done.end()) {
    if (failed(shardFunction(callee, argLayouts)))
      return failure();
    it = done.find(callee.getSymName());
  }
  const FunctionLayouts &layoutsOfCallee = it->second;
  // Free caches passed in take the layout the callee chose.
  for (auto [operand, want, have] :
       llvm::zip(call.getOperands(), argLayouts, layoutsOfCallee.args)) {
    if (want.kind != Layout::Free)
      continue;
    Layout bound = have;
    bound.cache = true;
    assign(operand, bound);
  }
  for (auto [result, type, layout] : llvm::zip(call.getResults(),
                                               callee.getFunctionType().getResults(),
                                               layoutsOfCallee.results)) {
    result.setType(type);
    setLayout(result, layout);
  }
  return success();
}

LogicalResult Sharder::shardReturn(func::ReturnOp ret, bool entry) {
  if (!entry)
    return success();
  // Entries return whole tensors, except caches, which stay rank-local.
  for (OpOperand &operand : ret->getOpOperands()) {
    Layout layout = layoutOf(operand.get());
    if (layout.isSplit() && !layout.cache)
      operand.set(gather(operand.get()));
  }
  return success();
}

//===----------------------------------------------------------------------===//
// Ops
//===----------------------------------------------------------------------===//

LogicalResult Sharder::shardElementwise(Operation *op) {
  auto resultType = cast<RankedTensorType>(op->getResult(0).getType());
  int64_t rank = resultType.getRank();
  // The result dimension the split operands agree on, if they do.
  std::optional<Layout> target;
  for (Value operand : op->getOperands()) {
    Layout layout = layoutOf(operand);
    if (!layout.isSplit())
      continue;
    int64_t operandRank = cast<RankedTensorType>(operand.getType()).getRank();
    Layout aligned = layout;
    aligned.dim = layout.dim + rank - operandRank;
    aligned.cache = false;
    if (target && !target->sameAs(aligned))
      return replicateOperands(op);
    target = aligned;
  }
  if (!target)
    return success();
  // Replicated operands that span the split dimension take their slice.
  for (OpOperand &operand : op->getOpOperands()) {
    Value value = operand.get();
    if (layoutOf(value).isSplit())
      continue;
    auto type = cast<RankedTensorType>(value.getType());
    int64_t dim = target->dim - (rank - type.getRank());
    if (dim < 0 || type.getDimSize(dim) == 1)
      continue;
    if (target->blocks != 1)
      return replicateOperands(op);
    operand.set(slice(value, dim, op, target->origin));
  }
  Value result = op->getResult(0);
  assign(result, *target);
  return success();
}

LogicalResult Sharder::shardReduction(Operation *op, ArrayRef<int64_t> dims, bool keepdim) {
  Layout layout = layoutOf(op->getOperand(0));
  int64_t rank = cast<RankedTensorType>(op->getOperand(0).getType()).getRank();
  int64_t before = 0;
  for (int64_t d : dims) {
    int64_t dim = d < 0 ? d + rank : d;
    if (dim == layout.dim)
      return replicateOperands(op);
    before += dim < layout.dim;
  }
  if (!keepdim)
    layout.dim -= before;
  layout.cache = false;
  Value result = op->getResult(0);
  assign(result, layout);
  return success();
}

LogicalResult Sharder::shardReshape(tmc::ReshapeOp op) {
  Layout layout = layoutOf(op.getInput());
  RankedTensorType source = fullType(op.getInput());
  auto target = cast<RankedTensorType>(op.getResult().getType());
  Layout result = layout;
  result.cache = false;
  if (source.getShape() == target.getShape()) {
    // Nothing moves.
  } else {
    auto groups = getReassociationIndicesForReshape(source, target);
    if (!groups || layout.blocks != 1)
      return replicateOperands(op);
    bool expanding = target.getRank() > source.getRank();
    for (auto [g, group] : llvm::enumerate(*groups)) {
      if (expanding) {
        // Source dim g becomes target dims `group`: the split lands on the
        // outermost, which must divide (a head count, for attention views).
        if (static_cast<int64_t>(g) != layout.dim)
          continue;
        int64_t outer = target.getDimSize(group.front());
        if (ShapedType::isDynamic(outer))
          return replicateOperands(op);
        if (outer % worldSize != 0) {
          planError(op, layout) << "the split dimension of " << shapeText(source.getShape())
                                << " is viewed as " << shapeText(target.getShape()) << " in "
                                << pathOf(op) << ", and its " << outer
                                << " (heads) are not divisible by " << worldSize;
          return failure();
        }
        result.dim = group.front();
      } else {
        // Source dims `group` become target dim g: only a split of the
        // outermost stays contiguous.
        if (!llvm::is_contained(group, layout.dim))
          continue;
        if (group.front() != layout.dim)
          return replicateOperands(op);
        result.dim = g;
      }
    }
  }
  assign(op.getResult(), result);
  return success();
}

LogicalResult Sharder::shardTranspose(tmc::TransposeOp op) {
  Layout layout = layoutOf(op.getInput());
  ArrayRef<int64_t> permutation = op.getPermutation();
  layout.dim = llvm::find(permutation, layout.dim) - permutation.begin();
  layout.cache = false;
  Value result = op.getResult();
  assign(result, layout);
  return success();
}

LogicalResult Sharder::shardLinear(tmc::LinearOp op) {
  const TpPlan::Entry *entry = plan.lookupModule(pathOf(op));
  Layout weight = layoutOf(op.getWeight());
  // The module's strategy decides; a weight split by another module's entry
  // (a tied embedding) still computes on its slice.
  bool colwise = entry ? isColwise(entry->strategy) : weight.isSplit() && weight.dim == 0;
  bool rowwise = entry ? isRowwise(entry->strategy) : weight.isSplit() && weight.dim == 1;
  bool gatherOutput = entry ? entry->strategy == Strategy::ColwiseGatherOutput : colwise;
  std::string origin = entry ? entry->key : weight.origin;
  if (!colwise && !rowwise) {
    if (weight.isSplit())
      op.getWeightMutable().set(gather(op.getWeight()));
    return replicateOperands(op);
  }
  int64_t weightDim = colwise ? 0 : 1;
  if (!weight.isSplit()) {
    // A replicated weight (tied, or its own key missing) is sliced here.
    op.getWeightMutable().set(slice(op.getWeight(), weightDim, op, origin));
    weight = layoutOf(op.getWeight());
  } else if (weight.dim != weightDim) {
    op.getWeightMutable().set(gather(op.getWeight()));
    return replicateOperands(op);
  }
  auto resultType = cast<RankedTensorType>(op.getResult().getType());
  int64_t last = resultType.getRank() - 1;
  Value input = op.getInput();
  Layout inputLayout = layoutOf(input);
  if (colwise) {
    if (inputLayout.isSplit())
      op.getInputMutable().set(gather(input));
    if (Value bias = op.getBias(); bias && !layoutOf(bias).isSplit()) {
      if (weight.blocks != 1)
        return op.emitOpError("packed colwise linear with an unsplit bias");
      op.getBiasMutable().assign(slice(bias, 0, op, origin));
    }
    Layout out = Layout::split(last, weight.blocks, origin);
    assign(op.getResult(), out);
    if (!gatherOutput)
      return success();
    if (weight.blocks != 1)
      return planError(op, out) << "cannot gather the output of a packed colwise linear";
    Value whole = gather(op.getResult());
    op.getResult().replaceAllUsesExcept(whole, whole.getDefiningOp());
    return success();
  }
  // Rowwise: the input is split along its last dimension like the weight's
  // input dimension, each rank's product is partial, summed by all-reduce.
  if (!inputLayout.isSplit()) {
    if (weight.blocks != 1)
      return replicateOperands(op);
    op.getInputMutable().set(slice(input, last, op, origin));
  } else if (inputLayout.dim != last || inputLayout.blocks != weight.blocks) {
    op.getInputMutable().set(slice(gather(input), last, op, origin));
  }
  Value bias = op.getBias();
  if (bias) {
    if (layoutOf(bias).isSplit())
      bias = gather(bias);
    op.getBiasMutable().clear();
  }
  Value reduced = allReduce(op.getResult(), op);
  Value result = reduced;
  if (bias) {
    OpBuilder::InsertionGuard guard(builder);
    builder.setInsertionPointAfterValue(reduced);
    result = tmc::AddOp::create(builder, op.getLoc(), resultType, reduced, bias, op.getPathAttr());
  }
  op.getResult().replaceAllUsesExcept(result, reduced.getDefiningOp());
  return success();
}

LogicalResult Sharder::shardEmbedding(tmc::EmbeddingOp op) {
  Layout table = layoutOf(op.getTable());
  if (!table.isSplit())
    return replicateOperands(op);
  auto resultType = cast<RankedTensorType>(op.getResult().getType());
  if (table.dim == 1) {
    Layout out = Layout::split(resultType.getRank() - 1, 1, table.origin);
    assign(op.getResult(), out);
    return success();
  }
  // Vocabulary split: each rank looks up the ids in its rows (others read
  // zeros) and the partial rows are summed.
  OpBuilder::InsertionGuard guard(builder);
  builder.setInsertionPoint(op);
  Location loc = op.getLoc();
  int64_t rows = cast<RankedTensorType>(op.getTable().getType()).getDimSize(0);
  Value rank = shard::ProcessLinearIndexOp::create(builder, loc, llvm::StringRef(kGrid));
  Value rowsValue = arith::ConstantIndexOp::create(builder, loc, rows);
  Value offset = arith::MulIOp::create(builder, loc, rank, rowsValue);
  op.getOffsetMutable().assign(offset);
  Value reduced = allReduce(op.getResult(), op);
  op.getResult().replaceAllUsesExcept(reduced, reduced.getDefiningOp());
  return success();
}

LogicalResult Sharder::shardMatmul(tmc::MatmulOp op) {
  Layout lhs = layoutOf(op.getLhs()), rhs = layoutOf(op.getRhs());
  int64_t rank = cast<RankedTensorType>(op.getResult().getType()).getRank();
  auto batchSplit = [&](const Layout &l) { return l.isSplit() && l.dim < rank - 2 && l.blocks == 1; };
  Layout out;
  if (batchSplit(lhs) && (rhs.sameAs(lhs) || !rhs.isSplit())) {
    if (!rhs.isSplit())
      op.getRhsMutable().set(slice(op.getRhs(), lhs.dim, op, lhs.origin));
    out = lhs;
  } else if (batchSplit(rhs) && !lhs.isSplit()) {
    op.getLhsMutable().set(slice(op.getLhs(), rhs.dim, op, rhs.origin));
    out = rhs;
  } else if (lhs.isSplit() && lhs.dim == rank - 2 && !rhs.isSplit()) {
    out = lhs;
  } else if (rhs.isSplit() && rhs.dim == rank - 1 && !lhs.isSplit()) {
    out = rhs;
  } else {
    return replicateOperands(op);
  }
  out.cache = false;
  Value result = op.getResult();
  assign(result, out);
  return success();
}

LogicalResult Sharder::shardAttention(tmc::AttentionOp op) {
  // [batch, heads, seq, head_dim]: heads split on every rank the same way
  // keeps GQA's query-to-kv-head map inside each rank.
  Layout query = layoutOf(op.getQuery());
  auto headSplit = [](const Layout &l) { return l.isSplit() && l.dim == 1 && l.blocks == 1; };
  if (!headSplit(query))
    return replicateOperands(op);
  for (OpOperand *operand : {&op.getKeyMutable(), &op.getValueMutable()}) {
    Layout layout = layoutOf(operand->get());
    if (headSplit(layout))
      continue;
    if (layout.isSplit())
      return replicateOperands(op);
    int64_t kvHeads = cast<RankedTensorType>(operand->get().getType()).getDimSize(1);
    if (kvHeads % worldSize != 0) {
      planError(op, query) << "attention in " << pathOf(op) << " has " << kvHeads
                           << " kv heads, not divisible by " << worldSize;
      return failure();
    }
    operand->set(slice(operand->get(), 1, op, query.origin));
  }
  query.cache = false;
  Value result = op.getResult();
  assign(result, query);
  return success();
}

LogicalResult Sharder::shardCacheWrite(tmc::KvCacheWriteOp op) {
  Layout cache = layoutOf(op.getCache());
  Layout update = layoutOf(op.getUpdate());
  if (cache.kind == Layout::Free) {
    bindCache(op.getCache(), update);
    cache = layoutOf(op.getCache());
  } else if (!update.sameAs(cache)) {
    if (cache.isSplit())
      return planError(op, cache) << "a rank-local KV cache in " << pathOf(op)
                                  << " is written with a differently split update";
    op.getUpdateMutable().set(gather(op.getUpdate()));
  }
  cache.cache = true;
  Value result = op.getResult();
  result.setType(cast<RankedTensorType>(op.getCache().getType()));
  setLayout(result, cache);
  return success();
}

void Sharder::bindCache(Value cache, Layout layout) {
  // The cache takes the layout of what is written into it; the caller's
  // argument follows after the call.
  layout.cache = true;
  assign(cache, layout);
}

LogicalResult Sharder::shardSplit(tmc::SplitOp op) {
  Layout layout = layoutOf(op.getInput());
  int64_t rank = cast<RankedTensorType>(op.getInput().getType()).getRank();
  int64_t dim = op.getDim() < 0 ? op.getDim() + rank : op.getDim();
  if (dim != layout.dim)
    return passThrough(op, {});
  // A packed value splits into its blocks: each is an ordinary split.
  ArrayRef<int64_t> sizes = op.getSizes();
  int64_t fullSize = fullType(op.getInput()).getDimSize(dim);
  bool intoBlocks = static_cast<int64_t>(sizes.size()) == layout.blocks &&
                    llvm::all_equal(sizes) && sizes.front() * layout.blocks == fullSize;
  if (!intoBlocks || layout.blocks == 1)
    return replicateOperands(op);
  SmallVector<int64_t> local(sizes.size(), sizes.front() / worldSize);
  op.setSizes(local);
  for (Value result : op.getResults()) {
    Layout piece = Layout::split(dim, 1, layout.origin);
    assign(result, piece);
  }
  return success();
}

struct ShardTp : public tmc::impl::ShardTpBase<ShardTp> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (worldSize < 1) {
      module.emitError("tmc-shard-tp: world-size must be at least 1, got ") << worldSize;
      return signalPassFailure();
    }
    if (worldSize == 1)
      return;
    llvm::Expected<TpPlan> plan = [&]() -> llvm::Expected<TpPlan> {
      if (!planPath.empty())
        return TpPlan::fromJsonFile(planPath);
      DictionaryAttr attr = tmc::tmcDialect(&getContext())->getTpPlanAttrHelper().getAttr(module);
      if (!attr)
        return tmc::rt::makeError("the model has no tp_plan (its config class defines no "
                                  "base_model_tp_plan); pass one with --tp-plan plan.json");
      return TpPlan::fromDictionary(attr, "tmc.tp_plan");
    }();
    if (!plan) {
      module.emitError(llvm::toString(plan.takeError()));
      return signalPassFailure();
    }
    if (!planPath.empty())
      tmc::tmcDialect(&getContext())
          ->getTpPlanAttrHelper()
          .setAttr(module, [&] {
            SmallVector<NamedAttribute> entries;
            for (const TpPlan::Entry &entry : plan->entries())
              entries.push_back(NamedAttribute(StringAttr::get(&getContext(), entry.key),
                                               StringAttr::get(&getContext(),
                                                               strategyName(entry.strategy))));
            return DictionaryAttr::get(&getContext(), entries);
          }());
    if (failed(Sharder(module, worldSize, *plan).run()))
      return signalPassFailure();
  }
};

} // namespace
