//===- Allocation.cpp - compiled code's checked allocator -------*- C++ -*-===//
#include "runtime/Allocation.h"

#include "llvm/Support/raw_ostream.h"

#include <atomic>
#include <cstdlib>

namespace {
thread_local const char *allocationSite = nullptr;
std::atomic<uint64_t> heapBuffers{0};

[[noreturn]] void outOfMemory(uint64_t bytes) {
  llvm::outs().flush();
  llvm::errs() << "tmc: error: out of memory: compiled code cannot allocate " << bytes
               << " bytes for "
               << (allocationSite ? allocationSite : "a buffer of an unnamed site")
               << "; run a shorter prompt or fewer rows, or free memory\n";
  llvm::errs().flush();
  std::_Exit(1);
}
} // namespace

extern "C" {
void tmc_alloc_site(const char *description) { allocationSite = description; }

void *_mlir_memref_to_llvm_alloc(uint64_t bytes) {
  heapBuffers.fetch_add(1, std::memory_order_relaxed);
  void *pointer = std::malloc(bytes);
  if (!pointer && bytes)
    outOfMemory(bytes);
  return pointer;
}

void *_mlir_memref_to_llvm_aligned_alloc(uint64_t alignment, uint64_t bytes) {
  heapBuffers.fetch_add(1, std::memory_order_relaxed);
  void *pointer = nullptr;
  if (posix_memalign(&pointer, alignment, bytes) != 0 && bytes)
    outOfMemory(bytes);
  return pointer;
}

void _mlir_memref_to_llvm_free(void *pointer) { std::free(pointer); }
}

uint64_t tmc::rt::compiledHeapBuffers() { return heapBuffers.load(std::memory_order_relaxed); }
