//===- HugePages.cpp - weights on 2 MiB pages -------------------*- C++ -*-===//

#include "runtime/HugePages.h"

#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <sys/mman.h>
#include <unistd.h>

using namespace tmc::rt;

namespace {

constexpr uint64_t kHugePage = 2ull << 20;
constexpr uint64_t kAlignment = 64;

uint64_t alignUp(uint64_t value, uint64_t alignment) {
  return (value + alignment - 1) / alignment * alignment;
}

/// Whether the kernel may back a region advised MADV_HUGEPAGE with huge
/// pages (transparent_hugepage/enabled is `always` or `madvise`).
bool transparentHugePagesOn() {
  std::ifstream file("/sys/kernel/mm/transparent_hugepage/enabled");
  std::string modes;
  std::getline(file, modes);
  return file && modes.find("[never]") == std::string::npos;
}

/// Whether [data, data + bytes) lies in one mapping of a file
/// (/proc/self/maps: a mapping with an inode).
bool inMappedFile(const void *data, uint64_t bytes) {
  std::ifstream maps("/proc/self/maps");
  auto begin = reinterpret_cast<uintptr_t>(data), end = begin + bytes;
  std::string line;
  while (std::getline(maps, line)) {
    unsigned long from, to, inode;
    char permissions[8];
    unsigned long long offset;
    unsigned device[2];
    if (std::sscanf(line.c_str(), "%lx-%lx %7s %llx %x:%x %lu", &from, &to, permissions, &offset,
                    &device[0], &device[1], &inode) == 7 &&
        from <= begin && end <= to)
      return inode != 0;
  }
  return false;
}

/// Releases the whole pages of [data, data + bytes), a view of a mapped
/// file, from this process: reading them again faults them back in from the
/// file. (On anonymous memory MADV_DONTNEED would zero them, so only file
/// mappings are released.)
void releaseFilePages(const void *data, uint64_t bytes) {
  if (!inMappedFile(data, bytes))
    return;
  uint64_t page = static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
  auto begin = alignUp(reinterpret_cast<uintptr_t>(data), page);
  auto end = (reinterpret_cast<uintptr_t>(data) + bytes) / page * page;
  if (end > begin)
    madvise(reinterpret_cast<void *>(begin), end - begin, MADV_DONTNEED);
}
} // namespace

int64_t tmc::rt::moveWeightsToHugePages(std::map<std::string, HostTensor> &weights) {
  uint64_t total = 0;
  for (const auto &[name, tensor] : weights)
    total += alignUp(static_cast<uint64_t>(tensor.numBytes()), kAlignment);
  if (total == 0 || !transparentHugePagesOn())
    return 0;
  // Mapped with a huge page to spare, so that the region can start on a
  // huge page boundary.
  uint64_t mapped = alignUp(total, kHugePage) + kHugePage;
  void *mapping = mmap(nullptr, mapped, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mapping == MAP_FAILED)
    return 0;
  auto *region = reinterpret_cast<char *>(alignUp(reinterpret_cast<uintptr_t>(mapping), kHugePage));
  madvise(region, alignUp(total, kHugePage), MADV_HUGEPAGE);
  std::shared_ptr<void> owner(mapping, [mapped](void *p) { munmap(p, mapped); });

  uint64_t offset = 0;
  for (auto &[name, tensor] : weights) {
    char *into = region + offset;
    std::memcpy(into, tensor.data(), tensor.numBytes());
    // A view of a mapped checkpoint owns nothing; its file pages are read
    // once here, and are not needed again.
    if (!tensor.ownsData())
      releaseFilePages(tensor.data(), tensor.numBytes());
    tensor = HostTensor::sharing(tensor.dtype(), tensor.shape().vec(), owner, into);
    offset += alignUp(static_cast<uint64_t>(tensor.numBytes()), kAlignment);
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
