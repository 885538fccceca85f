//===- BlasBuffers.h - OpenBLAS's work buffers under ulimit -v --*- C++ -*-===//
//
// OpenBLAS maps a work buffer of 128 MiB (its x86-64 BUFFER_SIZE) for each of
// its threads: the pool's workers when the library loads, the caller at its
// first product. When a mapping fails it retries forever (OpenBLAS #5289,
// fixed in 0.3.30; Debian 12 ships 0.3.21), so under an address-space limit
// (ulimit -v) a run would spin instead of failing. The runtime therefore
// fits OpenBLAS's threads to the limit before it loads a compiled model
// (which loads OpenBLAS), and maps the caller's buffer right after, before
// weights and caches take the address space.
//
//===----------------------------------------------------------------------===//

#ifndef TMC_RUNTIME_BLASBUFFERS_H
#define TMC_RUNTIME_BLASBUFFERS_H

#include "llvm/Support/DynamicLibrary.h"
#include "llvm/Support/Error.h"

namespace tmc::rt {

/// Before OpenBLAS loads, under a finite RLIMIT_AS: the threads whose buffers
/// fit (the first of blasThreadVariables() set, else the CPUs) are kept,
/// fewer when they do not all fit (that first variable is set, with a line
/// on stderr), and an error naming the limit when not even one fits. Nothing
/// to do without a limit or once OpenBLAS is loaded.
llvm::Error fitBlasThreads(llvm::StringRef what);

/// After the compiled model `library` loaded OpenBLAS, under a finite
/// RLIMIT_AS: one small product, so that the caller's buffer is mapped now.
void mapBlasCallerBuffer(llvm::sys::DynamicLibrary &library);

} // namespace tmc::rt

#endif // TMC_RUNTIME_BLASBUFFERS_H
