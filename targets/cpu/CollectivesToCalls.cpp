//===- CollectivesToCalls.cpp - shard collectives -> runtime calls -*- C++ -*-===//
//
// Upstream's convert-shard-to-mpi (MLIR 22) lowers only f32 all_reduce and
// bakes MPICH handle values into the code; tmc calls its own runtime
// instead, which picks MPI or in-process ranks when the artifact runs, so
// one compiled library serves every launcher.
//
//===----------------------------------------------------------------------===//

#include "targets/cpu/Passes.h"
#include "targets/cpu/RuntimeCalls.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Shard/IR/ShardOps.h"

#include "llvm/ADT/TypeSwitch.h"

namespace tmc::cpu {
#define GEN_PASS_DEF_CPULOWERCOLLECTIVES
#include "targets/cpu/Passes.h.inc"
} // namespace tmc::cpu

using namespace mlir;

namespace {
/// The collectives move floating-point tensors (runtime/collectives/CollectiveAbi.h).
std::optional<int64_t> collectiveDType(Type type) {
  return isa<FloatType>(type) ? tmc::lowering::runtimeDTypeCode(type) : std::nullopt;
}
} // namespace

namespace {

class Lowering {
public:
  explicit Lowering(ModuleOp module) : module(module), calls(module), builder(calls.b()) {}

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
  Value rank(Location loc) {
    func::FuncOp callee = calls.declare("tmc_collective_rank", {}, {builder.getI64Type()});
    Value rank = func::CallOp::create(builder, loc, callee, ValueRange{}).getResult(0);
    return arith::IndexCastOp::create(builder, loc, builder.getIndexType(), rank);
  }

  /// The input as a contiguous read-only buffer and a fresh buffer for the
  /// result, which becomes a tensor again once the runtime has filled it.
  struct Buffers {
    Value input, output;
  };
  Buffers buffersFor(Location loc, Value input, RankedTensorType resultType) {
    Value in = calls.readOnlyBuffer(loc, input);
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
    std::optional<int64_t> code = type ? collectiveDType(type.getElementType()) : std::nullopt;
    if (!type || op.getInput().getType() != type || !code)
      return op.emitOpError("the CPU target all-reduces f32, bf16 and f16 tensors of one type");
    if (op.getReduction() != shard::ReductionKind::Sum)
      return op.emitOpError("the CPU target all-reduces by sum only");
    Location loc = op.getLoc();
    Buffers buffers = buffersFor(loc, op.getInput(), type);
    Type i64Type = builder.getI64Type();
    func::FuncOp callee =
        calls.declare("tmc_collective_all_reduce_sum", {i64Type, i64Type, i64Type, i64Type}, {});
    func::CallOp::create(
        builder, loc, callee,
        ValueRange{calls.addressOf(loc, buffers.input), calls.addressOf(loc, buffers.output),
                   calls.product(loc, op.getInput(), 0, type.getRank()), calls.i64(loc, *code)});
    op.replaceAllUsesWith(toTensor(loc, buffers.output, type));
    op.erase();
    return success();
  }

  LogicalResult lowerAllGather(shard::AllGatherOp op) {
    auto type = cast<RankedTensorType>(op.getResult().getType());
    std::optional<int64_t> code = collectiveDType(type.getElementType());
    if (!code)
      return op.emitOpError("the CPU target all-gathers f32, bf16 and f16 tensors");
    Location loc = op.getLoc();
    int64_t axis = op.getGatherAxis().getSExtValue();
    Value input = op.getInput();
    auto inputType = cast<RankedTensorType>(input.getType());
    // The result's dynamic sizes are the input's; only the axis grows.
    Buffers buffers = buffersFor(loc, input, type);
    Type i64Type = builder.getI64Type();
    func::FuncOp callee = calls.declare("tmc_collective_all_gather",
                                        {i64Type, i64Type, i64Type, i64Type, i64Type}, {});
    func::CallOp::create(
        builder, loc, callee,
        ValueRange{calls.addressOf(loc, buffers.input), calls.addressOf(loc, buffers.output),
                   calls.product(loc, input, 0, axis),
                   calls.product(loc, input, axis, inputType.getRank()), calls.i64(loc, *code)});
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
    Value slice =
        tensor::ExtractSliceOp::create(builder, loc, type, input, offsets, sizes, strides);
    op.replaceAllUsesWith(slice);
    op.erase();
    return success();
  }

  ModuleOp module;
  tmc::cpu::RuntimeCalls calls;
  OpBuilder &builder;
};

struct CpuLowerCollectives : public tmc::cpu::impl::CpuLowerCollectivesBase<CpuLowerCollectives> {
  void runOnOperation() override {
    if (failed(Lowering(getOperation()).run()))
      signalPassFailure();
  }
};

} // namespace
