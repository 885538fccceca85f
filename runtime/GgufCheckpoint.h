//===- GgufCheckpoint.h - a GGUF file as a Hugging Face checkpoint -*- C++ -*-=//
//
// Opens a GGUF file as a Checkpoint whose tensors carry their Hugging Face
// names and PyTorch shapes (GgufConfig.h), so that an artifact compiled from
// the file's config binds them like a safetensors checkpoint's. The bytes
// stay in the mapped file: each tensor keeps a TensorEncoding saying how to
// decode them, and decodeTensor() produces the values in the dtype the
// artifact expects when the weights are bound (Weights.cpp).
//
// Decoding undoes what llama.cpp's converter did: quantized blocks (Q8_0,
// Q4_0, Q4_1) and F16/BF16 become floats, the Q/K row permutation of Llama
// models is reversed, and Gemma's stored (1 + weight) norms lose the 1.
//
//===----------------------------------------------------------------------===//

#ifndef TMC_RUNTIME_GGUFCHECKPOINT_H
#define TMC_RUNTIME_GGUFCHECKPOINT_H

#include "runtime/GgmlTypes.h"
#include "runtime/HostTensor.h"
#include "runtime/Safetensors.h"

namespace tmc::rt {

struct TensorEncoding {
  /// The tensor's name and type in the GGUF file.
  std::string ggufName;
  GgmlType type;
  /// Rows of rowLength values (ne[0]; the product of the other dims rows).
  int64_t rows = 0;
  int64_t rowLength = 0;
  /// Non-zero: the rows were permuted for RoPE with this many heads
  /// (convert_hf_to_gguf.py's LlamaModel.permute) and are put back.
  int64_t permutedHeads = 0;
  /// Added to every value (Gemma's norms: -1).
  float shift = 0;
};

/// `path` as a checkpoint: every tensor named as transformers names it (one
/// it has no name for keeps its GGUF name, so binding lists it as
/// unexpected). Errors name the file and the tensor: a type tmc cannot
/// decode, an architecture it has no model for, a malformed file.
llvm::Expected<Checkpoint> openGgufCheckpoint(llvm::StringRef path);

/// The values of an encoded `tensor` as `dtype` (F32, BF16 or F16), in
/// PyTorch order: a view of the file when nothing needs decoding, else an
/// owned copy (rounded to nearest even for BF16 and F16).
llvm::Expected<HostTensor> decodeTensor(const TensorInfo &tensor, DType dtype);

/// The GGUF row holding row `row` of the Hugging Face tensor, of `rows`
/// rows in `heads` heads: llama.cpp interleaves each head's two rotary
/// halves, so row j * half + i of a head is stored as its row 2i + j.
int64_t unpermutedSourceRow(int64_t row, int64_t rows, int64_t heads);

} // namespace tmc::rt

#endif // TMC_RUNTIME_GGUFCHECKPOINT_H
