//===- Contractions.cpp - linear, matmul, embedding -------------*- C++ -*-===//
//
// `linear` flattens its leading dims and becomes a transposed-B
// `linalg.matmul` (weights stay in checkpoint layout, no transpose copy), then
// adds the bias; `matmul` becomes `linalg.batch_matmul` over flattened batch
// dims. Later passes turn these named ops into GEMM library calls or tiled
// code. `embedding` is a gather written as a generic that reads the table.
//
//===----------------------------------------------------------------------===//

#include "ir/Tmc/TmcOps.h"
#include "passes/conversion/TmcToLinalg/Utils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;

namespace tmc {
namespace {

/// init[m, n] + sum_k rows[m, k] * weight[n, k]. A weight read in place
/// from its storage (StoredWeights.cpp) is the operand itself when it is a
/// narrower float (the named op extends each element), and a generic that
/// decodes each value inside the product when it is in blocks; that generic
/// carries `tmc.block_product` with the format, for targets with a kernel.
/// Either carries the linear's `tmc.activations`.
Value weightProduct(OpBuilder &b, Location loc, Value rows, Value weight, Value init,
                    StringAttr activations) {
  auto initType = cast<RankedTensorType>(init.getType());
  if (auto cast = weight.getDefiningOp<CastOp>(); cast && widensFloat(cast))
    weight = cast.getInput();
  auto dequantize = weight.getDefiningOp<DequantizeOp>();
  if (!dequantize) {
    auto matmul = linalg::MatmulTransposeBOp::create(b, loc, TypeRange{initType},
                                                     ValueRange{rows, weight}, ValueRange{init});
    if (activations)
      tmcDialect(b.getContext())->getActivationsAttrHelper().setAttr(matmul, activations);
    return matmul.getResult(0);
  }
  MLIRContext *ctx = b.getContext();
  AffineExpr m, n, k;
  bindDims(ctx, m, n, k);
  SmallVector<AffineMap> maps{AffineMap::get(3, 0, {m, k}, ctx),
                              AffineMap::get(3, 0, {m, n}, ctx)};
  SmallVector<utils::IteratorType> iterators{utils::IteratorType::parallel,
                                             utils::IteratorType::parallel,
                                             utils::IteratorType::reduction};
  Type accType = initType.getElementType();
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{initType}, ValueRange{rows}, ValueRange{init}, maps, iterators,
      [&](OpBuilder &nb, Location l, ValueRange args) {
        Value w = decodeBlockValue(nb, l, dequantize.getFormat(), dequantize.getInput(),
                                   linalg::IndexOp::create(nb, l, 1),
                                   linalg::IndexOp::create(nb, l, 2), accType);
        Value x = args[0];
        if (x.getType() != accType)
          x = arith::ExtFOp::create(nb, l, accType, x);
        Value sum = arith::AddFOp::create(nb, l, args[1], arith::MulFOp::create(nb, l, x, w));
        linalg::YieldOp::create(nb, l, sum);
      });
  tmcDialect(ctx)->getBlockProductAttrHelper().setAttr(generic, dequantize.getFormatAttr());
  if (activations)
    tmcDialect(ctx)->getActivationsAttrHelper().setAttr(generic, activations);
  return generic.getResult(0);
}

struct LinearToMatmul : OpRewritePattern<LinearOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(LinearOp op, PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto resultType = op.getType();
    Type elementType = resultType.getElementType();
    Value input = op.getInput();
    auto inputType = cast<RankedTensorType>(input.getType());
    SmallVector<OpFoldResult> leading = tensor::getMixedSizes(rewriter, loc, input);
    leading.pop_back();

    Value rows = collapseLeading(rewriter, loc, input, /*keep=*/1); // [M, K]
    auto rowsType = cast<RankedTensorType>(rows.getType());
    int64_t outFeatures = cast<RankedTensorType>(op.getWeight().getType()).getDimSize(0);
    // bf16/f16 products accumulate in f32 and round once, as PyTorch's GEMMs do.
    Type accType = elementType.getIntOrFloatBitWidth() < 32 ? rewriter.getF32Type() : elementType;
    auto accMatrixType = RankedTensorType::get({rowsType.getDimSize(0), outFeatures}, accType);
    auto matrixType = RankedTensorType::get({rowsType.getDimSize(0), outFeatures}, elementType);
    Value init = filledTensor(rewriter, loc,
                              {tensor::getMixedSize(rewriter, loc, rows, 0),
                               rewriter.getIndexAttr(outFeatures)},
                              accType, rewriter.getFloatAttr(accType, 0.0));
    Value product =
        weightProduct(rewriter, loc, rows, op.getWeight(), init,
                      tmcDialect(op.getContext())->getActivationsAttrHelper().getAttr(op));
    if (Value bias = op.getBias())
      product = elementwise(rewriter, loc, accMatrixType,
                            tensor::getMixedSizes(rewriter, loc, product), {product, bias},
                            [&](OpBuilder &b, Location l, ValueRange args) -> Value {
                              Value biasValue = args[1];
                              if (biasValue.getType() != accType)
                                biasValue = arith::ExtFOp::create(b, l, accType, biasValue);
                              return arith::AddFOp::create(b, l, args[0], biasValue);
                            });
    if (accType != elementType)
      product = elementwise(rewriter, loc, matrixType,
                            tensor::getMixedSizes(rewriter, loc, product), {product},
                            [&](OpBuilder &b, Location l, ValueRange args) -> Value {
                              return arith::TruncFOp::create(b, l, elementType, args[0]);
                            });
    Value result = inputType.getRank() == 2 ? product
                                            : expandLeading(rewriter, loc, product, leading,
                                                            resultType);
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct MatmulToBatchMatmul : OpRewritePattern<MatmulOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(MatmulOp op, PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto resultType = op.getType();
    Type elementType = resultType.getElementType();
    Value lhs = op.getLhs(), rhs = op.getRhs();
    int64_t rank = resultType.getRank();
    Attribute zeroAttr = rewriter.getFloatAttr(elementType, 0.0);
    if (rank == 2) {
      Value init = filledTensor(rewriter, loc,
                                {tensor::getMixedSize(rewriter, loc, lhs, 0),
                                 tensor::getMixedSize(rewriter, loc, rhs, 1)},
                                elementType, cast<TypedAttr>(zeroAttr));
      rewriter.replaceOp(op, linalg::MatmulOp::create(rewriter, loc, TypeRange{resultType},
                                                      ValueRange{lhs, rhs}, ValueRange{init})
                                 .getResult(0));
      return success();
    }
    SmallVector<OpFoldResult> batch = tensor::getMixedSizes(rewriter, loc, lhs);
    batch.resize(rank - 2);
    Value lhs3 = collapseLeading(rewriter, loc, lhs, 2);
    Value rhs3 = collapseLeading(rewriter, loc, rhs, 2);
    auto lhsType = cast<RankedTensorType>(lhs3.getType());
    auto productType = RankedTensorType::get(
        {lhsType.getDimSize(0), lhsType.getDimSize(1),
         cast<RankedTensorType>(rhs3.getType()).getDimSize(2)},
        elementType);
    Value init = filledTensor(rewriter, loc,
                              {tensor::getMixedSize(rewriter, loc, lhs3, 0),
                               tensor::getMixedSize(rewriter, loc, lhs3, 1),
                               tensor::getMixedSize(rewriter, loc, rhs3, 2)},
                              elementType, cast<TypedAttr>(zeroAttr));
    Value product =
        linalg::BatchMatmulOp::create(rewriter, loc, TypeRange{productType},
                                      ValueRange{lhs3, rhs3}, ValueRange{init})
            .getResult(0);
    Value result = expandLeading(rewriter, loc, product, batch, resultType);
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// out[..., h] = table[ids[...] - offset, h]; an id outside the table reads
/// row 0, or zeros for a table with an offset (a vocabulary slice). A table
/// read in place from its storage is decoded row by row as it is gathered.
struct EmbeddingToGeneric : OpRewritePattern<EmbeddingOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(EmbeddingOp op, PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto resultType = op.getType();
    Value ids = op.getIds(), table = op.getTable();
    MLIRContext *ctx = rewriter.getContext();
    int64_t rank = resultType.getRank();
    SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(rewriter, loc, ids);
    sizes.push_back(tensor::getMixedSize(rewriter, loc, table, 1));
    // Static for a weight, so that a stored table's decode gains no reader.
    Value vocab = getValueOrCreateConstantIndexOp(rewriter, loc,
                                                  tensor::getMixedSize(rewriter, loc, table, 0));
    Value init = emptyTensor(rewriter, loc, sizes, resultType.getElementType());
    SmallVector<AffineMap> maps{
        AffineMap::getMultiDimIdentityMap(rank, ctx).getMajorSubMap(rank - 1),
        AffineMap::getMultiDimIdentityMap(rank, ctx)};
    SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::parallel);
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{resultType}, ValueRange{ids}, ValueRange{init}, maps,
        iterators, [&](OpBuilder &b, Location l, ValueRange args) {
          Value row = arith::IndexCastOp::create(b, l, b.getIndexType(), args[0]);
          if (Value offset = op.getOffset())
            row = arith::SubIOp::create(b, l, row, offset);
          Value zeroIndex = arith::ConstantIndexOp::create(b, l, 0);
          Value inRange = arith::AndIOp::create(
              b, l,
              arith::CmpIOp::create(b, l, arith::CmpIPredicate::sge, row, zeroIndex),
              arith::CmpIOp::create(b, l, arith::CmpIPredicate::slt, row, vocab));
          row = arith::SelectOp::create(b, l, inRange, row, zeroIndex);
          Value column = linalg::IndexOp::create(b, l, rank - 1);
          Value element = readStoredWeight(b, l, table, row, column);
          if (op.getOffset()) {
            Value zero = arith::ConstantOp::create(
                b, l, b.getZeroAttr(resultType.getElementType()));
            element = arith::SelectOp::create(b, l, inRange, element, zero);
          }
          linalg::YieldOp::create(b, l, element);
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

} // namespace

void populateContractionPatterns(RewritePatternSet &patterns) {
  patterns.add<LinearToMatmul, MatmulToBatchMatmul, EmbeddingToGeneric>(
      patterns.getContext());
}

} // namespace tmc
