//===- HugePagesTest.cpp - weights moved onto 2 MiB pages -------*- C++ -*-===//
//
// moveWeightsToHugePages keeps every weight's values and puts them in one
// region, 64-byte aligned; a view of a mapped file has its pages released
// and still reads the same; a view of anonymous memory is left untouched
// (MADV_DONTNEED would zero it). mapHugePageRegion's regions (the KV caches')
// start zeroed on a 2 MiB boundary. Whether the kernel found free huge pages
// for a region is not asserted: `tmc run --stats` reports it.
//
//===----------------------------------------------------------------------===//

#include "runtime/HugePages.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <gtest/gtest.h>

#include <numeric>

using namespace tmc::rt;

namespace {

TEST(HugePages, MovesValuesIntoOneRegion) {
  // A 3 MiB weight of the file (mapped, as large checkpoints are), an owned
  // one, and a view of a heap vector.
  constexpr int64_t kFileFloats = 3 << 18;
  std::vector<float> values(kFileFloats);
  std::iota(values.begin(), values.end(), 0.5f);
  llvm::SmallString<128> path;
  ASSERT_FALSE(llvm::sys::fs::createTemporaryFile("huge-pages", "bin", path));
  {
    std::error_code error;
    llvm::raw_fd_ostream out(path, error);
    ASSERT_FALSE(error);
    out.write(reinterpret_cast<const char *>(values.data()), values.size() * sizeof(float));
  }
  auto file = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                          /*RequiresNullTerminator=*/false);
  ASSERT_TRUE(bool(file));
  const float *mapped = reinterpret_cast<const float *>((*file)->getBufferStart());

  HostTensor owned(DType::F32, {3, 5});
  for (int i = 0; i < 15; ++i)
    owned.as<float>()[i] = -i;
  std::vector<float> heap(7, 2.25f);

  std::map<std::string, HostTensor> weights;
  weights.emplace("a.file", HostTensor::view(DType::F32, {kFileFloats}, mapped));
  weights.emplace("b.owned", owned);
  weights.emplace("c.heap", HostTensor::view(DType::F32, {7}, heap.data()));

  int64_t region = moveWeightsToHugePages(weights);
  if (!transparentHugePagesOn()) {
    EXPECT_EQ(region, 0);
    EXPECT_EQ(weights.at("a.file").data(), mapped);
    return;
  }
  // Each weight 64-byte aligned, one after another.
  EXPECT_EQ(region, kFileFloats * 4 + 64 + 64);
  auto *first = static_cast<char *>(weights.at("a.file").data());
  EXPECT_EQ(reinterpret_cast<uintptr_t>(first) % (2 << 20), 0u);
  EXPECT_EQ(static_cast<char *>(weights.at("b.owned").data()), first + kFileFloats * 4);
  EXPECT_EQ(static_cast<char *>(weights.at("c.heap").data()), first + kFileFloats * 4 + 64);
  for (const auto &[name, tensor] : weights)
    EXPECT_TRUE(tensor.ownsData()) << name;

  for (int64_t i = 0; i < kFileFloats; ++i)
    ASSERT_EQ(weights.at("a.file").as<float>()[i], values[i]) << i;
  for (int i = 0; i < 15; ++i)
    EXPECT_EQ(weights.at("b.owned").as<float>()[i], -i);
  for (int i = 0; i < 7; ++i)
    EXPECT_EQ(weights.at("c.heap").as<float>()[i], 2.25f);
  // The released file pages read back from the file; the heap is untouched.
  for (int64_t i = 0; i < kFileFloats; ++i)
    ASSERT_EQ(mapped[i], values[i]) << i;
  for (float value : heap)
    EXPECT_EQ(value, 2.25f);
  llvm::sys::fs::remove(path);
}

TEST(HugePages, RegionIsZeroedAndAligned) {
  EXPECT_FALSE(mapHugePageRegion(0));
  constexpr uint64_t kBytes = (5 << 20) + 100;
  std::optional<HugePageRegion> region = mapHugePageRegion(kBytes);
  if (!transparentHugePagesOn()) {
    EXPECT_FALSE(region);
    return;
  }
  ASSERT_TRUE(region);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(region->start) % (2 << 20), 0u);
  for (uint64_t i = 0; i < kBytes; ++i)
    ASSERT_EQ(region->start[i], 0) << i;
  // Copies of the owner share the region: it stays mapped while one is left.
  char *start = region->start;
  std::shared_ptr<void> copy = region->owner;
  region.reset();
  start[kBytes - 1] = 7;
  EXPECT_EQ(start[kBytes - 1], 7);
  EXPECT_EQ(copy.use_count(), 1);
}

TEST(HugePages, NothingToMove) {
  std::map<std::string, HostTensor> weights;
  EXPECT_EQ(moveWeightsToHugePages(weights), 0);
}

} // namespace
