//===- Arena.h - the scratch memory of compiled calls -----------*- C++ -*-===//
//
// A CPU artifact's entry points take their intermediate buffers from one
// arena at offsets the compiler planned (tmc-plan-memory, docs/ARTIFACTS.md
// "Memory plan"). The runtime allocates it once, page-aligned, and writes
// every page, so that no call allocates or faults in memory for its
// intermediates. Each rank's Artifact has its own: a copy allocates anew.
//
//===----------------------------------------------------------------------===//

#ifndef TMC_RUNTIME_ARENA_H
#define TMC_RUNTIME_ARENA_H

#include <cstdint>
#include <cstdlib>
#include <memory>

namespace tmc::rt {

class Arena {
public:
  Arena() = default;
  /// `bytes` of memory, or none (data() null) when the allocation fails.
  explicit Arena(int64_t bytes);
  Arena(const Arena &other) : Arena(other.bytes) {}
  Arena &operator=(const Arena &other) {
    if (this != &other)
      *this = Arena(other.bytes);
    return *this;
  }
  Arena(Arena &&) = default;
  Arena &operator=(Arena &&) = default;

  char *data() const { return memory.get(); }
  int64_t size() const { return bytes; }

private:
  std::unique_ptr<char, void (*)(void *)> memory{nullptr, std::free};
  int64_t bytes = 0;
};

} // namespace tmc::rt

#endif // TMC_RUNTIME_ARENA_H
