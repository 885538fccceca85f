//===- TensorOps.h - tmc ops with PyTorch's shape rules ---------*- C++ -*-===//
//
// Each PyTorch tensor operation becomes one tmc op whose result shape is
// computed here, as PyTorch computes it, and checked: broadcasting, view's
// -1, negative dimensions, slices. Dynamic sizes (batch, sequence) are
// symbols, so `view(batch, seq, -1, head_dim)` resolves its -1 statically
// and a reshape never merges two of them. The op table (TorchTensorOps.cpp,
// TorchNnOps.cpp), tensor indexing and tensor operators (Torch.cpp) build
// their ops through these.
//
//===----------------------------------------------------------------------===//

#ifndef TMC_PASSES_INSTANTIATE_TENSOROPS_H
#define TMC_PASSES_INSTANTIATE_TENSOROPS_H

#include "passes/instantiate/Graph.h"

#include "ir/Tmc/TmcOps.h"

namespace tmc::instantiate {

/// `dim` counted from the end when negative; fails outside the rank.
int64_t normalizeDim(int64_t dim, size_t rank, mlir::Location loc);

/// The name of a tmc op without its dialect ("gelu_tanh"), for messages.
template <typename OpTy> llvm::StringRef mnemonic() {
  return OpTy::getOperationName().drop_front(TmcDialect::getDialectNamespace().size() + 1);
}

/// Builds the ops of one call site, `loc`, into `graph`.
struct TensorOps {
  Graph &graph;
  mlir::Location loc;

  /// `x` as `to`; `x` itself when it already is.
  TensorObj *cast(TensorObj *x, mlir::Type to);
  /// A rank-0 constant.
  TensorObj *scalar(double v, mlir::Type elementType);

  template <typename OpTy> TensorObj *unary(TensorObj *x) {
    if (!mlir::isa<mlir::FloatType>(x->elementType))
      fail(loc, mnemonic<OpTy>() + " needs a floating-point tensor");
    return graph.createTensor<OpTy>(loc, x->dims, x->elementType, graph.use(x));
  }

  /// An elementwise op on `a` and `b` after PyTorch's type promotion and
  /// broadcasting.
  template <typename OpTy> TensorObj *binary(TensorObj *a, TensorObj *b) {
    llvm::SmallVector<Dim> dims = promoteAndBroadcast(a, b, mnemonic<OpTy>());
    mlir::Value lhs = graph.use(a), rhs = graph.use(b);
    return graph.createTensor<OpTy>(loc, dims, a->elementType, lhs, rhs);
  }

  /// A reduction over `axes` (all dimensions when empty).
  template <typename OpTy>
  TensorObj *reduce(TensorObj *x, llvm::SmallVector<int64_t> axes, bool keepdim) {
    llvm::SmallVector<Dim> dims = reducedDims(x, axes, keepdim);
    return graph.createTensor<OpTy>(loc, dims, x->elementType, graph.use(x), axes, keepdim);
  }

  /// `x` viewed as `requested`; at `inferAt` (when `hasInfer`) a -1.
  TensorObj *reshape(TensorObj *x, llvm::ArrayRef<Dim> requested, bool hasInfer, size_t inferAt);
  TensorObj *unsqueeze(TensorObj *x, int64_t dim);
  TensorObj *permute(TensorObj *x, llvm::ArrayRef<int64_t> perm);
  TensorObj *transpose(TensorObj *x, int64_t a, int64_t b);
  TensorObj *slice(TensorObj *x, int64_t dim, int64_t start, std::optional<int64_t> end,
                   int64_t step);
  TensorObj *concat(llvm::ArrayRef<TensorObj *> parts, int64_t dim);
  std::vector<TensorObj *> split(TensorObj *x, llvm::ArrayRef<int64_t> sizes, int64_t dim);
  /// `bias` may be null.
  TensorObj *linear(TensorObj *x, TensorObj *w, TensorObj *bias);
  TensorObj *embedding(TensorObj *ids, TensorObj *w);
  TensorObj *matmul(TensorObj *a, TensorObj *b);
  TensorObj *softmax(TensorObj *x, int64_t dim);
  TensorObj *pow(TensorObj *x, double exponent);
  /// F.layer_norm over the last dim, of `size`, in fp32 as PyTorch computes
  /// it; `weight` and `bias` may be null.
  TensorObj *layerNorm(TensorObj *x, int64_t size, TensorObj *weight, TensorObj *bias, double eps);

private:
  /// Casts `a` and `b` to their common element type; their broadcast shape.
  llvm::SmallVector<Dim> promoteAndBroadcast(TensorObj *&a, TensorObj *&b, llvm::StringRef what);
  /// Normalizes `axes` (all of `x`'s when empty); the reduction's shape.
  llvm::SmallVector<Dim> reducedDims(TensorObj *x, llvm::SmallVector<int64_t> &axes, bool keepdim);
};

} // namespace tmc::instantiate

#endif // TMC_PASSES_INSTANTIATE_TENSOROPS_H
