//===- CollectiveAbi.cpp - the C ABI, dispatched per thread -----*- C++ -*-===//
//
// The generated code's collectives go to the calling thread's communicator;
// the time they take is added to it for `--stats`. Nothing here can return
// an error to the generated code, so a malformed call (a compiler bug) ends
// the process with a message rather than corrupting memory.
//
//===----------------------------------------------------------------------===//

#include "runtime/collectives/CollectiveAbi.h"
#include "runtime/collectives/Collectives.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>

using namespace tmc::rt;

namespace {
thread_local Collectives *current = nullptr;

[[noreturn]] void fail(const char *function, const char *what, long long value) {
  std::fprintf(stderr,
               "tmc: internal error: %s called with %s %lld; the compiled model and this "
               "runtime disagree on the collective ABI (recompile the artifact with this tmc)\n",
               function, what, value);
  std::fflush(stderr);
  std::abort();
}

CollectiveType checkedType(const char *function, int64_t dtype) {
  if (dtype != TMC_COLLECTIVE_F32 && dtype != TMC_COLLECTIVE_BF16 && dtype != TMC_COLLECTIVE_F16)
    fail(function, "dtype code", dtype);
  return static_cast<CollectiveType>(dtype);
}

/// Adds the wall time of one collective to the thread's communicator.
class Timed {
public:
  explicit Timed(Collectives &collectives)
      : collectives(collectives), start(std::chrono::steady_clock::now()) {}
  ~Timed() {
    collectives.secondsInCollectives +=
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    ++collectives.collectiveCalls;
  }

private:
  Collectives &collectives;
  std::chrono::steady_clock::time_point start;
};
} // namespace

void tmc::rt::setThreadCollectives(Collectives *collectives) { current = collectives; }
Collectives *tmc::rt::threadCollectives() { return current; }

extern "C" {

int64_t tmc_collective_rank(void) { return current ? current->rank() : 0; }

int64_t tmc_collective_world_size(void) { return current ? current->worldSize() : 1; }

void tmc_collective_all_reduce_sum(const void *in, void *out, int64_t count, int64_t dtype) {
  CollectiveType type = checkedType("tmc_collective_all_reduce_sum", dtype);
  if (count < 0)
    fail("tmc_collective_all_reduce_sum", "count", count);
  if (!current) {
    std::memcpy(out, in, size_t(count) * collectiveTypeSize(type));
    return;
  }
  Timed timed(*current);
  current->allReduceSum(in, out, count, type);
}

void tmc_collective_all_gather(const void *in, void *out, int64_t outer, int64_t inner,
                               int64_t dtype) {
  CollectiveType type = checkedType("tmc_collective_all_gather", dtype);
  if (outer < 0)
    fail("tmc_collective_all_gather", "outer", outer);
  if (inner < 0)
    fail("tmc_collective_all_gather", "inner", inner);
  if (!current) {
    std::memcpy(out, in, size_t(outer) * size_t(inner) * collectiveTypeSize(type));
    return;
  }
  Timed timed(*current);
  current->allGather(in, out, outer, inner, type);
}

} // extern "C"
