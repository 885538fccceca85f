//===- StoredWeights.h - weights in the storage an artifact reads -*- C++ -*-=//
//
// An artifact compiled with `tmc compile --weight-dtype` reads some weights in
// another storage than the checkpoint's (Manifest.h's TensorSpec::blockFormat,
// or a narrower float dtype). Binding produces that storage from whatever
// the checkpoint holds: a GGUF tensor already in the artifact's block format
// is used as it is (a view of the file, or its rows put back in Hugging Face
// order); anything else is decoded to float and quantized as ggml's
// reference quantizers do, or rounded to the narrower float type.
//
//===----------------------------------------------------------------------===//

#ifndef TMC_RUNTIME_STOREDWEIGHTS_H
#define TMC_RUNTIME_STOREDWEIGHTS_H

#include "runtime/HostTensor.h"
#include "runtime/Manifest.h"
#include "runtime/Safetensors.h"

namespace tmc::rt {

/// Whether `spec` stores `tensor` in another form than the checkpoint's:
/// blocks, or an fp32 safetensors weight as bf16 or f16 (decodeTensor()
/// covers GGUF tensors read as floats).
bool storesDifferently(const TensorSpec &spec, const TensorInfo &tensor);

/// The full (unsplit) weight `spec` reads, `fullShape` in its storage, made
/// from `tensor`. Errors name the weight: a checkpoint tensor whose shape is
/// not the weight's, or whose dtype is not a float.
llvm::Expected<HostTensor> storeWeight(const TensorSpec &spec, llvm::ArrayRef<int64_t> fullShape,
                                       const TensorInfo &tensor);

} // namespace tmc::rt

#endif // TMC_RUNTIME_STOREDWEIGHTS_H
