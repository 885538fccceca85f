//===- Gguf.cpp - GGUF file reader ------------------------------*- C++ -*-===//
//
// A cursor reads the header field by field; each read checks the bytes left
// first, so a count or length in the file can never move it past the end.
// Counts are also checked against the smallest size their elements can
// take before anything is reserved, so a forged count of 2^60 entries fails
// at once instead of allocating.
//
//===----------------------------------------------------------------------===//

#include "runtime/Gguf.h"
#include "runtime/Error.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Endian.h"
#include "llvm/Support/MathExtras.h"
#include "llvm/Support/MemoryBuffer.h"

#include <cstring>
#include <limits>

using namespace tmc::rt;
using llvm::Error;
using llvm::Expected;
using llvm::StringRef;
using llvm::Twine;

namespace {
constexpr uint64_t kMaxDims = 4;           // GGML_MAX_DIMS
constexpr unsigned kMaxArrayNesting = 8;   // gguf allows arrays of arrays
constexpr uint64_t kDefaultAlignment = 32; // GGUF_DEFAULT_ALIGNMENT
} // namespace

StringRef tmc::rt::ggufValueTypeName(GgufValueType type) {
  switch (type) {
  case GgufValueType::UInt8:
    return "UINT8";
  case GgufValueType::Int8:
    return "INT8";
  case GgufValueType::UInt16:
    return "UINT16";
  case GgufValueType::Int16:
    return "INT16";
  case GgufValueType::UInt32:
    return "UINT32";
  case GgufValueType::Int32:
    return "INT32";
  case GgufValueType::Float32:
    return "FLOAT32";
  case GgufValueType::Bool:
    return "BOOL";
  case GgufValueType::String:
    return "STRING";
  case GgufValueType::Array:
    return "ARRAY";
  case GgufValueType::UInt64:
    return "UINT64";
  case GgufValueType::Int64:
    return "INT64";
  case GgufValueType::Float64:
    return "FLOAT64";
  }
  return "unknown";
}

bool GgufValue::isInteger() const {
  switch (type) {
  case GgufValueType::UInt8:
  case GgufValueType::Int8:
  case GgufValueType::UInt16:
  case GgufValueType::Int16:
  case GgufValueType::UInt32:
  case GgufValueType::Int32:
  case GgufValueType::UInt64:
  case GgufValueType::Int64:
    return true;
  default:
    return false;
  }
}

std::optional<int64_t> GgufValue::asInt() const {
  if (!isInteger())
    return std::nullopt;
  if (type == GgufValueType::UInt64 &&
      unsignedInteger > uint64_t(std::numeric_limits<int64_t>::max()))
    return std::nullopt;
  return integer;
}

std::optional<double> GgufValue::asDouble() const {
  if (isFloat())
    return real;
  if (type == GgufValueType::UInt64)
    return static_cast<double>(unsignedInteger);
  if (isInteger())
    return static_cast<double>(integer);
  return std::nullopt;
}

std::string GgufValue::typeName() const {
  if (type != GgufValueType::Array)
    return ggufValueTypeName(type).str();
  return "ARRAY of " + ggufValueTypeName(elementType).str();
}

int64_t GgufTensor::numElements() const {
  // Checked when the file was opened: the product fits int64_t.
  int64_t count = 1;
  for (int64_t dim : dims)
    count *= dim;
  return count;
}

GgufFile::~GgufFile() = default;

const GgufValue *GgufFile::lookup(StringRef key) const {
  auto it = entryIndex.find(key);
  return it == entryIndex.end() ? nullptr : &entries[it->second].second;
}

const GgufTensor *GgufFile::lookupTensor(StringRef name) const {
  auto it = tensorIndex.find(name);
  return it == tensorIndex.end() ? nullptr : &infos[it->second];
}

namespace tmc::rt {

/// Reads the header of one mapped file into a GgufFile.
class GgufParser {
public:
  GgufParser(GgufFile &file, StringRef bytes)
      : file(file), base(reinterpret_cast<const uint8_t *>(bytes.data())), size(bytes.size()) {}

  Error parse() {
    if (Error error = parsePreamble())
      return error;
    if (Error error = parseMetadata())
      return error;
    if (Error error = parseAlignment())
      return error;
    if (Error error = parseTensorInfos())
      return error;
    return placeTensors();
  }

private:
  Error fail(uint64_t at, const Twine &what) {
    return makeError(file.filePath + ": byte " + Twine(at) + ": " + what);
  }

  /// An error unless `count` bytes remain; `what` names the field read.
  Error need(uint64_t count, const Twine &what) {
    if (count <= size - pos)
      return Error::success();
    return fail(pos, what + " needs " + Twine(count) + " bytes, but the file ends at byte " +
                         Twine(size) + "; the file is truncated or corrupt");
  }

  template <typename T> Expected<T> read(const Twine &what) {
    if (Error error = need(sizeof(T), what))
      return std::move(error);
    T value;
    std::memcpy(&value, base + pos, sizeof(T));
    pos += sizeof(T);
    return llvm::support::endian::byte_swap(value, llvm::endianness::little);
  }

  Expected<std::string> readString(const Twine &what) {
    uint64_t at = pos;
    Expected<uint64_t> length = read<uint64_t>(what + ": length");
    if (!length)
      return length.takeError();
    if (*length > size - pos)
      return fail(at, what + ": length " + Twine(*length) + " runs past the end of the file (" +
                          Twine(size) + " bytes); the file is truncated or corrupt");
    std::string text(reinterpret_cast<const char *>(base + pos), *length);
    pos += *length;
    return text;
  }

  /// The fewest bytes a value of `type` takes: an upper bound on how many
  /// of them the rest of the file can hold.
  static uint64_t minimumSize(GgufValueType type) {
    switch (type) {
    case GgufValueType::UInt8:
    case GgufValueType::Int8:
    case GgufValueType::Bool:
      return 1;
    case GgufValueType::UInt16:
    case GgufValueType::Int16:
      return 2;
    case GgufValueType::UInt32:
    case GgufValueType::Int32:
    case GgufValueType::Float32:
      return 4;
    case GgufValueType::String: // its uint64 length
    case GgufValueType::UInt64:
    case GgufValueType::Int64:
    case GgufValueType::Float64:
      return 8;
    case GgufValueType::Array: // element type and count
      return 12;
    }
    return 1;
  }

  Expected<GgufValueType> readValueType(const Twine &what) {
    uint64_t at = pos;
    Expected<uint32_t> id = read<uint32_t>(what);
    if (!id)
      return id.takeError();
    if (*id > static_cast<uint32_t>(GgufValueType::Float64))
      return fail(at, what + " " + Twine(*id) +
                          " is not a GGUF value type (0 to 12: UINT8 ... FLOAT64)");
    return static_cast<GgufValueType>(*id);
  }

  template <typename T> Error readInteger(GgufValue &value, const Twine &what) {
    Expected<T> raw = read<T>(what);
    if (!raw)
      return raw.takeError();
    if constexpr (std::is_signed_v<T>) {
      value.integer = *raw;
      value.unsignedInteger = static_cast<uint64_t>(*raw);
    } else {
      value.unsignedInteger = *raw;
      value.integer = static_cast<int64_t>(*raw);
    }
    return Error::success();
  }

  Error readValue(GgufValueType type, GgufValue &value, unsigned depth, const Twine &what) {
    value.type = type;
    value.offset = pos;
    switch (type) {
    case GgufValueType::UInt8:
      return readInteger<uint8_t>(value, what);
    case GgufValueType::Int8:
      return readInteger<int8_t>(value, what);
    case GgufValueType::UInt16:
      return readInteger<uint16_t>(value, what);
    case GgufValueType::Int16:
      return readInteger<int16_t>(value, what);
    case GgufValueType::UInt32:
      return readInteger<uint32_t>(value, what);
    case GgufValueType::Int32:
      return readInteger<int32_t>(value, what);
    case GgufValueType::UInt64:
      return readInteger<uint64_t>(value, what);
    case GgufValueType::Int64:
      return readInteger<int64_t>(value, what);
    case GgufValueType::Float32: {
      Expected<uint32_t> bits = read<uint32_t>(what);
      if (!bits)
        return bits.takeError();
      float real;
      std::memcpy(&real, &*bits, sizeof(real));
      value.real = real;
      return Error::success();
    }
    case GgufValueType::Float64: {
      Expected<uint64_t> bits = read<uint64_t>(what);
      if (!bits)
        return bits.takeError();
      std::memcpy(&value.real, &*bits, sizeof(value.real));
      return Error::success();
    }
    case GgufValueType::Bool: {
      uint64_t at = pos;
      Expected<uint8_t> byte = read<uint8_t>(what);
      if (!byte)
        return byte.takeError();
      if (*byte > 1)
        return fail(at, what + ": a BOOL is 0 or 1, got " + Twine(unsigned(*byte)));
      value.boolean = *byte == 1;
      return Error::success();
    }
    case GgufValueType::String: {
      Expected<std::string> text = readString(what);
      if (!text)
        return text.takeError();
      value.string = std::move(*text);
      return Error::success();
    }
    case GgufValueType::Array:
      return readArray(value, depth, what);
    }
    return fail(value.offset, what + ": unknown value type");
  }

  Error readArray(GgufValue &value, unsigned depth, const Twine &what) {
    if (depth >= kMaxArrayNesting)
      return fail(pos, what + ": arrays nested more than " + Twine(kMaxArrayNesting) +
                           " deep; the file is corrupt");
    Expected<GgufValueType> elementType = readValueType(what + ": array element type");
    if (!elementType)
      return elementType.takeError();
    value.elementType = *elementType;
    uint64_t at = pos;
    Expected<uint64_t> count = read<uint64_t>(what + ": array length");
    if (!count)
      return count.takeError();
    if (*count > (size - pos) / minimumSize(*elementType))
      return fail(at, what + ": array of " + Twine(*count) + " " + ggufValueTypeName(*elementType) +
                          " values cannot fit in the rest of the file (" + Twine(size - pos) +
                          " bytes); the file is truncated or corrupt");
    value.elements.resize(*count);
    for (uint64_t i = 0; i < *count; ++i)
      if (Error error =
              readValue(*elementType, value.elements[i], depth + 1, what + "[" + Twine(i) + "]"))
        return error;
    return Error::success();
  }

  Error parsePreamble() {
    if (size < 4 || std::memcmp(base, "GGUF", 4) != 0) {
      std::string found;
      for (uint64_t i = 0; i < std::min<uint64_t>(size, 4); ++i)
        found += llvm::isPrint(base[i]) ? std::string(1, char(base[i]))
                                        : "\\x" + llvm::utohexstr(base[i], false, 2);
      return fail(0, "not a GGUF file: it starts with '" + found +
                         "', not the magic 'GGUF' (llama.cpp's model format)");
    }
    pos = 4;
    uint64_t at = pos;
    Expected<uint32_t> version = read<uint32_t>("the version");
    if (!version)
      return version.takeError();
    if (*version != 2 && *version != 3) {
      uint32_t swapped = llvm::byteswap(*version);
      if (swapped == 2 || swapped == 3)
        return fail(at, "GGUF version " + Twine(swapped) +
                            " is big-endian; tmc reads little-endian GGUF files only");
      return fail(at, "GGUF version " + Twine(*version) + " is not supported; supported: 2, 3" +
                          (*version == 1 ? " (version 1 has 32-bit counts; convert the model "
                                           "again with a current llama.cpp)"
                                         : ""));
    }
    file.fileVersion = *version;
    at = pos;
    Expected<uint64_t> tensors = read<uint64_t>("the tensor count");
    if (!tensors)
      return tensors.takeError();
    tensorCount = *tensors;
    Expected<uint64_t> entries = read<uint64_t>("the metadata count");
    if (!entries)
      return entries.takeError();
    metadataCount = *entries;
    // A metadata entry takes at least 13 bytes (key length, type, one byte),
    // a tensor info at least 24 (name length, dims, type, offset).
    if (metadataCount > (size - pos) / 13)
      return fail(at + 8, "the metadata count " + Twine(metadataCount) +
                              " cannot fit in the file (" + Twine(size) +
                              " bytes); the file is truncated or corrupt");
    if (tensorCount > (size - pos) / 24)
      return fail(at, "the tensor count " + Twine(tensorCount) + " cannot fit in the file (" +
                          Twine(size) + " bytes); the file is truncated or corrupt");
    return Error::success();
  }

  Error parseMetadata() {
    file.entries.reserve(metadataCount);
    for (uint64_t i = 0; i < metadataCount; ++i) {
      uint64_t at = pos;
      std::string where = "metadata entry " + std::to_string(i);
      Expected<std::string> key = readString(where + ": key");
      if (!key)
        return key.takeError();
      where += " ('" + *key + "')";
      if (file.entryIndex.count(*key))
        return fail(at, where + ": the key is given twice");
      Expected<GgufValueType> type = readValueType(where + ": value type");
      if (!type)
        return type.takeError();
      GgufValue value;
      if (Error error = readValue(*type, value, 0, where))
        return error;
      file.entryIndex.emplace(*key, file.entries.size());
      file.entries.emplace_back(std::move(*key), std::move(value));
    }
    return Error::success();
  }

  Error parseAlignment() {
    const GgufValue *alignment = file.lookup("general.alignment");
    if (!alignment) {
      file.dataAlignment = kDefaultAlignment;
      return Error::success();
    }
    if (alignment->type != GgufValueType::UInt32)
      return fail(alignment->offset,
                  "metadata 'general.alignment' must be a UINT32, got " + alignment->typeName());
    if (!llvm::isPowerOf2_64(alignment->unsignedInteger))
      return fail(alignment->offset, "metadata 'general.alignment' is " +
                                         Twine(alignment->unsignedInteger) +
                                         "; it must be a power of two");
    file.dataAlignment = alignment->unsignedInteger;
    return Error::success();
  }

  Error parseTensorInfos() {
    file.infos.reserve(tensorCount);
    for (uint64_t i = 0; i < tensorCount; ++i) {
      GgufTensor tensor;
      tensor.infoOffset = pos;
      std::string where = "tensor info " + std::to_string(i);
      Expected<std::string> name = readString(where + ": name");
      if (!name)
        return name.takeError();
      tensor.name = std::move(*name);
      where += " ('" + tensor.name + "')";
      if (file.tensorIndex.count(tensor.name))
        return fail(tensor.infoOffset, where + ": the tensor name is given twice");

      uint64_t at = pos;
      Expected<uint32_t> dims = read<uint32_t>(where + ": dimension count");
      if (!dims)
        return dims.takeError();
      if (*dims > kMaxDims)
        return fail(at, where + ": " + Twine(*dims) + " dimensions; GGUF tensors have at most " +
                            Twine(kMaxDims));
      uint64_t elements = 1;
      bool overflowed = false;
      for (uint32_t d = 0; d < *dims; ++d) {
        at = pos;
        Expected<uint64_t> dim = read<uint64_t>(where + ": ne[" + Twine(d) + "]");
        if (!dim)
          return dim.takeError();
        if (*dim > uint64_t(std::numeric_limits<int64_t>::max()))
          return fail(at, where + ": ne[" + Twine(d) + "] = " + Twine(*dim) +
                              " is too large (a dimension is below 2^63)");
        tensor.dims.push_back(static_cast<int64_t>(*dim));
        bool step = false;
        elements = llvm::SaturatingMultiply(elements, *dim, &step);
        overflowed |= step;
      }
      if (overflowed || elements > uint64_t(std::numeric_limits<int64_t>::max()))
        return fail(at, where + ": the dimensions hold more than 2^63 elements");

      at = pos;
      Expected<uint32_t> typeId = read<uint32_t>(where + ": type");
      if (!typeId)
        return typeId.takeError();
      std::optional<GgmlTypeInfo> type = ggmlTypeInfo(*typeId);
      if (!type)
        return fail(at, where + ": type " + Twine(*typeId) + " is not a ggml type");
      tensor.type = type->type;
      // A block type's rows are whole blocks (and a scalar has no rows).
      if (type->blockSize != 1 && tensor.dims.empty())
        return fail(at, where + ": a tensor of no dimensions cannot be " + type->name +
                            ", whose blocks hold " + Twine(type->blockSize) + " values");
      if (!tensor.dims.empty() && tensor.dims[0] % type->blockSize != 0)
        return fail(at, where + ": ne[0] = " + Twine(tensor.dims[0]) + " is not a multiple of " +
                            type->name + "'s block size " + Twine(type->blockSize));
      bool tooLarge = false;
      tensor.numBytes =
          llvm::SaturatingMultiply(elements / type->blockSize, uint64_t(type->typeSize), &tooLarge);
      if (tooLarge)
        return fail(at, where + ": " + Twine(elements) + " elements of " + type->name +
                            " are too large to address");

      at = pos;
      Expected<uint64_t> offset = read<uint64_t>(where + ": data offset");
      if (!offset)
        return offset.takeError();
      tensor.offset = *offset;
      offsetPositions.push_back(at);
      file.tensorIndex.emplace(tensor.name, file.infos.size());
      file.infos.push_back(std::move(tensor));
    }
    return Error::success();
  }

  /// Checks every tensor's bytes against the data section, and that no two
  /// tensors share bytes.
  Error placeTensors() {
    uint64_t alignment = file.dataAlignment;
    // pos <= size, so rounding up cannot overflow unless size is near 2^64.
    uint64_t start = llvm::alignTo(pos, alignment);
    if (start < pos)
      return fail(pos, "the data section's start overflows");
    file.dataStart = start;
    uint64_t dataSize = start <= size ? size - start : 0;
    std::vector<size_t> order;
    for (size_t i = 0; i < file.infos.size(); ++i) {
      GgufTensor &tensor = file.infos[i];
      std::string where = "tensor '" + tensor.name + "'";
      uint64_t at = offsetPositions[i];
      if (tensor.offset % alignment != 0)
        return fail(at, where + ": data offset " + Twine(tensor.offset) +
                            " is not a multiple of the alignment " + Twine(alignment));
      if (tensor.numBytes > dataSize || tensor.offset > dataSize - tensor.numBytes)
        return fail(at, where + ": data [" + Twine(tensor.offset) + ", " + Twine(tensor.offset) +
                            " + " + Twine(tensor.numBytes) +
                            ") runs past the end of the data section (" + Twine(dataSize) +
                            " bytes from byte " + Twine(start) +
                            "); the file is truncated or corrupt");
      tensor.data = base + start + tensor.offset;
      if (tensor.numBytes > 0)
        order.push_back(i);
    }
    llvm::sort(order,
               [&](size_t a, size_t b) { return file.infos[a].offset < file.infos[b].offset; });
    for (size_t k = 1; k < order.size(); ++k) {
      const GgufTensor &previous = file.infos[order[k - 1]];
      const GgufTensor &tensor = file.infos[order[k]];
      if (tensor.offset < previous.offset + previous.numBytes)
        return fail(offsetPositions[order[k]],
                    "tensor '" + tensor.name + "': data at offset " + Twine(tensor.offset) +
                        " overlaps tensor '" + previous.name + "' at [" + Twine(previous.offset) +
                        ", " + Twine(previous.offset + previous.numBytes) + ")");
    }
    return Error::success();
  }

  GgufFile &file;
  const uint8_t *base;
  uint64_t size;
  uint64_t pos = 0;
  uint64_t tensorCount = 0, metadataCount = 0;
  std::vector<uint64_t> offsetPositions;
};

} // namespace tmc::rt

Expected<std::unique_ptr<GgufFile>> GgufFile::open(StringRef path) {
  // Not null-terminated and not volatile, so large files are mmapped.
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                            /*RequiresNullTerminator=*/false,
                                            /*IsVolatile=*/false);
  if (!buffer)
    return makeError(path + ": cannot open: " + buffer.getError().message());
  auto file = std::unique_ptr<GgufFile>(new GgufFile());
  file->filePath = path.str();
  GgufParser parser(*file, (*buffer)->getBuffer());
  if (Error error = parser.parse())
    return std::move(error);
  file->buffer = std::move(*buffer);
  return file;
}
