//===- ShardIndexFuzzer.cpp - libFuzzer entry for sharded indexes -*- C++ -*-===//
//
// Arbitrary bytes as model.safetensors.index.json beside one valid shard:
// opening the checkpoint either fails with an error or yields tensors of that
// shard only (never a file outside the directory).
//
//===----------------------------------------------------------------------===//

#include "runtime/Safetensors.h"
#include "runtime/fuzz/FuzzInput.h"

#include <cstdlib>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const std::string shard = [] {
    std::vector<float> values = {1, 2, 3, 4};
    std::string path = tmc::fuzz::scratchDirectory() + "/model-00001-of-00001.safetensors";
    llvm::cantFail(tmc::rt::writeSafetensors(
        path, {{"w", tmc::rt::DType::F32, {2, 2},
                llvm::ArrayRef(reinterpret_cast<const uint8_t *>(values.data()), 16)}}));
    return path;
  }();
  tmc::fuzz::writeInput(data, size, "model.safetensors.index.json");
  llvm::sys::fs::remove(tmc::fuzz::scratchDirectory() + "/model.safetensors");
  auto checkpoint = tmc::rt::Checkpoint::open(tmc::fuzz::scratchDirectory());
  if (!checkpoint) {
    llvm::consumeError(checkpoint.takeError());
    return 0;
  }
  for (const tmc::rt::TensorInfo &tensor : checkpoint->tensors()) {
    if (tensor.file != shard)
      std::abort(); // read a file the index should not reach
    tmc::fuzz::touch(tensor.data, tensor.numBytes);
  }
  return 0;
}
