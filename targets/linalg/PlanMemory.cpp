//===- PlanMemory.cpp - intermediate buffers at offsets planned ahead ---===//
//
// After bufferization every intermediate is a memref.alloc, and every call
// of the artifact would malloc and free each one. This pass places them in
// one scratch buffer instead, at offsets chosen here:
//
//  - Sizes. A buffer's bytes are bounded from the plan's shape: an entry
//    input's dynamic dim 0 is the batch (`batch`), every other dynamic dim a
//    sequence of at most the entry's max_seq_len (or the module's longest).
//    Bounds follow dims, views, index arithmetic and calls; a buffer whose
//    size has no bound (a data-dependent shape) stays on the heap.
//  - Lifetimes. A buffer lives from its allocation to the last use of any
//    value aliasing it, counted in the ops of its function's body; one made
//    inside a loop lives for the whole loop and is not carried out of it;
//    one made inside a parallel loop stays on the heap, as the iterations
//    running at once cannot share a slot.
//  - Offsets. Largest first, each buffer takes the lowest offset free over
//    its whole lifetime (greedy by size, as TFLite's arena planner).
//
// Each function gets a frame: its buffers, and the frames of the functions
// it calls, live during the call. A layer function's result is placed in
// its caller's frame (it outlives the call) through a region argument. An
// entry's frame is the arena the runtime allocates once at load; its size
// is the entry point's `arena_bytes`, and it is the entry's last argument.
//
// A slot holds at most `max-slot-bytes`: the bound of a buffer quadratic in
// the sequence (eager attention's scores at max_seq_len) would make the
// arena, which is resident from load, as large as the longest prompt needs.
// A call larger than its slots (a longer prompt, more rows than `batch`)
// still runs: each buffer checks that it fits and otherwise comes from the
// heap.
//
//===----------------------------------------------------------------------===//

#include "targets/linalg/Passes.h"

#include "ir/Tmc/TmcAttrs.h"
#include "ir/Tmc/TmcDialect.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

#include "llvm/ADT/SetVector.h"

#include <map>
#include <optional>

namespace tmc::lowering {
#define GEN_PASS_DEF_PLANMEMORY
#include "targets/linalg/Passes.h.inc"
} // namespace tmc::lowering

using namespace mlir;

namespace {

constexpr int64_t kAlignment = 64;

int64_t alignUp(int64_t bytes) { return (bytes + kAlignment - 1) / kAlignment * kAlignment; }

std::optional<int64_t> checkedMul(std::optional<int64_t> a, std::optional<int64_t> b) {
  int64_t product;
  if (!a || !b || *a < 0 || *b < 0 || llvm::MulOverflow(*a, *b, product))
    return std::nullopt;
  return product;
}

std::optional<int64_t> checkedAdd(std::optional<int64_t> a, std::optional<int64_t> b) {
  int64_t sum;
  if (!a || !b || llvm::AddOverflow(*a, *b, sum))
    return std::nullopt;
  return sum;
}

std::optional<int64_t> maxOf(std::optional<int64_t> a, std::optional<int64_t> b) {
  if (!a || !b)
    return std::nullopt;
  return std::max(*a, *b);
}

/// Bytes of one element, for the element types an allocation may have.
std::optional<int64_t> elementBytes(Type type) {
  if (type.isIndex())
    return 8;
  if (type.isInteger(1))
    return 1; // LLVM stores an i1 in a byte
  if (!type.isIntOrFloat() || type.getIntOrFloatBitWidth() % 8 != 0)
    return std::nullopt;
  return type.getIntOrFloatBitWidth() / 8;
}

/// Upper bounds of index values and of memref dims, under the plan's shape.
class Bounds {
public:
  Bounds(ModuleOp module, int64_t batch) : batch(batch) {
    int64_t longest = 0;
    std::map<std::string, int64_t> entrySeq;
    if (ArrayAttr entries =
            tmc::tmcDialect(module.getContext())->getEntryPointsAttrHelper().getAttr(module))
      for (auto entry : entries.getAsRange<tmc::EntryPointAttr>()) {
        entrySeq[entry.getName().str()] = entry.getMaxSeqLen();
        longest = std::max(longest, entry.getMaxSeqLen());
      }
    for (auto func : module.getOps<func::FuncOp>()) {
      if (func.isPublic() && !func.isDeclaration()) {
        auto it = entrySeq.find(func.getSymName().str());
        int64_t own = it == entrySeq.end() ? 0 : it->second;
        sequence[func] = own > 0 ? own : longest;
      }
    }
    module.walk([&](func::CallOp call) {
      if (auto callee = module.lookupSymbol<func::FuncOp>(call.getCallee()))
        callers[callee].push_back(call);
    });
  }

  /// Bounds private functions' arguments by their call sites. A layer's
  /// arguments depend on the previous layer's results, which depend on its
  /// arguments: iterate from 0 up to the fixed point. False when it does
  /// not settle (a size that grows around a cycle of calls).
  bool solveArguments() {
    for (int iteration = 0; iteration < 16; ++iteration) {
      llvm::DenseMap<std::pair<Value, int64_t>, std::optional<int64_t>> next;
      for (auto &[func, calls] : callers) {
        if (func.isPublic() || func.isDeclaration())
          continue;
        for (BlockArgument arg : func.getArguments()) {
          if (arg.getType().isIndex())
            next[{arg, -1}] = overCallers(
                func, [&](func::CallOp call) { return of(call.getOperand(arg.getArgNumber())); });
          if (auto type = dyn_cast<MemRefType>(arg.getType()))
            for (int64_t dim = 0; dim < type.getRank(); ++dim)
              if (type.isDynamicDim(dim))
                next[{arg, dim}] = overCallers(func, [&](func::CallOp call) {
                  return dimOf(call.getOperand(arg.getArgNumber()), dim);
                });
        }
      }
      bool settled = next == arguments;
      arguments = std::move(next);
      // What was derived from the old argument bounds goes with them.
      values.clear();
      dims.clear();
      if (settled)
        return true;
    }
    return false;
  }

  std::optional<int64_t> of(Value value) {
    if (auto it = values.find(value); it != values.end())
      return it->second;
    values[value] = std::nullopt; // a cycle has no bound
    std::optional<int64_t> bound = compute(value);
    values[value] = bound;
    return bound;
  }

  std::optional<int64_t> of(OpFoldResult size) {
    if (std::optional<int64_t> constant = getConstantIntValue(size))
      return constant;
    return of(cast<Value>(size));
  }

  std::optional<int64_t> dimOf(Value memref, int64_t dim) {
    auto type = dyn_cast<MemRefType>(memref.getType());
    if (!type || dim >= type.getRank())
      return std::nullopt;
    if (!type.isDynamicDim(dim))
      return type.getDimSize(dim);
    auto key = std::make_pair(memref, dim);
    if (auto it = dims.find(key); it != dims.end())
      return it->second;
    dims[key] = std::nullopt;
    std::optional<int64_t> bound = computeDim(memref, dim);
    dims[key] = bound;
    return bound;
  }

  /// Bytes of a buffer of `type` allocated with `sizes` (its dynamic sizes).
  std::optional<int64_t> bytesOf(MemRefType type, ValueRange sizes) {
    std::optional<int64_t> bytes = elementBytes(type.getElementType());
    unsigned next = 0;
    for (int64_t size : type.getShape())
      bytes = checkedMul(bytes, ShapedType::isDynamic(size) ? of(sizes[next++]) : size);
    return bytes;
  }

private:
  std::optional<int64_t> overCallers(func::FuncOp func,
                                     llvm::function_ref<std::optional<int64_t>(func::CallOp)> at) {
    const auto &calls = callers[func];
    if (calls.empty())
      return std::nullopt;
    std::optional<int64_t> bound = 0;
    for (func::CallOp call : calls)
      bound = maxOf(bound, at(call));
    return bound;
  }

  std::optional<int64_t> evaluate(AffineExpr expr, ValueRange dimOperands, ValueRange symbols) {
    switch (expr.getKind()) {
    case AffineExprKind::Constant:
      return cast<AffineConstantExpr>(expr).getValue();
    case AffineExprKind::DimId:
      return of(dimOperands[cast<AffineDimExpr>(expr).getPosition()]);
    case AffineExprKind::SymbolId:
      return of(symbols[cast<AffineSymbolExpr>(expr).getPosition()]);
    default:
      break;
    }
    auto binary = cast<AffineBinaryOpExpr>(expr);
    auto rhsConstant = dyn_cast<AffineConstantExpr>(binary.getRHS());
    switch (expr.getKind()) {
    case AffineExprKind::Add:
      return checkedAdd(evaluate(binary.getLHS(), dimOperands, symbols),
                        evaluate(binary.getRHS(), dimOperands, symbols));
    case AffineExprKind::Mul:
      // Canonical affine products put the constant on the right; a negative
      // factor turns an upper bound into a lower one.
      if (!rhsConstant || rhsConstant.getValue() < 0)
        return std::nullopt;
      return checkedMul(evaluate(binary.getLHS(), dimOperands, symbols), rhsConstant.getValue());
    case AffineExprKind::FloorDiv:
    case AffineExprKind::CeilDiv:
      if (!rhsConstant || rhsConstant.getValue() <= 0)
        return std::nullopt;
      if (std::optional<int64_t> lhs = evaluate(binary.getLHS(), dimOperands, symbols))
        return llvm::divideCeilSigned(*lhs, rhsConstant.getValue());
      return std::nullopt;
    case AffineExprKind::Mod:
      if (!rhsConstant || rhsConstant.getValue() <= 0)
        return std::nullopt;
      return rhsConstant.getValue() - 1;
    default:
      return std::nullopt;
    }
  }

  std::optional<int64_t> compute(Value value) {
    if (std::optional<int64_t> constant = getConstantIntValue(value))
      return constant;
    if (auto arg = dyn_cast<BlockArgument>(value)) {
      Operation *parent = arg.getOwner()->getParentOp();
      if (isa<func::FuncOp>(parent))
        return argument(arg, -1);
      if (auto loop = dyn_cast<scf::ForOp>(parent); loop && arg == loop.getInductionVar())
        return of(loop.getUpperBound());
      return std::nullopt;
    }
    Operation *def = value.getDefiningOp();
    auto rhsConstant = [&]() { return getConstantIntValue(def->getOperand(1)); };
    if (auto dim = dyn_cast<memref::DimOp>(def)) {
      std::optional<int64_t> index = dim.getConstantIndex();
      return index ? dimOf(dim.getSource(), *index) : std::nullopt;
    }
    if (isa<arith::AddIOp>(def))
      return checkedAdd(of(def->getOperand(0)), of(def->getOperand(1)));
    if (isa<arith::MulIOp>(def))
      return checkedMul(of(def->getOperand(0)), of(def->getOperand(1)));
    if (isa<arith::SubIOp>(def)) {
      // x - y <= x for the y a size can be: a constant or a dim, never negative.
      Value rhs = def->getOperand(1);
      std::optional<int64_t> constant = rhsConstant();
      if (constant)
        return checkedAdd(of(def->getOperand(0)), -*constant);
      if (rhs.getDefiningOp<memref::DimOp>())
        return of(def->getOperand(0));
      return std::nullopt;
    }
    if (isa<arith::DivUIOp, arith::DivSIOp, arith::CeilDivUIOp, arith::CeilDivSIOp,
            arith::FloorDivSIOp>(def)) {
      std::optional<int64_t> divisor = rhsConstant(), lhs = of(def->getOperand(0));
      if (!divisor || *divisor <= 0 || !lhs)
        return std::nullopt;
      return llvm::divideCeilSigned(*lhs, *divisor);
    }
    if (isa<arith::MinUIOp, arith::MinSIOp>(def)) {
      std::optional<int64_t> lhs = of(def->getOperand(0)), rhs = of(def->getOperand(1));
      if (lhs && rhs)
        return std::min(*lhs, *rhs);
      return lhs ? lhs : rhs;
    }
    if (isa<arith::MaxUIOp, arith::MaxSIOp>(def))
      return maxOf(of(def->getOperand(0)), of(def->getOperand(1)));
    if (isa<arith::SelectOp>(def))
      return maxOf(of(def->getOperand(1)), of(def->getOperand(2)));
    if (auto apply = dyn_cast<affine::AffineApplyOp>(def))
      return evaluate(apply.getAffineMap().getResult(0), apply.getDimOperands(),
                      apply.getSymbolOperands());
    if (auto min = dyn_cast<affine::AffineMinOp>(def)) {
      std::optional<int64_t> bound;
      for (AffineExpr result : min.getAffineMap().getResults())
        if (std::optional<int64_t> each =
                evaluate(result, min.getDimOperands(), min.getSymbolOperands()))
          bound = bound ? std::min(*bound, *each) : *each;
      return bound;
    }
    if (auto max = dyn_cast<affine::AffineMaxOp>(def)) {
      std::optional<int64_t> bound = std::numeric_limits<int64_t>::min();
      for (AffineExpr result : max.getAffineMap().getResults())
        bound = maxOf(bound, evaluate(result, max.getDimOperands(), max.getSymbolOperands()));
      return bound;
    }
    return std::nullopt;
  }

  std::optional<int64_t> computeDim(Value memref, int64_t dim) {
    if (auto arg = dyn_cast<BlockArgument>(memref)) {
      auto func = dyn_cast<func::FuncOp>(arg.getOwner()->getParentOp());
      if (!func)
        return std::nullopt;
      if (func.isPublic()) {
        // An entry input: [batch, sequence, ...].
        int64_t seq = sequence.lookup(func);
        if (dim == 0)
          return batch;
        return seq > 0 ? std::optional<int64_t>(seq) : std::nullopt;
      }
      return argument(arg, dim);
    }
    Operation *def = memref.getDefiningOp();
    if (auto alloc = dyn_cast<memref::AllocOp>(def))
      return of(alloc.getDynamicSizes()[alloc.getType().getDynamicDimIndex(dim)]);
    if (auto collapse = dyn_cast<memref::CollapseShapeOp>(def)) {
      std::optional<int64_t> bound = 1;
      for (int64_t source : collapse.getReassociationIndices()[dim])
        bound = checkedMul(bound, dimOf(collapse.getSrc(), source));
      return bound;
    }
    if (auto expand = dyn_cast<memref::ExpandShapeOp>(def))
      return of(expand.getMixedOutputShape()[dim]);
    if (auto subview = dyn_cast<memref::SubViewOp>(def)) {
      if (subview.getSourceType().getRank() != subview.getType().getRank())
        return std::nullopt;
      return of(subview.getMixedSizes()[dim]);
    }
    if (auto reinterpret = dyn_cast<memref::ReinterpretCastOp>(def))
      return of(reinterpret.getMixedSizes()[dim]);
    if (auto cast = dyn_cast<memref::CastOp>(def))
      return dimOf(cast.getSource(), dim);
    if (auto reshape = dyn_cast<memref::ReshapeOp>(def)) {
      // The shape is a buffer bufferization filled with one store per dim.
      std::optional<int64_t> bound;
      unsigned stores = 0;
      for (Operation *user : reshape.getShape().getUsers())
        if (auto store = dyn_cast<memref::StoreOp>(user))
          if (store.getMemRef() == reshape.getShape() && store.getIndices().size() == 1 &&
              getConstantIntValue(store.getIndices()[0]) == dim) {
            bound = of(store.getValueToStore());
            ++stores;
          }
      return stores == 1 ? bound : std::nullopt;
    }
    if (auto view = dyn_cast<memref::ViewOp>(def))
      return of(view.getSizes()[view.getType().getDynamicDimIndex(dim)]);
    if (auto call = dyn_cast<func::CallOp>(def)) {
      auto callee = SymbolTable::lookupNearestSymbolFrom<func::FuncOp>(call, call.getCalleeAttr());
      if (!callee || callee.isDeclaration())
        return std::nullopt;
      unsigned result = cast<OpResult>(memref).getResultNumber();
      std::optional<int64_t> bound = 0;
      callee.walk(
          [&](func::ReturnOp ret) { bound = maxOf(bound, dimOf(ret.getOperand(result), dim)); });
      return bound;
    }
    if (auto branch = dyn_cast<scf::IfOp>(def)) {
      unsigned result = cast<OpResult>(memref).getResultNumber();
      return maxOf(dimOf(branch.thenYield().getOperand(result), dim),
                   branch.elseBlock() ? dimOf(branch.elseYield().getOperand(result), dim)
                                      : std::nullopt);
    }
    return std::nullopt;
  }

  /// A private function argument's bound (dim -1: an index argument), as
  /// the last iteration of solveArguments() left it; 0 before the first.
  std::optional<int64_t> argument(BlockArgument arg, int64_t dim) {
    auto it = arguments.find({arg, dim});
    return it == arguments.end() ? std::optional<int64_t>(0) : it->second;
  }

  int64_t batch;
  llvm::DenseMap<std::pair<Value, int64_t>, std::optional<int64_t>> arguments;
  llvm::DenseMap<func::FuncOp, int64_t> sequence;
  llvm::DenseMap<func::FuncOp, llvm::SmallVector<func::CallOp>> callers;
  llvm::DenseMap<Value, std::optional<int64_t>> values;
  llvm::DenseMap<std::pair<Value, int64_t>, std::optional<int64_t>> dims;
};

/// What occupies bytes of a frame for an interval of its function's body.
struct Slot {
  enum Kind { Buffer, ResultBuffer, CalleeFrame, CalleeResult } kind;
  memref::AllocOp alloc; // Buffer, ResultBuffer
  func::CallOp call;     // CalleeFrame, CalleeResult
  unsigned result = 0;   // ResultBuffer, CalleeResult: the result number
  int64_t bytes = 0;     // the bound, aligned
  int64_t start = 0, end = 0;
  int64_t offset = 0;
};

struct FunctionPlan {
  llvm::SmallVector<Slot> slots;
  int64_t frameBytes = 0;
  /// Per result: the bytes its caller reserves for it (0: not planned).
  llvm::SmallVector<int64_t> resultBytes;
  /// The frame argument, once the function has one.
  Value frame;
};

struct PlanMemory : public tmc::lowering::impl::PlanMemoryBase<PlanMemory> {
  using Base::Base;

  void runOnOperation() override {
    if (batch <= 0)
      return;
    ModuleOp module = getOperation();
    Bounds bounds(module, batch);
    if (!bounds.solveArguments()) {
      module.emitRemark("tmc-plan-memory: the sizes of layer arguments do not settle; "
                        "every buffer stays on the heap");
      return;
    }
    // Callees before callers: a call reserves its callee's frame.
    llvm::SetVector<func::FuncOp> order;
    std::function<void(func::FuncOp)> visit = [&](func::FuncOp func) {
      if (order.contains(func))
        return;
      func.walk([&](func::CallOp call) {
        if (auto callee = module.lookupSymbol<func::FuncOp>(call.getCallee());
            callee && !callee.isDeclaration())
          visit(callee);
      });
      order.insert(func);
    };
    for (auto func : module.getOps<func::FuncOp>())
      if (!func.isDeclaration())
        visit(func);
    llvm::DenseMap<func::FuncOp, FunctionPlan> plans;
    for (func::FuncOp func : order)
      plans[func] = plan(func, bounds, plans);
    for (func::FuncOp func : order)
      rewrite(func, plans);
    for (func::FuncOp func : order)
      rewriteCalls(func, plans);
    recordArenas(module, plans);
  }

  /// The position in `func`'s body of the op `op` is in.
  static Operation *topLevel(Operation *op, func::FuncOp func) {
    while (op->getParentOp() != func)
      op = op->getParentOp();
    return op;
  }

  /// For each result of `callee`, whether it may be a view of an argument;
  /// computed once per function.
  llvm::SmallVector<bool> resultsMayAliasArguments(func::FuncOp callee) {
    if (auto known = aliasingResults.find(callee); known != aliasingResults.end())
      return known->second;
    // Conservatively while it is computed (a call cycle).
    aliasingResults[callee].assign(callee.getNumResults(), true);
    llvm::SmallVector<bool> aliases(callee.getNumResults(), false);
    callee.walk([&](func::ReturnOp ret) {
      for (auto [i, operand] : llvm::enumerate(ret.getOperands())) {
        llvm::SmallVector<Value> work{operand};
        llvm::DenseSet<Value> seen;
        while (!work.empty() && !aliases[i]) {
          Value value = work.pop_back_val();
          if (!isa<MemRefType>(value.getType()) || !seen.insert(value).second)
            continue;
          if (isa<BlockArgument>(value)) {
            aliases[i] = true; // conservatively, any region argument
            continue;
          }
          Operation *def = value.getDefiningOp();
          if (isa<memref::AllocOp>(def))
            continue;
          if (auto call = dyn_cast<func::CallOp>(def)) {
            auto inner =
                SymbolTable::lookupNearestSymbolFrom<func::FuncOp>(call, call.getCalleeAttr());
            if (inner && !inner.isDeclaration() &&
                !resultsMayAliasArguments(inner)[cast<OpResult>(value).getResultNumber()])
              continue;
          }
          llvm::append_range(work, def->getOperands());
          for (Region &region : def->getRegions())
            region.walk([&](RegionBranchTerminatorOpInterface yield) {
              if (yield->getParentOp() == def)
                llvm::append_range(work, yield->getOperands());
            });
        }
      }
    });
    aliasingResults[callee] = aliases;
    return aliases;
  }

  llvm::DenseMap<func::FuncOp, llvm::SmallVector<bool>> aliasingResults;

  /// The ops a buffer's address reaches through integer arithmetic, other
  /// than comparisons and stores into the deallocation pipeline's tables.
  static llvm::SmallVector<Operation *> pointerReaders(memref::ExtractAlignedPointerAsIndexOp op) {
    llvm::SmallVector<Operation *> readers;
    llvm::SmallVector<Value> work{op.getResult()};
    llvm::DenseSet<Value> seen;
    while (!work.empty()) {
      Value value = work.pop_back_val();
      if (!seen.insert(value).second)
        continue;
      for (Operation *user : value.getUsers()) {
        if (isa<arith::CmpIOp>(user))
          continue;
        if (auto store = dyn_cast<memref::StoreOp>(user); store && store.getValueToStore() == value)
          continue;
        if (isa<arith::ArithDialect>(user->getDialect()))
          llvm::append_range(work, user->getResults());
        else
          readers.push_back(user);
      }
    }
    return readers;
  }

  struct Uses {
    int64_t last = 0;
    bool yielded = false;             // reaches a loop's or branch's yield
    std::optional<unsigned> returned; // a private function's result, or a view of it
    bool escapes = false;             // an entry's result, or more than one result
  };

  /// Where the values aliasing `root` are used in `func`.
  Uses usesOf(Value root, func::FuncOp func, int64_t start,
              const llvm::DenseMap<Operation *, int64_t> &position) {
    Uses uses;
    uses.last = start;
    llvm::SmallVector<Value> work{root};
    llvm::DenseSet<Value> seen;
    while (!work.empty()) {
      Value value = work.pop_back_val();
      if (!seen.insert(value).second)
        continue;
      for (OpOperand &use : value.getUses()) {
        Operation *user = use.getOwner();
        // The deallocation pipeline frees at the end of a block, comparing
        // pointers first: neither reads the buffer, so neither keeps it live.
        // A pointer handed to a call (a collective) is a use where it goes.
        if (isa<memref::DeallocOp>(user))
          continue;
        if (auto pointer = dyn_cast<memref::ExtractAlignedPointerAsIndexOp>(user)) {
          for (Operation *reader : pointerReaders(pointer))
            uses.last = std::max(uses.last, position.lookup(topLevel(reader, func)));
          continue;
        }
        if (auto metadata = dyn_cast<memref::ExtractStridedMetadataOp>(user)) {
          work.push_back(metadata.getBaseBuffer());
          continue;
        }
        uses.last = std::max(uses.last, position.lookup(topLevel(user, func)));
        if (isa<func::ReturnOp>(user)) {
          // A private function's result its caller holds (itself or a view).
          unsigned result = use.getOperandNumber();
          if (func.isPrivate() && (!uses.returned || *uses.returned == result))
            uses.returned = result;
          else
            uses.escapes = true;
          continue;
        }
        if (auto reshape = dyn_cast<memref::ReshapeOp>(user)) {
          // The result views the source; the shape operand is only read.
          if (value == reshape.getSource())
            work.push_back(reshape.getResult());
          continue;
        }
        if (user->hasTrait<OpTrait::IsTerminator>()) {
          uses.yielded = true;
          for (Value result : user->getParentOp()->getResults())
            if (isa<MemRefType>(result.getType()))
              work.push_back(result);
          continue;
        }
        if (auto call = dyn_cast<func::CallOp>(user)) {
          auto callee =
              SymbolTable::lookupNearestSymbolFrom<func::FuncOp>(call, call.getCalleeAttr());
          llvm::SmallVector<bool> aliases =
              callee && !callee.isDeclaration()
                  ? resultsMayAliasArguments(callee)
                  : llvm::SmallVector<bool>(call.getNumResults(), true);
          for (auto [result, alias] : llvm::zip(call.getResults(), aliases))
            if (alias && isa<MemRefType>(result.getType()))
              work.push_back(result);
          continue;
        }
        for (Value result : user->getResults())
          if (isa<MemRefType>(result.getType()))
            work.push_back(result);
      }
    }
    return uses;
  }

  FunctionPlan plan(func::FuncOp func, Bounds &bounds,
                    const llvm::DenseMap<func::FuncOp, FunctionPlan> &plans) {
    FunctionPlan result;
    result.resultBytes.assign(func.getNumResults(), 0);
    llvm::DenseMap<Operation *, int64_t> position;
    for (auto [i, op] : llvm::enumerate(func.getBody().front()))
      position[&op] = i;

    func.walk([&](memref::AllocOp alloc) {
      MemRefType type = alloc.getType();
      if (!type.getLayout().isIdentity() || type.getMemorySpace())
        return;
      // Each iteration of a parallel loop needs a buffer of its own, which
      // one slot cannot be.
      if (alloc->getParentOfType<scf::ForallOp>() || alloc->getParentOfType<scf::ParallelOp>())
        return;
      std::optional<int64_t> bytes = bounds.bytesOf(type, alloc.getDynamicSizes());
      // A static buffer over the limit could never use a smaller slot.
      if (!bytes || (type.hasStaticShape() && *bytes > maxSlotBytes))
        return;
      Operation *home = topLevel(alloc, func);
      bool nested = home != alloc.getOperation();
      int64_t start = position.lookup(home);
      Uses uses = usesOf(alloc, func, start, position);
      if (uses.escapes || (nested && (uses.yielded || uses.returned)))
        return;
      Slot slot;
      slot.alloc = alloc;
      // Larger calls (a long prompt's attention scores) use the heap.
      slot.bytes = alignUp(std::clamp<int64_t>(*bytes, 1, maxSlotBytes));
      if (uses.returned) {
        // Its caller holds it after the call: the caller's frame has it.
        slot.kind = Slot::ResultBuffer;
        slot.result = *uses.returned;
        int64_t &reserved = result.resultBytes[slot.result];
        reserved = std::max(reserved, slot.bytes);
      } else {
        slot.kind = Slot::Buffer;
        slot.start = start;
        slot.end = uses.last;
      }
      result.slots.push_back(slot);
    });

    func.walk([&](func::CallOp call) {
      auto callee = SymbolTable::lookupNearestSymbolFrom<func::FuncOp>(call, call.getCalleeAttr());
      auto it = callee ? plans.find(callee) : plans.end();
      if (it == plans.end())
        return;
      const FunctionPlan &calleePlan = it->second;
      Operation *home = topLevel(call, func);
      int64_t start = position.lookup(home);
      if (calleePlan.frameBytes > 0)
        result.slots.push_back(
            {Slot::CalleeFrame, {}, call, 0, calleePlan.frameBytes, start, start, 0});
      // A call in a loop could overwrite the result the previous iteration
      // carries: its results come from the heap.
      if (home != call.getOperation())
        return;
      for (auto [i, bytes] : llvm::enumerate(calleePlan.resultBytes)) {
        if (!bytes)
          continue;
        Uses uses = usesOf(call.getResult(i), func, start, position);
        if (uses.returned || uses.escapes)
          continue; // passed on: the heap, as the caller cannot hold it
        result.slots.push_back(
            {Slot::CalleeResult, {}, call, static_cast<unsigned>(i), bytes, start, uses.last, 0});
      }
    });

    // Greedy by size: the largest first, each at the lowest offset that no
    // placed slot living at the same time overlaps.
    llvm::SmallVector<Slot *> framed;
    for (Slot &slot : result.slots)
      if (slot.kind != Slot::ResultBuffer)
        framed.push_back(&slot);
    llvm::stable_sort(framed, [](Slot *a, Slot *b) { return a->bytes > b->bytes; });
    llvm::SmallVector<Slot *> placed;
    for (Slot *slot : framed) {
      llvm::SmallVector<Slot *> overlapping;
      for (Slot *other : placed)
        if (other->start <= slot->end && slot->start <= other->end)
          overlapping.push_back(other);
      llvm::sort(overlapping, [](Slot *a, Slot *b) { return a->offset < b->offset; });
      int64_t offset = 0;
      for (Slot *other : overlapping) {
        if (offset + slot->bytes <= other->offset)
          break;
        offset = std::max(offset, other->offset + other->bytes);
      }
      slot->offset = offset;
      result.frameBytes = std::max(result.frameBytes, offset + slot->bytes);
      placed.push_back(slot);
    }
    return result;
  }

  static MemRefType bytesType(MLIRContext *ctx) {
    return MemRefType::get({ShapedType::kDynamic}, IntegerType::get(ctx, 8));
  }

  /// The buffer a free releases: through the deallocation pipeline's
  /// metadata extraction, views and casts.
  static Value freedBuffer(Value value) {
    while (Operation *def = value.getDefiningOp()) {
      if (auto metadata = dyn_cast<memref::ExtractStridedMetadataOp>(def))
        value = metadata.getSource();
      else if (auto view = dyn_cast<ViewLikeOpInterface>(def))
        value = view.getViewSource();
      else if (auto cast = dyn_cast<memref::CastOp>(def))
        value = cast.getSource();
      else
        break;
    }
    return value;
  }

  using Frees = llvm::DenseMap<Value, llvm::SmallVector<memref::DeallocOp>>;

  /// The frees in `func`, by the buffer each releases.
  static Frees freesIn(func::FuncOp func) {
    Frees frees;
    func.walk([&](memref::DeallocOp dealloc) {
      frees[freedBuffer(dealloc.getMemref())].push_back(dealloc);
    });
    return frees;
  }

  /// Keeps `dealloc` only where `heap` holds.
  static void freeOnlyIf(memref::DeallocOp dealloc, Value heap) {
    OpBuilder b(dealloc);
    auto branch = scf::IfOp::create(b, dealloc.getLoc(), heap, /*withElseRegion=*/false);
    dealloc->moveBefore(branch.thenBlock()->getTerminator());
  }

  /// `alloc` becomes a view of `region` at `offset` when its bytes fit in
  /// `capacity` (always, without one), and stays a heap buffer when they do
  /// not; its `frees` follow.
  static void replaceWithView(memref::AllocOp alloc, llvm::ArrayRef<memref::DeallocOp> frees,
                              Value region, int64_t offset, Value capacity) {
    OpBuilder b(alloc);
    Location loc = alloc.getLoc();
    MemRefType type = alloc.getType();
    Value at = arith::ConstantIndexOp::create(b, loc, offset);
    if (!capacity) {
      alloc.replaceAllUsesWith(
          memref::ViewOp::create(b, loc, type, region, at, alloc.getDynamicSizes()).getResult());
      alloc.erase();
      for (memref::DeallocOp dealloc : frees)
        dealloc.erase();
      return;
    }
    Value bytes = arith::ConstantIndexOp::create(b, loc, *elementBytes(type.getElementType()));
    unsigned next = 0;
    for (int64_t size : type.getShape()) {
      Value factor = ShapedType::isDynamic(size)
                         ? alloc.getDynamicSizes()[next++]
                         : arith::ConstantIndexOp::create(b, loc, size).getResult();
      bytes = arith::MulIOp::create(b, loc, bytes, factor);
    }
    Value fits = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ule, bytes, capacity);
    auto branch = scf::IfOp::create(b, loc, TypeRange{type}, fits, /*withElseRegion=*/true);
    b.setInsertionPointToStart(branch.thenBlock());
    Value view = memref::ViewOp::create(b, loc, type, region, at, alloc.getDynamicSizes());
    scf::YieldOp::create(b, loc, view);
    b.setInsertionPointToStart(branch.elseBlock());
    Operation *heap = b.clone(*alloc);
    scf::YieldOp::create(b, loc, heap->getResult(0));
    alloc.replaceAllUsesWith(branch.getResult(0));
    alloc.erase();
    b.setInsertionPointAfter(branch);
    Value onHeap =
        arith::XOrIOp::create(b, loc, fits, arith::ConstantIntOp::create(b, loc, b.getI1Type(), 1));
    for (memref::DeallocOp dealloc : frees)
      freeOnlyIf(dealloc, onHeap);
  }

  void rewrite(func::FuncOp func, llvm::DenseMap<func::FuncOp, FunctionPlan> &plans) {
    FunctionPlan &plan = plans[func];
    MLIRContext *ctx = func.getContext();
    Block &body = func.getBody().front();
    Location loc = func.getLoc();
    // Private functions: the frame, then one region per planned result. An
    // entry: the arena, last.
    llvm::SmallVector<Type> added;
    if (plan.frameBytes > 0)
      added.push_back(bytesType(ctx));
    if (func.isPrivate())
      for (int64_t bytes : plan.resultBytes)
        if (bytes)
          added.push_back(bytesType(ctx));
    if (added.empty())
      return;
    unsigned first = func.getNumArguments();
    for (Type type : added)
      body.addArgument(type, loc);
    llvm::SmallVector<Type> inputs(body.getArgumentTypes());
    func.setType(FunctionType::get(ctx, inputs, func.getResultTypes()));
    if (plan.frameBytes > 0 && func.isPublic())
      func.setArgAttr(first, "tmc.arena", UnitAttr::get(ctx));
    Value frame = plan.frameBytes > 0 ? body.getArgument(first) : Value();
    plan.frame = frame;
    llvm::DenseMap<unsigned, Value> resultRegion;
    unsigned next = first + (plan.frameBytes > 0);
    if (func.isPrivate())
      for (auto [i, bytes] : llvm::enumerate(plan.resultBytes))
        if (bytes)
          resultRegion[i] = body.getArgument(next++);

    Frees frees = freesIn(func);
    for (Slot &slot : plan.slots) {
      if (slot.kind == Slot::Buffer) {
        // A static shape always fits; a dynamic one may outgrow the plan.
        Value capacity;
        if (!slot.alloc.getType().hasStaticShape()) {
          OpBuilder b(slot.alloc);
          capacity = arith::ConstantIndexOp::create(b, slot.alloc.getLoc(), slot.bytes);
        }
        replaceWithView(slot.alloc, frees.lookup(slot.alloc), frame, slot.offset, capacity);
      } else if (slot.kind == Slot::ResultBuffer) {
        // The caller's region may be empty (a call it could not plan).
        OpBuilder b(slot.alloc);
        Value zero = arith::ConstantIndexOp::create(b, slot.alloc.getLoc(), 0);
        Value capacity =
            memref::DimOp::create(b, slot.alloc.getLoc(), resultRegion[slot.result], zero);
        replaceWithView(slot.alloc, frees.lookup(slot.alloc), resultRegion[slot.result], 0,
                        capacity);
      }
    }
  }

  void rewriteCalls(func::FuncOp func, llvm::DenseMap<func::FuncOp, FunctionPlan> &plans) {
    FunctionPlan &plan = plans[func];
    llvm::SmallVector<func::CallOp> calls;
    func.walk([&](func::CallOp call) { calls.push_back(call); });
    Value frame = plan.frame;
    Value empty;
    Frees frees = freesIn(func);
    for (func::CallOp call : calls) {
      auto callee = SymbolTable::lookupNearestSymbolFrom<func::FuncOp>(call, call.getCalleeAttr());
      auto it = callee ? plans.find(callee) : plans.end();
      if (it == plans.end())
        continue;
      const FunctionPlan &calleePlan = it->second;
      OpBuilder b(call);
      Location loc = call.getLoc();
      MemRefType type = bytesType(func.getContext());
      auto regionAt = [&](int64_t offset, int64_t bytes) -> Value {
        Value at = arith::ConstantIndexOp::create(b, loc, offset);
        Value size = arith::ConstantIndexOp::create(b, loc, bytes);
        return memref::ViewOp::create(b, loc, type, frame, at, ValueRange{size});
      };
      llvm::SmallVector<Value> operands(call.getOperands());
      auto slotFor = [&](Slot::Kind kind, unsigned result) -> const Slot * {
        for (const Slot &slot : plan.slots)
          if (slot.kind == kind && slot.call == call && slot.result == result)
            return &slot;
        return nullptr;
      };
      if (calleePlan.frameBytes > 0) {
        const Slot *slot = slotFor(Slot::CalleeFrame, 0);
        operands.push_back(regionAt(slot->offset, slot->bytes));
      }
      for (auto [i, bytes] : llvm::enumerate(calleePlan.resultBytes)) {
        if (!bytes)
          continue;
        if (const Slot *slot = slotFor(Slot::CalleeResult, i)) {
          Value region = regionAt(slot->offset, slot->bytes);
          operands.push_back(region);
          // The callee placed the result at the region's start, unless it
          // did not fit: then the result is its heap buffer, freed here.
          for (memref::DeallocOp dealloc : frees.lookup(call.getResult(i))) {
            OpBuilder at(dealloc);
            Location loc = dealloc.getLoc();
            Value freed =
                memref::ExtractAlignedPointerAsIndexOp::create(at, loc, dealloc.getMemref());
            Value start = memref::ExtractAlignedPointerAsIndexOp::create(at, loc, region);
            freeOnlyIf(dealloc,
                       arith::CmpIOp::create(at, loc, arith::CmpIPredicate::ne, freed, start));
          }
        } else {
          // Not planned here: an empty region, so the callee's heap.
          if (!empty) {
            OpBuilder atStart = OpBuilder::atBlockBegin(&func.getBody().front());
            Value none =
                memref::AllocaOp::create(atStart, loc, MemRefType::get({0}, b.getI8Type()));
            empty = memref::CastOp::create(atStart, loc, type, none);
          }
          operands.push_back(empty);
        }
      }
      call->setOperands(operands);
    }
  }

  void recordArenas(ModuleOp module, llvm::DenseMap<func::FuncOp, FunctionPlan> &plans) {
    tmc::TmcDialect *tmc = tmc::tmcDialect(module.getContext());
    ArrayAttr entries = tmc->getEntryPointsAttrHelper().getAttr(module);
    if (!entries)
      return;
    llvm::SmallVector<Attribute> updated;
    for (auto entry : entries.getAsRange<tmc::EntryPointAttr>()) {
      auto func = module.lookupSymbol<func::FuncOp>(entry.getName());
      int64_t arena = func ? plans[func].frameBytes : 0;
      updated.push_back(tmc::EntryPointAttr::get(
          module.getContext(), entry.getName(), entry.getInputs(), entry.getParams(),
          entry.getResults(), entry.getInPlace(), entry.getMaxSeqLen(), arena));
    }
    tmc->getEntryPointsAttrHelper().setAttr(module, ArrayAttr::get(module.getContext(), updated));
  }
};
} // namespace
