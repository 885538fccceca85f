//===- TmcOps.cpp - tmc operations ------------------------------*- C++ -*-===//
//
// Verifiers of the tmc ops: shapes and dtypes are checked where they are
// known, and a dynamic dimension is compatible with any size.
//
//===----------------------------------------------------------------------===//

#include "ir/Tmc/TmcOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"

using namespace mlir;
using namespace tmc;

/// Two dimensions agree unless both are static and differ.
static bool dimsCompatible(int64_t a, int64_t b) {
  return ShapedType::isDynamic(a) || ShapedType::isDynamic(b) || a == b;
}

static std::string dimToString(int64_t dim) {
  return ShapedType::isDynamic(dim) ? "?" : std::to_string(dim);
}

//===----------------------------------------------------------------------===//
// ParamOp
//===----------------------------------------------------------------------===//

LogicalResult ParamOp::verify() {
  RankedTensorType type = getTensorType();
  if (!type.hasStaticShape())
    return emitOpError("weight '")
           << getSymName() << "' must have a static shape, got " << type;
  if (llvm::any_of(type.getShape(), [](int64_t d) { return d == 0; }))
    return emitOpError("weight '") << getSymName() << "' has a zero-sized dimension";
  if (!isa<FloatType, IntegerType>(type.getElementType()))
    return emitOpError("weight '")
           << getSymName() << "' must hold floats or integers, got "
           << type.getElementType();
  return success();
}

//===----------------------------------------------------------------------===//
// GetParamOp
//===----------------------------------------------------------------------===//

LogicalResult GetParamOp::verifySymbolUses(SymbolTableCollection &symbols) {
  auto param = symbols.lookupNearestSymbolFrom<ParamOp>(*this, getNameAttr());
  if (!param)
    return emitOpError("'") << getName() << "' does not name a tmc.param";
  if (param.getTensorType() != getType())
    return emitOpError("type ")
           << getType() << " differs from the declared " << param.getTensorType()
           << " of '" << getName() << "'";
  return success();
}

//===----------------------------------------------------------------------===//
// LinearOp
//===----------------------------------------------------------------------===//

LogicalResult LinearOp::verify() {
  auto input = cast<RankedTensorType>(getInput().getType());
  auto weight = cast<RankedTensorType>(getWeight().getType());
  auto result = cast<RankedTensorType>(getResult().getType());
  if (input.getRank() < 1)
    return emitOpError("input must have rank >= 1");
  if (weight.getRank() != 2)
    return emitOpError("weight must be [out_features, in_features], got rank ")
           << weight.getRank();
  Type elementType = input.getElementType();
  if (weight.getElementType() != elementType ||
      result.getElementType() != elementType)
    return emitOpError("input, weight and result must share an element type, got ")
           << input.getElementType() << ", " << weight.getElementType() << " and "
           << result.getElementType();

  int64_t inFeatures = input.getShape().back();
  if (!dimsCompatible(inFeatures, weight.getDimSize(1)))
    return emitOpError("input has ")
           << dimToString(inFeatures) << " features but weight expects "
           << dimToString(weight.getDimSize(1));
  int64_t outFeatures = weight.getDimSize(0);
  if (Value bias = getBias()) {
    auto biasType = cast<RankedTensorType>(bias.getType());
    if (biasType.getRank() != 1 || !dimsCompatible(biasType.getDimSize(0), outFeatures))
      return emitOpError("bias must be [") << dimToString(outFeatures) << "], got "
                                           << biasType;
    if (biasType.getElementType() != elementType)
      return emitOpError("bias element type ")
             << biasType.getElementType() << " differs from " << elementType;
  }

  if (result.getRank() != input.getRank())
    return emitOpError("result rank ")
           << result.getRank() << " differs from input rank " << input.getRank();
  for (int64_t i = 0, e = input.getRank() - 1; i < e; ++i)
    if (!dimsCompatible(input.getDimSize(i), result.getDimSize(i)))
      return emitOpError("result dimension ")
             << i << " is " << dimToString(result.getDimSize(i))
             << " but input dimension " << i << " is " << dimToString(input.getDimSize(i));
  if (!dimsCompatible(result.getShape().back(), outFeatures))
    return emitOpError("result has ")
           << dimToString(result.getShape().back()) << " features but weight produces "
           << dimToString(outFeatures);
  return success();
}

#define GET_OP_CLASSES
#include "ir/Tmc/TmcOps.cpp.inc"
