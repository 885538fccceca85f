//===- CollectivesTest.cpp - in-process collectives and the C ABI -*- C++ -*-===//
//
// Ranks as threads: the all-reduce is the rank-order sum (bf16 and f16
// accumulated in f32, rounded once) and the same bits on every rank; the
// all-gather places rank r's row o at (o * world + r); the C ABI reaches the
// calling thread's communicator; an aborted world releases waiting ranks.
//
//===----------------------------------------------------------------------===//

#include "runtime/collectives/CollectiveAbi.h"
#include "runtime/collectives/Collectives.h"
#include "runtime/collectives/InProcessCollectives.h"
#include "runtime/collectives/Reduce.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <functional>
#include <thread>
#include <vector>

using namespace tmc::rt;

namespace {

/// Runs `body(rank)` on `worldSize` threads, each with its communicator set.
void onRanks(InProcessWorld &world, const std::function<void(int64_t)> &body) {
  std::vector<std::thread> threads;
  for (int64_t r = 0; r < world.worldSize(); ++r)
    threads.emplace_back([&, r] {
      ThreadCollectivesScope scope(&world.rank(r));
      body(r);
    });
  for (std::thread &thread : threads)
    thread.join();
}

uint32_t bitsOf(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, sizeof(bits));
  return bits;
}

TEST(CollectivesTest, AllReduceF32IsTheRankOrderSumOnEveryRank) {
  // Rank order matters in f32: (1e8 - 1e8) + 1 is 1, (1 - 1e8) + 1e8 is 0.
  const int64_t world = 3, count = 1001; // not a multiple of the world size
  auto value = [](int64_t rank, int64_t i) {
    float pattern[] = {1e8f, -1e8f, 1.0f};
    return pattern[rank] * float(1 + i % 7);
  };
  InProcessWorld ranks(world);
  std::vector<std::vector<float>> outs(world, std::vector<float>(count, -1));
  onRanks(ranks, [&](int64_t r) {
    std::vector<float> in(count);
    for (int64_t i = 0; i < count; ++i)
      in[i] = value(r, i);
    tmc_collective_all_reduce_sum(in.data(), outs[r].data(), count, TMC_COLLECTIVE_F32);
  });
  for (int64_t i = 0; i < count; ++i) {
    float expected = value(0, i);
    expected += value(1, i);
    expected += value(2, i);
    for (int64_t r = 0; r < world; ++r)
      ASSERT_EQ(bitsOf(outs[r][i]), bitsOf(expected)) << "rank " << r << " element " << i;
  }
  EXPECT_EQ(outs[0][0], 1.0f); // not 0: the sum ran in rank order
}

TEST(CollectivesTest, AllReduceBF16AccumulatesInF32AndRoundsOnce) {
  // 1 + 2^-8 + 2^-8 is 1 + 2^-7 (0x3F81) in f32; rounding each partial sum
  // to bf16 would give 1 (0x3F80).
  const uint16_t one = 0x3F80, eighth = 0x3B80; // 1.0, 2^-8
  InProcessWorld ranks(3);
  std::vector<std::vector<uint16_t>> outs(3, std::vector<uint16_t>(5));
  onRanks(ranks, [&](int64_t r) {
    std::vector<uint16_t> in(5, r == 0 ? one : eighth);
    tmc_collective_all_reduce_sum(in.data(), outs[r].data(), 5, TMC_COLLECTIVE_BF16);
  });
  for (int64_t r = 0; r < 3; ++r)
    EXPECT_EQ(outs[r], std::vector<uint16_t>(5, 0x3F81)) << "rank " << r;
}

TEST(CollectivesTest, AllReduceF16AccumulatesInF32AndRoundsOnce) {
  // f16: 1 + 2^-11 + 2^-11 is 1 + 2^-10 (0x3C01), stepwise rounding gives 0x3C00.
  const uint16_t one = 0x3C00, small = 0x1000; // 1.0, 2^-11
  InProcessWorld ranks(3);
  std::vector<std::vector<uint16_t>> outs(3, std::vector<uint16_t>(4));
  onRanks(ranks, [&](int64_t r) {
    std::vector<uint16_t> in(4, r == 0 ? one : small);
    tmc_collective_all_reduce_sum(in.data(), outs[r].data(), 4, TMC_COLLECTIVE_F16);
  });
  for (int64_t r = 0; r < 3; ++r)
    EXPECT_EQ(outs[r], std::vector<uint16_t>(4, 0x3C01)) << "rank " << r;
}

TEST(CollectivesTest, HalfConversionsRoundToNearestEven) {
  EXPECT_EQ(floatToBF16(1.0f + 0x1p-8f), 0x3F80);          // tie, to even
  EXPECT_EQ(floatToBF16(1.0f + 0x1p-8f + 0x1p-20f), 0x3F81); // above the tie
  EXPECT_EQ(floatToF16(1.0f + 0x1p-11f), 0x3C00);
  EXPECT_EQ(floatToF16(1.0f + 0x1p-10f + 0x1p-11f), 0x3C02); // tie, to even (up)
  EXPECT_EQ(floatToF16(65504.0f), 0x7BFF);
  EXPECT_EQ(floatToF16(65520.0f), 0x7C00); // overflows to inf
  EXPECT_EQ(floatToF16(0x1p-24f), 0x0001); // smallest subnormal
  EXPECT_EQ(f16ToFloat(0x0001), 0x1p-24f);
  EXPECT_EQ(f16ToFloat(0xC000), -2.0f);
  EXPECT_EQ(bf16ToFloat(0x3F81), 1.0f + 0x1p-7f);
}

TEST(CollectivesTest, AllGatherPlacesRankRowsBetweenOuterRows) {
  const int64_t world = 3, outer = 2, inner = 4;
  auto value = [](int64_t rank, int64_t o, int64_t i) { return float(100 * rank + 10 * o + i); };
  InProcessWorld ranks(world);
  std::vector<std::vector<float>> outs(world, std::vector<float>(outer * world * inner));
  onRanks(ranks, [&](int64_t r) {
    std::vector<float> in(outer * inner);
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t i = 0; i < inner; ++i)
        in[o * inner + i] = value(r, o, i);
    tmc_collective_all_gather(in.data(), outs[r].data(), outer, inner, TMC_COLLECTIVE_F32);
  });
  for (int64_t dst = 0; dst < world; ++dst)
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t r = 0; r < world; ++r)
        for (int64_t i = 0; i < inner; ++i)
          ASSERT_EQ(outs[dst][(o * world + r) * inner + i], value(r, o, i))
              << "on rank " << dst << ": row " << o << " of rank " << r;
}

TEST(CollectivesTest, AllGatherOfHalfElementsMovesTwoBytes) {
  InProcessWorld ranks(2);
  std::vector<std::vector<uint16_t>> outs(2, std::vector<uint16_t>(6));
  onRanks(ranks, [&](int64_t r) {
    std::vector<uint16_t> in = {uint16_t(10 * r), uint16_t(10 * r + 1), uint16_t(10 * r + 2)};
    tmc_collective_all_gather(in.data(), outs[r].data(), 3, 1, TMC_COLLECTIVE_BF16);
  });
  std::vector<uint16_t> expected = {0, 10, 1, 11, 2, 12};
  EXPECT_EQ(outs[0], expected);
  EXPECT_EQ(outs[1], expected);
}

TEST(CollectivesTest, TheAbiReachesTheCallingThreadsCommunicator) {
  const int64_t world = 4;
  InProcessWorld ranks(world);
  std::vector<int64_t> seenRank(world, -1), seenSize(world, -1);
  onRanks(ranks, [&](int64_t r) {
    seenRank[r] = tmc_collective_rank();
    seenSize[r] = tmc_collective_world_size();
  });
  for (int64_t r = 0; r < world; ++r) {
    EXPECT_EQ(seenRank[r], r);
    EXPECT_EQ(seenSize[r], world);
  }
}

TEST(CollectivesTest, WithoutACommunicatorTheAbiIsAWorldOfOne) {
  ASSERT_EQ(threadCollectives(), nullptr);
  EXPECT_EQ(tmc_collective_rank(), 0);
  EXPECT_EQ(tmc_collective_world_size(), 1);
  float in[3] = {1, 2, 3}, out[3] = {};
  tmc_collective_all_reduce_sum(in, out, 3, TMC_COLLECTIVE_F32);
  EXPECT_EQ(std::vector<float>(out, out + 3), std::vector<float>(in, in + 3));
  float gathered[3] = {};
  tmc_collective_all_gather(in, gathered, 3, 1, TMC_COLLECTIVE_F32);
  EXPECT_EQ(std::vector<float>(gathered, gathered + 3), std::vector<float>(in, in + 3));
}

TEST(CollectivesTest, ManyCollectivesInARowReuseTheRendezvous) {
  const int64_t world = 3;
  InProcessWorld ranks(world);
  std::vector<int> wrong(world, 0);
  onRanks(ranks, [&](int64_t r) {
    for (int step = 0; step < 300; ++step) {
      int64_t count = 1 + step % 17;
      std::vector<float> in(count, float(r + step)), out(count);
      tmc_collective_all_reduce_sum(in.data(), out.data(), count, TMC_COLLECTIVE_F32);
      float expected = float(0 + step) + float(1 + step) + float(2 + step);
      for (float v : out)
        wrong[r] += v != expected;
      std::vector<float> gathered(count * world);
      tmc_collective_all_gather(in.data(), gathered.data(), 1, count, TMC_COLLECTIVE_F32);
      for (int64_t q = 0; q < world; ++q)
        wrong[r] += gathered[q * count] != float(q + step);
    }
  });
  EXPECT_EQ(wrong, std::vector<int>(world, 0));
  EXPECT_EQ(ranks.rank(0).collectiveCalls, 600);
  EXPECT_GT(ranks.rank(0).secondsInCollectives, 0.0);
}

TEST(CollectivesTest, AbortReleasesRanksWaitingInACollective) {
  InProcessWorld ranks(3);
  std::vector<float> results(3, -1);
  std::vector<char> sawAbort(3, 0);
  onRanks(ranks, [&](int64_t r) {
    if (r == 2) { // fails before its first collective
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      ranks.rank(r).abort();
      return;
    }
    float in = 1, out = -1;
    tmc_collective_all_reduce_sum(&in, &out, 1, TMC_COLLECTIVE_F32);
    std::vector<float> gathered(3, -1);
    tmc_collective_all_gather(&in, gathered.data(), 1, 1, TMC_COLLECTIVE_F32); // at once
    results[r] = out + gathered[0] + gathered[1] + gathered[2];
    sawAbort[r] = ranks.rank(r).aborted();
  });
  EXPECT_EQ(ranks.abortedBy(), 2);
  EXPECT_EQ(sawAbort, (std::vector<char>{1, 1, 0}));
  EXPECT_EQ(results[0], 0.0f); // zeroed, not a partial sum
  EXPECT_EQ(results[1], 0.0f);
}

} // namespace
