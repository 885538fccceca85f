//===- Gguf.h - GGUF file reader --------------------------------*- C++ -*-===//
//
// Reads llama.cpp's GGUF files (versions 2 and 3, little-endian): the
// metadata key-value pairs of every value type, arrays included, and the
// tensor infos, with the tensor data left in the read-only mapping.
//
// Everything in the file is untrusted: the header is checked completely when
// the file is opened, with every size and offset computed in uint64_t with
// overflow checks against the file's size, so a GgufTensor's bytes can be
// read without further checks. A malformed file gives an llvm::Error naming
// the file, the byte offset and the field (`model.gguf: byte 24: metadata
// entry 0: key length 4294967296 runs past the end of the file`); nothing
// here throws, asserts or reads outside the mapping on bad input.
//
// Layout: "GGUF", uint32 version, uint64 tensor count, uint64 metadata count;
// the metadata (key string, uint32 value type, value); the tensor infos
// (name, uint32 dims, uint64 ne[dims] fastest-varying first, uint32 ggml
// type, uint64 offset); padding to `general.alignment` (default 32); the data
// section, where each tensor's offset is relative to its start.
//
//===----------------------------------------------------------------------===//

#ifndef TMC_RUNTIME_GGUF_H
#define TMC_RUNTIME_GGUF_H

#include "runtime/GgmlTypes.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace llvm {
class MemoryBuffer;
} // namespace llvm

namespace tmc::rt {

/// Metadata value types as numbered in the file (gguf-py GGUFValueType).
enum class GgufValueType : uint32_t {
  UInt8 = 0,
  Int8 = 1,
  UInt16 = 2,
  Int16 = 3,
  UInt32 = 4,
  Int32 = 5,
  Float32 = 6,
  Bool = 7,
  String = 8,
  Array = 9,
  UInt64 = 10,
  Int64 = 11,
  Float64 = 12,
};

/// "UINT32", "STRING", ...
llvm::StringRef ggufValueTypeName(GgufValueType type);

struct GgufValue {
  GgufValueType type = GgufValueType::UInt8;
  /// Where the value starts in the file, for errors about its meaning.
  uint64_t offset = 0;
  /// Integers (signed ones sign-extended into `integer`; UInt64 values above
  /// INT64_MAX only in `unsignedInteger`), floats and bools.
  int64_t integer = 0;
  uint64_t unsignedInteger = 0;
  double real = 0;
  bool boolean = false;
  std::string string;
  /// An Array's element type and elements.
  GgufValueType elementType = GgufValueType::UInt8;
  std::vector<GgufValue> elements;

  bool isInteger() const;
  bool isFloat() const { return type == GgufValueType::Float32 || type == GgufValueType::Float64; }
  /// An integer's value when it fits int64_t.
  std::optional<int64_t> asInt() const;
  /// A float's or an integer's value as double.
  std::optional<double> asDouble() const;
  /// "UINT32", or "ARRAY of STRING".
  std::string typeName() const;
};

struct GgufTensor {
  std::string name;
  GgmlType type;
  /// ne[0], ne[1], ...: ne[0] varies fastest (PyTorch order is reversed).
  std::vector<int64_t> dims;
  /// Offset in the data section and size; `data` points into the mapping.
  uint64_t offset = 0;
  uint64_t numBytes = 0;
  const uint8_t *data = nullptr;
  /// Where its tensor info starts in the file, for errors about it.
  uint64_t infoOffset = 0;

  int64_t numElements() const;
};

class GgufFile {
public:
  static llvm::Expected<std::unique_ptr<GgufFile>> open(llvm::StringRef path);
  ~GgufFile();

  llvm::StringRef path() const { return filePath; }
  uint32_t version() const { return fileVersion; }
  uint64_t alignment() const { return dataAlignment; }
  /// Where the data section starts in the file.
  uint64_t dataOffset() const { return dataStart; }

  /// Metadata in file order (keys are unique).
  const std::vector<std::pair<std::string, GgufValue>> &metadata() const { return entries; }
  /// Null when the file has no such key.
  const GgufValue *lookup(llvm::StringRef key) const;
  /// Tensors in file order (names are unique).
  const std::vector<GgufTensor> &tensors() const { return infos; }
  const GgufTensor *lookupTensor(llvm::StringRef name) const;

private:
  GgufFile() = default;
  friend class GgufParser;

  std::string filePath;
  std::unique_ptr<llvm::MemoryBuffer> buffer;
  uint32_t fileVersion = 0;
  uint64_t dataAlignment = 32;
  uint64_t dataStart = 0;
  std::vector<std::pair<std::string, GgufValue>> entries;
  std::map<std::string, size_t, std::less<>> entryIndex;
  std::vector<GgufTensor> infos;
  std::map<std::string, size_t, std::less<>> tensorIndex;
};

} // namespace tmc::rt

#endif // TMC_RUNTIME_GGUF_H
