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

#include "targets/cpu/Passes.h"
#include "targets/linalg/GemmForms.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/PatternMatch.h"

namespace tmc::cpu {
#define GEN_PASS_DEF_LINALGTOBLAS
#include "targets/cpu/Passes.h.inc"
} // namespace tmc::cpu

using namespace mlir;
using tmc::lowering::GemmForm;
using tmc::lowering::matchGemm;

namespace {

constexpr int32_t kRowMajor = 101, kNoTrans = 111, kTrans = 112;
constexpr StringLiteral kSgemm = "cblas_sgemm", kSgemv = "cblas_sgemv";

/// A row-major f32 matrix view: base pointer and leading dimension.
struct MatrixView {
  Value pointer; // !llvm.ptr to element (0, 0) of the first batch
  Value leading; // i32 stride of dim rank-2
  Value batchStride; // index stride of dim 0 for rank-3 views, else null
};

MatrixView viewOf(OpBuilder &b, Location loc, Value memref) {
  auto metadata = memref::ExtractStridedMetadataOp::create(b, loc, memref);
  int64_t rank = cast<MemRefType>(memref.getType()).getRank();
  Value pointer = tmc::lowering::firstElementPointer(b, loc, memref, metadata);
  Value leading = arith::IndexCastOp::create(b, loc, b.getI32Type(),
                                             metadata.getStrides()[rank - 2]);
  return {pointer, leading, rank == 3 ? metadata.getStrides()[0] : Value()};
}

/// The view of batch `index`: the pointer advanced by index * batchStride.
Value batchPointer(OpBuilder &b, Location loc, const MatrixView &view, Value index) {
  Value elements = arith::MulIOp::create(b, loc, index, view.batchStride);
  return tmc::lowering::advancePointer(b, loc, view.pointer, b.getF32Type(), elements);
}

/// A rank-4 view: pointer to element 0 and its strides (index values).
struct HeadView {
  Value pointer;
  SmallVector<Value> strides;
};

HeadView headViewOf(OpBuilder &b, Location loc, Value memref) {
  auto metadata = memref::ExtractStridedMetadataOp::create(b, loc, memref);
  return {tmc::lowering::firstElementPointer(b, loc, memref, metadata),
          SmallVector<Value>(metadata.getStrides())};
}

/// The pointer of matrix [batch, head] of a rank-4 view.
Value headPointer(OpBuilder &b, Location loc, const HeadView &view, Value batch, Value head) {
  Value elements = arith::AddIOp::create(b, loc,
                                         arith::MulIOp::create(b, loc, batch, view.strides[0]),
                                         arith::MulIOp::create(b, loc, head, view.strides[1]));
  return tmc::lowering::advancePointer(b, loc, view.pointer, b.getF32Type(), elements);
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

/// C (M x N) += A (M x K) * op(B), where op(B) is B or B^T; sgemv when M is 1
/// (tested at run time unless M is a constant or `rows` says which).
enum class Rows { Unknown, One, Several };
void callGemm(OpBuilder &b, Location loc, const Blas &blas, bool transposeB, Value m, Value n,
              Value k, Value a, Value lda, Value bPtr, Value ldb, Value c, Value ldc, float beta,
              Rows rows = Rows::Unknown) {
  auto toI32 = [](OpBuilder &nb, Location l, Value v) -> Value {
    return arith::IndexCastOp::create(nb, l, nb.getI32Type(), v);
  };
  auto gemm = [&](OpBuilder &nb, Location l) {
    auto i32 = [&](int64_t v) { return arith::ConstantIntOp::create(nb, l, v, 32); };
    Value one = arith::ConstantOp::create(nb, l, nb.getF32FloatAttr(1.0f));
    Value scale = arith::ConstantOp::create(nb, l, nb.getF32FloatAttr(beta));
    func::CallOp::create(nb, l, blas.sgemm,
                         ValueRange{i32(kRowMajor), i32(kNoTrans),
                                    i32(transposeB ? kTrans : kNoTrans), toI32(nb, l, m),
                                    toI32(nb, l, n), toI32(nb, l, k), one, a, lda, bPtr, ldb, scale,
                                    c, ldc});
  };
  // The row c (N) += op(B)^T a: B^T (N x K) is B itself read untransposed,
  // and B (K x N) is read transposed.
  auto gemv = [&](OpBuilder &nb, Location l) {
    auto i32 = [&](int64_t v) { return arith::ConstantIntOp::create(nb, l, v, 32); };
    Value one = arith::ConstantOp::create(nb, l, nb.getF32FloatAttr(1.0f));
    Value scale = arith::ConstantOp::create(nb, l, nb.getF32FloatAttr(beta));
    Value rows = toI32(nb, l, transposeB ? n : k), cols = toI32(nb, l, transposeB ? k : n);
    func::CallOp::create(nb, l, blas.sgemv,
                         ValueRange{i32(kRowMajor), i32(transposeB ? kNoTrans : kTrans), rows, cols,
                                    one, bPtr, ldb, a, i32(1), scale, c, i32(1)});
  };
  if (std::optional<int64_t> constant = getConstantIntValue(m))
    rows = *constant == 1 ? Rows::One : Rows::Several;
  if (rows != Rows::Unknown) {
    rows == Rows::One ? gemv(b, loc) : gemm(b, loc);
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

/// One sgemm per (batch, head) of a head contraction.
void callHeadContraction(OpBuilder &b, Location loc, const Blas &blas, const GemmForm &form,
                         float beta) {
  Value m = memref::DimOp::create(b, loc, form.c, 2);
  Value n = memref::DimOp::create(b, loc, form.c, 3);
  Value k = memref::DimOp::create(b, loc, form.a, 3);
  HeadView va = headViewOf(b, loc, form.a), vb = headViewOf(b, loc, form.b),
           vc = headViewOf(b, loc, form.c);
  auto toI32 = [&](Value v) { return arith::IndexCastOp::create(b, loc, b.getI32Type(), v); };
  Value lda = toI32(va.strides[2]), ldb = toI32(vb.strides[2]), ldc = toI32(vc.strides[2]);
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  Value group = arith::ConstantIndexOp::create(b, loc, form.group);
  Value batches = memref::DimOp::create(b, loc, form.c, 0);
  Value headCount = memref::DimOp::create(b, loc, form.c, 1);
  // The heads run across the cores, each product on its core's thread (the
  // OpenMP build of OpenBLAS does not split a call made inside a parallel
  // loop): a decode step's 1 x 64 x context products are too small to split.
  // The body stays one block (sgemv or sgemm chosen outside it): an
  // iteration with a call keeps convert-scf-to-openmp's alloca_scope, which
  // cannot hold blocks.
  // One head (a block of attention rows, itself an iteration of a parallel
  // loop) is one call.
  auto cType = cast<MemRefType>(form.c.getType());
  bool oneHead = cType.getDimSize(0) == 1 && cType.getDimSize(1) == 1;
  auto forEachHead = [&](OpBuilder &ob, Location ol, Rows rows) {
    if (oneHead) {
      callGemm(ob, ol, blas, form.transposeB, m, n, k, headPointer(ob, ol, va, zero, zero), lda,
               headPointer(ob, ol, vb, zero, zero), ldb, headPointer(ob, ol, vc, zero, zero), ldc,
               beta, rows);
      return;
    }
    scf::ParallelOp::create(
        ob, ol, ValueRange{zero, zero}, ValueRange{batches, headCount}, ValueRange{one, one},
        [&](OpBuilder &inner, Location il, ValueRange indices) {
          Value bi = indices[0], hi = indices[1];
          Value kvHead = arith::DivUIOp::create(inner, il, hi, group);
          callGemm(inner, il, blas, form.transposeB, m, n, k, headPointer(inner, il, va, bi, hi),
                   lda, headPointer(inner, il, vb, bi, kvHead), ldb,
                   headPointer(inner, il, vc, bi, hi), ldc, beta, rows);
        });
  };
  if (std::optional<int64_t> constant = getConstantIntValue(m)) {
    forEachHead(b, loc, *constant == 1 ? Rows::One : Rows::Several);
    return;
  }
  Value single = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, m, one);
  scf::IfOp::create(
      b, loc, single,
      [&](OpBuilder &nb, Location l) {
        forEachHead(nb, l, Rows::One);
        scf::YieldOp::create(nb, l);
      },
      [&](OpBuilder &nb, Location l) {
        forEachHead(nb, l, Rows::Several);
        scf::YieldOp::create(nb, l);
      });
}

/// One sgemm, or one per batch of a batched matmul.
void callMatmul(OpBuilder &b, Location loc, const Blas &blas, const GemmForm &form, float beta) {
  int64_t rank = cast<MemRefType>(form.c.getType()).getRank();
  Value m = memref::DimOp::create(b, loc, form.c, rank - 2);
  Value n = memref::DimOp::create(b, loc, form.c, rank - 1);
  Value k = memref::DimOp::create(b, loc, form.a, rank - 1);
  MatrixView va = viewOf(b, loc, form.a), vb = viewOf(b, loc, form.b),
             vc = viewOf(b, loc, form.c);
  if (rank == 2) {
    callGemm(b, loc, blas, form.transposeB, m, n, k, va.pointer, va.leading, vb.pointer, vb.leading,
             vc.pointer, vc.leading, beta);
    return;
  }
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  Value batches = memref::DimOp::create(b, loc, form.c, 0);
  scf::ForOp::create(b, loc, zero, batches, one, ValueRange{},
                     [&](OpBuilder &nested, Location l, Value i, ValueRange) {
                       callGemm(nested, l, blas, form.transposeB, m, n, k,
                                batchPointer(nested, l, va, i), va.leading,
                                batchPointer(nested, l, vb, i), vb.leading,
                                batchPointer(nested, l, vc, i), vc.leading, beta);
                       scf::YieldOp::create(nested, l);
                     });
}

/// The linalg.fill of zeros that `gemm` accumulates onto, when it is the
/// last op before it that touches memory and fills exactly C: the library
/// then writes C with beta = 0 instead of reading the zeros back (a memset
/// of every product's output, 2% of an F32 prefill).
linalg::FillOp zeroFillOf(Operation *gemm, Value c) {
  for (Operation *op = gemm->getPrevNode(); op; op = op->getPrevNode()) {
    auto fill = dyn_cast<linalg::FillOp>(op);
    if (!fill) {
      if (isMemoryEffectFree(op))
        continue;
      return nullptr;
    }
    if (fill.getOutputs()[0] != c || !matchPattern(fill.value(), m_AnyZeroFloat()))
      return nullptr;
    return fill;
  }
  return nullptr;
}

struct LinalgToBlas : public tmc::cpu::impl::LinalgToBlasBase<LinalgToBlas> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<std::pair<Operation *, GemmForm>> gemms;
    module.walk([&](linalg::LinalgOp op) {
      if (std::optional<GemmForm> form = matchGemm(op, [](Type t) { return t.isF32(); }))
        gemms.push_back({op, *form});
    });
    if (gemms.empty())
      return;
    Blas blas = declareBlas(module);
    for (auto [op, form] : gemms) {
      OpBuilder b(op);
      Location loc = op->getLoc();
      float beta = 1.0f;
      if (linalg::FillOp fill = zeroFillOf(op, form.c)) {
        fill.erase();
        beta = 0.0f;
      }
      if (form.kind == GemmForm::Kind::HeadContraction)
        callHeadContraction(b, loc, blas, form, beta);
      else
        callMatmul(b, loc, blas, form, beta);
      op->erase();
    }
  }
};
} // namespace
