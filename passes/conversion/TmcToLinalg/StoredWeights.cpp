//===- StoredWeights.cpp - reading weights stored in blocks -----*- C++ -*-===//
//
// `tmc.dequantize` and a widening `tmc.cast` of a stored weight
// (tmc-store-weights) are not lowered on their own when every op reading
// them is a linear or an embedding: those read the stored weight directly,
// decoding each value where the product or the gather uses it, so no decoded
// copy of a weight is ever built. Anywhere else they become a generic that
// decodes every value.
//
// A block holds 32 values of a row; its 16-bit words hold the f16 scale (and
// Q4_1's f16 minimum), then the values' bytes, two per word, low byte first
// (llama.cpp's byte order on a little-endian machine). Interleaved layouts
// (`q4_1x16`) hold 16 rows' blocks at once: their scales, their minimums,
// then their bytes, 4 of each row in turn (GgmlTypes.h's BlockLayout).
//
//===----------------------------------------------------------------------===//

#include "ir/Tmc/TmcOps.h"
#include "passes/conversion/TmcToLinalg/Utils.h"
#include "runtime/GgmlTypes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;

namespace tmc {

bool widensFloat(CastOp cast) {
  Type from = getElementTypeOrSelf(cast.getInput().getType());
  return isa<FloatType>(from) &&
         from.getIntOrFloatBitWidth() < cast.getType().getElementType().getIntOrFloatBitWidth();
}

bool readsWeightInPlace(Operation *decode) {
  auto cast = dyn_cast<CastOp>(decode);
  if (!isa<DequantizeOp>(decode) && !(cast && widensFloat(cast)))
    return false;
  return !decode->use_empty() &&
         llvm::all_of(decode->getUses(), [](OpOperand &use) { return readsMatrixWeight(use); });
}

namespace {
/// Where the values of one row of blocks sit: its blocks in the tensor
/// (`row` of row-major blocks, the group of 16 of interleaved ones) and its
/// lane among the interleaved rows.
struct BlockRow {
  OpBuilder &b;
  Location loc;
  Value blocks, group, lane;
  int64_t rows;

  Value index(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }
  /// Word `word` (an index) of block `block`, as i32.
  Value word(Value block, Value word) {
    Value bits = tensor::ExtractOp::create(b, loc, blocks, ValueRange{group, block, word});
    return arith::ExtUIOp::create(b, loc, b.getI32Type(), bits);
  }
  /// The row's f16 in the `half`th run of halves (0: scales, 1: minimums),
  /// as f32.
  Value half(Value block, int64_t half) {
    Value word = arith::AddIOp::create(b, loc, index(half * rows), lane);
    Value bits = tensor::ExtractOp::create(b, loc, blocks, ValueRange{group, block, word});
    return arith::ExtFOp::create(b, loc, b.getF32Type(),
                                 arith::BitcastOp::create(b, loc, b.getF16Type(), bits).getResult());
  }
  /// Byte `byte` (an index) of the row's values, which start at word `first`:
  /// in chunks of 4 bytes, one chunk of each row in turn.
  Value byte(Value block, int64_t first, Value byte) {
    Value chunk = arith::DivUIOp::create(b, loc, byte, index(4));
    Value at = arith::AddIOp::create(
        b, loc,
        arith::AddIOp::create(b, loc, arith::MulIOp::create(b, loc, chunk, index(4 * rows)),
                              arith::MulIOp::create(b, loc, lane, index(4))),
        arith::RemUIOp::create(b, loc, byte, index(4)));
    Value bits = word(block, arith::AddIOp::create(b, loc, index(first),
                                                   arith::DivUIOp::create(b, loc, at, index(2))));
    Value shift = arith::IndexCastOp::create(
        b, loc, b.getI32Type(),
        arith::MulIOp::create(b, loc, arith::RemUIOp::create(b, loc, at, index(2)), index(8)));
    Value shifted = arith::ShRUIOp::create(b, loc, bits, shift);
    return arith::AndIOp::create(b, loc, shifted, arith::ConstantIntOp::create(b, loc, 0xff, 32));
  }
};
} // namespace

Value decodeBlockValue(OpBuilder &b, Location loc, StringRef format, Value blocks, Value row,
                       Value column, Type type) {
  auto index = [&](int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); };
  rt::BlockLayout layout = *rt::blockLayoutFromName(format);
  int64_t rows = layout.interleavedRows;
  BlockRow at{b, loc, blocks, row, index(0), rows};
  if (rows > 1) {
    at.group = arith::DivUIOp::create(b, loc, row, index(rows));
    at.lane = arith::RemUIOp::create(b, loc, row, index(rows));
  }
  Type f32 = b.getF32Type();
  Value block = arith::DivUIOp::create(b, loc, column, index(32));
  Value inBlock = arith::RemUIOp::create(b, loc, column, index(32));
  Value scale = at.half(block, 0);
  Value value;
  if (layout.type == rt::GgmlType::Q8_0) {
    Value byte = at.byte(block, layout.valuesWord(), inBlock);
    Value q = arith::TruncIOp::create(b, loc, b.getI8Type(), byte);
    value = arith::MulFOp::create(b, loc, arith::SIToFPOp::create(b, loc, f32, q), scale);
  } else {
    // Values 0..15 are the low nibbles of the 16 bytes, 16..31 the high ones.
    Value byte =
        at.byte(block, layout.valuesWord(), arith::RemUIOp::create(b, loc, inBlock, index(16)));
    Value shift = arith::IndexCastOp::create(
        b, loc, b.getI32Type(),
        arith::MulIOp::create(b, loc, arith::DivUIOp::create(b, loc, inBlock, index(16)),
                              index(4)));
    Value nibble = arith::AndIOp::create(b, loc, arith::ShRUIOp::create(b, loc, byte, shift),
                                         arith::ConstantIntOp::create(b, loc, 0xf, 32));
    if (layout.type == rt::GgmlType::Q4_0) {
      Value centered = arith::SubIOp::create(b, loc, nibble,
                                             arith::ConstantIntOp::create(b, loc, 8, 32));
      value = arith::MulFOp::create(b, loc, arith::SIToFPOp::create(b, loc, f32, centered),
                                    scale);
    } else {
      value = arith::AddFOp::create(
          b, loc,
          arith::MulFOp::create(b, loc, arith::UIToFPOp::create(b, loc, f32, nibble), scale),
          at.half(block, 1));
    }
  }
  return type == f32 ? value : arith::TruncFOp::create(b, loc, type, value);
}

Value readStoredWeight(OpBuilder &b, Location loc, Value weight, Value row, Value column) {
  Type type = getElementTypeOrSelf(weight.getType());
  if (auto dequantize = weight.getDefiningOp<DequantizeOp>())
    return decodeBlockValue(b, loc, dequantize.getFormat(), dequantize.getInput(), row, column,
                            type);
  if (auto cast = weight.getDefiningOp<CastOp>(); cast && widensFloat(cast)) {
    Value stored = tensor::ExtractOp::create(b, loc, cast.getInput(), ValueRange{row, column});
    return arith::ExtFOp::create(b, loc, type, stored);
  }
  return tensor::ExtractOp::create(b, loc, weight, ValueRange{row, column});
}

namespace {
/// A decode whose result something other than a linear or an embedding reads.
struct DequantizeToGeneric : OpRewritePattern<DequantizeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(DequantizeOp op, PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value result = elementwise(
        rewriter, loc, op.getType(), tensor::getMixedSizes(rewriter, loc, op.getResult()), {},
        [&](OpBuilder &b, Location l, ValueRange) -> Value {
          return decodeBlockValue(b, l, op.getFormat(), op.getInput(),
                                  linalg::IndexOp::create(b, l, 0),
                                  linalg::IndexOp::create(b, l, 1),
                                  op.getType().getElementType());
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};
} // namespace

void populateStoredWeightPatterns(RewritePatternSet &patterns) {
  patterns.add<DequantizeToGeneric>(patterns.getContext());
}

} // namespace tmc
