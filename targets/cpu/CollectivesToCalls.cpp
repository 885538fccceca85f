//===- CollectivesToCalls.cpp - shard collectives -> runtime calls -*- C++ -*-===//
//
// Upstream's convert-shard-to-mpi (MLIR 22) lowers only f32 all_reduce and
// bakes MPICH handle values into the code; tmc calls its own runtime
// instead, which picks MPI or in-process ranks when the artifact runs, so
// one compiled library serves every launcher.
//
//===----------------------------------------------------------------------===//

#include "targets/cpu/Passes.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Shard/IR/ShardOps.h"

#include "llvm/ADT/TypeSwitch.h"

namespace tmc::cpu {
#define GEN_PASS_DEF_CPULOWERCOLLECTIVES
#include "targets/cpu/Passes.h.inc"
} // namespace tmc::cpu

using namespace mlir;

namespace {

/// The element codes of runtime/collectives/CollectiveAbi.h.
std::optional<int64_t> dtypeCode(Type type) {
  if (type.isF32())
    return 0;
  if (type.isBF16())
    return 1;
  if (type.isF16())
    return 2;
  return std::nullopt;
}

class Lowering {
public:
  explicit Lowering(ModuleOp module) : module(module), builder(module.getContext()) {}

  LogicalResult run() {
    SmallVector<Operation *> ops;
    module.walk([&](Operation *op) {
      if (isa<shard::AllReduceOp, shard::AllGatherOp, shard::AllSliceOp,
              shard::ProcessLinearIndexOp>(op))
        ops.push_back(op);
    });
    for (Operation *op : ops) {
      builder.setInsertionPoint(op);
      LogicalResult result =
          llvm::TypeSwitch<Operation *, LogicalResult>(op)
              .Case([&](shard::AllReduceOp reduce) { return lowerAllReduce(reduce); })
              .Case([&](shard::AllGatherOp gather) { return lowerAllGather(gather); })
              .Case([&](shard::AllSliceOp slice) { return lowerAllSlice(slice); })
              .Case([&](shard::ProcessLinearIndexOp index) {
                index.replaceAllUsesWith(rank(index.getLoc()));
                index.erase();
                return success();
              });
      if (failed(result))
        return failure();
    }
    for (auto grid : llvm::make_early_inc_range(module.getOps<shard::GridOp>())) {
      if (grid.getRank() != 1)
        return grid.emitOpError("the CPU target runs one-dimensional grids (tensor parallelism)");
      grid.erase();
    }
    return success();
  }

private:
  func::FuncOp declare(llvm::StringRef name, TypeRange inputs, TypeRange results) {
    if (auto existing = module.lookupSymbol<func::FuncOp>(name))
      return existing;
    OpBuilder::InsertionGuard guard(builder);
    builder.setInsertionPointToEnd(module.getBody());
    auto func = func::FuncOp::create(builder, module.getLoc(), name,
                                     builder.getFunctionType(inputs, results));
    func.setPrivate();
    return func;
  }

  Value i64(Location loc, int64_t value) {
    return arith::ConstantIntOp::create(builder, loc, value, 64);
  }

  Value rank(Location loc) {
    Type i64Type = builder.getI64Type();
    func::FuncOp callee = declare("tmc_collective_rank", {}, {i64Type});
    Value rank = func::CallOp::create(builder, loc, callee, ValueRange{}).getResult(0);
    return arith::IndexCastOp::create(builder, loc, builder.getIndexType(), rank);
  }

  /// The address of `tensor`'s contiguous buffer, as i64.
  Value addressOf(Location loc, Value buffer) {
    Value index = memref::ExtractAlignedPointerAsIndexOp::create(builder, loc, buffer);
    return arith::IndexCastOp::create(builder, loc, builder.getI64Type(), index);
  }

  /// Elements of `value`'s dims [begin, end), as i64.
  Value product(Location loc, Value value, int64_t begin, int64_t end) {
    auto type = cast<RankedTensorType>(value.getType());
    Value result = arith::ConstantIndexOp::create(builder, loc, 1);
    for (int64_t d = begin; d < end; ++d) {
      Value size = type.isDynamicDim(d)
                       ? tensor::DimOp::create(builder, loc, value, d).getResult()
                       : arith::ConstantIndexOp::create(builder, loc, type.getDimSize(d))
                             .getResult();
      result = arith::MulIOp::create(builder, loc, result, size);
    }
    return arith::IndexCastOp::create(builder, loc, builder.getI64Type(), result);
  }

  /// The input as a contiguous read-only buffer and a fresh buffer for the
  /// result, which becomes a tensor again once the runtime has filled it.
  struct Buffers {
    Value input, output;
  };
  Buffers buffersFor(Location loc, Value input, RankedTensorType resultType) {
    auto inputType = cast<RankedTensorType>(input.getType());
    Value in = bufferization::ToBufferOp::create(
        builder, loc, MemRefType::get(inputType.getShape(), inputType.getElementType()), input,
        /*read_only=*/true);
    SmallVector<Value> dynamicSizes;
    for (int64_t d = 0; d < resultType.getRank(); ++d)
      if (resultType.isDynamicDim(d))
        dynamicSizes.push_back(tensor::DimOp::create(builder, loc, input, d));
    Value out = memref::AllocOp::create(
        builder, loc, MemRefType::get(resultType.getShape(), resultType.getElementType()),
        dynamicSizes);
    return {in, out};
  }

  Value toTensor(Location loc, Value buffer, RankedTensorType type) {
    return bufferization::ToTensorOp::create(builder, loc, type, buffer, /*restrict=*/true,
                                             /*writable=*/true);
  }

  LogicalResult lowerAllReduce(shard::AllReduceOp op) {
    auto type = dyn_cast<RankedTensorType>(op.getResult().getType());
    std::optional<int64_t> code = type ? dtypeCode(type.getElementType()) : std::nullopt;
    if (!type || op.getInput().getType() != type || !code)
      return op.emitOpError("the CPU target all-reduces f32, bf16 and f16 tensors of one type");
    if (op.getReduction() != shard::ReductionKind::Sum)
      return op.emitOpError("the CPU target all-reduces by sum only");
    Location loc = op.getLoc();
    Buffers buffers = buffersFor(loc, op.getInput(), type);
    Type i64Type = builder.getI64Type();
    func::FuncOp callee = declare("tmc_collective_all_reduce_sum",
                                  {i64Type, i64Type, i64Type, i64Type}, {});
    func::CallOp::create(builder, loc, callee,
                         ValueRange{addressOf(loc, buffers.input), addressOf(loc, buffers.output),
                                    product(loc, op.getInput(), 0, type.getRank()),
                                    i64(loc, *code)});
    op.replaceAllUsesWith(toTensor(loc, buffers.output, type));
    op.erase();
    return success();
  }

  LogicalResult lowerAllGather(shard::AllGatherOp op) {
    auto type = cast<RankedTensorType>(op.getResult().getType());
    std::optional<int64_t> code = dtypeCode(type.getElementType());
    if (!code)
      return op.emitOpError("the CPU target all-gathers f32, bf16 and f16 tensors");
    Location loc = op.getLoc();
    int64_t axis = op.getGatherAxis().getSExtValue();
    Value input = op.getInput();
    auto inputType = cast<RankedTensorType>(input.getType());
    // The result's dynamic sizes are the input's; only the axis grows.
    Buffers buffers = buffersFor(loc, input, type);
    Type i64Type = builder.getI64Type();
    func::FuncOp callee = declare("tmc_collective_all_gather",
                                  {i64Type, i64Type, i64Type, i64Type, i64Type}, {});
    func::CallOp::create(builder, loc, callee,
                         ValueRange{addressOf(loc, buffers.input), addressOf(loc, buffers.output),
                                    product(loc, input, 0, axis),
                                    product(loc, input, axis, inputType.getRank()),
                                    i64(loc, *code)});
    op.replaceAllUsesWith(toTensor(loc, buffers.output, type));
    op.erase();
    return success();
  }

  LogicalResult lowerAllSlice(shard::AllSliceOp op) {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getResult().getType());
    int64_t axis = op.getSliceAxis().getSExtValue();
    if (type.isDynamicDim(axis))
      return op.emitOpError("the CPU target slices static dimensions only");
    Value input = op.getInput();
    SmallVector<OpFoldResult> offsets(type.getRank(), builder.getIndexAttr(0));
    SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(builder, loc, input);
    SmallVector<OpFoldResult> strides(type.getRank(), builder.getIndexAttr(1));
    Value local = arith::ConstantIndexOp::create(builder, loc, type.getDimSize(axis));
    offsets[axis] = arith::MulIOp::create(builder, loc, rank(loc), local).getResult();
    sizes[axis] = builder.getIndexAttr(type.getDimSize(axis));
    Value slice = tensor::ExtractSliceOp::create(builder, loc, type, input, offsets, sizes, strides);
    op.replaceAllUsesWith(slice);
    op.erase();
    return success();
  }

  ModuleOp module;
  OpBuilder builder;
};

struct CpuLowerCollectives
    : public tmc::cpu::impl::CpuLowerCollectivesBase<CpuLowerCollectives> {
  void runOnOperation() override {
    if (failed(Lowering(getOperation()).run()))
      signalPassFailure();
  }
};

} // namespace
