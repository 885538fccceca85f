//===- LinalgToBlas.cpp - f32 matmuls become cblas_sgemm calls --*- C++ -*-===//
//
// OpenBLAS's sgemm is far faster than loops the compiler generates today
// (docs/GEMM.md has the measurement), so the CPU pipeline hands it every
// row-major f32 matmul after bufferization. Operands are passed as the
// aligned pointer plus offset, and their leading strides as lda/ldb/ldc.
// The attention lowering's per-head contractions (q k^T and p v, generics
// over rank-4 tensors) are sgemms too, one per (batch, head); as scalar loops
// they were ~80% of the non-GEMM time of a Llama prefill
// (docs/CPU_PERFORMANCE.md).
//
// A product of one row (every matmul of a decode step) calls sgemv instead:
// OpenBLAS 0.3.21's sgemm packs all of B before multiplying, and for M = 1
// the packing costs more than the product (perf on a decode step: 60% of its
// time in sgemm_incopy; docs/BENCHMARKS.md).
//
//===----------------------------------------------------------------------===//

#include "ir/Tmc/TmcAttrs.h"
#include "targets/cpu/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/PatternMatch.h"

namespace tmc::cpu {
#define GEN_PASS_DEF_LINALGTOBLAS
#include "targets/cpu/Passes.h.inc"
} // namespace tmc::cpu

using namespace mlir;

namespace {

constexpr int32_t kRowMajor = 101, kNoTrans = 111, kTrans = 112;
constexpr StringLiteral kSgemm = "cblas_sgemm", kSgemv = "cblas_sgemv";

/// A row-major f32 matrix view: base pointer and leading dimension.
struct MatrixView {
  Value pointer; // !llvm.ptr to element (0, 0) of the first batch
  Value leading; // i32 stride of dim rank-2
  Value batchStride; // index stride of dim 0 for rank-3 views, else null
};

/// True when the innermost stride is statically 1 (sgemm needs it).
bool isRowMajorF32(Value value) {
  auto type = dyn_cast<MemRefType>(value.getType());
  if (!type || !type.getElementType().isF32())
    return false;
  SmallVector<int64_t> strides;
  int64_t offset;
  if (failed(type.getStridesAndOffset(strides, offset)))
    return false;
  return strides.back() == 1;
}

/// An !llvm.ptr to the first f32 element of `memref` (aligned pointer + offset).
Value firstElementPointer(OpBuilder &b, Location loc, Value memref,
                          memref::ExtractStridedMetadataOp metadata) {
  Value base = memref::ExtractAlignedPointerAsIndexOp::create(b, loc, memref);
  Value elementBytes = arith::ConstantIndexOp::create(b, loc, 4);
  Value byteOffset = arith::MulIOp::create(b, loc, metadata.getOffset(), elementBytes);
  Value address = arith::AddIOp::create(b, loc, base, byteOffset);
  Value addressI64 = arith::IndexCastOp::create(b, loc, b.getI64Type(), address);
  return LLVM::IntToPtrOp::create(b, loc, LLVM::LLVMPointerType::get(b.getContext()),
                                  addressI64);
}

MatrixView viewOf(OpBuilder &b, Location loc, Value memref) {
  auto metadata = memref::ExtractStridedMetadataOp::create(b, loc, memref);
  int64_t rank = cast<MemRefType>(memref.getType()).getRank();
  Value pointer = firstElementPointer(b, loc, memref, metadata);
  Value leading = arith::IndexCastOp::create(b, loc, b.getI32Type(),
                                             metadata.getStrides()[rank - 2]);
  return {pointer, leading, rank == 3 ? metadata.getStrides()[0] : Value()};
}

/// The view of batch `index`: the pointer advanced by index * batchStride.
Value batchPointer(OpBuilder &b, Location loc, const MatrixView &view, Value index) {
  Value elements = arith::MulIOp::create(b, loc, index, view.batchStride);
  Value elementsI64 = arith::IndexCastOp::create(b, loc, b.getI64Type(), elements);
  return LLVM::GEPOp::create(b, loc, view.pointer.getType(), b.getF32Type(), view.pointer,
                             ValueRange{elementsI64});
}

/// The matmuls sgemm computes: C += A B, C += A B^T, and batched C += A B.
bool isSgemmForm(linalg::LinalgOp op) {
  if (!op.hasPureBufferSemantics() || !llvm::all_of(op->getOperands(), isRowMajorF32))
    return false;
  if (auto batched = dyn_cast<linalg::BatchMatmulOp>(op.getOperation()))
    return linalg::BatchMatmulOp::isDefaultIndexingMaps(batched.getIndexingMaps());
  if (isa<linalg::MatmulTransposeBOp>(op.getOperation()))
    return true;
  if (auto matmul = dyn_cast<linalg::MatmulOp>(op.getOperation()))
    return linalg::MatmulOp::isDefaultIndexingMaps(matmul.getIndexingMaps());
  return false;
}


/// The attention contractions the lowering marked #tmc.head_contraction
/// (targets/cpu/attention), loops (b, h, i, j, k):
///   scores:  C[b,h,i,j] += A[b,h,i,k] * B[b,h/g,j,k]   (sgemm with B^T)
///   values:  C[b,h,i,j] += A[b,h,i,k] * B[b,h/g,k,j]   (sgemm with B)
/// g is the GQA group (kv heads are shared by g query heads). Each (b, h)
/// pair is one sgemm over rank-4 views whose innermost stride is 1.
std::optional<tmc::HeadContractionAttr> headContractionOf(linalg::GenericOp op) {
  auto mark = dyn_cast_if_present<tmc::HeadContractionAttr>(
      tmc::tmcDialect(op.getContext())->getHeadContractionAttrHelper().getAttr(op));
  if (!mark || !op.hasPureBufferSemantics() || op.getNumDpsInputs() != 2 ||
      op.getNumDpsInits() != 1 || !llvm::all_of(op->getOperands(), isRowMajorF32))
    return std::nullopt;
  return mark;
}

/// A rank-4 view: pointer to element 0 and its strides (index values).
struct HeadView {
  Value pointer;
  SmallVector<Value> strides;
};

HeadView headViewOf(OpBuilder &b, Location loc, Value memref) {
  auto metadata = memref::ExtractStridedMetadataOp::create(b, loc, memref);
  return {firstElementPointer(b, loc, memref, metadata),
          SmallVector<Value>(metadata.getStrides())};
}

/// The pointer of matrix [batch, head] of a rank-4 view.
Value headPointer(OpBuilder &b, Location loc, const HeadView &view, Value batch, Value head) {
  Value elements = arith::AddIOp::create(b, loc,
                                         arith::MulIOp::create(b, loc, batch, view.strides[0]),
                                         arith::MulIOp::create(b, loc, head, view.strides[1]));
  Value elementsI64 = arith::IndexCastOp::create(b, loc, b.getI64Type(), elements);
  return LLVM::GEPOp::create(b, loc, view.pointer.getType(), b.getF32Type(), view.pointer,
                             ValueRange{elementsI64});
}

/// The CBLAS functions the pass calls.
struct Blas {
  func::FuncOp sgemm, sgemv;
};

func::FuncOp declareFunction(ModuleOp module, StringRef name, ArrayRef<Type> argTypes) {
  if (auto existing = module.lookupSymbol<func::FuncOp>(name))
    return existing;
  OpBuilder b = OpBuilder::atBlockBegin(module.getBody());
  auto func = func::FuncOp::create(b, module.getLoc(), name, b.getFunctionType(argTypes, {}));
  func.setPrivate();
  return func;
}

Blas declareBlas(ModuleOp module) {
  Builder b(module.getContext());
  Type i32 = b.getI32Type(), f32 = b.getF32Type();
  Type ptr = LLVM::LLVMPointerType::get(b.getContext());
  // cblas_sgemm(order, transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc)
  // cblas_sgemv(order, trans, M, N, alpha, A, lda, x, incx, beta, y, incy)
  return {declareFunction(module, kSgemm,
                          {i32, i32, i32, i32, i32, i32, f32, ptr, i32, ptr, i32, f32, ptr, i32}),
          declareFunction(module, kSgemv,
                          {i32, i32, i32, i32, f32, ptr, i32, ptr, i32, f32, ptr, i32})};
}

/// C (M x N) += A (M x K) * op(B), where op(B) is B or B^T; sgemv when M is 1.
void callGemm(OpBuilder &b, Location loc, const Blas &blas, bool transposeB, Value m, Value n,
              Value k, Value a, Value lda, Value bPtr, Value ldb, Value c, Value ldc) {
  auto toI32 = [](OpBuilder &nb, Location l, Value v) -> Value {
    return arith::IndexCastOp::create(nb, l, nb.getI32Type(), v);
  };
  auto gemm = [&](OpBuilder &nb, Location l) {
    auto i32 = [&](int64_t v) { return arith::ConstantIntOp::create(nb, l, v, 32); };
    Value one = arith::ConstantOp::create(nb, l, nb.getF32FloatAttr(1.0f));
    func::CallOp::create(nb, l, blas.sgemm,
                         ValueRange{i32(kRowMajor), i32(kNoTrans),
                                    i32(transposeB ? kTrans : kNoTrans), toI32(nb, l, m),
                                    toI32(nb, l, n), toI32(nb, l, k), one, a, lda, bPtr, ldb, one,
                                    c, ldc});
  };
  // The row c (N) += op(B)^T a: B^T (N x K) is B itself read untransposed,
  // and B (K x N) is read transposed.
  auto gemv = [&](OpBuilder &nb, Location l) {
    auto i32 = [&](int64_t v) { return arith::ConstantIntOp::create(nb, l, v, 32); };
    Value one = arith::ConstantOp::create(nb, l, nb.getF32FloatAttr(1.0f));
    Value rows = toI32(nb, l, transposeB ? n : k), cols = toI32(nb, l, transposeB ? k : n);
    func::CallOp::create(nb, l, blas.sgemv,
                         ValueRange{i32(kRowMajor), i32(transposeB ? kNoTrans : kTrans), rows,
                                    cols, one, bPtr, ldb, a, i32(1), one, c, i32(1)});
  };
  if (std::optional<int64_t> rows = getConstantIntValue(m)) {
    *rows == 1 ? gemv(b, loc) : gemm(b, loc);
    return;
  }
  Value single = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, m,
                                       arith::ConstantIndexOp::create(b, loc, 1));
  scf::IfOp::create(
      b, loc, single,
      [&](OpBuilder &nb, Location l) {
        gemv(nb, l);
        scf::YieldOp::create(nb, l);
      },
      [&](OpBuilder &nb, Location l) {
        gemm(nb, l);
        scf::YieldOp::create(nb, l);
      });
}

struct LinalgToBlas : public tmc::cpu::impl::LinalgToBlasBase<LinalgToBlas> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<linalg::LinalgOp> matmuls;
    SmallVector<std::pair<linalg::GenericOp, tmc::HeadContractionAttr>> heads;
    module.walk([&](linalg::LinalgOp op) {
      if (isSgemmForm(op))
        matmuls.push_back(op);
      else if (auto generic = dyn_cast<linalg::GenericOp>(op.getOperation()))
        if (std::optional<tmc::HeadContractionAttr> match = headContractionOf(generic))
          heads.push_back({generic, *match});
    });
    if (matmuls.empty() && heads.empty())
      return;
    Blas blas = declareBlas(module);
    for (auto [op, match] : heads) {
      OpBuilder b(op);
      Location loc = op.getLoc();
      Value a = op.getDpsInputs()[0], bMat = op.getDpsInputs()[1], c = op.getDpsInits()[0];
      Value m = memref::DimOp::create(b, loc, c, 2);
      Value n = memref::DimOp::create(b, loc, c, 3);
      Value k = memref::DimOp::create(b, loc, a, 3);
      HeadView va = headViewOf(b, loc, a), vb = headViewOf(b, loc, bMat),
               vc = headViewOf(b, loc, c);
      auto toI32 = [&](Value v) { return arith::IndexCastOp::create(b, loc, b.getI32Type(), v); };
      Value lda = toI32(va.strides[2]), ldb = toI32(vb.strides[2]), ldc = toI32(vc.strides[2]);
      Value zero = arith::ConstantIndexOp::create(b, loc, 0);
      Value one = arith::ConstantIndexOp::create(b, loc, 1);
      Value group = arith::ConstantIndexOp::create(b, loc, match.getGroup());
      Value batches = memref::DimOp::create(b, loc, c, 0);
      Value headCount = memref::DimOp::create(b, loc, c, 1);
      scf::ForOp::create(
          b, loc, zero, batches, one, ValueRange{},
          [&](OpBuilder &outer, Location l, Value bi, ValueRange) {
            scf::ForOp::create(
                outer, l, zero, headCount, one, ValueRange{},
                [&](OpBuilder &inner, Location il, Value hi, ValueRange) {
                  Value kvHead = arith::DivUIOp::create(inner, il, hi, group);
                  callGemm(inner, il, blas, match.getTransposeB(), m, n, k,
                            headPointer(inner, il, va, bi, hi), lda,
                            headPointer(inner, il, vb, bi, kvHead), ldb,
                            headPointer(inner, il, vc, bi, hi), ldc);
                  scf::YieldOp::create(inner, il);
                });
            scf::YieldOp::create(outer, l);
          });
      op->erase();
    }
    for (linalg::LinalgOp op : matmuls) {
      OpBuilder b(op);
      Location loc = op.getLoc();
      Value a = op->getOperand(0), bMat = op->getOperand(1), c = op->getOperand(2);
      bool transposeB = isa<linalg::MatmulTransposeBOp>(op.getOperation());
      int64_t rank = cast<MemRefType>(c.getType()).getRank();
      Value m = memref::DimOp::create(b, loc, c, rank - 2);
      Value n = memref::DimOp::create(b, loc, c, rank - 1);
      Value k = memref::DimOp::create(b, loc, a, rank - 1);
      MatrixView va = viewOf(b, loc, a), vb = viewOf(b, loc, bMat), vc = viewOf(b, loc, c);
      if (rank == 2) {
        callGemm(b, loc, blas, transposeB, m, n, k, va.pointer, va.leading, vb.pointer,
                  vb.leading, vc.pointer, vc.leading);
      } else {
        Value zero = arith::ConstantIndexOp::create(b, loc, 0);
        Value one = arith::ConstantIndexOp::create(b, loc, 1);
        Value batches = memref::DimOp::create(b, loc, c, 0);
        scf::ForOp::create(b, loc, zero, batches, one, ValueRange{},
                           [&](OpBuilder &nested, Location l, Value i, ValueRange) {
                             callGemm(nested, l, blas, transposeB, m, n, k,
                                       batchPointer(nested, l, va, i), va.leading,
                                       batchPointer(nested, l, vb, i), vb.leading,
                                       batchPointer(nested, l, vc, i), vc.leading);
                             scf::YieldOp::create(nested, l);
                           });
      }
      op->erase();
    }
  }
};
} // namespace
