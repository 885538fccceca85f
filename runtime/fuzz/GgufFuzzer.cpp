//===- GgufFuzzer.cpp - libFuzzer entry for GGUF checkpoints ----*- C++ -*-===//
//
// Arbitrary bytes as a .gguf file: opening it as a checkpoint either fails
// with an error or yields tensors inside the file, each of which decodes
// (or is refused) without reading past it.
//
//===----------------------------------------------------------------------===//

#include "runtime/GgufCheckpoint.h"
#include "runtime/fuzz/FuzzInput.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string path = tmc::fuzz::writeInput(data, size, "model.gguf");
  auto checkpoint = tmc::rt::openGgufCheckpoint(path);
  if (!checkpoint) {
    llvm::consumeError(checkpoint.takeError());
    return 0;
  }
  for (const tmc::rt::TensorInfo &tensor : checkpoint->tensors()) {
    tmc::fuzz::touch(tensor.data, tensor.numBytes);
    // Small tensors only: a valid header may describe gigabytes.
    if (tensor.numElements() > (1 << 16))
      continue;
    auto decoded = tmc::rt::decodeTensor(tensor, tmc::rt::DType::F32);
    if (!decoded)
      llvm::consumeError(decoded.takeError());
  }
  return 0;
}
