//===- FuzzInput.h - fuzz bytes as the files tmc reads ----------*- C++ -*-===//
//
// tmc's readers take paths (they map files), so each fuzz input is written
// to a file in a private directory of this process, on /dev/shm when it
// exists. `touch` reads every byte of a span, so that ASan sees a reader
// that handed out a view past its file.
//
//===----------------------------------------------------------------------===//

#ifndef TMC_RUNTIME_FUZZ_FUZZINPUT_H
#define TMC_RUNTIME_FUZZ_FUZZINPUT_H

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdint>
#include <cstdlib>
#include <string>

namespace tmc::fuzz {

/// The private directory of this fuzzer process.
inline const std::string &scratchDirectory() {
  static std::string dir = [] {
    llvm::SmallString<128> path;
    const char *base = llvm::sys::fs::is_directory("/dev/shm") ? "/dev/shm" : "/tmp";
    if (llvm::sys::fs::createUniqueDirectory(llvm::Twine(base) + "/tmc-fuzz", path))
      std::abort();
    return std::string(path);
  }();
  return dir;
}

/// Writes `size` bytes as scratchDirectory()/name and returns its path.
inline std::string writeInput(const uint8_t *data, size_t size, llvm::StringRef name) {
  llvm::SmallString<256> path(scratchDirectory());
  llvm::sys::path::append(path, name);
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec);
  if (ec)
    std::abort();
  os.write(reinterpret_cast<const char *>(data), size);
  os.close();
  if (os.has_error())
    std::abort();
  return std::string(path);
}

/// Reads every byte of [data, data + size): out-of-bounds views fault here.
inline uint8_t touch(const void *data, size_t size) {
  uint8_t sum = 0;
  for (size_t i = 0; i < size; ++i)
    sum ^= static_cast<const uint8_t *>(data)[i];
  return sum;
}

} // namespace tmc::fuzz

#endif // TMC_RUNTIME_FUZZ_FUZZINPUT_H
