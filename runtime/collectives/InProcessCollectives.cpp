//===- InProcessCollectives.cpp - ranks as threads of one process -*- C++ -*-===//
//
// A collective is two rendezvous. After the first, every rank's buffers are
// published: an all-reduce has rank r sum the r-th chunk of the elements (in
// rank order, so every element is computed once and is the same bits
// everywhere) and write it to every rank's output; an all-gather has each
// rank copy the others' inputs into its own output. The second rendezvous
// keeps every input alive until no rank reads it any more.
//
//===----------------------------------------------------------------------===//

#include "runtime/collectives/InProcessCollectives.h"
#include "runtime/collectives/Reduce.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>

using namespace tmc::rt;

namespace tmc::rt {
class InProcessCollectives : public Collectives {
public:
  InProcessCollectives(InProcessWorld &world, int64_t rank) : world(world), myRank(rank) {}

  const char *backendName() const override { return "threads"; }
  int64_t rank() const override { return myRank; }
  int64_t worldSize() const override { return world.size; }

  void allReduceSum(const void *in, void *out, int64_t count, CollectiveType type) override {
    size_t elementSize = collectiveTypeSize(type);
    if (!world.rendezvous(myRank, {InProcessWorld::Op::AllReduceSum, in, out, count, 0, type})) {
      std::memset(out, 0, size_t(count) * elementSize);
      return;
    }
    checkAgreement("tmc_collective_all_reduce_sum");
    int64_t n = world.size;
    std::vector<const void *> inputs(n);
    for (int64_t r = 0; r < n; ++r)
      inputs[r] = world.slots[r].in;
    int64_t begin = count * myRank / n, end = count * (myRank + 1) / n;
    sumInRankOrder(inputs.data(), n, out, begin, end, type);
    for (int64_t r = 0; r < n; ++r)
      if (r != myRank)
        std::memcpy(static_cast<char *>(world.slots[r].out) + begin * elementSize,
                    static_cast<char *>(out) + begin * elementSize, (end - begin) * elementSize);
    world.finish();
  }

  void allGather(const void *in, void *out, int64_t outer, int64_t inner,
                 CollectiveType type) override {
    size_t row = size_t(inner) * collectiveTypeSize(type);
    int64_t n = world.size;
    if (!world.rendezvous(myRank, {InProcessWorld::Op::AllGather, in, out, outer, inner, type})) {
      std::memset(out, 0, size_t(outer) * n * row);
      return;
    }
    checkAgreement("tmc_collective_all_gather");
    for (int64_t r = 0; r < n; ++r) {
      auto *source = static_cast<const char *>(world.slots[r].in);
      for (int64_t o = 0; o < outer; ++o)
        std::memcpy(static_cast<char *>(out) + (o * n + r) * row, source + o * row, row);
    }
    world.finish();
  }

  void barrier() override {
    world.rendezvous(myRank, {InProcessWorld::Op::Barrier, nullptr, nullptr, 0, 0,
                              CollectiveType::F32});
  }

  void abort() override { world.abort(myRank); }
  bool aborted() const override { return world.isAborted(); }

private:
  /// Ranks that reach one rendezvous with different collectives or sizes
  /// would read out of bounds: the generated code is wrong, stop here.
  void checkAgreement(const char *function) const {
    const InProcessWorld::Slot &mine = world.slots[myRank];
    for (int64_t r = 0; r < world.size; ++r) {
      const InProcessWorld::Slot &other = world.slots[r];
      if (other.op == mine.op && other.first == mine.first && other.second == mine.second &&
          other.type == mine.type)
        continue;
      std::fprintf(stderr,
                   "tmc: internal error: rank %lld called %s (%lld, %lld, %s) while rank %lld "
                   "called a different collective or size (%lld, %lld, %s); every rank must "
                   "make the same collective calls (a compiler bug: report it)\n",
                   (long long)myRank, function, (long long)mine.first, (long long)mine.second,
                   collectiveTypeName(mine.type), (long long)r, (long long)other.first,
                   (long long)other.second, collectiveTypeName(other.type));
      std::fflush(stderr);
      std::abort();
    }
  }

  InProcessWorld &world;
  int64_t myRank;
};
} // namespace tmc::rt

InProcessWorld::InProcessWorld(int64_t worldSize) : size(worldSize), slots(worldSize) {
  for (int64_t r = 0; r < worldSize; ++r)
    ranks.push_back(std::make_unique<InProcessCollectives>(*this, r));
}

InProcessWorld::~InProcessWorld() = default;

bool InProcessWorld::rendezvous(int64_t rank, const Slot &slot) {
  std::unique_lock<std::mutex> lock(mutex);
  if (abortingRank >= 0)
    return false;
  slots[rank] = slot;
  return arriveAndWait(lock, /*abortable=*/true);
}

void InProcessWorld::finish() {
  std::unique_lock<std::mutex> lock(mutex);
  arriveAndWait(lock, /*abortable=*/false);
}

bool InProcessWorld::arriveAndWait(std::unique_lock<std::mutex> &lock, bool abortable) {
  uint64_t mine = generation;
  if (++arrived == size) {
    arrived = 0;
    ++generation;
    arrivedAll.notify_all();
    return true;
  }
  arrivedAll.wait(lock, [&] { return generation != mine || (abortable && abortingRank >= 0); });
  if (generation != mine)
    return true;
  --arrived; // leaving an aborted rendezvous: it never completes
  return false;
}

void InProcessWorld::abort(int64_t rank) {
  std::lock_guard<std::mutex> lock(mutex);
  if (abortingRank < 0)
    abortingRank = rank;
  arrivedAll.notify_all();
}

bool InProcessWorld::isAborted() const {
  std::lock_guard<std::mutex> lock(mutex);
  return abortingRank >= 0;
}

int64_t InProcessWorld::abortedBy() const {
  std::lock_guard<std::mutex> lock(mutex);
  return abortingRank;
}
