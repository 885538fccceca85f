//===- LinalgToCublas.cpp - matmuls become cuBLASLt calls -------*- C++ -*-===//
//
// Every contraction a GEMM library computes (targets/linalg/GemmForms.h)
// becomes one call of the runtime's `tmc_cuda_gemm` (runtime/cuda/CudaAbi.h),
// a strided batch of products on device memory; a bf16 or f16 product may
// keep its sum in an f32 C (a bf16 model's linears do). A C that was just
// filled with zeros is overwritten instead (beta 0), without the fill; when
// all that reads such an f32 C is its rounding to the inputs' type, the
// GEMM writes the rounded buffer itself, without that kernel. A head
// contraction batches the query heads of one GQA group against their shared
// key/value head (B's stride 0), so K and V are read in place, never
// repeated.
//
//===----------------------------------------------------------------------===//

#include "runtime/cuda/CudaAbi.h"
#include "targets/cuda/Passes.h"
#include "targets/linalg/GemmForms.h"
#include "targets/linalg/RuntimeDType.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/Matchers.h"

namespace tmc::cuda {
#define GEN_PASS_DEF_LINALGTOCUBLAS
#include "targets/cuda/Passes.h.inc"
} // namespace tmc::cuda

using namespace mlir;
using tmc::lowering::GemmForm;

namespace {

constexpr StringLiteral kGemm = "tmc_cuda_gemm";

bool isCublasElement(Type type) { return type.isF32() || type.isBF16() || type.isF16(); }

/// One operand: the pointer to its first matrix, its leading dimension and
/// its strides, all as the call takes them.
struct Operand {
  Value pointer;
  Value leading;
  SmallVector<Value> strides; // index values
  Type element;
};

Operand operandOf(OpBuilder &b, Location loc, Value memref) {
  auto metadata = memref::ExtractStridedMetadataOp::create(b, loc, memref);
  int64_t rank = cast<MemRefType>(memref.getType()).getRank();
  return {tmc::lowering::firstElementPointer(b, loc, memref, metadata),
          arith::IndexCastOp::create(b, loc, b.getI64Type(), metadata.getStrides()[rank - 2]),
          SmallVector<Value>(metadata.getStrides()),
          cast<MemRefType>(memref.getType()).getElementType()};
}

struct GemmCall {
  func::FuncOp callee;
  Value dtype, cDtype, transposeB, accumulate, m, n, k;

  void emit(OpBuilder &b, Location loc, Value a, Value lda, Value strideA, Value bPtr, Value ldb,
            Value strideB, Value c, Value ldc, Value strideC, Value batch) const {
    auto i64 = [&](Value index) {
      return arith::IndexCastOp::create(b, loc, b.getI64Type(), index).getResult();
    };
    func::CallOp::create(b, loc, callee,
                         ValueRange{dtype, cDtype, transposeB, accumulate, m, n, k, a, lda,
                                    i64(strideA), bPtr, ldb, i64(strideB), c, ldc, i64(strideC),
                                    i64(batch)});
  }
};

func::FuncOp declareGemm(ModuleOp module) {
  if (auto existing = module.lookupSymbol<func::FuncOp>(kGemm))
    return existing;
  OpBuilder b = OpBuilder::atBlockBegin(module.getBody());
  Type i32 = b.getI32Type(), i64 = b.getI64Type();
  Type ptr = LLVM::LLVMPointerType::get(b.getContext());
  auto type = b.getFunctionType(
      {i32, i32, i32, i32, i64, i64, i64, ptr, i64, i64, ptr, i64, i64, ptr, i64, i64, i64}, {});
  auto func = func::FuncOp::create(b, module.getLoc(), kGemm, type);
  func.setPrivate();
  return func;
}

/// The linalg.fill of zeros that last wrote `op`'s C before it, when no
/// other op touches C in between: the GEMM then overwrites C (beta 0)
/// instead of adding to zeros, and the fill's kernel is not needed.
linalg::FillOp zeroFillOf(Operation *op, Value c) {
  for (Operation *before = op->getPrevNode(); before; before = before->getPrevNode()) {
    if (!llvm::is_contained(before->getOperands(), c))
      continue;
    auto fill = dyn_cast<linalg::FillOp>(before);
    if (fill && fill.getDpsInits()[0] == c && matchPattern(fill.value(), m_AnyZeroFloat()))
      return fill;
    return nullptr;
  }
  return nullptr;
}

/// `user` or its ancestor in `block`.
Operation *inBlock(Operation *user, Block *block) {
  while (user && user->getBlock() != block)
    user = user->getParentOp();
  return user;
}

/// Whether `op` only rounds `c` elementwise into an `element` buffer.
bool roundsInto(linalg::GenericOp op, Value c, Type element) {
  if (op.getNumDpsInputs() != 1 || op.getDpsInputOperand(0)->get() != c ||
      op.getNumDpsInits() != 1 || !op.hasPureBufferSemantics() ||
      op.getNumParallelLoops() != op.getNumLoops() ||
      !llvm::all_of(op.getIndexingMapsArray(), [](AffineMap map) { return map.isIdentity(); }))
    return false;
  Block *body = op.getBody();
  auto round = dyn_cast<arith::TruncFOp>(body->front());
  return round && round.getIn() == body->getArgument(0) && round.getType() == element &&
         cast<linalg::YieldOp>(body->getTerminator()).getOperand(0) == round.getResult() &&
         std::next(body->begin(), 2) == body->end();
}

/// The rounding that alone reads a bf16/f16 GEMM's f32 C (a bf16 linear's
/// output, rounded back to bf16) into a buffer allocated after the GEMM and
/// touched by nothing before the rounding: the GEMM can write that buffer
/// itself, rounding once from its f32 sums as the rounding would.
linalg::GenericOp roundingOf(Operation *gemm, const GemmForm &form) {
  Type inputs = cast<MemRefType>(form.a.getType()).getElementType();
  if (!cast<MemRefType>(form.c.getType()).getElementType().isF32() || inputs.isF32())
    return nullptr;
  Block *block = gemm->getBlock();
  linalg::GenericOp rounding;
  for (Operation *user : form.c.getUsers()) {
    Operation *at = inBlock(user, block);
    // Sizes, frees and the address the deallocation tables compare are no reads.
    if (user == gemm ||
        isa<memref::DeallocOp, memref::DimOp, memref::ExtractAlignedPointerAsIndexOp>(user) ||
        (isa<linalg::FillOp>(user) && at && at->isBeforeInBlock(gemm)))
      continue;
    auto generic = dyn_cast<linalg::GenericOp>(user);
    if (!generic || rounding || generic->getBlock() != block || !gemm->isBeforeInBlock(generic) ||
        !roundsInto(generic, form.c, inputs))
      return nullptr;
    rounding = generic;
  }
  if (!rounding)
    return nullptr;
  Value out = rounding.getDpsInitOperand(0)->get();
  auto alloc = out.getDefiningOp<memref::AllocOp>();
  if (!alloc || alloc->getBlock() != block || !gemm->isBeforeInBlock(alloc) ||
      !tmc::lowering::hasUnitInnerStride(out) ||
      llvm::any_of(alloc->getOperands(), [&](Value size) {
        Operation *def = size.getDefiningOp();
        return def && def->getBlock() == block && !def->isBeforeInBlock(gemm);
      }))
    return nullptr;
  for (Operation *user : out.getUsers()) {
    Operation *at = inBlock(user, block);
    if (user != rounding && !isa<memref::DimOp, memref::ExtractAlignedPointerAsIndexOp>(user) &&
        (!at || at->isBeforeInBlock(rounding)))
      return nullptr;
  }
  return rounding;
}

void lowerGemm(OpBuilder &b, Location loc, func::FuncOp callee, const GemmForm &form,
               bool accumulate) {
  int64_t rank = cast<MemRefType>(form.c.getType()).getRank();
  Type element = cast<MemRefType>(form.a.getType()).getElementType();
  Type cElement = cast<MemRefType>(form.c.getType()).getElementType();
  auto i64Dim = [&](Value memref, int64_t dim) {
    return arith::IndexCastOp::create(b, loc, b.getI64Type(),
                                      memref::DimOp::create(b, loc, memref, dim))
        .getResult();
  };
  auto code = [&](Type type) {
    return arith::ConstantIntOp::create(b, loc, *tmc::lowering::runtimeDTypeCode(type), 32);
  };
  GemmCall call{callee,
                code(element),
                code(cElement),
                arith::ConstantIntOp::create(b, loc, form.transposeB ? 1 : 0, 32),
                arith::ConstantIntOp::create(b, loc, accumulate ? 1 : 0, 32),
                i64Dim(form.c, rank - 2),
                i64Dim(form.c, rank - 1),
                i64Dim(form.a, rank - 1)};
  Operand a = operandOf(b, loc, form.a), bOp = operandOf(b, loc, form.b),
          c = operandOf(b, loc, form.c);
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  switch (form.kind) {
  case GemmForm::Kind::Matrix:
    call.emit(b, loc, a.pointer, a.leading, zero, bOp.pointer, bOp.leading, zero, c.pointer,
              c.leading, zero, one);
    return;
  case GemmForm::Kind::Batched:
    call.emit(b, loc, a.pointer, a.leading, a.strides[0], bOp.pointer, bOp.leading,
              bOp.strides[0], c.pointer, c.leading, c.strides[0],
              memref::DimOp::create(b, loc, form.c, 0));
    return;
  case GemmForm::Kind::HeadContraction: {
    // For each (batch, key/value head): the `group` query heads that share it.
    Value group = arith::ConstantIndexOp::create(b, loc, form.group);
    Value batches = memref::DimOp::create(b, loc, form.c, 0);
    Value kvHeads = arith::DivUIOp::create(b, loc, memref::DimOp::create(b, loc, form.c, 1), group);
    auto at = [&](OpBuilder &nb, Location l, const Operand &operand, Value batch, Value head) {
      Value elements = arith::AddIOp::create(
          nb, l, arith::MulIOp::create(nb, l, batch, operand.strides[0]),
          arith::MulIOp::create(nb, l, head, operand.strides[1]));
      return tmc::lowering::advancePointer(nb, l, operand.pointer, operand.element, elements);
    };
    scf::ForOp::create(
        b, loc, zero, batches, one, ValueRange{},
        [&](OpBuilder &outer, Location l, Value bi, ValueRange) {
          scf::ForOp::create(
              outer, l, zero, kvHeads, one, ValueRange{},
              [&](OpBuilder &inner, Location il, Value kv, ValueRange) {
                Value firstHead = arith::MulIOp::create(inner, il, kv, group);
                call.emit(inner, il, at(inner, il, a, bi, firstHead), a.leading, a.strides[1],
                          at(inner, il, bOp, bi, kv), bOp.leading, zero,
                          at(inner, il, c, bi, firstHead), c.leading, c.strides[1], group);
                scf::YieldOp::create(inner, il);
              });
          scf::YieldOp::create(outer, l);
        });
    return;
  }
  }
}

struct LinalgToCublas : public tmc::cuda::impl::LinalgToCublasBase<LinalgToCublas> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<std::pair<Operation *, GemmForm>> gemms;
    module.walk([&](linalg::LinalgOp op) {
      if (std::optional<GemmForm> form =
              tmc::lowering::matchGemm(op, isCublasElement, /*f32Result=*/true))
        gemms.push_back({op, *form});
    });
    if (gemms.empty())
      return;
    func::FuncOp callee = declareGemm(module);
    for (auto [op, form] : gemms) {
      OpBuilder b(op);
      linalg::FillOp zeros = zeroFillOf(op, form.c);
      linalg::GenericOp rounding = zeros ? roundingOf(op, form) : nullptr;
      GemmForm written = form;
      if (rounding) {
        // The f32 C is never written; the deallocation code may still name it.
        written.c = rounding.getDpsInitOperand(0)->get();
        written.c.getDefiningOp()->moveBefore(op);
      }
      lowerGemm(b, op->getLoc(), callee, written, /*accumulate=*/!zeros);
      op->erase();
      if (zeros)
        zeros->erase();
      if (rounding)
        rounding->erase();
    }
  }
};
} // namespace
