//===- SafetensorsFuzzer.cpp - libFuzzer entry for safetensors --*- C++ -*-===//
//
// Arbitrary bytes as a .safetensors file: the reader either refuses them with
// an error or returns tensors whose every byte lies inside the file.
//
//===----------------------------------------------------------------------===//

#include "runtime/Safetensors.h"
#include "runtime/fuzz/FuzzInput.h"

#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string path = tmc::fuzz::writeInput(data, size, "model.safetensors");
  auto file = tmc::rt::SafetensorsFile::open(path);
  if (!file) {
    llvm::consumeError(file.takeError());
    return 0;
  }
  for (const tmc::rt::TensorInfo &tensor : (*file)->tensors()) {
    if (tensor.numElements() * int64_t(tmc::rt::dtypeSize(tensor.dtype)) !=
        int64_t(tensor.numBytes))
      std::abort(); // accepted a tensor whose shape does not match its bytes
    tmc::fuzz::touch(tensor.data, tensor.numBytes);
  }
  return 0;
}
