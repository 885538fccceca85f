//===- HostTensor.h - a contiguous tensor in host memory --------*- C++ -*-===//
//
// Inputs, results and weight views passed to compiled entry points. Storage is
// either owned (allocated here, or adopted from compiled code's malloc) or a
// view of memory someone else keeps alive (a memory-mapped checkpoint).
//
//===----------------------------------------------------------------------===//

#ifndef TMC_RUNTIME_HOSTTENSOR_H
#define TMC_RUNTIME_HOSTTENSOR_H

#include "runtime/Safetensors.h"

#include "llvm/ADT/ArrayRef.h"

#include <memory>
#include <optional>
#include <vector>

namespace tmc::rt {

/// The bytes of a `dtype` tensor of `shape`, or nothing when a dimension is
/// negative or the size does not fit in 63 bits: shapes come from files and
/// flags, so their product is computed with checked arithmetic.
std::optional<int64_t> checkedByteSize(DType dtype, llvm::ArrayRef<int64_t> shape);

class HostTensor {
public:
  /// A zero-filled tensor. For sizes the program chose; one that cannot be
  /// allocated ends the process with an out-of-memory message.
  HostTensor(DType dtype, std::vector<int64_t> shape);
  /// A zero-filled tensor whose size comes from user input: an overflowing
  /// size or a failed allocation is an error naming `what` and the bytes.
  static llvm::Expected<HostTensor> allocate(DType dtype, std::vector<int64_t> shape,
                                             const llvm::Twine &what);
  /// Takes ownership of `allocation` (freed with free()); data starts at `data`.
  static HostTensor adoptMalloced(DType dtype, std::vector<int64_t> shape, void *allocation,
                                  void *data);
  /// Refers to `data` without owning it.
  static HostTensor view(DType dtype, std::vector<int64_t> shape, const void *data);
  /// `data`, inside memory that `owner` keeps alive (shared by other tensors).
  static HostTensor sharing(DType dtype, std::vector<int64_t> shape, std::shared_ptr<void> owner,
                            void *data) {
    return HostTensor(dtype, std::move(shape), std::move(owner), data);
  }
  /// A contiguous copy of the strided view at `base` (strides in elements):
  /// a result compiled code returned as a view.
  static HostTensor gather(DType dtype, std::vector<int64_t> shape,
                           llvm::ArrayRef<int64_t> strides, const void *base);

  DType dtype() const { return type; }
  llvm::ArrayRef<int64_t> shape() const { return dims; }
  int64_t numElements() const;
  size_t numBytes() const { return numElements() * dtypeSize(type); }
  void *data() const { return pointer; }
  /// Whether the tensor keeps its memory alive (not a view).
  bool ownsData() const { return owner != nullptr; }
  template <typename T> T *as() const { return static_cast<T *>(pointer); }

private:
  HostTensor(DType dtype, std::vector<int64_t> shape, std::shared_ptr<void> owner,
             void *pointer)
      : type(dtype), dims(std::move(shape)), owner(std::move(owner)), pointer(pointer) {}

  DType type;
  std::vector<int64_t> dims;
  std::shared_ptr<void> owner;
  void *pointer;
};

/// Element `i` (a flat index) of an F32, BF16 or F16 tensor, as a float.
float floatAt(const HostTensor &tensor, int64_t i);

/// A BF16 tensor as F32 (exact; NumPy has no bf16); any other tensor itself.
HostTensor widenBF16(const HostTensor &tensor);

/// Writes `tensor` as a NumPy .npy file (format 1.0), atomically.
llvm::Error writeNpy(llvm::StringRef path, const HostTensor &tensor);

/// Reads a C-order, little-endian .npy file (format 1.0 or 2.0) of a dtype
/// tmc knows; errors name the file and what is wrong with it.
llvm::Expected<HostTensor> readNpy(llvm::StringRef path);

} // namespace tmc::rt

#endif // TMC_RUNTIME_HOSTTENSOR_H
