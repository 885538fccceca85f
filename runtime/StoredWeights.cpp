//===- StoredWeights.cpp - weights in the storage an artifact reads -*- C++ -*-//
#include "runtime/StoredWeights.h"
#include "runtime/Error.h"
#include "runtime/GgmlTypes.h"
#include "runtime/GgufCheckpoint.h"

#include <cstring>

using namespace tmc::rt;

namespace {
bool isFloat(DType dtype) {
  return dtype == DType::F32 || dtype == DType::F16 || dtype == DType::BF16;
}

/// The values of a float `tensor` (safetensors or GGUF) as F32.
llvm::Expected<HostTensor> floatValues(const TensorInfo &tensor) {
  if (tensor.encoding)
    return decodeTensor(tensor, DType::F32);
  auto values = HostTensor::allocate(DType::F32, tensor.shape, "weight '" + tensor.name + "'");
  if (!values)
    return values.takeError();
  float *out = values->as<float>();
  int64_t count = tensor.numElements();
  const auto *bytes = static_cast<const uint8_t *>(tensor.data);
  for (int64_t i = 0; i < count; ++i) {
    if (tensor.dtype == DType::F32) {
      std::memcpy(out + i, bytes + 4 * i, 4);
      continue;
    }
    uint16_t bits;
    std::memcpy(&bits, bytes + 2 * i, 2);
    out[i] = tensor.dtype == DType::BF16 ? bf16BitsToFloat(bits) : halfBitsToFloat(bits);
  }
  return std::move(*values);
}
} // namespace

bool tmc::rt::storesDifferently(const TensorSpec &spec, const TensorInfo &tensor) {
  if (!spec.blockFormat.empty())
    return true;
  // fp32 weights an artifact reads as bf16 or f16 (--weight-dtype); other
  // dtype differences stay mismatches, as a checkpoint of another dtype is
  // more likely the wrong checkpoint than one to convert.
  return !tensor.encoding && tensor.dtype == DType::F32 &&
         (spec.dtype == DType::BF16 || spec.dtype == DType::F16);
}

llvm::Expected<HostTensor> tmc::rt::storeWeight(const TensorSpec &spec,
                                                llvm::ArrayRef<int64_t> fullShape,
                                                const TensorInfo &tensor) {
  std::vector<int64_t> logical = fullShape.vec();
  if (!spec.blockFormat.empty())
    logical = {fullShape[0], fullShape[1] * 32};
  std::string what = spec.blockFormat.empty() ? dtypeName(spec.dtype).str()
                                              : "F32 stored as " + spec.blockFormat;
  bool floatTensor = tensor.encoding || isFloat(tensor.dtype);
  if (tensor.shape != logical || !floatTensor)
    return makeError("weight '" + spec.name + "': the checkpoint holds " +
                     dtypeName(tensor.dtype).str() + " " + shapeToString(tensor.shape) +
                     ", but this artifact reads " + what + " " + shapeToString(logical));
  if (spec.blockFormat.empty()) {
    auto values = floatValues(tensor);
    if (!values)
      return values.takeError();
    HostTensor narrow(spec.dtype, logical);
    const float *in = values->as<float>();
    auto *out = narrow.as<uint16_t>();
    for (int64_t i = 0, e = narrow.numElements(); i < e; ++i)
      out[i] = spec.dtype == DType::BF16 ? floatToBF16Bits(in[i]) : floatToHalfBits(in[i]);
    return narrow;
  }

  GgmlType format = *blockFormatFromName(spec.blockFormat);
  int64_t rows = logical[0], columns = logical[1];
  size_t rowBytes = columns / 32 * ggmlTypeInfo(format).typeSize;
  const TensorEncoding *encoding = tensor.encoding.get();
  if (encoding && encoding->type == format && encoding->shift == 0) {
    // The file's blocks as they are: only the rows llama.cpp permuted move.
    if (encoding->permutedHeads == 0 && reinterpret_cast<uintptr_t>(tensor.data) % 2 == 0)
      return HostTensor::view(DType::I16, fullShape.vec(), tensor.data);
    HostTensor blocks(DType::I16, fullShape.vec());
    for (int64_t r = 0; r < rows; ++r) {
      int64_t source =
          encoding->permutedHeads ? unpermutedSourceRow(r, rows, encoding->permutedHeads) : r;
      std::memcpy(blocks.as<uint8_t>() + r * rowBytes,
                  static_cast<const uint8_t *>(tensor.data) + source * rowBytes, rowBytes);
    }
    return blocks;
  }
  auto values = floatValues(tensor);
  if (!values)
    return values.takeError();
  auto blocks = HostTensor::allocate(DType::I16, fullShape.vec(), "weight '" + spec.name + "'");
  if (!blocks)
    return blocks.takeError();
  for (int64_t r = 0; r < rows; ++r)
    encodeRow(format, values->as<float>() + r * columns, columns,
              blocks->as<uint8_t>() + r * rowBytes);
  return std::move(*blocks);
}
