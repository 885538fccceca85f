//===- RandomWeights.h - a checkpoint of random weights ---------*- C++ -*-===//
//
// `tmc-run ART --random-weights --seed S`: weights for the artifact's own
// manifest, drawn at random instead of read, for benchmarks of shapes whose
// checkpoints would not fit on disk (Llama-3-8B's 16 GB of bf16 on a small
// disk). They bind like a checkpoint's: a weight the artifact stores in
// blocks is drawn in float32 and quantized at binding.
//
//===----------------------------------------------------------------------===//

#ifndef TMC_RUNTIME_RANDOMWEIGHTS_H
#define TMC_RUNTIME_RANDOMWEIGHTS_H

#include "runtime/Manifest.h"
#include "runtime/Safetensors.h"

namespace tmc::rt {

/// Every weight of `manifest` at its checkpoint shape (a split weight
/// whole), in the artifact's float dtype, or float32 where the artifact
/// stores blocks. 1-D weights (norm scales, biases) are 1; the others
/// normal(0, 0.02), as transformers initializes linears and embeddings. So
/// that billions of values take seconds, one pool of 2^20 values is drawn
/// from `seed` and each tensor repeats it from an offset drawn per tensor.
/// An error names a weight that cannot be allocated.
llvm::Expected<Checkpoint> randomCheckpoint(const Manifest &manifest, uint64_t seed);

} // namespace tmc::rt

#endif // TMC_RUNTIME_RANDOMWEIGHTS_H
