//===- TmcOps.cpp - tmc operations ------------------------------*- C++ -*-===//
//
// Verifiers of the tmc ops: shapes and dtypes are checked where they are
// known, and a dynamic dimension is compatible with any size.
//
//===----------------------------------------------------------------------===//

#include "ir/Tmc/TmcOps.h"
#include "runtime/GgmlTypes.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"

#include "llvm/ADT/SmallBitVector.h"

#include <cmath>

using namespace mlir;
using namespace tmc;

/// NaN and infinities are no positive number: `x <= 0` lets NaN through.
static bool positiveFinite(double x) { return x > 0 && std::isfinite(x); }
static bool positiveFinite(const llvm::APFloat &x) { return positiveFinite(x.convertToDouble()); }

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

bool tmc::readsMatrixWeight(OpOperand &use) {
  return isa<LinearOp, EmbeddingOp>(use.getOwner()) && use.getOperandNumber() == 1;
}

LogicalResult DequantizeOp::verify() {
  std::optional<rt::BlockLayout> layout = rt::blockLayoutFromName(getFormat());
  if (!layout)
    return emitOpError("format '") << getFormat() << "' is not one of: "
                                   << rt::blockLayoutNames();
  auto input = cast<RankedTensorType>(getInput().getType());
  auto result = cast<RankedTensorType>(getResult().getType());
  int64_t words = layout->words(), rows = layout->interleavedRows;
  if (input.getRank() != 3 || input.getDimSize(2) != words)
    return emitOpError("a ") << getFormat() << " weight is [" << (rows == 1 ? "rows" : "rows / 16")
                             << ", blocks, " << words << "] words, got " << input;
  auto scaled = [](int64_t dim, int64_t by) {
    return ShapedType::isDynamic(dim) ? ShapedType::kDynamic : dim * by;
  };
  if (result.getRank() != 2 ||
      !dimsCompatible(result.getDimSize(0), scaled(input.getDimSize(0), rows)) ||
      !dimsCompatible(result.getDimSize(1), scaled(input.getDimSize(1), 32)))
    return emitOpError("blocks ") << input << " decode to ["
                                  << (rows == 1 ? "rows" : "16 * groups")
                                  << ", 32 * blocks], not " << result;
  return success();
}

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

//===----------------------------------------------------------------------===//
// Shared checks
//===----------------------------------------------------------------------===//

static RankedTensorType tensorType(Value value) {
  return cast<RankedTensorType>(value.getType());
}

/// Normalizes a possibly negative dimension index; fails when out of range.
static FailureOr<int64_t> normalizeDim(Operation *op, int64_t dim, int64_t rank) {
  int64_t normalized = dim < 0 ? dim + rank : dim;
  if (normalized < 0 || normalized >= rank)
    return op->emitOpError("dimension ")
           << dim << " is out of range for rank " << rank;
  return normalized;
}

/// Checks `actual` against `expected` dimension by dimension.
static LogicalResult verifyShape(Operation *op, StringRef what, RankedTensorType actual,
                                 ArrayRef<int64_t> expected) {
  if (actual.getRank() != static_cast<int64_t>(expected.size()))
    return op->emitOpError() << what << " must have rank " << expected.size()
                             << ", got " << actual;
  for (auto [i, dims] : llvm::enumerate(llvm::zip(actual.getShape(), expected)))
    if (!dimsCompatible(std::get<0>(dims), std::get<1>(dims)))
      return op->emitOpError() << what << " dimension " << i << " must be "
                               << dimToString(std::get<1>(dims)) << ", got " << actual;
  return success();
}

static LogicalResult verifySameElementType(Operation *op, TypeRange types) {
  Type first = cast<ShapedType>(types.front()).getElementType();
  for (Type type : types.drop_front())
    if (cast<ShapedType>(type).getElementType() != first)
      return op->emitOpError("operands and result must share an element type, got ")
             << first << " and " << cast<ShapedType>(type).getElementType();
  return success();
}

//===----------------------------------------------------------------------===//
// Elementwise and reductions
//===----------------------------------------------------------------------===//

/// PyTorch broadcasting: trailing-aligned, size-1 dimensions stretch.
static LogicalResult verifyBroadcast(Operation *op) {
  auto result = tensorType(op->getResult(0));
  if (failed(verifySameElementType(op, op->getResultTypes())) ||
      failed(verifySameElementType(
          op, {op->getOperand(0).getType(), op->getOperand(1).getType(), result})))
    return failure();
  for (Value operand : op->getOperands()) {
    auto type = tensorType(operand);
    int64_t lead = result.getRank() - type.getRank();
    if (lead < 0)
      return op->emitOpError("operand ") << type << " has a higher rank than the result "
                                         << result;
    for (int64_t i = 0; i < type.getRank(); ++i) {
      int64_t dim = type.getDimSize(i), resultDim = result.getDimSize(lead + i);
      if (dim != 1 && !dimsCompatible(dim, resultDim))
        return op->emitOpError("operand ")
               << type << " does not broadcast to the result " << result;
    }
  }
  return success();
}

LogicalResult AddOp::verify() { return verifyBroadcast(*this); }
LogicalResult SubOp::verify() { return verifyBroadcast(*this); }
LogicalResult MulOp::verify() { return verifyBroadcast(*this); }
LogicalResult DivOp::verify() { return verifyBroadcast(*this); }

static LogicalResult verifyReduction(Operation *op, Value input, ArrayRef<int64_t> dims,
                                     bool keepdim, Value result) {
  auto inputType = tensorType(input);
  if (failed(verifySameElementType(op, {input.getType(), result.getType()})))
    return failure();
  llvm::SmallBitVector reduced(inputType.getRank());
  for (int64_t dim : dims) {
    FailureOr<int64_t> d = normalizeDim(op, dim, inputType.getRank());
    if (failed(d))
      return failure();
    if (reduced.test(*d))
      return op->emitOpError("dimension ") << dim << " is reduced twice";
    reduced.set(*d);
  }
  SmallVector<int64_t> expected;
  for (int64_t i = 0; i < inputType.getRank(); ++i) {
    if (!reduced.test(i))
      expected.push_back(inputType.getDimSize(i));
    else if (keepdim)
      expected.push_back(1);
  }
  return verifyShape(op, "result", tensorType(result), expected);
}

LogicalResult SumOp::verify() {
  return verifyReduction(*this, getInput(), getDims(), getKeepdim(), getResult());
}
LogicalResult MeanOp::verify() {
  return verifyReduction(*this, getInput(), getDims(), getKeepdim(), getResult());
}
LogicalResult MaxOp::verify() {
  return verifyReduction(*this, getInput(), getDims(), getKeepdim(), getResult());
}

LogicalResult SoftmaxOp::verify() {
  return normalizeDim(*this, getDim(), getType().getRank());
}

//===----------------------------------------------------------------------===//
// Embedding, matmul, rope
//===----------------------------------------------------------------------===//

LogicalResult EmbeddingOp::verify() {
  auto ids = tensorType(getIds()), table = tensorType(getTable());
  if (table.getRank() != 2)
    return emitOpError("table must be [vocab, hidden], got ") << table;
  SmallVector<int64_t> expected(ids.getShape());
  expected.push_back(table.getDimSize(1));
  if (failed(verifySameElementType(*this, {table, getType()})))
    return failure();
  return verifyShape(*this, "result", getType(), expected);
}

LogicalResult MatmulOp::verify() {
  auto lhs = tensorType(getLhs()), rhs = tensorType(getRhs());
  if (lhs.getRank() < 2 || lhs.getRank() != rhs.getRank())
    return emitOpError("operands must have the same rank >= 2, got ")
           << lhs << " and " << rhs;
  if (failed(verifySameElementType(*this, {lhs, rhs, getType()})))
    return failure();
  int64_t rank = lhs.getRank();
  if (!dimsCompatible(lhs.getDimSize(rank - 1), rhs.getDimSize(rank - 2)))
    return emitOpError("contraction sizes differ: lhs has ")
           << dimToString(lhs.getDimSize(rank - 1)) << " columns, rhs has "
           << dimToString(rhs.getDimSize(rank - 2)) << " rows";
  SmallVector<int64_t> expected;
  for (int64_t i = 0; i < rank - 2; ++i) {
    if (!dimsCompatible(lhs.getDimSize(i), rhs.getDimSize(i)))
      return emitOpError("batch dimension ") << i << " differs: " << lhs << " vs " << rhs;
    expected.push_back(ShapedType::isDynamic(lhs.getDimSize(i)) ? rhs.getDimSize(i)
                                                                : lhs.getDimSize(i));
  }
  expected.push_back(lhs.getDimSize(rank - 2));
  expected.push_back(rhs.getDimSize(rank - 1));
  return verifyShape(*this, "result", getType(), expected);
}

LogicalResult RopeOp::verify() {
  auto input = tensorType(getInput()), positions = tensorType(getPositions());
  if (input.getRank() != 4)
    return emitOpError("input must be [batch, heads, seq, head_dim], got ") << input;
  if (getInput().getType() != getType())
    return emitOpError("result type must equal the input type ") << input;
  int64_t headDim = input.getDimSize(3), rotaryDim = getRotaryDim();
  if (rotaryDim <= 0 || rotaryDim % 2 != 0)
    return emitOpError("rotary_dim must be positive and even, got ") << rotaryDim;
  if (!ShapedType::isDynamic(headDim) && rotaryDim > headDim)
    return emitOpError("rotary_dim ") << rotaryDim << " exceeds head_dim " << headDim;
  if (!positiveFinite(getTheta()) || !positiveFinite(getScalingFactor()))
    return emitOpError("theta and scaling_factor must be positive finite numbers, got ")
           << getTheta().convertToDouble() << " and " << getScalingFactor().convertToDouble();
  if (positions.getRank() == 1)
    return verifyShape(*this, "positions", positions, {input.getDimSize(2)});
  if (positions.getRank() == 2)
    return verifyShape(*this, "positions", positions,
                       {input.getDimSize(0), input.getDimSize(2)});
  return emitOpError("positions must be [seq] or [batch, seq], got ") << positions;
}

//===----------------------------------------------------------------------===//
// Attention
//===----------------------------------------------------------------------===//

LogicalResult AttentionOp::verify() {
  auto query = tensorType(getQuery()), key = tensorType(getKey()),
       value = tensorType(getValue());
  for (auto [name, type] : {std::pair<StringRef, RankedTensorType>{"query", query},
                            {"key", key}, {"value", value}})
    if (type.getRank() != 4)
      return emitOpError() << name << " must be [batch, heads, seq, head_dim], got "
                           << type;
  if (failed(verifySameElementType(*this, {query, key, value, getType()})))
    return failure();
  if (failed(verifyShape(*this, "key", key,
                         {query.getDimSize(0), key.getDimSize(1), key.getDimSize(2),
                          query.getDimSize(3)})) ||
      failed(verifyShape(*this, "value", value,
                         {query.getDimSize(0), key.getDimSize(1), key.getDimSize(2),
                          value.getDimSize(3)})))
    return failure();
  int64_t heads = query.getDimSize(1), kvHeads = key.getDimSize(1);
  if (ShapedType::isDynamic(heads) || ShapedType::isDynamic(kvHeads))
    return emitOpError("head counts must be static, got ") << query << " and " << key;
  if (heads % kvHeads != 0)
    return emitOpError("query heads (")
           << heads << ") must be a multiple of key/value heads (" << kvHeads << ")";
  if (Value mask = getKeyMask())
    if (failed(verifyShape(*this, "key_mask", tensorType(mask),
                           {query.getDimSize(0), key.getDimSize(2)})))
      return failure();
  if (getSlidingWindow() && *getSlidingWindow() <= 0)
    return emitOpError("sliding_window must be positive, got ") << *getSlidingWindow();
  if (getSlidingWindow() && !getCausal())
    return emitOpError("sliding_window needs causal attention");
  if (getChunkSize() && *getChunkSize() <= 0)
    return emitOpError("chunk_size must be positive, got ") << *getChunkSize();
  if (getChunkSize() && !getCausal())
    return emitOpError("chunk_size needs causal attention");
  if (getChunkSize() && getSlidingWindow())
    return emitOpError("a layer is either sliding (sliding_window) or chunked (chunk_size)");
  if (!positiveFinite(getScale()))
    return emitOpError("scale must be a positive finite number, got ")
           << getScale().convertToDouble();
  if (getSoftcap() && !positiveFinite(*getSoftcap()))
    return emitOpError("softcap must be a positive finite number, got ")
           << getSoftcap()->convertToDouble();
  return verifyShape(*this, "result", getType(),
                     {query.getDimSize(0), heads, query.getDimSize(2), value.getDimSize(3)});
}

//===----------------------------------------------------------------------===//
// KV cache
//===----------------------------------------------------------------------===//

static LogicalResult verifyCacheType(Operation *op, RankedTensorType cache) {
  if (cache.getRank() != 4)
    return op->emitOpError("cache must be [batch, kv_heads, max_seq_len, head_dim], got ")
           << cache;
  if (ShapedType::isDynamic(cache.getDimSize(1)) || ShapedType::isDynamic(cache.getDimSize(2)) ||
      ShapedType::isDynamic(cache.getDimSize(3)))
    return op->emitOpError("cache kv_heads, max_seq_len and head_dim must be static, got ")
           << cache;
  return success();
}

LogicalResult KvCacheWriteOp::verify() {
  auto cache = tensorType(getCache()), update = tensorType(getUpdate());
  if (failed(verifyCacheType(*this, cache)) ||
      failed(verifySameElementType(*this, {cache, update, getType()})))
    return failure();
  if (update.getRank() != 4)
    return emitOpError("update must be [batch, kv_heads, new, head_dim], got ") << update;
  if (failed(verifyShape(*this, "update", update,
                         {cache.getDimSize(0), cache.getDimSize(1), ShapedType::kDynamic,
                          cache.getDimSize(3)})))
    return failure();
  if (!getRing() && !ShapedType::isDynamic(update.getDimSize(2)) &&
      update.getDimSize(2) > cache.getDimSize(2))
    return emitOpError("update of ") << update.getDimSize(2) << " positions exceeds the cache's "
                                     << cache.getDimSize(2);
  return verifyShape(*this, "result", getType(), cache.getShape());
}

LogicalResult KvCacheReadOp::verify() {
  auto cache = tensorType(getCache());
  if (failed(verifyCacheType(*this, cache)) ||
      failed(verifySameElementType(*this, {cache, getType()})))
    return failure();
  auto result = tensorType(getResult());
  if (result.getRank() != 4)
    return emitOpError("result must be [batch, kv_heads, length, head_dim], got ") << result;
  if (!ShapedType::isDynamic(result.getDimSize(2)) && result.getDimSize(2) > cache.getDimSize(2))
    return emitOpError("reads ") << result.getDimSize(2) << " positions of a cache of "
                                 << cache.getDimSize(2);
  return verifyShape(*this, "result", result,
                     {cache.getDimSize(0), cache.getDimSize(1), ShapedType::kDynamic,
                      cache.getDimSize(3)});
}

LogicalResult KvCacheWindowOp::verify() {
  auto cache = tensorType(getCache());
  if (failed(verifyCacheType(*this, cache)) ||
      failed(verifySameElementType(*this, {cache, getType()})))
    return failure();
  return verifyShape(*this, "result", getType(), cache.getShape());
}

LogicalResult KvCacheWindowMaskOp::verify() {
  auto mask = tensorType(getAttentionMask());
  if (mask.getRank() != 2)
    return emitOpError("attention_mask must be [batch, past + new], got ") << mask;
  if (getWindow() <= 0)
    return emitOpError("window must be positive, got ") << getWindow();
  if (failed(verifySameElementType(*this, {mask, getType()})))
    return failure();
  return verifyShape(*this, "result", getType(), {mask.getDimSize(0), ShapedType::kDynamic});
}

//===----------------------------------------------------------------------===//
// Shapes
//===----------------------------------------------------------------------===//

LogicalResult ReshapeOp::verify() {
  auto input = tensorType(getInput());
  if (failed(verifySameElementType(*this, {input, getType()})))
    return failure();
  if (static_cast<int64_t>(getDynamicSizes().size()) != getType().getNumDynamicDims())
    return emitOpError("needs one size operand per dynamic result dimension (")
           << getType().getNumDynamicDims() << "), got " << getDynamicSizes().size();
  if (input.hasStaticShape() && getType().hasStaticShape() &&
      input.getNumElements() != getType().getNumElements())
    return emitOpError("cannot reshape ")
           << input.getNumElements() << " elements into " << getType().getNumElements();
  return success();
}

LogicalResult TransposeOp::verify() {
  auto input = tensorType(getInput());
  ArrayRef<int64_t> perm = getPermutation();
  if (static_cast<int64_t>(perm.size()) != input.getRank())
    return emitOpError("permutation has ") << perm.size() << " entries for rank "
                                           << input.getRank();
  llvm::SmallBitVector seen(input.getRank());
  SmallVector<int64_t> expected;
  for (int64_t p : perm) {
    if (p < 0 || p >= input.getRank() || seen.test(p))
      return emitOpError("permutation is not a permutation of 0..") << input.getRank() - 1;
    seen.set(p);
    expected.push_back(input.getDimSize(p));
  }
  if (failed(verifySameElementType(*this, {input, getType()})))
    return failure();
  return verifyShape(*this, "result", getType(), expected);
}

LogicalResult ConcatOp::verify() {
  if (getInputs().empty())
    return emitOpError("needs at least one input");
  auto result = getType();
  FailureOr<int64_t> dim = normalizeDim(*this, getDim(), result.getRank());
  if (failed(dim))
    return failure();
  SmallVector<Type> types(getInputs().getTypes());
  types.push_back(result);
  if (failed(verifySameElementType(*this, types)))
    return failure();
  int64_t total = 0;
  for (Value input : getInputs()) {
    auto type = tensorType(input);
    SmallVector<int64_t> expected(result.getShape());
    expected[*dim] = type.getRank() == result.getRank() ? type.getDimSize(*dim) : 0;
    if (failed(verifyShape(*this, "input", type, expected)))
      return failure();
    total = ShapedType::isDynamic(total) || ShapedType::isDynamic(type.getDimSize(*dim))
                ? ShapedType::kDynamic
                : total + type.getDimSize(*dim);
  }
  if (!dimsCompatible(total, result.getDimSize(*dim)))
    return emitOpError("result dimension ") << *dim << " must be " << dimToString(total)
                                            << ", got " << result;
  return success();
}

LogicalResult SliceOp::verify() {
  auto input = tensorType(getInput());
  FailureOr<int64_t> dim = normalizeDim(*this, getDim(), input.getRank());
  if (failed(dim))
    return failure();
  int64_t size = input.getDimSize(*dim), start = getStart(), step = getStep();
  if (step <= 0)
    return emitOpError("step must be positive, got ") << step;
  SmallVector<int64_t> expected(input.getShape());
  if (start < 0) {
    // The last -start indices.
    if (getEnd() || step != 1)
      return emitOpError("a negative start (from the end) takes no end and step 1");
    if (!ShapedType::isDynamic(size) && -start > size)
      return emitOpError("the last ") << -start << " indices exceed dimension " << *dim
                                      << " of size " << size;
    expected[*dim] = -start;
    if (failed(verifySameElementType(*this, {input, getType()})))
      return failure();
    return verifyShape(*this, "result", getType(), expected);
  }
  if (getEnd() && *getEnd() < start)
    return emitOpError("needs 0 <= start <= end, got start ") << start;
  if (!ShapedType::isDynamic(size) && (start > size || (getEnd() && *getEnd() > size)))
    return emitOpError("range exceeds dimension ") << *dim << " of size " << size;
  int64_t end = getEnd() ? *getEnd() : size;
  expected[*dim] = ShapedType::isDynamic(end) ? ShapedType::kDynamic
                                              : llvm::divideCeil(end - start, step);
  if (failed(verifySameElementType(*this, {input, getType()})))
    return failure();
  return verifyShape(*this, "result", getType(), expected);
}

LogicalResult SplitOp::verify() {
  auto input = tensorType(getInput());
  FailureOr<int64_t> dim = normalizeDim(*this, getDim(), input.getRank());
  if (failed(dim))
    return failure();
  if (getSizes().size() != getResults().size())
    return emitOpError("has ") << getSizes().size() << " sizes for "
                               << getResults().size() << " results";
  int64_t total = 0;
  for (auto [size, result] : llvm::zip(getSizes(), getResults())) {
    if (size <= 0)
      return emitOpError("sizes must be positive, got ") << size;
    SmallVector<int64_t> expected(input.getShape());
    expected[*dim] = size;
    if (failed(verifyShape(*this, "result", tensorType(result), expected)) ||
        failed(verifySameElementType(*this, {input, result.getType()})))
      return failure();
    total += size;
  }
  if (!dimsCompatible(total, input.getDimSize(*dim)))
    return emitOpError("sizes add up to ") << total << " but dimension " << *dim
                                           << " has " << input.getDimSize(*dim);
  return success();
}

LogicalResult TraceOp::verify() {
  if (getIndex() < 0)
    return emitOpError("index must be non-negative, got ") << getIndex();
  if (getModule().contains('*') != bool(getLayer()))
    return emitOpError(getLayer() ? "has a layer but its module path has no '*'"
                                  : "module path has a '*' but no layer says which");
  return success();
}

#define GET_OP_CLASSES
#include "ir/Tmc/TmcOps.cpp.inc"
