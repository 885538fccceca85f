//===- SharedKvProducts.cpp - a decode step's attention products ----------===//
//
// The key-chunk lowering of a decode step's attention
// (targets/linalg/attention/EagerKeyChunks.cpp) builds its two contractions
// over one kv head's chunk of keys and values for every query row of the
// heads that share it, a few rows (#tmc.head_rows_at_most). One sgemv per
// row reads the keys once per query head; here each key and value row is
// loaded once and multiplied with every row while it is in registers, which
// is what a decode step is bound by (a 1024-key SmolLM2 step reads 47 MB of
// keys and values, half as much as its Q4_1 weights).
//
//   scores:  C[0, h, i, j] += sum_d A[0, h, i, d] * B[0, 0, j, d]
//     16 keys at a time: each row's 16 dot products in 16 vector
//     accumulators, then summed across lanes into one vector of 16 scores
//     by a tree of shuffles (15 adds where 16 reductions would take 64).
//   values:  C[0, h, i, e] += sum_j A[0, h, i, j] * B[0, 0, j, e]
//     one value row at a time into the accumulators of a tile of heads (at
//     most 16 vectors: 4 heads of 64 values), each head's weight broadcast.
//
// B (the keys or values) may be f16 or bf16, read from a narrower cache
// (--kv-cache-dtype): each load of 16 is widened in registers.
//
//===----------------------------------------------------------------------===//

#include "ir/Tmc/TmcOps.h"
#include "targets/cpu/Passes.h"
#include "targets/linalg/GemmForms.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

namespace tmc::cpu {
#define GEN_PASS_DEF_CPUSHAREDKVPRODUCTS
#include "targets/cpu/Passes.h.inc"
} // namespace tmc::cpu

using namespace mlir;
using tmc::lowering::GemmForm;

namespace {

constexpr int64_t kLanes = 16;
/// Vector accumulators a tile of the value product keeps (of 32 zmm).
constexpr int64_t kValueAccumulators = 16;
constexpr int64_t kPrefetchKeys = 32, kPrefetchValues = 16;

/// A head contraction whose heads all read one key/value head (C is
/// [1, heads, rows, n], B [1, 1, ...]) with a static depth (scores) or
/// value width (values) of whole vectors.
struct SharedKvProduct {
  GemmForm form;
  int64_t heads;
  /// The static extent read as whole vectors: the head dim of q and k
  /// (scores) or the value width (values).
  int64_t width;
  /// B's elements per cache line (16 f32, 32 f16 or bf16).
  int64_t perLine;
};

std::optional<SharedKvProduct> matchSharedKvProduct(linalg::GenericOp generic) {
  auto *tmc = tmc::tmcDialect(generic.getContext());
  auto mark = dyn_cast_if_present<tmc::HeadContractionAttr>(
      tmc->getHeadContractionAttrHelper().getAttr(generic));
  if (!mark || !tmc->getHeadRowsAtMostAttrHelper().isAttrPresent(generic) ||
      !generic.hasPureBufferSemantics() || generic->getNumOperands() != 3)
    return std::nullopt;
  // A and C f32; B f32, or f16 or bf16 widened in the body.
  auto elementOk = [&](unsigned operand, bool narrowOk) {
    Value value = generic->getOperand(operand);
    Type element = cast<MemRefType>(value.getType()).getElementType();
    return tmc::lowering::hasUnitInnerStride(value) &&
           (element.isF32() || (narrowOk && (element.isF16() || element.isBF16())));
  };
  if (!elementOk(0, false) || !elementOk(1, true) || !elementOk(2, false))
    return std::nullopt;
  GemmForm form{GemmForm::Kind::HeadContraction, mark.getTransposeB(),   mark.getGroup(),
                generic->getOperand(0),          generic->getOperand(1), generic->getOperand(2)};
  auto a = cast<MemRefType>(form.a.getType()), b = cast<MemRefType>(form.b.getType()),
       c = cast<MemRefType>(form.c.getType());
  if (c.getDimSize(0) != 1 || b.getDimSize(1) != 1 || ShapedType::isDynamic(c.getDimSize(1)))
    return std::nullopt;
  int64_t width = form.transposeB ? a.getDimSize(3) : c.getDimSize(3);
  if (ShapedType::isDynamic(width) || width % kLanes != 0 || b.getDimSize(3) != width)
    return std::nullopt;
  return SharedKvProduct{form, c.getDimSize(1), width,
                         64 / (b.getElementType().getIntOrFloatBitWidth() / 8)};
}

class Emitter {
public:
  Emitter(OpBuilder &b, Location loc) : b(b), loc(loc) {}

  Value index(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }
  VectorType lanes() { return VectorType::get({kLanes}, b.getF32Type()); }
  /// 16 elements of `memref` from `indices` on, as f32.
  Value load(Value memref, ValueRange indices) {
    Type element = cast<MemRefType>(memref.getType()).getElementType();
    Value loaded =
        vector::LoadOp::create(b, loc, VectorType::get({kLanes}, element), memref, indices);
    return element.isF32() ? loaded : arith::ExtFOp::create(b, loc, lanes(), loaded).getResult();
  }
  void store(Value v, Value memref, ValueRange indices) {
    vector::StoreOp::create(b, loc, v, memref, indices);
  }
  Value add(Value x, Value y) { return arith::AddFOp::create(b, loc, x, y); }
  Value fma(Value x, Value y, Value acc) { return vector::FMAOp::create(b, loc, x, y, acc); }
  Value zeros() { return arith::ConstantOp::create(b, loc, DenseElementsAttr::get(lanes(), 0.0f)); }

  /// Lane k of the result: the sum of the lanes of `rows[k]` (16 vectors).
  /// Each level adds two halves of a pair of vectors, so that after four
  /// levels every lane holds one vector's total, in order.
  Value sumAcrossLanes(ArrayRef<Value> rows) {
    SmallVector<Value> level(rows);
    for (int64_t width = kLanes / 2; width >= 1; width /= 2) {
      // Of the pair's 32 lanes, those in the low and in the high half of
      // each group of 2 * width: their sum holds the partial sums of the
      // pair's vectors in alternating groups of `width` lanes.
      SmallVector<int64_t> low, high;
      for (int64_t lane = 0; lane < 2 * kLanes; ++lane)
        (lane % (2 * width) < width ? low : high).push_back(lane);
      SmallVector<Value> next;
      for (size_t i = 0; i < level.size(); i += 2)
        next.push_back(add(vector::ShuffleOp::create(b, loc, level[i], level[i + 1], low),
                           vector::ShuffleOp::create(b, loc, level[i], level[i + 1], high)));
      level = std::move(next);
    }
    return level.front();
  }

  OpBuilder &b;
  Location loc;
};

/// scf.for from `lower` to `upper` by `step` carrying `init`; `body`
/// returns the next values.
SmallVector<Value> loop(OpBuilder &b, Location loc, Value lower, Value upper, Value step,
                        ValueRange init,
                        function_ref<SmallVector<Value>(OpBuilder &, Value, ValueRange)> body) {
  auto forOp = scf::ForOp::create(b, loc, lower, upper, step, init,
                                  [&](OpBuilder &ib, Location il, Value i, ValueRange carried) {
                                    scf::YieldOp::create(ib, il, body(ib, i, carried));
                                  });
  return SmallVector<Value>(forOp.getResults());
}

/// C[0, h, i, j] += sum_d A[0, h, i, d] * B[0, 0, j, d].
void emitScores(OpBuilder &ob, Location loc, const SharedKvProduct &p) {
  Emitter e(ob, loc);
  Value a = p.form.a, keys = p.form.b, c = p.form.c;
  Value zero = e.index(0), one = e.index(1), lanes = e.index(kLanes);
  Value rows = memref::DimOp::create(ob, loc, c, 2);
  Value n = memref::DimOp::create(ob, loc, c, 3);
  Value whole = arith::SubIOp::create(ob, loc, n, arith::RemUIOp::create(ob, loc, n, lanes));
  int64_t vectors = p.width / kLanes;
  // Each row (h, i) of A against keys [j, j + count): `count` accumulators.
  auto rowProducts = [&](Emitter &ie, Value h, Value i, Value j, int64_t count) {
    SmallVector<Value> acc(count, ie.zeros());
    for (int64_t v = 0; v < vectors; ++v) {
      Value column = ie.index(v * kLanes);
      Value q = ie.load(a, {zero, h, i, column});
      for (int64_t k = 0; k < count; ++k) {
        Value key = arith::AddIOp::create(ie.b, loc, j, ie.index(k));
        acc[k] = ie.fma(q, ie.load(keys, {zero, zero, key, column}), acc[k]);
      }
    }
    return acc;
  };
  auto forEachRow = [&](OpBuilder &b, function_ref<void(OpBuilder &, Value, Value)> body) {
    for (int64_t h = 0; h < p.heads; ++h)
      loop(b, loc, zero, rows, one, {}, [&](OpBuilder &rb, Value i, ValueRange) {
        body(rb, arith::ConstantIndexOp::create(rb, loc, h), i);
        return SmallVector<Value>{};
      });
  };
  // Whole groups of 16 keys, each key row loaded from memory once and from
  // L1 for the other rows.
  Value last = arith::SubIOp::create(ob, loc, n, one);
  loop(ob, loc, zero, whole, lanes, {}, [&](OpBuilder &jb, Value j, ValueRange) {
    Emitter pe(jb, loc);
    for (int64_t k = 0; k < kLanes; ++k) {
      Value ahead = arith::MinUIOp::create(
          jb, loc, arith::AddIOp::create(jb, loc, j, pe.index(kPrefetchKeys + k)), last);
      for (int64_t line = 0; line < p.width; line += p.perLine)
        memref::PrefetchOp::create(jb, loc, keys, ValueRange{zero, zero, ahead, pe.index(line)},
                                   /*isWrite=*/false, /*localityHint=*/3, /*isDataCache=*/true);
    }
    forEachRow(jb, [&](OpBuilder &rb, Value h, Value i) {
      Emitter ie(rb, loc);
      Value scores = ie.sumAcrossLanes(rowProducts(ie, h, i, j, kLanes));
      ie.store(ie.add(ie.load(c, {zero, h, i, j}), scores), c, {zero, h, i, j});
    });
    return SmallVector<Value>{};
  });
  // The rest one key at a time.
  loop(ob, loc, whole, n, one, {}, [&](OpBuilder &jb, Value j, ValueRange) {
    forEachRow(jb, [&](OpBuilder &rb, Value h, Value i) {
      Emitter ie(rb, loc);
      auto sum = vector::ReductionOp::create(rb, loc, vector::CombiningKind::ADD,
                                             rowProducts(ie, h, i, j, 1).front());
      sum.setFastmathAttr(
          arith::FastMathFlagsAttr::get(rb.getContext(), arith::FastMathFlags::reassoc));
      Value old = memref::LoadOp::create(rb, loc, c, ValueRange{zero, h, i, j});
      memref::StoreOp::create(rb, loc, ie.add(old, sum), c, ValueRange{zero, h, i, j});
    });
    return SmallVector<Value>{};
  });
}

/// C[0, h, i, e] += sum_j A[0, h, i, j] * B[0, 0, j, e].
void emitWeightedValues(OpBuilder &ob, Location loc, const SharedKvProduct &p) {
  Emitter e(ob, loc);
  Value weights = p.form.a, values = p.form.b, c = p.form.c;
  Value zero = e.index(0), one = e.index(1);
  Value rows = memref::DimOp::create(ob, loc, c, 2);
  Value keys = memref::DimOp::create(ob, loc, weights, 3);
  int64_t vectors = p.width / kLanes;
  int64_t tile = std::max<int64_t>(1, kValueAccumulators / vectors);
  Value lastKey = arith::SubIOp::create(ob, loc, keys, one);
  loop(ob, loc, zero, rows, one, {}, [&](OpBuilder &rb, Value i, ValueRange) {
    for (int64_t first = 0; first < p.heads; first += tile) {
      int64_t count = std::min(tile, p.heads - first);
      Emitter re(rb, loc);
      SmallVector<Value> init(count * vectors, re.zeros());
      SmallVector<Value> acc =
          loop(rb, loc, zero, keys, one, init, [&](OpBuilder &jb, Value j, ValueRange carried) {
            Emitter je(jb, loc);
            if (first == 0) {
              Value ahead = arith::MinUIOp::create(
                  jb, loc, arith::AddIOp::create(jb, loc, j, je.index(kPrefetchValues)), lastKey);
              for (int64_t line = 0; line < p.width; line += p.perLine)
                memref::PrefetchOp::create(jb, loc, values,
                                           ValueRange{zero, zero, ahead, je.index(line)},
                                           /*isWrite=*/false, /*localityHint=*/3,
                                           /*isDataCache=*/true);
            }
            SmallVector<Value> next(carried);
            SmallVector<Value> row;
            for (int64_t v = 0; v < vectors; ++v)
              row.push_back(je.load(values, {zero, zero, j, je.index(v * kLanes)}));
            for (int64_t t = 0; t < count; ++t) {
              Value weight = memref::LoadOp::create(jb, loc, weights,
                                                    ValueRange{zero, je.index(first + t), i, j});
              Value broadcast = vector::BroadcastOp::create(jb, loc, je.lanes(), weight);
              for (int64_t v = 0; v < vectors; ++v)
                next[t * vectors + v] = je.fma(broadcast, row[v], next[t * vectors + v]);
            }
            return next;
          });
      for (int64_t t = 0; t < count; ++t)
        for (int64_t v = 0; v < vectors; ++v) {
          SmallVector<Value> at{zero, re.index(first + t), i, re.index(v * kLanes)};
          re.store(re.add(re.load(c, at), acc[t * vectors + v]), c, at);
        }
    }
    return SmallVector<Value>{};
  });
}

struct CpuSharedKvProducts : public tmc::cpu::impl::CpuSharedKvProductsBase<CpuSharedKvProducts> {
  void runOnOperation() override {
    SmallVector<std::pair<linalg::GenericOp, SharedKvProduct>> products;
    getOperation().walk([&](linalg::GenericOp generic) {
      if (std::optional<SharedKvProduct> product = matchSharedKvProduct(generic))
        products.push_back({generic, *product});
    });
    for (auto &[generic, product] : products) {
      OpBuilder b(generic);
      if (product.form.transposeB)
        emitScores(b, generic.getLoc(), product);
      else
        emitWeightedValues(b, generic.getLoc(), product);
      generic.erase();
    }
  }
};
} // namespace
