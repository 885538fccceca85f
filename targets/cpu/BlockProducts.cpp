//===- BlockProducts.cpp - vector code for products over blocks -*- C++ -*-===//
//
// A linear over a weight in llama.cpp's blocks arrives as a scalar generic
// that decodes each weight value where the product reads it
// (passes/conversion/TmcToLinalg/StoredWeights.cpp): correct, but it spends
// a dozen scalar operations per value. Decode is bound by the bytes of
// weights it reads per token, so the product has to decode faster than memory
// delivers blocks: here each block of 32 values is loaded as one vector of
// bytes, split and converted in vector registers, and multiplied with its 32
// inputs, with the block's scale applied once to the block's partial sums.
//
//===----------------------------------------------------------------------===//

#include "ir/Tmc/TmcOps.h"
#include "targets/cpu/Passes.h"
#include "targets/linalg/GemmForms.h"

#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/PatternMatch.h"

namespace tmc::cpu {
#define GEN_PASS_DEF_CPUBLOCKPRODUCTS
#include "targets/cpu/Passes.h.inc"
} // namespace tmc::cpu

using namespace mlir;
using tmc::lowering::hasUnitInnerStride;

namespace {

/// C[m, n] += sum_k x[m, k] * w[n, k] over a weight in blocks (`format`:
/// q8_0, q4_0, q4_1; `blocks` holds them) or in a narrow float type
/// (`format` empty; `blocks` is the [N, K] bf16 or f16 weight).
struct BlockProduct {
  StringRef format;
  Value x, c, blocks;
};

/// A transposed-B matmul of f32 inputs with a bf16 or f16 weight (a linear
/// over weights stored narrower, tmc-store-weights) whose rows are whole
/// vectors of 16.
std::optional<BlockProduct> matchNarrowWeightProduct(linalg::LinalgOp op) {
  if (!isa<linalg::MatmulTransposeBOp>(op.getOperation()) || !op.hasPureBufferSemantics())
    return std::nullopt;
  Value x = op->getOperand(0), w = op->getOperand(1), c = op->getOperand(2);
  auto wType = cast<MemRefType>(w.getType());
  Type wElement = wType.getElementType();
  if (!(wElement.isBF16() || wElement.isF16()) ||
      !cast<MemRefType>(x.getType()).getElementType().isF32() ||
      !cast<MemRefType>(c.getType()).getElementType().isF32() ||
      ShapedType::isDynamic(wType.getDimSize(1)) || wType.getDimSize(1) % 16 != 0 ||
      !hasUnitInnerStride(x) || !hasUnitInnerStride(w))
    return std::nullopt;
  return BlockProduct{"", x, c, w};
}

std::optional<BlockProduct> matchBlockProduct(linalg::GenericOp generic) {
  StringAttr format =
      tmc::tmcDialect(generic.getContext())->getBlockProductAttrHelper().getAttr(generic);
  if (!format || !generic.hasPureBufferSemantics() || generic.getNumDpsInputs() != 1 ||
      generic.getNumDpsInits() != 1)
    return std::nullopt;
  Value blocks;
  generic.getRegion().walk([&](memref::LoadOp load) {
    if (!generic.getRegion().isAncestor(load.getMemRef().getParentRegion()))
      blocks = load.getMemRef();
  });
  // Vector loads read rows of the inputs and of each block.
  if (!blocks || !hasUnitInnerStride(blocks) ||
      !hasUnitInnerStride(generic.getDpsInputOperand(0)->get()))
    return std::nullopt;
  return BlockProduct{format.getValue(), generic.getDpsInputOperand(0)->get(),
                      generic.getDpsInitOperand(0)->get(), blocks};
}

/// Rows of inputs that one pass over a weight row multiplies: a prompt's
/// rows share each decoded block four at a time.
constexpr int64_t kRowTile = 4;
/// How far ahead of the row being multiplied its blocks are prefetched.
constexpr int64_t kPrefetchRows = 8;

class Builder {
public:
  Builder(OpBuilder &b, Location loc) : b(b), loc(loc) {}

  Value index(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }
  VectorType vector(int64_t lanes, Type element) { return VectorType::get({lanes}, element); }
  Value splat(VectorType type, Attribute value) {
    return arith::ConstantOp::create(b, loc, DenseElementsAttr::get(type, value));
  }
  Value broadcast(VectorType type, Value scalar) {
    return vector::BroadcastOp::create(b, loc, type, scalar);
  }
  /// The f16 in word `word` of block (n, block), as f32.
  Value half(Value blocks, Value n, Value block, int64_t word) {
    Value bits = memref::LoadOp::create(b, loc, blocks, ValueRange{n, block, index(word)});
    return arith::ExtFOp::create(b, loc, b.getF32Type(),
                                 arith::BitcastOp::create(b, loc, b.getF16Type(), bits).getResult());
  }
  /// `bytes` bytes of block (n, block) from word `word` on.
  Value bytes(Value blocks, Value n, Value block, int64_t word, int64_t count) {
    Value words = vector::LoadOp::create(b, loc, vector(count / 2, b.getI16Type()), blocks,
                                         ValueRange{n, block, index(word)});
    return vector::BitCastOp::create(b, loc, vector(count, b.getI8Type()), words);
  }
  /// `lanes` inputs of row m from column `column` on.
  Value inputs(Value x, Value m, Value column, int64_t lanes) {
    return vector::LoadOp::create(b, loc, vector(lanes, b.getF32Type()), x,
                                  ValueRange{m, column});
  }
  /// Requests the weight's row n + kPrefetchRows (this thread's rows ahead;
  /// at most `lastRow`) at the same `position` as row n now: without it the
  /// products wait on memory (perf: 40% of the samples on the blocks' loads)
  /// and decode reads at a fifth of the bandwidth.
  void prefetchAhead(Value weight, Value n, Value lastRow, Value position,
                     Value word = Value()) {
    Value ahead = arith::MinUIOp::create(
        b, loc, arith::AddIOp::create(b, loc, n, index(kPrefetchRows)), lastRow);
    SmallVector<Value> indices{ahead, position};
    if (word)
      indices.push_back(word);
    memref::PrefetchOp::create(b, loc, weight, indices, /*isWrite=*/false, /*localityHint=*/3,
                               /*isDataCache=*/true);
  }
  Value fma(Value a, Value x, Value acc) { return vector::FMAOp::create(b, loc, a, x, acc); }
  Value sum(Value v) {
    auto reduction = vector::ReductionOp::create(b, loc, vector::CombiningKind::ADD, v);
    reduction.setFastmathAttr(
        arith::FastMathFlagsAttr::get(b.getContext(), arith::FastMathFlags::reassoc));
    return reduction;
  }

  OpBuilder &b;
  Location loc;
};


/// sum_k x[m, k] * w[n, k] for each m of `ms`, over row n of a bf16 or f16
/// weight, 16 columns at a time.
SmallVector<Value> narrowRowProducts(OpBuilder &b, Location loc, const BlockProduct &p,
                                     ArrayRef<Value> ms, Value n, Value lastRow) {
  Builder k(b, loc);
  auto wType = cast<MemRefType>(p.blocks.getType());
  VectorType acc = k.vector(16, b.getF32Type());
  SmallVector<Value> init(ms.size(), k.splat(acc, b.getF32FloatAttr(0)));
  auto loop = scf::ForOp::create(
      b, loc, k.index(0), k.index(wType.getDimSize(1)), k.index(16), init,
      [&](OpBuilder &nb, Location l, Value column, ValueRange sums) {
        Builder v(nb, l);
        v.prefetchAhead(p.blocks, n, lastRow, column);
        Value stored = vector::LoadOp::create(nb, l, v.vector(16, wType.getElementType()),
                                              p.blocks, ValueRange{n, column});
        Value weights = arith::ExtFOp::create(nb, l, acc, stored);
        SmallVector<Value> next;
        for (auto [m, sum] : llvm::zip(ms, sums))
          next.push_back(v.fma(weights, v.inputs(p.x, m, column, 16), sum));
        scf::YieldOp::create(nb, l, next);
      });
  SmallVector<Value> totals;
  for (Value sum : loop.getResults())
    totals.push_back(k.sum(sum));
  return totals;
}

/// sum_k x[m, k] * w[n, k] for each m of `ms`, over the blocks of row n:
/// each block is decoded once for all of them.
SmallVector<Value> blockRowProducts(OpBuilder &b, Location loc, const BlockProduct &p,
                                    ArrayRef<Value> ms, Value n, Value numBlocks, Value lastRow) {
  Builder k(b, loc);
  Type f32 = b.getF32Type(), i8 = b.getI8Type();
  bool q8 = p.format == "q8_0", q41 = p.format == "q4_1";
  // Q8_0 multiplies 32 values at a time; the 4-bit formats 16 low and 16
  // high nibbles. Q4_1 also sums scale-free inputs for its minimum: per row
  // of inputs, accumulators [scaled sums..., minimum sums...].
  VectorType acc = k.vector(q8 ? 32 : 16, f32);
  size_t rows = ms.size();
  SmallVector<Value> init(q41 ? 2 * rows : rows, k.splat(acc, b.getF32FloatAttr(0)));
  auto loop = scf::ForOp::create(
      b, loc, k.index(0), numBlocks, k.index(1), init,
      [&](OpBuilder &nb, Location l, Value block, ValueRange sums) {
        Builder v(nb, l);
        Value column = arith::MulIOp::create(nb, l, block, v.index(32));
        v.prefetchAhead(p.blocks, n, lastRow, block, v.index(0));
        Value scale = v.broadcast(acc, v.half(p.blocks, n, block, 0));
        SmallVector<Value> next(sums.begin(), sums.end());
        if (q8) {
          Value values = arith::SIToFPOp::create(nb, l, acc, v.bytes(p.blocks, n, block, 1, 32));
          for (size_t r = 0; r < rows; ++r) {
            Value dot = arith::MulFOp::create(nb, l, values, v.inputs(p.x, ms[r], column, 32));
            next[r] = v.fma(scale, dot, sums[r]);
          }
          scf::YieldOp::create(nb, l, next);
          return;
        }
        VectorType bytes = v.vector(16, i8);
        Value packed = v.bytes(p.blocks, n, block, q41 ? 2 : 1, 16);
        Value low = arith::AndIOp::create(nb, l, packed, v.splat(bytes, nb.getI8IntegerAttr(15)));
        Value high = arith::ShRUIOp::create(nb, l, packed, v.splat(bytes, nb.getI8IntegerAttr(4)));
        Value lowValues, highValues;
        if (q41) {
          lowValues = arith::UIToFPOp::create(nb, l, acc, low);
          highValues = arith::UIToFPOp::create(nb, l, acc, high);
        } else {
          Value eight = v.splat(bytes, nb.getI8IntegerAttr(8));
          lowValues = arith::SIToFPOp::create(nb, l, acc, arith::SubIOp::create(nb, l, low, eight));
          highValues =
              arith::SIToFPOp::create(nb, l, acc, arith::SubIOp::create(nb, l, high, eight));
        }
        Value highColumn = arith::AddIOp::create(nb, l, column, v.index(16));
        Value minimum = q41 ? v.broadcast(acc, v.half(p.blocks, n, block, 1)) : Value();
        for (size_t r = 0; r < rows; ++r) {
          Value lowInputs = v.inputs(p.x, ms[r], column, 16);
          Value highInputs = v.inputs(p.x, ms[r], highColumn, 16);
          Value dot = v.fma(lowValues, lowInputs,
                            arith::MulFOp::create(nb, l, highValues, highInputs));
          next[r] = v.fma(scale, dot, sums[r]);
          if (q41)
            next[rows + r] = v.fma(minimum, arith::AddFOp::create(nb, l, lowInputs, highInputs),
                                   sums[rows + r]);
        }
        scf::YieldOp::create(nb, l, next);
      });
  SmallVector<Value> totals;
  for (size_t r = 0; r < rows; ++r) {
    Value total = k.sum(loop.getResult(r));
    if (q41)
      total = arith::AddFOp::create(b, loc, total, k.sum(loop.getResult(rows + r)));
    totals.push_back(total);
  }
  return totals;
}

void lowerBlockProduct(Operation *product, const BlockProduct &p) {
  OpBuilder b(product);
  Location loc = product->getLoc();
  Builder k(b, loc);
  Value rows = memref::DimOp::create(b, loc, p.c, 0);
  Value columns = memref::DimOp::create(b, loc, p.c, 1);
  Value numBlocks = memref::DimOp::create(b, loc, p.blocks, 1);
  Value lastRow =
      arith::SubIOp::create(b, loc, memref::DimOp::create(b, loc, p.blocks, 0), k.index(1));
  // The rows of the weight are split across the host's cores.
  scf::ParallelOp::create(
      b, loc, ValueRange{k.index(0)}, ValueRange{columns}, ValueRange{k.index(1)},
      [&](OpBuilder &nb, Location l, ValueRange ns) {
        Value n = ns[0];
        Builder v(nb, l);
        // C[m, n] += the products of rows ms, kRowTile at a time, then one by one.
        auto accumulate = [&](OpBuilder &ib, Location il, ArrayRef<Value> ms) {
          SmallVector<Value> sums = p.format.empty()
                                        ? narrowRowProducts(ib, il, p, ms, n, lastRow)
                                        : blockRowProducts(ib, il, p, ms, n, numBlocks, lastRow);
          for (auto [m, sum] : llvm::zip(ms, sums)) {
            Value old = memref::LoadOp::create(ib, il, p.c, ValueRange{m, n});
            memref::StoreOp::create(ib, il, arith::AddFOp::create(ib, il, old, sum), p.c,
                                    ValueRange{m, n});
          }
        };
        Value tiled = arith::SubIOp::create(
            nb, l, rows, arith::RemUIOp::create(nb, l, rows, v.index(kRowTile)));
        scf::ForOp::create(nb, l, v.index(0), tiled, v.index(kRowTile), ValueRange{},
                           [&](OpBuilder &ib, Location il, Value m, ValueRange) {
                             SmallVector<Value> ms{m};
                             for (int64_t t = 1; t < kRowTile; ++t)
                               ms.push_back(arith::AddIOp::create(
                                   ib, il, m, arith::ConstantIndexOp::create(ib, il, t)));
                             accumulate(ib, il, ms);
                             scf::YieldOp::create(ib, il);
                           });
        scf::ForOp::create(nb, l, tiled, rows, v.index(1), ValueRange{},
                           [&](OpBuilder &ib, Location il, Value m, ValueRange) {
                             accumulate(ib, il, {m});
                             scf::YieldOp::create(ib, il);
                           });
      });
  product->erase();
}

struct CpuBlockProducts : public tmc::cpu::impl::CpuBlockProductsBase<CpuBlockProducts> {
  void runOnOperation() override {
    SmallVector<std::pair<Operation *, BlockProduct>> products;
    getOperation().walk([&](linalg::LinalgOp op) {
      auto generic = dyn_cast<linalg::GenericOp>(op.getOperation());
      std::optional<BlockProduct> product =
          generic ? matchBlockProduct(generic) : matchNarrowWeightProduct(op);
      if (product)
        products.push_back({op, *product});
    });
    for (auto &[generic, product] : products) {
      if (!cast<MemRefType>(product.c.getType()).getElementType().isF32()) {
        generic->emitOpError("a block product into ")
            << product.c.getType() << "; the CPU kernels accumulate in f32";
        return signalPassFailure();
      }
      lowerBlockProduct(generic, product);
    }
  }
};
} // namespace
