//===- HugePages.cpp - weights and KV caches on 2 MiB pages -----*- C++ -*-===//

#include "runtime/HugePages.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/MathExtras.h"

#include <cstdio>
#include <cstring>
#include <fstream>
#include <sys/mman.h>
#include <unistd.h>
#include <utility>
#include <vector>

using namespace tmc::rt;

namespace {

constexpr uint64_t kHugePage = 2ull << 20;

/// The address ranges [from, to) this process has mapped from files
/// (/proc/self/maps: the mappings with an inode).
std::vector<std::pair<uintptr_t, uintptr_t>> mappedFiles() {
  std::vector<std::pair<uintptr_t, uintptr_t>> ranges;
  std::ifstream maps("/proc/self/maps");
  std::string line;
  while (std::getline(maps, line)) {
    unsigned long from, to, inode;
    char permissions[8];
    unsigned long long offset;
    unsigned device[2];
    if (std::sscanf(line.c_str(), "%lx-%lx %7s %llx %x:%x %lu", &from, &to, permissions, &offset,
                    &device[0], &device[1], &inode) == 7 &&
        inode != 0)
      ranges.emplace_back(from, to);
  }
  return ranges;
}

/// Releases the whole pages of [data, data + bytes) from this process when
/// they lie in one of `files`: reading them again faults them back in from
/// the file. (On anonymous memory MADV_DONTNEED would zero them, so nothing
/// else is released.)
void releaseFilePages(const void *data, uint64_t bytes,
                      const std::vector<std::pair<uintptr_t, uintptr_t>> &files) {
  auto begin = reinterpret_cast<uintptr_t>(data), end = begin + bytes;
  if (llvm::none_of(files, [&](auto range) { return range.first <= begin && end <= range.second; }))
    return;
  uint64_t page = static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
  uint64_t first = llvm::alignTo(begin, page), last = llvm::alignDown(end, page);
  if (last > first)
    madvise(reinterpret_cast<void *>(first), last - first, MADV_DONTNEED);
}
} // namespace

bool tmc::rt::transparentHugePagesOn() {
  std::ifstream file("/sys/kernel/mm/transparent_hugepage/enabled");
  std::string modes;
  std::getline(file, modes);
  return file && modes.find("[never]") == std::string::npos;
}

std::optional<HugePageRegion> tmc::rt::mapHugePageRegion(uint64_t bytes) {
  // Sizes from 63-bit tensor sizes: past that, the rounding below could wrap.
  if (bytes == 0 || bytes > static_cast<uint64_t>(INT64_MAX) || !transparentHugePagesOn())
    return std::nullopt;
  // Mapped with a huge page to spare, so that the region can start on a
  // huge page boundary.
  uint64_t mapped = llvm::alignTo(bytes, kHugePage) + kHugePage;
  void *mapping = mmap(nullptr, mapped, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mapping == MAP_FAILED)
    return std::nullopt;
  auto *start =
      reinterpret_cast<char *>(llvm::alignTo(reinterpret_cast<uintptr_t>(mapping), kHugePage));
  madvise(start, llvm::alignTo(bytes, kHugePage), MADV_HUGEPAGE);
  return HugePageRegion{std::shared_ptr<void>(mapping, [mapped](void *p) { munmap(p, mapped); }),
                        start};
}

int64_t tmc::rt::moveWeightsToHugePages(std::map<std::string, HostTensor> &weights) {
  uint64_t total = 0;
  for (const auto &[name, tensor] : weights)
    total += llvm::alignTo(tensor.numBytes(), kRegionAlignment);
  std::optional<HugePageRegion> region = mapHugePageRegion(total);
  if (!region)
    return 0;

  std::vector<std::pair<uintptr_t, uintptr_t>> files = mappedFiles();
  uint64_t offset = 0;
  for (auto &[name, tensor] : weights) {
    char *into = region->start + offset;
    std::memcpy(into, tensor.data(), tensor.numBytes());
    // A view of a mapped checkpoint owns nothing; its file pages are read
    // once here, and are not needed again.
    if (!tensor.ownsData())
      releaseFilePages(tensor.data(), tensor.numBytes(), files);
    tensor = HostTensor::sharing(tensor.dtype(), tensor.shape().vec(), region->owner, into);
    offset += llvm::alignTo(tensor.numBytes(), kRegionAlignment);
  }
  return static_cast<int64_t>(total);
}

int64_t tmc::rt::hugePageBytesAt(const void *address) {
  std::ifstream smaps("/proc/self/smaps");
  auto at = reinterpret_cast<uintptr_t>(address);
  std::string line;
  bool inside = false;
  while (std::getline(smaps, line)) {
    unsigned long begin, end;
    if (std::sscanf(line.c_str(), "%lx-%lx ", &begin, &end) == 2 &&
        line.find(':') > line.find(' ')) {
      inside = begin <= at && at < end;
      continue;
    }
    long kib;
    if (inside && std::sscanf(line.c_str(), "AnonHugePages: %ld kB", &kib) == 1)
      return static_cast<int64_t>(kib) << 10;
  }
  return 0;
}
