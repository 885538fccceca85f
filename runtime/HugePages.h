//===- HugePages.h - weights and KV caches on 2 MiB pages -------*- C++ -*-===//
//
// A decode step reads every weight once. On 4 KiB pages each 4 KiB of weight
// is a TLB miss (SmolLM2 BF16: 66,000 pages per step, far more than a TLB
// holds), and the page walk stalls the loads and prefetches behind it: the
// row kernels read 20-25% below the bandwidth a long sequential sum reaches.
// Copied into one region the kernel backs with transparent huge pages
// (MADV_HUGEPAGE), SmolLM2's decode is 1.1-1.2x faster in every format
// (docs/CPU_PERFORMANCE.md, "Weights on 2 MiB pages").
//
//===----------------------------------------------------------------------===//

#ifndef TMC_RUNTIME_HUGEPAGES_H
#define TMC_RUNTIME_HUGEPAGES_H

#include "runtime/HostTensor.h"

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

namespace tmc::rt {

/// Whether the kernel may back a region advised MADV_HUGEPAGE with huge
/// pages (/sys/kernel/mm/transparent_hugepage/enabled: `always` or
/// `madvise`).
bool transparentHugePagesOn();

/// Where each tensor placed in a region starts: a cache line.
constexpr uint64_t kRegionAlignment = 64;

/// Zeroed anonymous memory advised for huge pages, starting on a huge page
/// boundary; unmapped when the last copy of `owner` goes.
struct HugePageRegion {
  std::shared_ptr<void> owner;
  char *start;
};

/// A region of at least `bytes`, or nothing when transparent huge pages are
/// off (`never`), `bytes` is 0 or above 2^63 - 1, or the memory cannot be
/// mapped.
std::optional<HugePageRegion> mapHugePageRegion(uint64_t bytes);

/// Moves every weight of `weights` into one anonymous region advised for
/// huge pages, each kRegionAlignment-aligned, and returns the region's bytes. Pages
/// of a mapped checkpoint file a weight viewed are released from this
/// process once copied, so the resident set grows by at most one weight
/// while it runs. Returns 0 and leaves the weights where they are when
/// transparent huge pages are off (`never`) or the region cannot be mapped.
int64_t moveWeightsToHugePages(std::map<std::string, HostTensor> &weights);

/// Bytes of the region holding `address` that are on huge pages now
/// (AnonHugePages in /proc/self/smaps; 0 when it cannot be read).
int64_t hugePageBytesAt(const void *address);

} // namespace tmc::rt

#endif // TMC_RUNTIME_HUGEPAGES_H
