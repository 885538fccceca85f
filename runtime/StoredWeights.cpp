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
llvm::Expected<std::vector<float>> floatValues(const TensorInfo &tensor) {
  if (!tensor.encoding)
    return readAsFloat32(tensor);
  auto decoded = decodeTensor(tensor, DType::F32);
  if (!decoded)
    return decoded.takeError();
  const float *values = decoded->as<float>();
  return std::vector<float>(values, values + decoded->numElements());
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
    logical = {fullShape[0] * blockLayoutFromName(spec.blockFormat)->interleavedRows,
               fullShape[1] * 32};
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
    writeFromFloat32(values->data(), values->size(), spec.dtype, narrow.data());
    return narrow;
  }

  BlockLayout layout = *blockLayoutFromName(spec.blockFormat);
  GgmlType format = layout.type;
  int64_t rows = logical[0], columns = logical[1];
  size_t rowBytes = columns / 32 * ggmlTypeInfo(format).typeSize;
  std::vector<int64_t> rowMajor{rows, columns / 32, ggmlTypeInfo(format).typeSize / 2};
  auto rowMajorBlocks = [&]() -> llvm::Expected<HostTensor> {
    const TensorEncoding *encoding = tensor.encoding.get();
    if (encoding && encoding->type == format && encoding->shift == 0) {
      // The file's blocks as they are: only the rows llama.cpp permuted move.
      if (encoding->permutedHeads == 0 && reinterpret_cast<uintptr_t>(tensor.data) % 2 == 0)
        return HostTensor::view(DType::I16, rowMajor, tensor.data);
      HostTensor blocks(DType::I16, rowMajor);
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
    auto blocks = HostTensor::allocate(DType::I16, rowMajor, "weight '" + spec.name + "'");
    if (!blocks)
      return blocks.takeError();
    for (int64_t r = 0; r < rows; ++r)
      encodeRow(format, values->data() + r * columns, columns,
                blocks->as<uint8_t>() + r * rowBytes);
    return std::move(*blocks);
  };
  auto blocks = rowMajorBlocks();
  if (!blocks || layout.interleavedRows == 1)
    return blocks;
  auto interleaved =
      HostTensor::allocate(DType::I16, fullShape.vec(), "weight '" + spec.name + "'");
  if (!interleaved)
    return interleaved.takeError();
  interleaveRows(format, blocks->as<uint8_t>(), rows, rowBytes, interleaved->as<uint8_t>());
  return std::move(*interleaved);
}
