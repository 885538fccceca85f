//===- Collectives.h - one communicator per rank ----------------*- C++ -*-===//
//
// The runtime's side of the collective C ABI (CollectiveAbi.h): an interface
// with three backends, in-process (ranks as threads), MPI (ranks as
// processes, the libtmc-mpi.so plugin) and NCCL (GPU ranks, libtmc-nccl.so).
//
// This header uses nothing of LLVM, so that the plugins, which must not link
// a second LLVM into tmc-run, can implement it.
//
//===----------------------------------------------------------------------===//

#ifndef TMC_RUNTIME_COLLECTIVES_COLLECTIVES_H
#define TMC_RUNTIME_COLLECTIVES_COLLECTIVES_H

#include "runtime/collectives/CollectiveAbi.h"

#include <cstddef>
#include <cstdint>

namespace tmc::rt {

/// The element types collectives move, numbered as the C ABI numbers them.
enum class CollectiveType : int64_t {
  F32 = TMC_COLLECTIVE_F32,
  BF16 = TMC_COLLECTIVE_BF16,
  F16 = TMC_COLLECTIVE_F16,
};

inline size_t collectiveTypeSize(CollectiveType type) {
  return type == CollectiveType::F32 ? 4 : 2;
}

inline const char *collectiveTypeName(CollectiveType type) {
  switch (type) {
  case CollectiveType::F32:
    return "f32";
  case CollectiveType::BF16:
    return "bf16";
  case CollectiveType::F16:
    return "f16";
  }
  return "?";
}

/// One rank's view of a communicator. Every rank calls the same collectives
/// in the same order with the same sizes, as the C ABI requires.
class Collectives {
public:
  virtual ~Collectives() = default;

  /// "threads", "mpi" or "nccl", for messages.
  virtual const char *backendName() const = 0;
  virtual int64_t rank() const = 0;
  virtual int64_t worldSize() const = 0;

  /// The semantics of tmc_collective_all_reduce_sum (rank-order sum,
  /// bitwise identical on every rank).
  virtual void allReduceSum(const void *in, void *out, int64_t count, CollectiveType type) = 0;
  /// The semantics of tmc_collective_all_gather.
  virtual void allGather(const void *in, void *out, int64_t outer, int64_t inner,
                         CollectiveType type) = 0;
  virtual void barrier() = 0;

  /// Called by a rank that failed after the others may have entered a
  /// collective, so that none waits forever for it. In-process: wakes every
  /// waiting rank, and from then on collectives return at once (with zeroed
  /// results the runner discards). MPI: ends the whole job (MPI_Abort).
  virtual void abort() = 0;
  /// True once any rank called abort(): this rank's results are garbage.
  virtual bool aborted() const { return false; }

  /// Time the C ABI spent in this rank's collectives, and how many calls,
  /// for `--stats` (the share of a run spent communicating).
  double secondsInCollectives = 0;
  int64_t collectiveCalls = 0;
};

/// The communicator the C ABI uses on the calling thread (null: a world of
/// one rank). The runner sets it on each rank's thread before it calls an
/// entry point.
void setThreadCollectives(Collectives *collectives);
Collectives *threadCollectives();

/// Sets the calling thread's communicator for a scope.
class ThreadCollectivesScope {
public:
  explicit ThreadCollectivesScope(Collectives *collectives) : previous(threadCollectives()) {
    setThreadCollectives(collectives);
  }
  ~ThreadCollectivesScope() { setThreadCollectives(previous); }
  ThreadCollectivesScope(const ThreadCollectivesScope &) = delete;
  ThreadCollectivesScope &operator=(const ThreadCollectivesScope &) = delete;

private:
  Collectives *previous;
};

} // namespace tmc::rt

#endif // TMC_RUNTIME_COLLECTIVES_COLLECTIVES_H
