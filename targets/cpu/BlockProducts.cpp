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

#include "runtime/GgmlTypes.h"

#include "mlir/Dialect/AMX/AMXDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Dialect/X86Vector/X86VectorDialect.h"
#include "mlir/IR/PatternMatch.h"

namespace tmc::cpu {
#define GEN_PASS_DEF_CPUBLOCKPRODUCTS
#include "targets/cpu/Passes.h.inc"
} // namespace tmc::cpu

using namespace mlir;
using tmc::lowering::hasUnitInnerStride;

namespace {

/// C[m, n] += sum_k x[m, k] * w[n, k] over a weight in blocks (`format`:
/// q8_0, q4_0, q4_1; `blocks` holds them) or in rows of floats (`format`
/// empty; `blocks` is the [N, K] f32, bf16 or f16 weight).
struct BlockProduct {
  StringRef format;
  Value x, c, blocks;
  /// Inputs quantized to int8 (`tmc.activations`): the weight is in
  /// interleaved blocks.
  bool int8 = false;
  /// Inputs rounded to bf16 (`tmc.activations`) for a bf16 weight.
  bool bf16Inputs = false;
};

/// A transposed-B matmul of f32 inputs with an f32, bf16 or f16 weight (a
/// linear; bf16 and f16 where tmc-store-weights stored it narrower) whose
/// rows are whole vectors of 16. An f32 weight is here for its decode steps:
/// OpenBLAS's sgemv reads weights at ~70% of the rate of this kernel with its
/// prefetch (docs/CPU_PERFORMANCE.md); a prompt's product stays an sgemm.
std::optional<BlockProduct> matchFloatWeightProduct(linalg::LinalgOp op) {
  if (!isa<linalg::MatmulTransposeBOp>(op.getOperation()) || !op.hasPureBufferSemantics())
    return std::nullopt;
  Value x = op->getOperand(0), w = op->getOperand(1), c = op->getOperand(2);
  auto wType = cast<MemRefType>(w.getType());
  Type wElement = wType.getElementType();
  if (!(wElement.isF32() || wElement.isBF16() || wElement.isF16()) ||
      !cast<MemRefType>(x.getType()).getElementType().isF32() ||
      !cast<MemRefType>(c.getType()).getElementType().isF32() ||
      ShapedType::isDynamic(wType.getDimSize(1)) || wType.getDimSize(1) % 16 != 0 ||
      !hasUnitInnerStride(x) || !hasUnitInnerStride(w))
    return std::nullopt;
  StringAttr activations =
      tmc::tmcDialect(op->getContext())->getActivationsAttrHelper().getAttr(op);
  BlockProduct product{"", x, c, w};
  // Bf16 inputs are for AMX tiles: whole blocks of 32 weight rows and of 32
  // columns (tmc-store-weights marks no others), 16 results of C at a time.
  product.bf16Inputs = activations && activations.getValue() == "bfloat16" && wElement.isBF16() &&
                       !ShapedType::isDynamic(wType.getDimSize(0)) &&
                       wType.getDimSize(0) % 32 == 0 && wType.getDimSize(1) % 32 == 0 &&
                       hasUnitInnerStride(c);
  return product;
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
  StringAttr activations =
      tmc::tmcDialect(generic.getContext())->getActivationsAttrHelper().getAttr(generic);
  bool interleaved = tmc::rt::blockLayoutFromName(format.getValue())->interleavedRows > 1;
  // Interleaved blocks have only the int8 kernel, which stores 16 results of
  // a row of C at once; without it the scalar generic stays.
  if (interleaved != bool(activations) ||
      (interleaved && !hasUnitInnerStride(generic.getDpsInitOperand(0)->get())))
    return std::nullopt;
  return BlockProduct{format.getValue(), generic.getDpsInputOperand(0)->get(),
                      generic.getDpsInitOperand(0)->get(), blocks, interleaved};
}

/// Rows of inputs that one pass over a weight row multiplies: a few rows
/// share each decoded block four at a time.
constexpr int64_t kRowTile = 4;
/// From this many rows of inputs on (a prompt), a product decodes its weight
/// a panel of rows at a time into f32 and multiplies each panel with sgemm:
/// the decode is paid once per weight value instead of once per four rows.
constexpr int64_t kPanelMinRows = 16;
/// A panel's f32 values fit in the L2 cache of a core (1-2 MiB on the x86
/// servers these run on), where sgemm's packing reads them back.
constexpr int64_t kPanelBytes = 1 << 20;
/// How far ahead of the row being multiplied its blocks are prefetched.
constexpr int64_t kPrefetchRows = 8;
/// The same for groups of 16 interleaved rows.
constexpr int64_t kPrefetchGroups = 2;

/// Where a prefetch puts its line (`memref.prefetch`'s locality hint: 3 is
/// x86's prefetcht0, 2 prefetcht1).
enum class PrefetchInto : uint32_t { L2 = 2, L1 = 3 };

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
  void prefetchAhead(Value weight, Value n, Value lastRow, Value position, PrefetchInto into,
                     Value word = Value()) {
    Value ahead = arith::MinUIOp::create(
        b, loc, arith::AddIOp::create(b, loc, n, index(kPrefetchRows)), lastRow);
    SmallVector<Value> indices{ahead, position};
    if (word)
      indices.push_back(word);
    memref::PrefetchOp::create(b, loc, weight, indices, /*isWrite=*/false,
                               static_cast<uint32_t>(into), /*isDataCache=*/true);
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

/// An scf.for from `lower` to `upper` by `step` without results, `body` at
/// each index.
void forEach(OpBuilder &b, Location loc, Value lower, Value upper, Value step,
             function_ref<void(OpBuilder &, Location, Value)> body) {
  scf::ForOp::create(b, loc, lower, upper, step, ValueRange{},
                     [&](OpBuilder &ib, Location il, Value i, ValueRange) {
                       body(ib, il, i);
                       scf::YieldOp::create(ib, il);
                     });
}

/// Calls `accumulate` for rows [0, rows) of the inputs, `tile` at a time,
/// then one by one.
void forRowTiles(OpBuilder &b, Location loc, Value rows,
                 function_ref<void(OpBuilder &, Location, ArrayRef<Value>)> accumulate,
                 int64_t tile = kRowTile) {
  Builder v(b, loc);
  Value tiled =
      arith::SubIOp::create(b, loc, rows, arith::RemUIOp::create(b, loc, rows, v.index(tile)));
  scf::ForOp::create(
      b, loc, v.index(0), tiled, v.index(tile), ValueRange{},
      [&](OpBuilder &ib, Location il, Value m, ValueRange) {
        SmallVector<Value> ms{m};
        for (int64_t t = 1; t < tile; ++t)
          ms.push_back(arith::AddIOp::create(ib, il, m, arith::ConstantIndexOp::create(ib, il, t)));
        accumulate(ib, il, ms);
        scf::YieldOp::create(ib, il);
      });
  forEach(b, loc, tiled, rows, v.index(1),
          [&](OpBuilder &ib, Location il, Value m) { accumulate(ib, il, {m}); });
}

/// The 16 low and 16 high nibbles of a 4-bit block's `packed` bytes as f32
/// levels: Q4_1's unsigned, Q4_0's centered on 8 (the scale and Q4_1's
/// minimum are the caller's).
std::pair<Value, Value> nibbleLevels(Builder &v, Value packed, bool q41) {
  OpBuilder &b = v.b;
  VectorType bytes = v.vector(16, b.getI8Type()), lanes = v.vector(16, b.getF32Type());
  Value nibbles[2] = {
      arith::AndIOp::create(b, v.loc, packed, v.splat(bytes, b.getI8IntegerAttr(15))),
      arith::ShRUIOp::create(b, v.loc, packed, v.splat(bytes, b.getI8IntegerAttr(4)))};
  Value levels[2];
  for (int half = 0; half < 2; ++half)
    levels[half] =
        q41 ? arith::UIToFPOp::create(b, v.loc, lanes, nibbles[half]).getResult()
            : arith::SIToFPOp::create(
                  b, v.loc, lanes,
                  arith::SubIOp::create(b, v.loc, nibbles[half],
                                        v.splat(bytes, b.getI8IntegerAttr(8))))
                  .getResult();
  return {levels[0], levels[1]};
}

/// sum_k x[m, k] * w[n, k] for each m of `ms`, over row n of an f32, bf16 or
/// f16 weight, a cache line of it at a time; each line's counterpart
/// kPrefetchRows rows ahead prefetched into L2 if `prefetch`.
SmallVector<Value> floatRowProducts(OpBuilder &b, Location loc, const BlockProduct &p,
                                    ArrayRef<Value> ms, Value n, Value lastRow, bool prefetch) {
  Builder k(b, loc);
  auto wType = cast<MemRefType>(p.blocks.getType());
  // A whole 64-byte line of the weight per step: 16 f32 columns, or 32 of a
  // 2-byte type (16 read half a line per load and prefetched each line
  // twice: SmolLM2 BF16 decode steps 3-6% slower, 1 and 2 threads).
  bool wide = !wType.getElementType().isF32() && wType.getDimSize(1) % 32 == 0;
  int64_t lanes = wide ? 32 : 16;
  // Inputs rounded to bf16 (a bf16 `x`) multiply a line of the bf16 weight
  // in one vdpbf16ps: 16 sums of pairs, where widening the weight took two
  // conversions and two FMAs.
  bool pairs = p.bf16Inputs;
  VectorType acc = k.vector(pairs ? 16 : lanes, b.getF32Type());
  SmallVector<Value> init(ms.size(), k.splat(acc, b.getF32FloatAttr(0)));
  auto loop = scf::ForOp::create(
      b, loc, k.index(0), k.index(wType.getDimSize(1)), k.index(lanes), init,
      [&](OpBuilder &nb, Location l, Value column, ValueRange sums) {
        Builder v(nb, l);
        // Into L2: the row kernel spends a few operations per line, so a
        // line requested into L1 holds one of its few fill buffers for all
        // of the memory's latency, and fewer lines are in flight (SmolLM2
        // BF16 decode, docs/CPU_PERFORMANCE.md: 1.2x faster).
        if (prefetch)
          v.prefetchAhead(p.blocks, n, lastRow, column, PrefetchInto::L2);
        VectorType line = v.vector(lanes, wType.getElementType());
        Value stored = vector::LoadOp::create(nb, l, line, p.blocks, ValueRange{n, column});
        SmallVector<Value> next;
        if (pairs) {
          for (auto [m, sum] : llvm::zip(ms, sums))
            next.push_back(x86vector::DotBF16Op::create(
                nb, l, sum, vector::LoadOp::create(nb, l, line, p.x, ValueRange{m, column}),
                stored));
          scf::YieldOp::create(nb, l, next);
          return;
        }
        Value weights = wType.getElementType().isF32()
                            ? stored
                            : arith::ExtFOp::create(nb, l, acc, stored).getResult();
        for (auto [m, sum] : llvm::zip(ms, sums))
          next.push_back(v.fma(weights, v.inputs(p.x, m, column, lanes), sum));
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
  Type f32 = b.getF32Type();
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
        // Into L1: decoding a block with f32 inputs takes long enough that
        // its line may wait there (into L2, SmolLM2 Q4_1 decode steps are
        // 2% slower and Q8_0's the same).
        v.prefetchAhead(p.blocks, n, lastRow, block, PrefetchInto::L1, v.index(0));
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
        auto [lowValues, highValues] =
            nibbleLevels(v, v.bytes(p.blocks, n, block, q41 ? 2 : 1, 16), q41);
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

/// Decodes row n of the weight into row `row` of the f32 `panel`, with the
/// scalar reference's operations (StoredWeights.cpp), so the panel holds the
/// same values the reference multiplies.
void decodeRow(OpBuilder &b, Location loc, const BlockProduct &p, Value n, Value numBlocks,
               Value panel, Value row) {
  Builder k(b, loc);
  Type f32 = b.getF32Type();
  if (p.format.empty()) {
    auto wType = cast<MemRefType>(p.blocks.getType());
    forEach(b, loc, k.index(0), k.index(wType.getDimSize(1)), k.index(16),
            [&](OpBuilder &nb, Location l, Value column) {
              Builder v(nb, l);
              Value stored = vector::LoadOp::create(nb, l, v.vector(16, wType.getElementType()),
                                                    p.blocks, ValueRange{n, column});
              vector::StoreOp::create(nb, l, arith::ExtFOp::create(nb, l, v.vector(16, f32), stored),
                                      panel, ValueRange{row, column});
            });
    return;
  }
  bool q8 = p.format == "q8_0", q41 = p.format == "q4_1";
  forEach(b, loc, k.index(0), numBlocks, k.index(1), [&](OpBuilder &nb, Location l, Value block) {
    Builder v(nb, l);
    Value column = arith::MulIOp::create(nb, l, block, v.index(32));
    VectorType lanes = v.vector(q8 ? 32 : 16, f32);
    Value scale = v.broadcast(lanes, v.half(p.blocks, n, block, 0));
    auto store = [&](Value values, Value at) {
      vector::StoreOp::create(nb, l, values, panel, ValueRange{row, at});
    };
    if (q8) {
      Value values = arith::SIToFPOp::create(nb, l, lanes, v.bytes(p.blocks, n, block, 1, 32));
      store(arith::MulFOp::create(nb, l, values, scale), column);
      return;
    }
    auto [low, high] = nibbleLevels(v, v.bytes(p.blocks, n, block, q41 ? 2 : 1, 16), q41);
    Value minimum = q41 ? v.broadcast(lanes, v.half(p.blocks, n, block, 1)) : Value();
    auto decode = [&](Value level) -> Value {
      Value scaled = arith::MulFOp::create(nb, l, level, scale);
      return q41 ? arith::AddFOp::create(nb, l, scaled, minimum).getResult() : scaled;
    };
    store(decode(low), column);
    store(decode(high), arith::AddIOp::create(nb, l, column, v.index(16)));
  });
}

/// C += x w^T for a prompt: the weight's rows are decoded a panel at a time
/// into an f32 buffer of one panel (never a copy of the whole weight), and
/// each panel is multiplied as an f32 matmul, which tmc-linalg-to-blas makes
/// an sgemm.
void productByPanels(OpBuilder &b, Location loc, const BlockProduct &p, Value numBlocks,
                     int64_t columns) {
  Builder k(b, loc);
  auto cType = cast<MemRefType>(p.c.getType());
  int64_t weightRows = cType.getDimSize(1);
  int64_t panelRows = std::max<int64_t>(16, kPanelBytes / (4 * columns) / 16 * 16);
  if (!ShapedType::isDynamic(weightRows))
    panelRows = std::min(panelRows, weightRows);
  Type f32 = b.getF32Type();
  Value panel = memref::AllocOp::create(b, loc, MemRefType::get({panelRows, columns}, f32),
                                        b.getI64IntegerAttr(64));
  Value rows = memref::DimOp::create(b, loc, p.c, 0);
  Value outputs = memref::DimOp::create(b, loc, p.c, 1);
  forEach(
      b, loc, k.index(0), outputs, k.index(panelRows), [&](OpBuilder &nb, Location l, Value first) {
        Builder v(nb, l);
        Value count = arith::MinUIOp::create(
            nb, l, v.index(panelRows), arith::SubIOp::create(nb, l, outputs, first));
        // One thread decodes: the decode is a small part of a prompt's
        // product, and an OpenMP region here left libomp's workers spinning
        // beside OpenBLAS's threads (22% of a 2-thread bf16 prefill).
        forEach(nb, l, v.index(0), count, v.index(1), [&](OpBuilder &pb, Location pl, Value row) {
          decodeRow(pb, pl, p, arith::AddIOp::create(pb, pl, first, row), numBlocks, panel, row);
        });
        OpFoldResult zero = nb.getIndexAttr(0), one = nb.getIndexAttr(1);
        Value decoded = memref::SubViewOp::create(nb, l, panel, {zero, zero},
                                                  {count, nb.getIndexAttr(columns)}, {one, one});
        Value outputsOfPanel =
            memref::SubViewOp::create(nb, l, p.c, {zero, first}, {rows, count}, {one, one});
        linalg::MatmulTransposeBOp::create(nb, l, ValueRange{p.x, decoded},
                                           ValueRange{outputsOfPanel});
      });
  memref::DeallocOp::create(b, loc, panel);
}

//===----------------------------------------------------------------------===//
// Bf16 products on AMX tiles
//===----------------------------------------------------------------------===//
//
// A prompt's product over a bf16 weight whose inputs are rounded to bf16
// (`--activation-dtype bfloat16`): AMX's tdpbf16ps multiplies a 16 x 32 tile
// of inputs with 32 x 16 weights into 16 x 16 f32 sums, 8192 multiply-adds
// per instruction. The inputs are rounded into rows padded to 32 with zeros;
// each core takes the weight's rows 32 at a time, repacks them into the
// tiles' pair layout (tile row r holds values 2r and 2r + 1 of each of 16
// weight rows), and accumulates 32 x 32 blocks of C in four tiles, K
// unrolled a chunk of up to 1024 at a time: MLIR 22 cannot carry tiles
// through a loop (convert-vector-to-llvm leaves a cf.br of tiles illegal),
// so between chunks the sums go through memory.

/// Columns of C (weight rows) and rows of inputs per block: four tiles.
constexpr int64_t kAmxBlock = 32;

/// The deepest chunk of K whose steps are unrolled: 32 tdpbf16ps per tile.
constexpr int64_t kAmxChunk = 1024;

/// The inputs of `p` rounded to bf16 (nearest even) in a new [padded, depth]
/// buffer, rows past `rows` zero (`padded` may be `rows`).
Value roundedInputs(OpBuilder &b, Location loc, const BlockProduct &p, Value rows, Value padded,
                    int64_t depth) {
  Builder k(b, loc);
  Type bf16 = b.getBF16Type();
  Value inputs =
      memref::AllocOp::create(b, loc, MemRefType::get({ShapedType::kDynamic, depth}, bf16),
                              ValueRange{padded}, b.getI64IntegerAttr(64));
  forEach(b, loc, k.index(0), rows, k.index(1), [&](OpBuilder &rb, Location rl, Value m) {
    forEach(rb, rl, k.index(0), k.index(depth), k.index(16),
            [&](OpBuilder &nb, Location l, Value column) {
              Builder v(nb, l);
              Value rounded =
                  arith::TruncFOp::create(nb, l, v.vector(16, bf16), v.inputs(p.x, m, column, 16));
              vector::StoreOp::create(nb, l, rounded, inputs, ValueRange{m, column});
            });
  });
  if (padded == rows)
    return inputs;
  forEach(b, loc, rows, padded, k.index(1), [&](OpBuilder &rb, Location rl, Value m) {
    forEach(rb, rl, k.index(0), k.index(depth), k.index(16),
            [&](OpBuilder &nb, Location l, Value column) {
              Builder v(nb, l);
              vector::StoreOp::create(nb, l, v.splat(v.vector(16, bf16), nb.getZeroAttr(bf16)),
                                      inputs, ValueRange{m, column});
            });
  });
  return inputs;
}

/// The bf16 weight's 32 rows from `first` in a new [depth, 32] buffer of
/// pairs: pairs[g * depth/2 + r, 2i + j] = w[first + 16g + i, 2r + j], so
/// row r of a half holds columns 2r and 2r + 1 of each of 16 weight rows.
/// On the heap: depth x 64 bytes is 0.9 MiB for depth = 14336, a quarter of
/// an OpenMP worker's default stack, and an alloca would keep
/// convert-scf-to-openmp's alloca_scope, which cannot hold the loops' blocks.
Value pairLayout(OpBuilder &b, Location loc, const BlockProduct &p, Value first, int64_t depth) {
  Builder v(b, loc);
  Type bf16 = b.getBF16Type();
  Value pairs =
      memref::AllocOp::create(b, loc, MemRefType::get({depth, 32}, bf16), b.getI64IntegerAttr(64));
  forEach(b, loc, v.index(0), v.index(32), v.index(1), [&](OpBuilder &rb, Location rl, Value row) {
    Builder r(rb, rl);
    Value n = arith::AddIOp::create(rb, rl, first, row);
    Value group = arith::DivUIOp::create(rb, rl, row, r.index(16));
    Value lane =
        arith::MulIOp::create(rb, rl, arith::RemUIOp::create(rb, rl, row, r.index(16)), r.index(2));
    Value base = arith::MulIOp::create(rb, rl, group, r.index(depth / 2));
    forEach(rb, rl, r.index(0), r.index(depth / 2), r.index(1),
            [&](OpBuilder &ib, Location il, Value pair) {
              Builder i(ib, il);
              Value two = vector::LoadOp::create(
                  ib, il, i.vector(2, bf16), p.blocks,
                  ValueRange{n, arith::MulIOp::create(ib, il, pair, i.index(2))});
              vector::StoreOp::create(ib, il, two, pairs,
                                      ValueRange{arith::AddIOp::create(ib, il, base, pair), lane});
            });
  });
  return pairs;
}

void amxProduct(OpBuilder &b, Location loc, const BlockProduct &p, int64_t depth) {
  Builder k(b, loc);
  // K is unrolled a chunk at a time, at most kAmxChunk deep.
  int64_t chunk = kAmxChunk;
  while (depth % chunk != 0)
    chunk -= 32;
  Type f32 = b.getF32Type(), bf16 = b.getBF16Type();
  Value rows = memref::DimOp::create(b, loc, p.c, 0);
  Value padded = arith::MulIOp::create(
      b, loc,
      arith::DivUIOp::create(b, loc, arith::AddIOp::create(b, loc, rows, k.index(kAmxBlock - 1)),
                             k.index(kAmxBlock)),
      k.index(kAmxBlock));
  Value inputs = roundedInputs(b, loc, p, rows, padded, depth);
  auto inputTile = amx::TileType::get({16, 32}, bf16);
  auto sumTile = amx::TileType::get({16, 16}, f32);
  Value weightRows = memref::DimOp::create(b, loc, p.blocks, 0);
  scf::ParallelOp::create(
      b, loc, ValueRange{k.index(0)}, ValueRange{weightRows}, ValueRange{k.index(kAmxBlock)},
      [&](OpBuilder &nb, Location l, ValueRange ns) {
        Builder v(nb, l);
        Value first = ns[0];
        Value pairs = pairLayout(nb, l, p, first, depth);
        Value sums = memref::AllocOp::create(nb, l, MemRefType::get({kAmxBlock, kAmxBlock}, f32),
                                             b.getI64IntegerAttr(64));
        forEach(
            nb, l, v.index(0), padded, v.index(kAmxBlock),
            [&](OpBuilder &mb, Location ml, Value top) {
              Builder t(mb, ml);
              // The sums stay in tiles through a chunk of K, and in
              // `sums` between chunks.
              auto corner = [&](OpBuilder &cb, Location cl, int64_t i) {
                return SmallVector<Value>{arith::ConstantIndexOp::create(cb, cl, 16 * (i / 2)),
                                          arith::ConstantIndexOp::create(cb, cl, 16 * (i % 2))};
              };
              for (int64_t i = 0; i < 4; ++i)
                amx::TileStoreOp::create(mb, ml, sums, corner(mb, ml, i),
                                         amx::TileZeroOp::create(mb, ml, sumTile));
              forEach(
                  mb, ml, t.index(0), t.index(depth), t.index(chunk),
                  [&](OpBuilder &kb, Location kl, Value start) {
                    Builder c(kb, kl);
                    Value tiles[4];
                    for (int64_t i = 0; i < 4; ++i)
                      tiles[i] = amx::TileLoadOp::create(kb, kl, sumTile, sums, corner(kb, kl, i));
                    Value lower = arith::AddIOp::create(kb, kl, top, c.index(16));
                    Value pairRow = arith::DivUIOp::create(kb, kl, start, c.index(2));
                    for (int64_t step = 0; step < chunk / 32; ++step) {
                      Value column = arith::AddIOp::create(kb, kl, start, c.index(32 * step));
                      Value pair = arith::AddIOp::create(kb, kl, pairRow, c.index(16 * step));
                      Value a[2] = {amx::TileLoadOp::create(kb, kl, inputTile, inputs,
                                                            ValueRange{top, column}),
                                    amx::TileLoadOp::create(kb, kl, inputTile, inputs,
                                                            ValueRange{lower, column})};
                      Value w[2] = {
                          amx::TileLoadOp::create(kb, kl, inputTile, pairs,
                                                  ValueRange{pair, c.index(0)}),
                          amx::TileLoadOp::create(
                              kb, kl, inputTile, pairs,
                              ValueRange{arith::AddIOp::create(kb, kl, pair, c.index(depth / 2)),
                                         c.index(0)})};
                      for (int64_t i = 0; i < 4; ++i)
                        tiles[i] =
                            amx::TileMulFOp::create(kb, kl, sumTile, a[i / 2], w[i % 2], tiles[i]);
                    }
                    for (int64_t i = 0; i < 4; ++i)
                      amx::TileStoreOp::create(kb, kl, sums, corner(kb, kl, i), tiles[i]);
                  });
              // C's rows of this block (fewer in the last) += the sums.
              Value count = arith::MinUIOp::create(mb, ml, t.index(kAmxBlock),
                                                   arith::SubIOp::create(mb, ml, rows, top));
              forEach(mb, ml, t.index(0), count, t.index(1),
                      [&](OpBuilder &cb, Location cl, Value row) {
                        Builder c(cb, cl);
                        Value m = arith::AddIOp::create(cb, cl, top, row);
                        for (int64_t half = 0; half < 2; ++half) {
                          Value n = arith::AddIOp::create(cb, cl, first, c.index(16 * half));
                          Value old = vector::LoadOp::create(cb, cl, c.vector(16, f32), p.c,
                                                             ValueRange{m, n});
                          Value sum = vector::LoadOp::create(cb, cl, c.vector(16, f32), sums,
                                                             ValueRange{row, c.index(16 * half)});
                          vector::StoreOp::create(cb, cl, arith::AddFOp::create(cb, cl, old, sum),
                                                  p.c, ValueRange{m, n});
                        }
                      });
            });
        memref::DeallocOp::create(nb, l, pairs);
        memref::DeallocOp::create(nb, l, sums);
      });
  memref::DeallocOp::create(b, loc, inputs);
}

//===----------------------------------------------------------------------===//
// Bf16 products by AVX-512 BF16 dot products
//===----------------------------------------------------------------------===//
//
// The same product where the host has avx512bf16 but no AMX tiles (AMD Zen 4
// and 5, Intel Cooper Lake): vdpbf16ps multiplies 16 pairs of bf16 values
// with 16 others and adds each pair's two products to an f32 sum, 32
// multiply-adds per instruction against an f32 FMA's 16. Each core repacks
// 32 weight rows into the tiles' pair layout, where one vector is columns
// 2r and 2r + 1 of 16 weight rows, and multiplies it with a pair of inputs
// broadcast to every lane; kDotRows rows of inputs at a time keep their
// 2 x kDotRows sums in registers through all of K.

/// Rows of inputs per pass: 16 sums, enough independent chains to cover
/// vdpbf16ps's latency, with registers left for the weights and inputs.
constexpr int64_t kDotRows = 8;

void dotBf16Product(OpBuilder &b, Location loc, const BlockProduct &p, int64_t depth) {
  Builder k(b, loc);
  Type f32 = b.getF32Type(), bf16 = b.getBF16Type();
  VectorType sumType = k.vector(16, f32), pairType = k.vector(32, bf16);
  Value rows = memref::DimOp::create(b, loc, p.c, 0);
  Value inputs = roundedInputs(b, loc, p, rows, rows, depth);
  Value weightRows = memref::DimOp::create(b, loc, p.blocks, 0);
  scf::ParallelOp::create(
      b, loc, ValueRange{k.index(0)}, ValueRange{weightRows}, ValueRange{k.index(32)},
      [&](OpBuilder &nb, Location l, ValueRange ns) {
        Value first = ns[0];
        Value pairs = pairLayout(nb, l, p, first, depth);
        forRowTiles(
            nb, l, rows,
            [&](OpBuilder &mb, Location ml, ArrayRef<Value> ms) {
              Builder t(mb, ml);
              SmallVector<Value> zeros(2 * ms.size(), t.splat(sumType, mb.getZeroAttr(f32)));
              auto loop = scf::ForOp::create(
                  mb, ml, t.index(0), t.index(depth / 2), t.index(1), zeros,
                  [&](OpBuilder &kb, Location kl, Value pair, ValueRange sums) {
                    Builder c(kb, kl);
                    Value weights[2] = {
                        vector::LoadOp::create(kb, kl, pairType, pairs,
                                               ValueRange{pair, c.index(0)}),
                        vector::LoadOp::create(
                            kb, kl, pairType, pairs,
                            ValueRange{arith::AddIOp::create(kb, kl, pair, c.index(depth / 2)),
                                       c.index(0)})};
                    Value column = arith::MulIOp::create(kb, kl, pair, c.index(2));
                    SmallVector<Value> next;
                    for (auto [i, m] : llvm::enumerate(ms)) {
                      // Inputs 2r and 2r + 1 of row m in every lane.
                      Value two = vector::LoadOp::create(kb, kl, c.vector(2, bf16), inputs,
                                                         ValueRange{m, column});
                      Value word =
                          vector::BitCastOp::create(kb, kl, c.vector(1, kb.getI32Type()), two);
                      Value lanes = vector::BitCastOp::create(
                          kb, kl, pairType, c.broadcast(c.vector(16, kb.getI32Type()), word));
                      for (int64_t half = 0; half < 2; ++half)
                        next.push_back(x86vector::DotBF16Op::create(kb, kl, sums[2 * i + half],
                                                                    lanes, weights[half]));
                    }
                    scf::YieldOp::create(kb, kl, next);
                  });
              for (auto [i, m] : llvm::enumerate(ms))
                for (int64_t half = 0; half < 2; ++half) {
                  Value n = arith::AddIOp::create(mb, ml, first, t.index(16 * half));
                  Value old = vector::LoadOp::create(mb, ml, sumType, p.c, ValueRange{m, n});
                  vector::StoreOp::create(
                      mb, ml, arith::AddFOp::create(mb, ml, old, loop.getResult(2 * i + half)), p.c,
                      ValueRange{m, n});
                }
            },
            kDotRows);
        memref::DeallocOp::create(nb, l, pairs);
      });
  memref::DeallocOp::create(b, loc, inputs);
}

//===----------------------------------------------------------------------===//
// Int8 products over interleaved blocks
//===----------------------------------------------------------------------===//
//
// llama.cpp's fastest CPU path: each row of inputs is quantized to int8 per
// block of 32 (scale d = max|x| / 127, and s = d * the sum of the block's
// int8 values), and a block of weights multiplies it with int8 dot products
// (AVX-512 VNNI's vpdpbusd: 64 byte products summed in fours into 16 int32
// lanes). With 16 weight rows interleaved (`q4_1x16`), one vector of bytes
// holds 4 values of each of 16 rows, so the 16 lanes are 16 outputs: no
// horizontal sums, one vector of 16 scales, and 16 results stored at once.
// Per block, for weight values q and int8 inputs a, with p = sum q * a:
//   q4_1: d_w * d * p + m_w * s          (w = d_w * q + m_w)
//   q4_0: d_w * (d * p - 8 * s)          (w = d_w * (q - 8))
//   q8_0: d_w * (d * p - 128 * s)        (w = d_w * q; the kernel multiplies
//                                         q + 128, as vpdpbusd's weights are
//                                         unsigned)

/// The quantized inputs: their int8 values, and per block d and s.
struct QuantizedInputs {
  Value values, scales, sums;
};

/// Quantizes every row of `x` (M x K f32) per block of 32, as llama.cpp's
/// quantize_row_q8_1 does (rounding to nearest even rather than away from
/// zero). The values are M x K/4 i32 words of 4 bytes for the dot products;
/// for tiles (`tileRows`: M rounded up to whole tiles; K static, `depth`),
/// `tileRows` x K bytes, the rows past M zero.
QuantizedInputs quantizeInputs(OpBuilder &b, Location loc, Value x, Value numBlocks,
                               Value tileRows = Value(), int64_t depth = 0) {
  Builder k(b, loc);
  Type f32 = b.getF32Type(), i32 = b.getI32Type(), i8 = b.getI8Type();
  Value rows = memref::DimOp::create(b, loc, x, 0);
  Value allocated = tileRows ? tileRows : rows;
  auto matrix = [&](Type element) {
    return MemRefType::get({ShapedType::kDynamic, ShapedType::kDynamic}, element);
  };
  QuantizedInputs q;
  if (tileRows) {
    q.values = memref::AllocOp::create(b, loc, MemRefType::get({ShapedType::kDynamic, depth}, i8),
                                       ValueRange{tileRows}, b.getI64IntegerAttr(64));
  } else {
    q.values = memref::AllocOp::create(
        b, loc, matrix(i32),
        ValueRange{rows, arith::MulIOp::create(b, loc, numBlocks, k.index(8))});
  }
  q.scales = memref::AllocOp::create(b, loc, matrix(f32), ValueRange{allocated, numBlocks});
  q.sums = memref::AllocOp::create(b, loc, matrix(f32), ValueRange{allocated, numBlocks});
  auto storeBlock = [&](OpBuilder &nb, Location l, Value m, Value block, Value bytes, Value d,
                        Value s) {
    Builder v(nb, l);
    if (tileRows)
      vector::StoreOp::create(nb, l, bytes, q.values,
                              ValueRange{m, arith::MulIOp::create(nb, l, block, v.index(32))});
    else
      vector::StoreOp::create(nb, l, vector::BitCastOp::create(nb, l, v.vector(8, i32), bytes),
                              q.values,
                              ValueRange{m, arith::MulIOp::create(nb, l, block, v.index(8))});
    memref::StoreOp::create(nb, l, d, q.scales, ValueRange{m, block});
    memref::StoreOp::create(nb, l, s, q.sums, ValueRange{m, block});
  };
  auto quantizeRow = [&](OpBuilder &rb, Location rl, Value m) {
    forEach(rb, rl, k.index(0), numBlocks, k.index(1), [&](OpBuilder &nb, Location l, Value block) {
      Builder v(nb, l);
      VectorType lanes = v.vector(32, f32);
      Value column = arith::MulIOp::create(nb, l, block, v.index(32));
      Value values = v.inputs(x, m, column, 32);
      // No NaNs (nnan): else LLVM lowers the reduction as a chain of 32
      // scalar maxima, each checked for NaN, and a decode step's
      // quantizations wait on it (a third of its serial time).
      auto amax = vector::ReductionOp::create(nb, l, vector::CombiningKind::MAXNUMF,
                                              math::AbsFOp::create(nb, l, values));
      amax.setFastmathAttr(
          arith::FastMathFlagsAttr::get(nb.getContext(), arith::FastMathFlags::nnan));
      Value zero = arith::ConstantOp::create(nb, l, nb.getF32FloatAttr(0));
      Value d = arith::DivFOp::create(nb, l, amax,
                                      arith::ConstantOp::create(nb, l, nb.getF32FloatAttr(127)));
      Value inverse = arith::SelectOp::create(
          nb, l, arith::CmpFOp::create(nb, l, arith::CmpFPredicate::OGT, amax, zero),
          arith::DivFOp::create(nb, l, arith::ConstantOp::create(nb, l, nb.getF32FloatAttr(127)),
                                amax),
          zero);
      Value levels = arith::FPToSIOp::create(
          nb, l, v.vector(32, i32),
          math::RoundEvenOp::create(
              nb, l, arith::MulFOp::create(nb, l, values, v.broadcast(lanes, inverse))));
      Value bytes = arith::TruncIOp::create(nb, l, v.vector(32, i8), levels);
      Value sum = vector::ReductionOp::create(nb, l, vector::CombiningKind::ADD, levels);
      storeBlock(nb, l, m, block, bytes, d,
                 arith::MulFOp::create(nb, l, d, arith::SIToFPOp::create(nb, l, f32, sum)));
    });
  };
  // A prompt's rows are quantized across the cores (serially, they were
  // most of the samples an int8 prefill spent outside parallel regions,
  // with the second core waiting); a decode step's few rows are not worth a
  // fork.
  if (!tileRows) {
    forEach(b, loc, k.index(0), rows, k.index(1), quantizeRow);
    return q;
  }
  scf::ParallelOp::create(
      b, loc, ValueRange{k.index(0)}, ValueRange{rows}, ValueRange{k.index(1)},
      [&](OpBuilder &rb, Location rl, ValueRange ms) { quantizeRow(rb, rl, ms[0]); });
  forEach(b, loc, rows, tileRows, k.index(1), [&](OpBuilder &rb, Location rl, Value m) {
    forEach(rb, rl, k.index(0), numBlocks, k.index(1), [&](OpBuilder &nb, Location l, Value block) {
      Builder v(nb, l);
      Value zero = arith::ConstantOp::create(nb, l, nb.getF32FloatAttr(0));
      storeBlock(nb, l, m, block, v.splat(v.vector(32, i8), nb.getI8IntegerAttr(0)), zero, zero);
    });
  });
  return q;
}

/// The 16 f16 values at word `word` of block (group, block), as f32.
Value sixteenHalves(Builder &v, Value blocks, Value group, Value block, int64_t word) {
  OpBuilder &b = v.b;
  Value bits = vector::LoadOp::create(b, v.loc, v.vector(16, b.getI16Type()), blocks,
                                      ValueRange{group, block, v.index(word)});
  Value halves = vector::BitCastOp::create(b, v.loc, v.vector(16, b.getF16Type()), bits);
  return arith::ExtFOp::create(b, v.loc, v.vector(16, b.getF32Type()), halves);
}

/// The values of block (group, block) of an interleaved weight as 64-byte
/// chunks, chunk t holding values 4t .. 4t + 3 of each of the 16 rows: Q8_0's
/// 8 chunks of signed bytes as stored, the 4-bit formats' low nibbles
/// (chunks 0-3) and high nibbles (chunks 4-7) unsigned.
SmallVector<Value> interleavedChunks(Builder &v, Value blocks, Value group, Value block,
                                     const tmc::rt::BlockLayout &layout) {
  OpBuilder &b = v.b;
  VectorType bytes = v.vector(64, b.getI8Type());
  bool q8 = layout.type == tmc::rt::GgmlType::Q8_0;
  SmallVector<Value> chunks(8);
  for (int64_t chunk = 0; chunk < (q8 ? 8 : 4); ++chunk) {
    Value words =
        vector::LoadOp::create(b, v.loc, v.vector(32, b.getI16Type()), blocks,
                               ValueRange{group, block, v.index(layout.valuesWord() + 32 * chunk)});
    Value raw = vector::BitCastOp::create(b, v.loc, bytes, words);
    if (q8) {
      chunks[chunk] = raw;
      continue;
    }
    // A byte's low nibble is value 4 chunk + j, its high nibble 16 more.
    chunks[chunk] = arith::AndIOp::create(b, v.loc, raw, v.splat(bytes, b.getI8IntegerAttr(15)));
    chunks[chunk + 4] =
        arith::ShRUIOp::create(b, v.loc, raw, v.splat(bytes, b.getI8IntegerAttr(4)));
  }
  return chunks;
}

/// `acc` + one block's products for 16 outputs, from `dots`, the integer
/// sums (as f32) of the weights' stored values with the int8 inputs, the
/// input block's d and s, and the 16 weight scales (and Q4_1's minimums), as
/// in the table above. `offset` is what a stored value is above the value it
/// scales (Q4_0's 8, Q8_0's 128 in the dot products' unsigned bytes); none
/// for Q8_0's signed bytes on tiles.
Value scaledBlock(Builder &v, bool q41, Value scales, Value minimums, Value dots, Value d, Value s,
                  std::optional<float> offset, Value acc) {
  OpBuilder &b = v.b;
  if (q41 || !offset) {
    Value total = v.fma(arith::MulFOp::create(b, v.loc, scales, d), dots, acc);
    return q41 ? v.fma(minimums, s, total) : total;
  }
  Value shift = v.splat(cast<VectorType>(acc.getType()), b.getF32FloatAttr(-*offset));
  Value scaled = v.fma(dots, d, arith::MulFOp::create(b, v.loc, shift, s));
  return v.fma(scales, scaled, acc);
}

/// C[m, 16 group + lane] += the int8 products of rows ms with the 16 rows of
/// `group`.
void int8GroupProducts(OpBuilder &b, Location loc, const BlockProduct &p,
                       const QuantizedInputs &q, ArrayRef<Value> ms, Value group,
                       Value numBlocks, Value lastGroup) {
  Builder k(b, loc);
  tmc::rt::BlockLayout layout = *tmc::rt::blockLayoutFromName(p.format);
  Type f32 = b.getF32Type(), i8 = b.getI8Type(), i32 = b.getI32Type();
  VectorType acc = k.vector(16, f32), dots = k.vector(16, i32), bytes = k.vector(64, i8);
  bool q8 = layout.type == tmc::rt::GgmlType::Q8_0, q41 = layout.type == tmc::rt::GgmlType::Q4_1;
  SmallVector<Value> init(ms.size(), k.splat(acc, b.getF32FloatAttr(0)));
  Value groupAhead = arith::MinUIOp::create(
      b, loc, arith::AddIOp::create(b, loc, group, k.index(kPrefetchGroups)), lastGroup);
  auto loop = scf::ForOp::create(
      b, loc, k.index(0), numBlocks, k.index(1), init,
      [&](OpBuilder &nb, Location l, Value block, ValueRange sums) {
        Builder v(nb, l);
        // The same block of a later group, one prefetch per cache line, into
        // L2 (into L1, SmolLM2 int8 decode steps are 1.1-1.2x slower: see
        // floatRowProducts).
        for (int64_t word = 0; word < layout.words(); word += 32)
          memref::PrefetchOp::create(nb, l, p.blocks, ValueRange{groupAhead, block, v.index(word)},
                                     /*isWrite=*/false, static_cast<uint32_t>(PrefetchInto::L2),
                                     /*isDataCache=*/true);
        Value scales = sixteenHalves(v, p.blocks, group, block, 0);
        Value minimums = q41 ? sixteenHalves(v, p.blocks, group, block, 16) : Value();
        // weights[t]: values 4t .. 4t + 3 of each of the 16 rows, unsigned.
        SmallVector<Value> weights = interleavedChunks(v, p.blocks, group, block, layout);
        if (q8)
          for (Value &chunk : weights)
            chunk = arith::XOrIOp::create(nb, l, chunk, v.splat(bytes, nb.getI8IntegerAttr(-128)));
        Value firstWord = arith::MulIOp::create(nb, l, block, v.index(8));
        SmallVector<Value> next;
        for (auto [m, sum] : llvm::zip(ms, sums)) {
          // Two chains of dot products, so that each waits on half as many.
          Value chains[2] = {v.splat(dots, nb.getI32IntegerAttr(0)),
                             v.splat(dots, nb.getI32IntegerAttr(0))};
          for (int64_t t = 0; t < 8; ++t) {
            Value four = memref::LoadOp::create(
                nb, l, q.values,
                ValueRange{m, arith::AddIOp::create(nb, l, firstWord, v.index(t))});
            Value inputs = vector::BitCastOp::create(nb, l, bytes, v.broadcast(dots, four));
            chains[t % 2] =
                LLVM::CallIntrinsicOp::create(nb, l, dots,
                                              nb.getStringAttr("llvm.x86.avx512.vpdpbusd.512"),
                                              ValueRange{chains[t % 2], weights[t], inputs})
                    .getResult(0);
          }
          Value product = arith::SIToFPOp::create(
              nb, l, acc, arith::AddIOp::create(nb, l, chains[0], chains[1]));
          Value d = v.broadcast(acc, memref::LoadOp::create(nb, l, q.scales, ValueRange{m, block}));
          Value s = v.broadcast(acc, memref::LoadOp::create(nb, l, q.sums, ValueRange{m, block}));
          next.push_back(
              scaledBlock(v, q41, scales, minimums, product, d, s, q8 ? 128.0f : 8.0f, sum));
        }
        scf::YieldOp::create(nb, l, next);
      });
  Value column = arith::MulIOp::create(b, loc, group, k.index(16));
  for (auto [m, sum] : llvm::zip(ms, loop.getResults())) {
    Value old = vector::LoadOp::create(b, loc, acc, p.c, ValueRange{m, column});
    vector::StoreOp::create(b, loc, arith::AddFOp::create(b, loc, old, sum), p.c,
                            ValueRange{m, column});
  }
}

/// The columns of the inputs of a product (its K), when static.
std::optional<int64_t> staticDepth(const BlockProduct &p) {
  auto wType = cast<MemRefType>(p.blocks.getType());
  if (ShapedType::isDynamic(wType.getDimSize(1)))
    return std::nullopt;
  return p.format.empty() ? wType.getDimSize(1) : 32 * wType.getDimSize(1);
}

/// Int8 products of a prompt on AMX tiles (`amx.tile_muli`: tdpbssd for
/// Q8_0's signed values, tdpbsud for the 4-bit formats' unsigned nibbles): a
/// 16 x 32 tile of int8 inputs (one block of 16 rows) times the block's 32
/// values of 16 weight rows (8 x 64 bytes in the dot products' layout, which
/// an interleaved block already is) gives 16 x 16 integer sums, 8192
/// multiply-adds per instruction. The scales differ per block, so each
/// block's sums leave the tile through memory and are scaled into 16 f32
/// accumulators in vector registers, as in the dot-product kernel. Each core
/// takes groups of 16 weight rows; a group's blocks are first copied (Q8_0)
/// or split into nibbles (Q4_0, Q4_1) into tile rows, once for every tile of
/// inputs.
void amxInt8Product(OpBuilder &b, Location loc, const BlockProduct &p, Value numBlocks,
                    int64_t depth) {
  Builder k(b, loc);
  tmc::rt::BlockLayout layout = *tmc::rt::blockLayoutFromName(p.format);
  bool q8 = layout.type == tmc::rt::GgmlType::Q8_0, q41 = layout.type == tmc::rt::GgmlType::Q4_1;
  Type f32 = b.getF32Type(), i8 = b.getI8Type(), i32 = b.getI32Type();
  Value rows = memref::DimOp::create(b, loc, p.c, 0);
  Value tileRows = arith::MulIOp::create(
      b, loc,
      arith::DivUIOp::create(b, loc, arith::AddIOp::create(b, loc, rows, k.index(15)), k.index(16)),
      k.index(16));
  QuantizedInputs q = quantizeInputs(b, loc, p.x, numBlocks, tileRows, depth);
  auto inputTile = amx::TileType::get({16, 32}, i8);
  auto weightTile = amx::TileType::get({8, 64}, i8);
  auto sumTile = amx::TileType::get({16, 16}, i32);
  VectorType acc = k.vector(16, f32);
  Value groups = memref::DimOp::create(b, loc, p.blocks, 0);
  scf::ParallelOp::create(
      b, loc, ValueRange{k.index(0)}, ValueRange{groups}, ValueRange{k.index(1)},
      [&](OpBuilder &nb, Location l, ValueRange gs) {
        Builder v(nb, l);
        Value group = gs[0];
        // tiles[8 block + r, 4 i + j] = value 4 r + j of the group's row i.
        // On the heap, as in amxProduct: no alloca inside the parallel loop.
        Value tiles =
            memref::AllocOp::create(nb, l, MemRefType::get({ShapedType::kDynamic, 64}, i8),
                                    ValueRange{arith::MulIOp::create(nb, l, numBlocks, v.index(8))},
                                    nb.getI64IntegerAttr(64));
        forEach(
            nb, l, v.index(0), numBlocks, v.index(1), [&](OpBuilder &db, Location dl, Value block) {
              Builder d(db, dl);
              Value first = arith::MulIOp::create(db, dl, block, d.index(8));
              auto store = [&](Value row, int64_t r) {
                vector::StoreOp::create(
                    db, dl, row, tiles,
                    ValueRange{arith::AddIOp::create(db, dl, first, d.index(r)), d.index(0)});
              };
              for (auto [r, chunk] :
                   llvm::enumerate(interleavedChunks(d, p.blocks, group, block, layout)))
                store(chunk, r);
            });
        // Two slots of sums: block b + 1's product goes through the tile
        // while block b's sums are scaled. Reading a tile store's memory
        // right after it waits for the store to retire (perf: the loads after
        // tilestored held 25% of the kernel's samples); a block later it is
        // in the cache.
        Value sums = memref::AllocOp::create(nb, l, MemRefType::get({2, 16, 16}, i32),
                                             nb.getI64IntegerAttr(64));
        Value column = arith::MulIOp::create(nb, l, group, v.index(16));
        Value lastBlock = arith::SubIOp::create(nb, l, numBlocks, v.index(1));
        // Block `block`'s integer sums into slot block % 2.
        auto tileProduct = [&](OpBuilder &tb, Location tl, Value top, Value block) {
          Builder c(tb, tl);
          Value inputs = amx::TileLoadOp::create(
              tb, tl, inputTile, q.values,
              ValueRange{top, arith::MulIOp::create(tb, tl, block, c.index(32))});
          Value weights = amx::TileLoadOp::create(
              tb, tl, weightTile, tiles,
              ValueRange{arith::MulIOp::create(tb, tl, block, c.index(8)), c.index(0)});
          auto product = amx::TileMulIOp::create(tb, tl, sumTile, inputs, weights,
                                                 amx::TileZeroOp::create(tb, tl, sumTile));
          product.setIsZextRhs(!q8);
          amx::TileStoreOp::create(
              tb, tl, sums,
              ValueRange{arith::RemUIOp::create(tb, tl, block, c.index(2)), c.index(0), c.index(0)},
              product);
        };
        forEach(
            nb, l, v.index(0), tileRows, v.index(16), [&](OpBuilder &mb, Location ml, Value top) {
              Builder t(mb, ml);
              tileProduct(mb, ml, top, t.index(0));
              SmallVector<Value> init(16, t.splat(acc, mb.getF32FloatAttr(0)));
              auto loop = scf::ForOp::create(
                  mb, ml, t.index(0), numBlocks, t.index(1), init,
                  [&](OpBuilder &kb, Location kl, Value block, ValueRange accumulators) {
                    Builder c(kb, kl);
                    // The next block's product; the last block's is its own again
                    // (the same sums into the slot being read).
                    tileProduct(
                        kb, kl, top,
                        arith::MinUIOp::create(
                            kb, kl, arith::AddIOp::create(kb, kl, block, c.index(1)), lastBlock));
                    Value slot = arith::RemUIOp::create(kb, kl, block, c.index(2));
                    Value scales = sixteenHalves(c, p.blocks, group, block, 0);
                    Value minimums = q41 ? sixteenHalves(c, p.blocks, group, block, 16) : Value();
                    SmallVector<Value> next;
                    for (int64_t r = 0; r < 16; ++r) {
                      Value m = arith::AddIOp::create(kb, kl, top, c.index(r));
                      Value dots = arith::SIToFPOp::create(
                          kb, kl, acc,
                          vector::LoadOp::create(kb, kl, c.vector(16, i32), sums,
                                                 ValueRange{slot, c.index(r), c.index(0)}));
                      Value d = c.broadcast(
                          acc, memref::LoadOp::create(kb, kl, q.scales, ValueRange{m, block}));
                      // Q8_0's signed bytes need no s: nothing was added to them.
                      Value s = q8 ? Value()
                                   : c.broadcast(acc, memref::LoadOp::create(kb, kl, q.sums,
                                                                             ValueRange{m, block}));
                      next.push_back(scaledBlock(c, q41, scales, minimums, dots, d, s,
                                                 q8 ? std::nullopt : std::optional<float>(8.0f),
                                                 accumulators[r]));
                    }
                    scf::YieldOp::create(kb, kl, next);
                  });
              // C's rows of this tile (fewer in the last) += the sums.
              for (int64_t r = 0; r < 16; ++r) {
                Value m = arith::AddIOp::create(mb, ml, top, t.index(r));
                auto inside = scf::IfOp::create(
                    mb, ml, arith::CmpIOp::create(mb, ml, arith::CmpIPredicate::ult, m, rows),
                    /*withElseRegion=*/false);
                OpBuilder ib = inside.getThenBodyBuilder();
                Value old = vector::LoadOp::create(ib, ml, acc, p.c, ValueRange{m, column});
                vector::StoreOp::create(ib, ml,
                                        arith::AddFOp::create(ib, ml, old, loop.getResult(r)), p.c,
                                        ValueRange{m, column});
              }
            });
        memref::DeallocOp::create(nb, l, tiles);
        memref::DeallocOp::create(nb, l, sums);
      });
  for (Value buffer : {q.values, q.scales, q.sums})
    memref::DeallocOp::create(b, loc, buffer);
}

/// Int8 products on the dot-product kernel: each core takes groups of 16
/// weight rows and multiplies them with the inputs, kRowTile rows at a time.
void dotProductInt8Product(OpBuilder &b, Location loc, const BlockProduct &p, Value numBlocks) {
  Builder k(b, loc);
  Value rows = memref::DimOp::create(b, loc, p.c, 0);
  QuantizedInputs q = quantizeInputs(b, loc, p.x, numBlocks);
  Value lastGroup =
      arith::SubIOp::create(b, loc, memref::DimOp::create(b, loc, p.blocks, 0), k.index(1));
  scf::ParallelOp::create(b, loc, ValueRange{k.index(0)},
                          ValueRange{memref::DimOp::create(b, loc, p.blocks, 0)},
                          ValueRange{k.index(1)}, [&](OpBuilder &nb, Location l, ValueRange gs) {
                            forRowTiles(nb, l, rows,
                                        [&](OpBuilder &ib, Location il, ArrayRef<Value> ms) {
                                          int8GroupProducts(ib, il, p, q, ms, gs[0], numBlocks, lastGroup);
                                        });
                          });
  for (Value buffer : {q.values, q.scales, q.sums})
    memref::DeallocOp::create(b, loc, buffer);
}

/// Emits `prompt` for products of at least kPanelMinRows rows of inputs and
/// `decode` for fewer: one of them where the rows are static, else both,
/// chosen at run time.
void byRowCount(OpBuilder &b, Location loc, const BlockProduct &p, bool promptPath,
                function_ref<void()> prompt, function_ref<void()> decode) {
  int64_t rows = cast<MemRefType>(p.c.getType()).getDimSize(0);
  if (!promptPath || (!ShapedType::isDynamic(rows) && rows < kPanelMinRows)) {
    decode();
  } else if (!ShapedType::isDynamic(rows)) {
    prompt();
  } else {
    Value many = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::uge,
                                       memref::DimOp::create(b, loc, p.c, 0),
                                       arith::ConstantIndexOp::create(b, loc, kPanelMinRows));
    auto choice = scf::IfOp::create(b, loc, many, /*withElseRegion=*/true);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(choice.thenBlock());
    prompt();
    b.setInsertionPointToStart(choice.elseBlock());
    decode();
  }
}

void lowerInt8Product(Operation *product, const BlockProduct &p, bool amxInt8) {
  OpBuilder b(product);
  Location loc = product->getLoc();
  Value numBlocks = memref::DimOp::create(b, loc, p.blocks, 1);
  std::optional<int64_t> depth = staticDepth(p);
  byRowCount(
      b, loc, p, amxInt8 && depth, [&] { amxInt8Product(b, loc, p, numBlocks, *depth); },
      [&] { dotProductInt8Product(b, loc, p, numBlocks); });
  product->erase();
}

/// C[m, n] += the products of each row m with row n of the weight, the
/// weight's rows split across the host's cores.
void productByRows(OpBuilder &b, Location loc, const BlockProduct &product, Value numBlocks,
                   bool floatRowPrefetch) {
  Builder k(b, loc);
  Value rows = memref::DimOp::create(b, loc, product.c, 0);
  BlockProduct p = product;
  // Bf16 inputs are rounded once per product, into a buffer the row kernel
  // reads: rounded inside it, each input was rounded again for every row of
  // the weight (6% of a 2-thread bf16 decode step).
  if (p.bf16Inputs) {
    int64_t depth = cast<MemRefType>(p.blocks.getType()).getDimSize(1);
    p.x = roundedInputs(b, loc, product, rows, rows, depth);
  }
  Value columns = memref::DimOp::create(b, loc, p.c, 1);
  Value lastRow =
      arith::SubIOp::create(b, loc, memref::DimOp::create(b, loc, p.blocks, 0), k.index(1));
  scf::ParallelOp::create(
      b, loc, ValueRange{k.index(0)}, ValueRange{columns}, ValueRange{k.index(1)},
      [&](OpBuilder &nb, Location l, ValueRange ns) {
        Value n = ns[0];
        // C[m, n] += the products of rows ms, kRowTile at a time, then one by one.
        auto accumulate = [&](OpBuilder &ib, Location il, ArrayRef<Value> ms) {
          SmallVector<Value> sums =
              p.format.empty() ? floatRowProducts(ib, il, p, ms, n, lastRow, floatRowPrefetch)
                               : blockRowProducts(ib, il, p, ms, n, numBlocks, lastRow);
          for (auto [m, sum] : llvm::zip(ms, sums)) {
            Value old = memref::LoadOp::create(ib, il, p.c, ValueRange{m, n});
            memref::StoreOp::create(ib, il, arith::AddFOp::create(ib, il, old, sum), p.c,
                                    ValueRange{m, n});
          }
        };
        forRowTiles(nb, l, rows, accumulate);
      });
  if (product.bf16Inputs)
    memref::DeallocOp::create(b, loc, p.x);
}

void lowerBlockProduct(Operation *product, const BlockProduct &p, bool amxBf16,
                       bool floatRowPrefetch) {
  OpBuilder b(product);
  Location loc = product->getLoc();
  Value numBlocks = memref::DimOp::create(b, loc, p.blocks, 1);
  bool f32Weight =
      p.format.empty() && cast<MemRefType>(p.blocks.getType()).getElementType().isF32();
  // A prompt's product is an f32 matmul: over the weight itself, or over its
  // panels decoded to f32.
  auto promptProduct = [&] {
    if (p.bf16Inputs && amxBf16)
      amxProduct(b, loc, p, *staticDepth(p));
    else if (p.bf16Inputs)
      dotBf16Product(b, loc, p, *staticDepth(p));
    else if (f32Weight)
      linalg::MatmulTransposeBOp::create(b, loc, ValueRange{p.x, p.blocks}, ValueRange{p.c});
    else
      productByPanels(b, loc, p, numBlocks, *staticDepth(p));
  };
  byRowCount(b, loc, p, staticDepth(p).has_value(), promptProduct,
             [&] { productByRows(b, loc, p, numBlocks, floatRowPrefetch); });
  product->erase();
}

struct CpuBlockProducts : public tmc::cpu::impl::CpuBlockProductsBase<CpuBlockProducts> {
  using CpuBlockProductsBase::CpuBlockProductsBase;

  void runOnOperation() override {
    SmallVector<std::pair<Operation *, BlockProduct>> products;
    getOperation().walk([&](linalg::LinalgOp op) {
      auto generic = dyn_cast<linalg::GenericOp>(op.getOperation());
      std::optional<BlockProduct> product =
          generic ? matchBlockProduct(generic) : matchFloatWeightProduct(op);
      if (product)
        products.push_back({op, *product});
    });
    for (auto &[generic, product] : products) {
      if (!cast<MemRefType>(product.c.getType()).getElementType().isF32()) {
        generic->emitOpError("a block product into ")
            << product.c.getType() << "; the CPU kernels accumulate in f32";
        return signalPassFailure();
      }
      if (product.int8)
        lowerInt8Product(generic, product, amxInt8);
      else
        lowerBlockProduct(generic, product, amxBf16, floatRowPrefetch);
    }
  }
};
} // namespace
