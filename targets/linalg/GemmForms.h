//===- GemmForms.h - the matmuls a GEMM library computes --------*- C++ -*-===//
//
// After bufferization, each target hands some linalg contractions to a GEMM
// library (OpenBLAS on the CPU, cuBLASLt on CUDA). This finds them, the same
// way for both: C += A op(B) over views whose innermost stride is 1, as a
// plain, a batched or an attention head contraction, and gives the address
// arithmetic the calls need.
//
//===----------------------------------------------------------------------===//

#ifndef TMC_TARGETS_LINALG_GEMMFORMS_H
#define TMC_TARGETS_LINALG_GEMMFORMS_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/Builders.h"

#include "llvm/ADT/STLFunctionalExtras.h"

#include <optional>

namespace tmc::lowering {

/// One contraction a library computes: C += A op(B), op(B) being B or B^T.
struct GemmForm {
  enum class Kind {
    /// Rank 2: C[m, n] += A[m, k] op(B).
    Matrix,
    /// Rank 3, linalg.batch_matmul: one matrix product per leading index.
    Batched,
    /// Rank 4, an attention lowering's contraction marked
    /// #tmc.head_contraction, loops (b, h, i, j, k):
    ///   scores:  C[b,h,i,j] += A[b,h,i,k] * B[b,h/g,j,k]   (B^T)
    ///   values:  C[b,h,i,j] += A[b,h,i,k] * B[b,h/g,k,j]   (B)
    /// g (`group`) query heads share one key/value head under GQA.
    HeadContraction,
  };
  Kind kind;
  bool transposeB;
  int64_t group = 1;
  mlir::Value a, b, c;
};

/// `op` as a GemmForm when it is one on buffers whose element types satisfy
/// `elementTypeOk` (the same for A, B and C) and whose innermost strides are
/// statically 1. With `f32Result`, C may also be f32 under A and B of
/// another accepted type: a bf16 linear whose products are summed and kept
/// in f32.
std::optional<GemmForm> matchGemm(mlir::linalg::LinalgOp op,
                                  llvm::function_ref<bool(mlir::Type)> elementTypeOk,
                                  bool f32Result = false);

/// Whether `memref`'s innermost stride is statically 1: rows a library or a
/// vector load reads contiguously.
bool hasUnitInnerStride(mlir::Value memref);

/// An !llvm.ptr to the first element of `memref` (its aligned pointer plus
/// its offset); `metadata` is its extract_strided_metadata.
mlir::Value firstElementPointer(mlir::OpBuilder &b, mlir::Location loc, mlir::Value memref,
                                mlir::memref::ExtractStridedMetadataOp metadata);

/// `pointer` advanced by `elements` elements of `elementType`.
mlir::Value advancePointer(mlir::OpBuilder &b, mlir::Location loc, mlir::Value pointer,
                           mlir::Type elementType, mlir::Value elements);

} // namespace tmc::lowering

#endif // TMC_TARGETS_LINALG_GEMMFORMS_H
