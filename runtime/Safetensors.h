//===- Safetensors.h - safetensors reader and writer ------------*- C++ -*-===//
//
// Reads model weights in the safetensors format (one file, or a Hugging Face
// sharded checkpoint with model.safetensors.index.json) and writes them.
//
// A file is mapped read-only and its header validated completely when opened,
// so a TensorInfo's data can be used without further checks. Every failure is
// an llvm::Error that names the file and the tensor and says what is wrong;
// nothing here throws or asserts on bad input.
//
// Format: 8-byte little-endian header length N, N bytes of JSON header
// {"name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]},
//  "__metadata__": {"key": "value"}}, then the data section; offsets are
// relative to the start of the data section.
//
//===----------------------------------------------------------------------===//

#ifndef TMC_RUNTIME_SAFETENSORS_H
#define TMC_RUNTIME_SAFETENSORS_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace llvm {
class MemoryBuffer;
} // namespace llvm

namespace tmc::rt {

/// The element types tmc reads and writes; names are those of safetensors.
enum class DType { F32, F16, BF16, F64, I64, I32, I16, I8, U8, Bool };

/// "F32" -> DType::F32; an error listing the supported names otherwise.
llvm::Expected<DType> dtypeFromName(llvm::StringRef name);
/// The safetensors name: "F32", "BF16", "BOOL", ...
llvm::StringRef dtypeName(DType dtype);
/// Bytes per element.
size_t dtypeSize(DType dtype);

/// How a tensor's bytes must be decoded when they are not plain `dtype`
/// elements in PyTorch order: a GGUF tensor's (quantized blocks, rows
/// llama.cpp permuted). Defined in GgufCheckpoint.h.
struct TensorEncoding;

struct TensorInfo {
  std::string name;
  DType dtype;
  std::vector<int64_t> shape;
  /// Points into the mapped file; valid while the file (or Checkpoint) lives.
  const void *data;
  size_t numBytes;
  /// The file holding the tensor, as it was given to open().
  std::string file;
  /// Null for safetensors; for a GGUF tensor, how `data` decodes into
  /// `dtype` and `shape` (decodeTensor() in GgufCheckpoint.h).
  std::shared_ptr<const TensorEncoding> encoding;

  int64_t numElements() const;
};

/// One mapped, validated safetensors file.
class SafetensorsFile {
public:
  static llvm::Expected<std::unique_ptr<SafetensorsFile>>
  open(llvm::StringRef path);
  ~SafetensorsFile();

  llvm::StringRef path() const { return filePath; }
  /// Sorted by name.
  const std::vector<TensorInfo> &tensors() const { return infos; }
  /// Null when the file has no tensor of that name.
  const TensorInfo *lookup(llvm::StringRef name) const;
  /// The "__metadata__" entry; empty when absent.
  const std::map<std::string, std::string> &metadata() const { return meta; }

private:
  SafetensorsFile() = default;

  std::string filePath;
  std::unique_ptr<llvm::MemoryBuffer> buffer;
  std::vector<TensorInfo> infos;
  std::map<std::string, std::string> meta;
};

struct Manifest;

/// The weights of a model: one safetensors file or the shards of an index.
class Checkpoint {
public:
  /// `path` is a safetensors file, an index file (*.json), a GGUF file
  /// (*.gguf, GgufCheckpoint.h), or a directory holding model.safetensors or
  /// model.safetensors.index.json (the single file wins when both are there,
  /// as in transformers).
  static llvm::Expected<Checkpoint> open(llvm::StringRef path);

  /// Sorted by name. For a sharded checkpoint, the tensors of its weight_map.
  const std::vector<TensorInfo> &tensors() const { return infos; }
  const TensorInfo *lookup(llvm::StringRef name) const;
  /// A single file's "__metadata__", or an index's "metadata" (values that
  /// are not strings, like total_size, are given as their JSON text).
  const std::map<std::string, std::string> &metadata() const { return meta; }
  const std::vector<std::unique_ptr<SafetensorsFile>> &files() const {
    return shards;
  }

private:
  friend llvm::Expected<Checkpoint> openGgufCheckpoint(llvm::StringRef path);
  friend llvm::Expected<Checkpoint> randomCheckpoint(const Manifest &manifest, uint64_t seed);

  std::vector<std::unique_ptr<SafetensorsFile>> shards;
  std::vector<TensorInfo> infos;
  std::map<std::string, std::string> meta;
  /// What the tensors point into when no safetensors shard holds them: a
  /// GGUF checkpoint's mapped file, or random weights' buffers.
  std::shared_ptr<const void> storage;
};

struct TensorToWrite {
  std::string name;
  DType dtype;
  std::vector<int64_t> shape;
  llvm::ArrayRef<uint8_t> bytes;
};

/// Writes `tensors` to `path` in the standard layout (sorted header keys,
/// header padded with spaces to 8 bytes, data in name order). The file is
/// written under a temporary name in the same directory and renamed when
/// complete, so an interrupted write never leaves a half file at `path`.
llvm::Error
writeSafetensors(llvm::StringRef path, llvm::ArrayRef<TensorToWrite> tensors,
                 const std::map<std::string, std::string> &metadata = {});

/// The tensor's values as float; F32, F16 and BF16 only.
llvm::Expected<std::vector<float>> readAsFloat32(const TensorInfo &tensor);
/// `count` floats written to `out` as `dtype` (F32, F16 or BF16), rounding
/// to nearest even.
void writeFromFloat32(const float *values, int64_t count, DType dtype, void *out);

} // namespace tmc::rt

#endif // TMC_RUNTIME_SAFETENSORS_H
