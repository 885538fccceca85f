//===- BlasBuffers.cpp - OpenBLAS's work buffers under ulimit -v -*- C++ -*-===//

#include "runtime/BlasBuffers.h"
#include "runtime/BlasThreads.h"

#include "runtime/Error.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/raw_ostream.h"

#include <sched.h>
#include <sys/mman.h>
#include <sys/resource.h>

#include <cstdlib>
#include <string>
#include <vector>

using namespace tmc::rt;

namespace {
// A thread's share: OpenBLAS's BUFFER_SIZE on x86-64 (common_x86_64.h:
// 32 << 22, the size of each mapping strace shows it make) and its stack.
constexpr size_t kThreadBytes = (size_t(128) + 8) << 20;
// libopenblas's own mapping (36 MiB measured) and the first products'
// other allocations.
constexpr size_t kLibraryBytes = size_t(48) << 20;

bool limited(struct rlimit &limit) {
  return getrlimit(RLIMIT_AS, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY;
}

/// Whether `bytes` of address space are free: a PROT_NONE reservation counts
/// against RLIMIT_AS and costs no memory.
bool fits(size_t bytes) {
  void *probe = mmap(nullptr, bytes, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (probe == MAP_FAILED)
    return false;
  munmap(probe, bytes);
  return true;
}

/// The threads OpenBLAS would start: its environment variables in its order
/// of precedence, else the CPUs this process may run on.
size_t requestedThreads() {
  for (const char *name : blasThreadVariables())
    if (const char *value = std::getenv(name)) {
      unsigned long long n;
      if (!llvm::StringRef(value).trim().getAsInteger(10, n) && n > 0)
        return n;
    }
  cpu_set_t cpus;
  if (sched_getaffinity(0, sizeof(cpus), &cpus) == 0)
    return std::max(CPU_COUNT(&cpus), 1);
  return 1;
}

using Sgemm = void (*)(int order, int transA, int transB, int m, int n, int k, float alpha,
                       const float *a, int lda, const float *b, int ldb, float beta, float *c,
                       int ldc);
} // namespace

llvm::Error tmc::rt::fitBlasThreads(llvm::StringRef what) {
  struct rlimit limit;
  if (!limited(limit))
    return llvm::Error::success();
  if (blasLoaded()) // its threads and their buffers exist already
    return llvm::Error::success();
  // The OpenMP build maps a buffer per thread when it starts and one more
  // for the caller's first product (strace); the pthread build's caller is
  // one of its threads.
  size_t callerBuffers = openMPBlas() ? 1 : 0;
  auto bytesFor = [&](size_t threads) {
    return (threads + callerBuffers) * kThreadBytes + kLibraryBytes;
  };
  size_t requested = requestedThreads(), threads = requested;
  while (threads > 0 && !fits(bytesFor(threads)))
    --threads;
  std::string limitText = "the address-space limit (ulimit -v " +
                          std::to_string(uint64_t(limit.rlim_cur >> 10)) + " KiB)";
  if (threads == 0)
    return makeError(what + ": " + limitText + " leaves less than the " +
                     std::to_string(bytesFor(1) >> 20) +
                     " MiB that OpenBLAS needs for one thread's work buffers, and OpenBLAS would "
                     "retry mapping them forever (OpenBLAS #5289); raise the limit");
  if (threads < requested) {
    setenv(blasThreadVariables().front(), std::to_string(threads).c_str(), /*overwrite=*/1);
    llvm::errs() << "tmc: " << limitText << " leaves room for the 128 MiB work buffers of "
                 << threads << " of " << requested << " OpenBLAS threads; running on " << threads
                 << "\n";
  }
  return llvm::Error::success();
}

void tmc::rt::mapBlasCallerBuffer(llvm::sys::DynamicLibrary &library) {
  struct rlimit limit;
  if (!limited(limit))
    return;
  auto sgemm = reinterpret_cast<Sgemm>(library.getAddressOfSymbol("cblas_sgemm"));
  if (!sgemm)
    return;
  // Any product maps the caller's buffer; 8x8x8 costs nothing.
  constexpr int kSize = 8, kRowMajor = 101, kNoTrans = 111;
  std::vector<float> a(kSize * kSize), b(a.size()), c(a.size());
  sgemm(kRowMajor, kNoTrans, kNoTrans, kSize, kSize, kSize, 1.0f, a.data(), kSize, b.data(), kSize,
        0.0f, c.data(), kSize);
}
