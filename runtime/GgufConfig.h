//===- GgufConfig.h - a GGUF file's Hugging Face config and names -*- C++ -*-=//
//
// A GGUF file describes its model in llama.cpp's terms: `general.architecture`
// and `<arch>.block_count`-style metadata, tensors named `blk.0.attn_q.weight`.
// tmc compiles Hugging Face models, so this maps both to transformers' terms:
// the config.json the model's config class is built from (whose model_type
// chooses models/<name>/) and the checkpoint names of its weights.
//
// Architectures: llama (which Mistral models convert to), qwen2, qwen3, gemma,
// gemma2. Any other is an error naming it. docs/CHECKPOINTS.md lists which config field comes from
// which key.
//
//===----------------------------------------------------------------------===//

#ifndef TMC_RUNTIME_GGUFCONFIG_H
#define TMC_RUNTIME_GGUFCONFIG_H

#include "runtime/Gguf.h"

#include <nlohmann/json.hpp>

namespace tmc::rt {

/// What tmc knows of one `general.architecture`.
struct GgufArchitecture {
  /// general.architecture, the model under models/, its HF class.
  const char *name;
  const char *modelType;
  const char *hfClass;
  /// llama.cpp's converter permutes the rows of q_proj and k_proj (its
  /// LlamaModel.permute) for these; loading undoes it.
  bool permutesQK;
  /// Gemma's RMSNorm scales by (1 + weight): the converter stores weight + 1,
  /// so loading adds -1 to every *norm.weight.
  float normShift;
  /// Gemma 2's four norms per layer: ffn_norm is the pre-feedforward norm.
  bool sandwichNorms;
};

/// The architecture of `file`; an error naming it when tmc has none.
llvm::Expected<const GgufArchitecture *> ggufArchitecture(const GgufFile &file);

/// The config.json of `file`'s model, from its metadata and tensor shapes;
/// an error names the file and the missing or malformed key.
llvm::Expected<nlohmann::json> ggufToHfConfig(const GgufFile &file);

/// The Hugging Face checkpoint name of GGUF tensor `name`
/// (`blk.3.attn_q.weight` -> `model.layers.3.self_attn.q_proj.weight`);
/// "" when it has none.
std::string hfTensorName(const GgufArchitecture &arch, llvm::StringRef name);

} // namespace tmc::rt

#endif // TMC_RUNTIME_GGUFCONFIG_H
