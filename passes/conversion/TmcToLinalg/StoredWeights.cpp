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
// (llama.cpp's byte order on a little-endian machine).
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

/// The 16-bit word `word` of block `block` of `row`, as i32.
static Value blockWord(OpBuilder &b, Location loc, Value blocks, Value row, Value block,
                       Value word) {
  Value bits = tensor::ExtractOp::create(b, loc, blocks, ValueRange{row, block, word});
  return arith::ExtUIOp::create(b, loc, b.getI32Type(), bits);
}

/// The f16 in word `word` of the block, as f32.
static Value blockHalf(OpBuilder &b, Location loc, Value blocks, Value row, Value block,
                       int64_t word) {
  Value index = arith::ConstantIndexOp::create(b, loc, word);
  Value bits = tensor::ExtractOp::create(b, loc, blocks, ValueRange{row, block, index});
  Value half = arith::BitcastOp::create(b, loc, b.getF16Type(), bits);
  return arith::ExtFOp::create(b, loc, b.getF32Type(), half);
}

/// Byte `byte` (an index) of the bytes that start at word `first`.
static Value blockByte(OpBuilder &b, Location loc, Value blocks, Value row, Value block,
                       int64_t first, Value byte) {
  auto index = [&](int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); };
  Value word = arith::AddIOp::create(b, loc, index(first),
                                     arith::DivUIOp::create(b, loc, byte, index(2)));
  Value bits = blockWord(b, loc, blocks, row, block, word);
  Value shift = arith::IndexCastOp::create(
      b, loc, b.getI32Type(),
      arith::MulIOp::create(b, loc, arith::RemUIOp::create(b, loc, byte, index(2)), index(8)));
  Value shifted = arith::ShRUIOp::create(b, loc, bits, shift);
  return arith::AndIOp::create(b, loc, shifted, arith::ConstantIntOp::create(b, loc, 0xff, 32));
}

Value decodeBlockValue(OpBuilder &b, Location loc, StringRef format, Value blocks, Value row,
                       Value column, Type type) {
  auto index = [&](int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); };
  Type f32 = b.getF32Type();
  Value block = arith::DivUIOp::create(b, loc, column, index(32));
  Value inBlock = arith::RemUIOp::create(b, loc, column, index(32));
  Value scale = blockHalf(b, loc, blocks, row, block, 0);
  Value value;
  if (format == "q8_0") {
    Value byte = blockByte(b, loc, blocks, row, block, 1, inBlock);
    Value q = arith::TruncIOp::create(b, loc, b.getI8Type(), byte);
    value = arith::MulFOp::create(b, loc, arith::SIToFPOp::create(b, loc, f32, q), scale);
  } else {
    // Values 0..15 are the low nibbles of the 16 bytes, 16..31 the high ones.
    int64_t first = format == "q4_1" ? 2 : 1;
    Value byte = blockByte(b, loc, blocks, row, block, first,
                           arith::RemUIOp::create(b, loc, inBlock, index(16)));
    Value shift = arith::IndexCastOp::create(
        b, loc, b.getI32Type(),
        arith::MulIOp::create(b, loc, arith::DivUIOp::create(b, loc, inBlock, index(16)),
                              index(4)));
    Value nibble = arith::AndIOp::create(b, loc, arith::ShRUIOp::create(b, loc, byte, shift),
                                         arith::ConstantIntOp::create(b, loc, 0xf, 32));
    if (format == "q4_0") {
      Value centered = arith::SubIOp::create(b, loc, nibble,
                                             arith::ConstantIntOp::create(b, loc, 8, 32));
      value = arith::MulFOp::create(b, loc, arith::SIToFPOp::create(b, loc, f32, centered),
                                    scale);
    } else {
      Value minimum = blockHalf(b, loc, blocks, row, block, 1);
      value = arith::AddFOp::create(
          b, loc,
          arith::MulFOp::create(b, loc, arith::UIToFPOp::create(b, loc, f32, nibble), scale),
          minimum);
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
