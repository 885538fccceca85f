//===- Allocation.h - compiled code's checked allocator ---------*- C++ -*-===//
//
// Compiled code allocates every heap buffer through these functions (the
// CPU target lowers memref.alloc with MLIR's `use-generic-functions`, and
// tmc-cpu-name-allocations names each site first). An allocation that
// fails ends the process with the bytes and the buffer it was for, instead
// of compiled code writing through a null pointer. Buffers are malloc'ed:
// results returned to the runtime are released with free(). Intermediates
// the compiler planned (tmc-plan-memory) are views of the artifact's arena
// and never come here; the count of those that do is kept for --stats.
//
//===----------------------------------------------------------------------===//

#ifndef TMC_RUNTIME_ALLOCATION_H
#define TMC_RUNTIME_ALLOCATION_H

#include <cstdint>

extern "C" {
/// Names the buffer the next allocation on this thread is for.
void tmc_alloc_site(const char *description);
void *_mlir_memref_to_llvm_alloc(uint64_t bytes);
void *_mlir_memref_to_llvm_aligned_alloc(uint64_t alignment, uint64_t bytes);
void _mlir_memref_to_llvm_free(void *pointer);
}

namespace tmc::rt {
/// Heap buffers compiled code has allocated so far, on every thread.
uint64_t compiledHeapBuffers();
} // namespace tmc::rt

#endif // TMC_RUNTIME_ALLOCATION_H
