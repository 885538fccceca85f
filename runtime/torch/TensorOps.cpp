//===- TensorOps.cpp - elementwise, reductions and shapes in ATen --------===//
//
// The generic tensor ops of the LibTorch executor: each is the one PyTorch
// call its tmc op is defined as (torch.add, torch.sum, Tensor.reshape, ...).
//
//===----------------------------------------------------------------------===//

#include "runtime/torch/TorchOps.h"

#include "ir/Tmc/TmcOps.h"

#include "llvm/ADT/TypeSwitch.h"

#include <limits>

using namespace mlir;

namespace tmc::rt::detail {
namespace {

at::ScalarType resultScalarType(Operation *op, unsigned index = 0) {
  return scalarTypeOf(op->getResult(index).getType());
}

/// tmc reductions name the dimensions to reduce; an empty list reduces
/// nothing (where ATen's would reduce everything).
template <typename Reduce>
at::Tensor reduce(ArrayRef<int64_t> dims, bool keepdim, const at::Tensor &x, Reduce fn) {
  if (dims.empty())
    return x;
  return fn(x, at::IntArrayRef(dims.data(), dims.size()), keepdim);
}

/// Tensor.reshape with the result type's static sizes and the `index`
/// operands for its dynamic ones.
at::Tensor reshape(ReshapeOp op, ArrayRef<at::Tensor> operands) {
  auto type = cast<RankedTensorType>(op.getType());
  std::vector<int64_t> sizes;
  unsigned next = 1;
  for (int64_t dim : type.getShape()) {
    int64_t size = ShapedType::isDynamic(dim) ? toIndex(operands[next++]) : dim;
    if (size < 0)
      fail("dynamic size " + llvm::Twine(size) + " of result dimension " +
           llvm::Twine(sizes.size()) + " is negative");
    sizes.push_back(size);
  }
  return operands[0].reshape(sizes);
}

at::Tensor slice(SliceOp op, const at::Tensor &x) {
  int64_t end = op.getEnd() ? *op.getEnd() : std::numeric_limits<int64_t>::max();
  return x.slice(op.getDim(), op.getStart(), end, op.getStep());
}

at::Tensor arange(ArangeOp op, ArrayRef<at::Tensor> operands, const OpEnv &env) {
  int64_t start = toIndex(operands[0]), length = toIndex(operands[1]);
  if (length < 0)
    fail("length " + llvm::Twine(length) + " is negative");
  return at::arange(start, start + length,
                    at::TensorOptions().dtype(resultScalarType(op)).device(env.device));
}

} // namespace

bool runTensorOp(Operation *op, ArrayRef<at::Tensor> operands, const OpEnv &env,
                 Results &results) {
  using Maybe = std::optional<at::Tensor>;
  const at::Tensor &x = operands.empty() ? at::Tensor() : operands[0];
  auto unary = [&](auto fn) { return [&, fn](Operation *) -> Maybe { return fn(x); }; };
  auto binary = [&](auto fn) {
    return [&, fn](Operation *) -> Maybe { return fn(operands[0], operands[1]); };
  };

  if (auto split = dyn_cast<SplitOp>(op)) {
    ArrayRef<int64_t> sizes = split.getSizes();
    for (at::Tensor &part :
         at::split_with_sizes(x, at::IntArrayRef(sizes.data(), sizes.size()), split.getDim()))
      results.push_back(std::move(part));
    return true;
  }

  Maybe result =
      llvm::TypeSwitch<Operation *, Maybe>(op)
          // Elementwise, broadcasting as PyTorch does.
          .Case<AddOp>(binary([](const at::Tensor &a, const at::Tensor &b) { return a + b; }))
          .Case<SubOp>(binary([](const at::Tensor &a, const at::Tensor &b) { return a - b; }))
          .Case<MulOp>(binary([](const at::Tensor &a, const at::Tensor &b) { return a * b; }))
          .Case<DivOp>(binary([](const at::Tensor &a, const at::Tensor &b) { return a / b; }))
          .Case<NegOp>(unary([](const at::Tensor &a) { return at::neg(a); }))
          .Case<ExpOp>(unary([](const at::Tensor &a) { return at::exp(a); }))
          .Case<TanhOp>(unary([](const at::Tensor &a) { return at::tanh(a); }))
          .Case<RsqrtOp>(unary([](const at::Tensor &a) { return at::rsqrt(a); }))
          .Case<SigmoidOp>(unary([](const at::Tensor &a) { return at::sigmoid(a); }))
          .Case<ReluOp>(unary([](const at::Tensor &a) { return at::relu(a); }))
          .Case<SiluOp>(unary([](const at::Tensor &a) { return at::silu(a); }))
          .Case<GeluOp>(unary([](const at::Tensor &a) { return at::gelu(a, "none"); }))
          .Case<GeluTanhOp>(unary([](const at::Tensor &a) { return at::gelu(a, "tanh"); }))
          .Case([&](PowOp pow) -> Maybe {
            return at::pow(x, pow.getExponent().convertToDouble());
          })
          .Case([&](CastOp) -> Maybe { return x.to(resultScalarType(op)); })
          // Reductions.
          .Case([&](SumOp sum) -> Maybe {
            return reduce(sum.getDims(), sum.getKeepdim(), x,
                          [](const at::Tensor &t, at::IntArrayRef d, bool k) {
                            return at::sum(t, d, k);
                          });
          })
          .Case([&](MeanOp mean) -> Maybe {
            return reduce(mean.getDims(), mean.getKeepdim(), x,
                          [](const at::Tensor &t, at::IntArrayRef d, bool k) {
                            return at::mean(t, d, k);
                          });
          })
          .Case([&](MaxOp max) -> Maybe {
            return reduce(max.getDims(), max.getKeepdim(), x,
                          [](const at::Tensor &t, at::IntArrayRef d, bool k) {
                            return at::amax(t, d, k);
                          });
          })
          // Shapes and positions.
          .Case([&](ReshapeOp reshapeOp) -> Maybe { return reshape(reshapeOp, operands); })
          .Case([&](TransposeOp transpose) -> Maybe {
            ArrayRef<int64_t> perm = transpose.getPermutation();
            return x.permute(at::IntArrayRef(perm.data(), perm.size()));
          })
          .Case([&](ConcatOp concat) -> Maybe {
            return at::cat(std::vector<at::Tensor>(operands.begin(), operands.end()),
                           concat.getDim());
          })
          .Case([&](SliceOp sliceOp) -> Maybe { return slice(sliceOp, x); })
          .Case([&](ArangeOp arangeOp) -> Maybe { return arange(arangeOp, operands, env); })
          // KV cache: a functional update (a copy), as the graph's value semantics say.
          .Case([&](KvCacheWriteOp write) -> Maybe {
            int64_t position = toIndex(operands[2]), count = operands[1].size(2);
            if (write.getRing()) {
              // Position p goes to slot p mod window; later positions win.
              int64_t window = x.size(2);
              if (position < 0)
                fail("writes a ring cache at position " + llvm::Twine(position));
              at::Tensor updated = x.clone();
              for (int64_t i = std::max<int64_t>(0, count - window); i < count; ++i)
                updated.narrow(2, (position + i) % window, 1).copy_(operands[1].narrow(2, i, 1));
              return updated;
            }
            if (position < 0 || position + count > x.size(2))
              fail("writes positions [" + llvm::Twine(position) + ", " +
                   llvm::Twine(position + count) + ") of a cache of " + llvm::Twine(x.size(2)));
            at::Tensor updated = x.clone();
            updated.narrow(2, position, count).copy_(operands[1]);
            return updated;
          })
          .Case([&](KvCacheReadOp) -> Maybe {
            int64_t length = toIndex(operands[1]);
            if (length < 0 || length > x.size(2))
              fail("reads " + llvm::Twine(length) + " positions of a cache of " +
                   llvm::Twine(x.size(2)));
            return x.narrow(2, 0, length);
          })
          .Case([&](KvCacheWindowOp) -> Maybe {
            int64_t position = toIndex(operands[1]), window = x.size(2);
            if (position < 0)
              fail("reads a ring cache before position " + llvm::Twine(position));
            return x.roll(-(position % window), 2);
          })
          .Case([&](KvCacheWindowMaskOp windowMask) -> Maybe {
            int64_t position = toIndex(operands[1]), window = windowMask.getWindow();
            if (position < 0 || position > x.size(1))
              fail("masks a ring window before position " + llvm::Twine(position) +
                   " of an attention_mask of " + llvm::Twine(x.size(1)) + " positions");
            // Positions [position - window, position + new); those below 0 are hidden.
            at::Tensor hidden = at::zeros({x.size(0), window}, x.options());
            return at::cat({hidden, x}, 1).narrow(1, position, window + x.size(1) - position);
          })
          .Default([](Operation *) -> Maybe { return std::nullopt; });
  if (!result)
    return false;
  results.push_back(std::move(*result));
  return true;
}

} // namespace tmc::rt::detail
