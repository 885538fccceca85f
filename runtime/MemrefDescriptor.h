//===- MemrefDescriptor.h - the memref C interface, both ways ---*- C++ -*-===//
//
// Compiled entry points take and return MLIR memref descriptors
// {allocated, aligned, offset, sizes[rank], strides[rank]}, all 8 bytes:
// host addresses for the CPU executor, device addresses for the CUDA one.
//
//===----------------------------------------------------------------------===//

#ifndef TMC_RUNTIME_MEMREFDESCRIPTOR_H
#define TMC_RUNTIME_MEMREFDESCRIPTOR_H

#include "runtime/Manifest.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/STLExtras.h"

#include <cstdint>
#include <vector>

namespace tmc::rt {

/// Row-major strides of `shape`, in elements.
inline std::vector<int64_t> contiguousStrides(llvm::ArrayRef<int64_t> shape) {
  std::vector<int64_t> strides(shape.size());
  int64_t stride = 1;
  for (size_t i = shape.size(); i-- > 0;) {
    strides[i] = stride;
    stride *= shape[i];
  }
  return strides;
}

/// The descriptor of a contiguous buffer at `address`.
inline std::vector<int64_t> memrefDescriptor(int64_t address, llvm::ArrayRef<int64_t> shape) {
  std::vector<int64_t> descriptor{address, address, 0};
  llvm::append_range(descriptor, shape);
  llvm::append_range(descriptor, contiguousStrides(shape));
  return descriptor;
}

/// One result descriptor an entry point wrote.
struct ResultDescriptor {
  int64_t allocated, aligned, offset;
  std::vector<int64_t> shape, strides;
};

/// The buffer an entry point with `results` writes its descriptors into,
/// packed back to back.
inline std::vector<int64_t> resultBuffer(llvm::ArrayRef<TensorSpec> results) {
  size_t words = 0;
  for (const TensorSpec &spec : results)
    words += 3 + 2 * spec.shape.size();
  return std::vector<int64_t>(words);
}

/// The descriptors in `buffer` (from resultBuffer), one per result.
inline std::vector<ResultDescriptor> readResults(llvm::ArrayRef<TensorSpec> results,
                                                 const std::vector<int64_t> &buffer) {
  std::vector<ResultDescriptor> read;
  const int64_t *cursor = buffer.data();
  for (const TensorSpec &spec : results) {
    size_t rank = spec.shape.size();
    read.push_back({cursor[0], cursor[1], cursor[2],
                    std::vector<int64_t>(cursor + 3, cursor + 3 + rank),
                    std::vector<int64_t>(cursor + 3 + rank, cursor + 3 + 2 * rank)});
    cursor += 3 + 2 * rank;
  }
  return read;
}

} // namespace tmc::rt

#endif // TMC_RUNTIME_MEMREFDESCRIPTOR_H
