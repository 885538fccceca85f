//===- GgufCheckpoint.cpp - a GGUF file as a Hugging Face checkpoint -*- C++ -*-//
//
// Every check that depends on the file (types, shapes the permutation needs)
// runs when it is opened, so decodeTensor() cannot fail on a tensor of an
// opened checkpoint except for a dtype the artifact asks for that is not a
// float type.
//
//===----------------------------------------------------------------------===//

#include "runtime/GgufCheckpoint.h"
#include "runtime/Error.h"
#include "runtime/Gguf.h"
#include "runtime/GgufConfig.h"

#include "llvm/ADT/STLExtras.h"

#include <cstring>

using namespace tmc::rt;
using llvm::Expected;
using llvm::StringRef;
using llvm::Twine;

int64_t tmc::rt::unpermutedSourceRow(int64_t row, int64_t rows, int64_t heads) {
  int64_t headDim = rows / heads, half = headDim / 2;
  int64_t head = row / headDim, within = row % headDim;
  int64_t j = within / half, i = within % half;
  return head * headDim + 2 * i + j;
}

/// The dtype a GGUF type is read as without rounding.
static DType naturalDType(GgmlType type) {
  switch (type) {
  case GgmlType::F16:
    return DType::F16;
  case GgmlType::BF16:
    return DType::BF16;
  default:
    return DType::F32;
  }
}

/// The encoding of `tensor` in `file`, or an error naming what tmc cannot
/// read about it.
static Expected<TensorEncoding> encodingOf(const GgufFile &file, const GgufTensor &tensor,
                                           const GgufArchitecture &arch,
                                           const nlohmann::json &config) {
  auto fail = [&](const Twine &what) {
    return makeError(file.path() + ": byte " + Twine(tensor.infoOffset) + ": tensor '" +
                     tensor.name + "' " + what);
  };
  GgmlTypeInfo type = ggmlTypeInfo(tensor.type);
  if (!canDecode(tensor.type))
    return fail("has type " + Twine(type.name) +
                ", which tmc cannot read yet; supported: " + decodableTypeNames());
  TensorEncoding encoding;
  encoding.ggufName = tensor.name;
  encoding.type = tensor.type;
  encoding.rowLength = tensor.dims.empty() ? 1 : tensor.dims[0];
  encoding.rows = encoding.rowLength == 0 ? 0 : tensor.numElements() / encoding.rowLength;

  StringRef name = tensor.name;
  if (arch.normShift != 0 && name.ends_with("norm.weight"))
    encoding.shift = arch.normShift;
  if (arch.permutesQK && name.starts_with("blk.") &&
      (name.contains(".attn_q.") || name.contains(".attn_k."))) {
    const char *field = name.contains(".attn_q.") ? "num_attention_heads" : "num_key_value_heads";
    if (!config.contains(field)) // num_key_value_heads defaults to the heads
      field = "num_attention_heads";
    int64_t heads = config[field].get<int64_t>();
    // A bias is one value per row; a weight's rows are its dims[1..].
    int64_t rows = tensor.dims.size() == 1 ? tensor.dims[0] : encoding.rows;
    if (tensor.dims.size() == 1) {
      if (type.blockSize != 1)
        return fail("is a quantized 1-D tensor, whose rows llama.cpp's Q/K permutation "
                    "cannot have moved");
      encoding.rowLength = 1;
      encoding.rows = rows;
    }
    if (heads <= 0 || rows % (2 * heads) != 0)
      return fail("has " + Twine(rows) + " rows, not a whole number of heads of even size for " +
                  Twine(heads) + " heads (" + field + "); the metadata does not match it");
    encoding.permutedHeads = heads;
  }
  return encoding;
}

/// Scalar metadata as text (arrays, such as the vocabulary, are left out):
/// the Checkpoint's metadata() of a GGUF file.
static std::map<std::string, std::string> scalarMetadata(const GgufFile &file) {
  std::map<std::string, std::string> meta;
  for (const auto &[key, value] : file.metadata()) {
    if (value.type == GgufValueType::Array)
      continue;
    if (value.type == GgufValueType::String)
      meta[key] = value.string;
    else if (value.type == GgufValueType::Bool)
      meta[key] = value.boolean ? "true" : "false";
    else if (value.isFloat())
      meta[key] = nlohmann::json(value.real).dump();
    else if (value.type == GgufValueType::UInt64)
      meta[key] = std::to_string(value.unsignedInteger);
    else
      meta[key] = std::to_string(value.integer);
  }
  return meta;
}

Expected<Checkpoint> tmc::rt::openGgufCheckpoint(StringRef path) {
  auto opened = GgufFile::open(path);
  if (!opened)
    return opened.takeError();
  std::shared_ptr<const GgufFile> file = std::move(*opened);
  auto arch = ggufArchitecture(*file);
  if (!arch)
    return arch.takeError();
  auto config = ggufToHfConfig(*file);
  if (!config)
    return config.takeError();

  Checkpoint checkpoint;
  for (const GgufTensor &tensor : file->tensors()) {
    auto encoding = encodingOf(*file, tensor, **arch, *config);
    if (!encoding)
      return encoding.takeError();
    TensorInfo info;
    info.name = hfTensorName(**arch, tensor.name);
    if (info.name.empty())
      info.name = tensor.name;
    info.dtype = naturalDType(tensor.type);
    info.shape.assign(tensor.dims.rbegin(), tensor.dims.rend());
    info.data = tensor.data;
    info.numBytes = tensor.numBytes;
    info.file = path.str();
    info.encoding = std::make_shared<const TensorEncoding>(std::move(*encoding));
    checkpoint.infos.push_back(std::move(info));
  }
  llvm::sort(checkpoint.infos,
             [](const TensorInfo &a, const TensorInfo &b) { return a.name < b.name; });
  for (size_t i = 1; i < checkpoint.infos.size(); ++i)
    if (checkpoint.infos[i].name == checkpoint.infos[i - 1].name)
      return makeError(path + ": tensors '" + checkpoint.infos[i - 1].encoding->ggufName +
                       "' and '" + checkpoint.infos[i].encoding->ggufName +
                       "' both map to the checkpoint name '" + checkpoint.infos[i].name + "'");
  checkpoint.meta = scalarMetadata(*file);
  checkpoint.storage = std::move(file);
  return checkpoint;
}

//===----------------------------------------------------------------------===//
// Decoding
//===----------------------------------------------------------------------===//

Expected<HostTensor> tmc::rt::decodeTensor(const TensorInfo &tensor, DType dtype) {
  const TensorEncoding &encoding = *tensor.encoding;
  if (dtype != DType::F32 && dtype != DType::BF16 && dtype != DType::F16)
    return makeError("weight '" + tensor.name + "': the artifact expects " + dtypeName(dtype) +
                     ", but GGUF tensor '" + encoding.ggufName + "' (" +
                     ggmlTypeInfo(encoding.type).name + ") decodes to floats only");
  const auto *source = static_cast<const uint8_t *>(tensor.data);
  GgmlTypeInfo type = ggmlTypeInfo(encoding.type);
  bool exact = dtype == naturalDType(encoding.type) && type.blockSize == 1 && encoding.shift == 0;
  // Compiled code may load weights with aligned vector loads; GGUF only
  // promises general.alignment, which a file may set to 1.
  bool aligned = reinterpret_cast<uintptr_t>(source) % 16 == 0;
  if (exact && encoding.permutedHeads == 0 && aligned)
    return HostTensor::view(dtype, tensor.shape, tensor.data);

  // Decoded, a quantized tensor is up to 7x its bytes in the file: a
  // failure is this tensor's error, not the process's (a fuzzer finding).
  auto allocated = HostTensor::allocate(dtype, tensor.shape,
                                        "weight '" + tensor.name + "' decoded from GGUF tensor '" +
                                            encoding.ggufName + "'");
  if (!allocated)
    return allocated.takeError();
  HostTensor result = std::move(*allocated);
  // An empty tensor's other dims may be anything (found by the fuzzer: a
  // [2^62, 0] tensor asked for a row buffer of 2^62 floats).
  if (tensor.numElements() == 0)
    return result;
  auto *out = static_cast<uint8_t *>(result.data());
  uint64_t sourceRowBytes = encoding.rowLength / type.blockSize * type.typeSize;
  uint64_t resultRowBytes = encoding.rowLength * dtypeSize(dtype);
  std::vector<float> row(exact ? 0 : encoding.rowLength);
  for (int64_t r = 0; r < encoding.rows; ++r) {
    int64_t from =
        encoding.permutedHeads ? unpermutedSourceRow(r, encoding.rows, encoding.permutedHeads) : r;
    const uint8_t *in = source + from * sourceRowBytes;
    if (exact) {
      std::memcpy(out + r * resultRowBytes, in, resultRowBytes);
      continue;
    }
    decodeRow(encoding.type, in, encoding.rowLength, row.data());
    if (encoding.shift != 0)
      for (float &value : row)
        value += encoding.shift;
    writeFromFloat32(row.data(), encoding.rowLength, dtype, out + r * resultRowBytes);
  }
  return result;
}
