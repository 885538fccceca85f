//===- Utils.h - shared helpers of the tmc-to-linalg patterns ---*- C++ -*-===//
//
// Builders for the shapes every lowering needs: result sizes read from
// operands, empty/filled destinations, and elementwise or reducing
// linalg.generic ops with PyTorch broadcasting.
//
//===----------------------------------------------------------------------===//

#ifndef TMC_PASSES_CONVERSION_TMCTOLINALG_UTILS_H
#define TMC_PASSES_CONVERSION_TMCTOLINALG_UTILS_H

#include "ir/Tmc/TmcOps.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/PatternMatch.h"

namespace tmc {

/// `f(builder, loc, scalar operands) -> scalar result` of a generic body.
using ScalarFn =
    llvm::function_ref<mlir::Value(mlir::OpBuilder &, mlir::Location, mlir::ValueRange)>;

/// Sizes of `resultType`, taking each dynamic one from the first operand that
/// holds it unbroadcast (operands aligned on trailing dimensions).
llvm::SmallVector<mlir::OpFoldResult>
broadcastSizes(mlir::OpBuilder &b, mlir::Location loc, mlir::RankedTensorType resultType,
               mlir::ValueRange operands);

/// The map that reads `operand` (trailing-aligned, size-1 dims stretched)
/// inside a loop nest over a result of rank `resultRank`.
mlir::AffineMap broadcastMap(mlir::MLIRContext *ctx, mlir::RankedTensorType operand,
                             mlir::RankedTensorType result);

mlir::Value emptyTensor(mlir::OpBuilder &b, mlir::Location loc,
                        llvm::ArrayRef<mlir::OpFoldResult> sizes, mlir::Type elementType);
mlir::Value filledTensor(mlir::OpBuilder &b, mlir::Location loc,
                         llvm::ArrayRef<mlir::OpFoldResult> sizes, mlir::Type elementType,
                         mlir::TypedAttr value);

/// A parallel generic over `resultType` (sizes `sizes`) reading `inputs` with
/// broadcasting; `fn` computes one element.
mlir::Value elementwise(mlir::OpBuilder &b, mlir::Location loc,
                        mlir::RankedTensorType resultType,
                        llvm::ArrayRef<mlir::OpFoldResult> sizes, mlir::ValueRange inputs,
                        ScalarFn fn);

/// Reduces `input` over `reduced` dims into a tensor that keeps them as size 1
/// (`keepdim` form), starting from `init` and combining with `combine`.
mlir::Value reduceKeepDims(mlir::OpBuilder &b, mlir::Location loc, mlir::Value input,
                           const llvm::SmallBitVector &reduced, mlir::TypedAttr init,
                           ScalarFn combine);

/// The float `x` as float type `to`: itself, widened, rounded, or (between
/// two 16-bit types) widened to f32 and rounded.
mlir::Value convertFloat(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x, mlir::Type to);

/// A float constant of `type`.
mlir::Value floatConstant(mlir::OpBuilder &b, mlir::Location loc, mlir::Type type,
                          double value);
/// The product of `input`'s sizes over `dims`, as a float of `type`.
mlir::Value elementCount(mlir::OpBuilder &b, mlir::Location loc, mlir::Value input,
                         const llvm::SmallBitVector &dims, mlir::Type type);

/// Drops the size-1 dims listed in `dims` (the inverse of keepdim).
mlir::Value dropUnitDims(mlir::OpBuilder &b, mlir::Location loc, mlir::Value input,
                         const llvm::SmallBitVector &dims);

/// Collapses all but the last `keep` dimensions of `value` into one.
mlir::Value collapseLeading(mlir::OpBuilder &b, mlir::Location loc, mlir::Value value,
                            int64_t keep);
/// Undoes collapseLeading: splits dim 0 of `value` into `leadingSizes`.
mlir::Value expandLeading(mlir::OpBuilder &b, mlir::Location loc, mlir::Value value,
                          llvm::ArrayRef<mlir::OpFoldResult> leadingSizes,
                          mlir::RankedTensorType resultType);

/// Patterns, one function per op family.
/// Whether `decode` (a tmc.dequantize, or a tmc.cast widening a float) is
/// read only by linears as their weight and embeddings as their table, which
/// read the stored weight in place (StoredWeights.cpp).
bool readsWeightInPlace(mlir::Operation *decode);
/// Whether `cast` converts a float to a wider float (a stored weight's read).
bool widensFloat(CastOp cast);
/// Value (row, column) of the weight `format` blocks hold, as `type`.
mlir::Value decodeBlockValue(mlir::OpBuilder &b, mlir::Location loc, llvm::StringRef format,
                             mlir::Value blocks, mlir::Value row, mlir::Value column,
                             mlir::Type type);
/// Element (row, column) of the matrix `weight`, read from its storage when
/// it is a tmc.dequantize or a widensFloat() cast.
mlir::Value readStoredWeight(mlir::OpBuilder &b, mlir::Location loc, mlir::Value weight,
                             mlir::Value row, mlir::Value column);

void populateStoredWeightPatterns(mlir::RewritePatternSet &patterns);
void populateElementwisePatterns(mlir::RewritePatternSet &patterns);
void populateNormalizationPatterns(mlir::RewritePatternSet &patterns);
void populateContractionPatterns(mlir::RewritePatternSet &patterns);
void populateRopePatterns(mlir::RewritePatternSet &patterns);
void populateShapePatterns(mlir::RewritePatternSet &patterns);

} // namespace tmc

#endif // TMC_PASSES_CONVERSION_TMCTOLINALG_UTILS_H
