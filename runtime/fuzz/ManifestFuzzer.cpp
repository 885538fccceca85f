//===- ManifestFuzzer.cpp - libFuzzer entry for manifest.json ---*- C++ -*-===//
//
// Arbitrary bytes as an artifact's manifest.json: Manifest::load either
// refuses them or returns a manifest that prints back to one equal to it
// (same ABI fingerprint).
//
//===----------------------------------------------------------------------===//

#include "runtime/Manifest.h"
#include "runtime/fuzz/FuzzInput.h"

#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string path = tmc::fuzz::writeInput(data, size, "manifest.json");
  auto manifest = tmc::rt::Manifest::load(path);
  if (!manifest) {
    llvm::consumeError(manifest.takeError());
    return 0;
  }
  auto again = tmc::rt::Manifest::fromJson(manifest->toJson(), "round trip");
  if (!again || again->abiFingerprint() != manifest->abiFingerprint())
    std::abort(); // what tmc writes, tmc must read back unchanged
  return 0;
}
