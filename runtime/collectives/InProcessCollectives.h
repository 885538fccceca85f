//===- InProcessCollectives.h - ranks as threads of one process -*- C++ -*-===//
//
// A world of N ranks that are N threads sharing memory: each collective is a
// rendezvous where every rank publishes its buffers, then reads the others'.
// It serves the unit tests and `tmc run --ranks=threads`. A rank that fails
// calls abort(), which releases every rank waiting in a collective, so one
// failing thread never deadlocks the others.
//
//===----------------------------------------------------------------------===//

#ifndef TMC_RUNTIME_COLLECTIVES_INPROCESSCOLLECTIVES_H
#define TMC_RUNTIME_COLLECTIVES_INPROCESSCOLLECTIVES_H

#include "runtime/collectives/Collectives.h"

#include <condition_variable>
#include <memory>
#include <mutex>
#include <vector>

namespace tmc::rt {

class InProcessWorld {
public:
  explicit InProcessWorld(int64_t worldSize);
  ~InProcessWorld();
  InProcessWorld(const InProcessWorld &) = delete;
  InProcessWorld &operator=(const InProcessWorld &) = delete;

  int64_t worldSize() const { return size; }
  /// Rank `r`'s communicator, for that rank's thread alone.
  Collectives &rank(int64_t r) { return *ranks[r]; }

  /// The first rank that aborted the world, or -1 while none has.
  int64_t abortedBy() const;

private:
  friend class InProcessCollectives;
  enum class Op { AllReduceSum, AllGather, Barrier };
  struct Slot {
    Op op;
    const void *in;
    void *out;
    int64_t first, second; // count; or outer, inner
    CollectiveType type;
  };

  /// Publishes `slot` for `rank` and waits for every rank to arrive; false
  /// when the world was aborted (before or while waiting).
  bool rendezvous(int64_t rank, const Slot &slot);
  /// The closing rendezvous of a collective, after which no rank reads
  /// another's buffers. It cannot be aborted: once every rank has published
  /// its buffers, every rank is inside the collective and will arrive.
  void finish();
  bool arriveAndWait(std::unique_lock<std::mutex> &lock, bool abortable);
  void abort(int64_t rank);
  bool isAborted() const;

  int64_t size;
  std::vector<std::unique_ptr<Collectives>> ranks;
  std::vector<Slot> slots;
  mutable std::mutex mutex;
  std::condition_variable arrivedAll;
  int64_t arrived = 0;
  uint64_t generation = 0;
  int64_t abortingRank = -1;
};

} // namespace tmc::rt

#endif // TMC_RUNTIME_COLLECTIVES_INPROCESSCOLLECTIVES_H
