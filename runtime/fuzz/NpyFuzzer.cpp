//===- NpyFuzzer.cpp - libFuzzer entry for .npy inputs ----------*- C++ -*-===//
//
// Arbitrary bytes as the .npy file of `--input-ids @file.npy`: readNpy
// either refuses them or returns a tensor whose bytes are all there.
//
//===----------------------------------------------------------------------===//

#include "runtime/HostTensor.h"
#include "runtime/fuzz/FuzzInput.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string path = tmc::fuzz::writeInput(data, size, "input.npy");
  auto tensor = tmc::rt::readNpy(path);
  if (!tensor) {
    llvm::consumeError(tensor.takeError());
    return 0;
  }
  tmc::fuzz::touch(tensor->data(), tensor->numBytes());
  return 0;
}
