//===- GgufConfig.cpp - a GGUF file's Hugging Face config and names -*- C++ -*-//
//
// The key names are those llama.cpp's converter writes (gguf-py's
// constants.py Keys, gguf_writer.py); the fields they fill are those
// transformers' own GGUF loader fills (integrations/ggml.py), so a GGUF
// compiles to the model transformers builds from it.
//
//===----------------------------------------------------------------------===//

#include "runtime/GgufConfig.h"
#include "runtime/Error.h"

#include "llvm/ADT/StringExtras.h"

#include <cmath>

using namespace tmc::rt;
using llvm::Expected;
using llvm::StringRef;
using llvm::Twine;
using json = nlohmann::json;

static constexpr GgufArchitecture kArchitectures[] = {
    // name     model_type  HF class               permutes normShift sandwich
    {"llama", "llama", "LlamaForCausalLM", true, 0.0f, false},
    {"qwen2", "qwen2", "Qwen2ForCausalLM", false, 0.0f, false},
    {"qwen3", "qwen3", "Qwen3ForCausalLM", false, 0.0f, false},
    {"gemma", "gemma", "GemmaForCausalLM", false, -1.0f, false},
    {"gemma2", "gemma2", "Gemma2ForCausalLM", false, -1.0f, true},
};

Expected<const GgufArchitecture *> tmc::rt::ggufArchitecture(const GgufFile &file) {
  const GgufValue *value = file.lookup("general.architecture");
  if (!value)
    return makeError(file.path() + ": metadata 'general.architecture' is missing; a GGUF "
                                   "model file names its architecture there");
  if (value->type != GgufValueType::String)
    return makeError(file.path() + ": byte " + Twine(value->offset) +
                     ": metadata 'general.architecture' must be a STRING, got " +
                     value->typeName());
  for (const GgufArchitecture &arch : kArchitectures)
    if (value->string == arch.name)
      return &arch;
  std::string supported;
  for (const GgufArchitecture &arch : kArchitectures)
    supported += (supported.empty() ? "" : ", ") + std::string(arch.name);
  return makeError(file.path() + ": general.architecture is '" + value->string +
                   "', which tmc cannot compile yet; supported: " + supported);
}

namespace {

/// Reads typed metadata of one file, with errors naming the key.
class Keys {
public:
  Keys(const GgufFile &file, StringRef arch) : file(file), arch(arch.str()) {}

  /// "<arch>.<suffix>", e.g. llama.block_count.
  std::string key(StringRef suffix) const { return arch + "." + suffix.str(); }

  llvm::Error missing(StringRef key, StringRef field) const {
    return makeError(file.path() + ": metadata '" + key + "' is missing; it gives the " + field +
                     " of the model");
  }

  llvm::Error wrongType(StringRef key, const GgufValue &value, StringRef want) const {
    return makeError(file.path() + ": byte " + Twine(value.offset) + ": metadata '" + key +
                     "' must be " + want + ", got " + value.typeName());
  }

  /// A non-negative integer, or nullopt when absent.
  Expected<std::optional<int64_t>> count(StringRef key) const {
    const GgufValue *value = file.lookup(key);
    if (!value)
      return std::nullopt;
    std::optional<int64_t> number = value->asInt();
    if (value->type == GgufValueType::Array)
      return wrongType(key, *value, "one integer (tmc does not support per-layer values yet)");
    if (!number || *number < 0)
      return wrongType(key, *value, "a non-negative integer");
    return number;
  }

  Expected<std::optional<double>> real(StringRef key) const {
    const GgufValue *value = file.lookup(key);
    if (!value)
      return std::nullopt;
    std::optional<double> number = value->asDouble();
    if (!number || !std::isfinite(*number))
      return wrongType(key, *value, "a finite number");
    return number;
  }

  Expected<std::optional<std::string>> string(StringRef key) const {
    const GgufValue *value = file.lookup(key);
    if (!value)
      return std::nullopt;
    if (value->type != GgufValueType::String)
      return wrongType(key, *value, "a STRING");
    return value->string;
  }

  const GgufFile &file;
  std::string arch;
};

/// Sets config[field] from integer metadata `key`; an error when it is
/// required and absent.
/// config[field] = the metadata `key` as `read` (Keys::count, Keys::real)
/// gives it; a missing key is an error when `required`.
template <typename T>
llvm::Error setField(const Keys &keys, Expected<std::optional<T>> (Keys::*read)(StringRef) const,
                     json &config, StringRef key, const char *field, bool required) {
  auto value = (keys.*read)(key);
  if (!value)
    return value.takeError();
  if (*value)
    config[field] = **value;
  else if (required)
    return keys.missing(key, field);
  return llvm::Error::success();
}

llvm::Error setCount(const Keys &keys, json &config, StringRef key, const char *field,
                     bool required) {
  return setField(keys, &Keys::count, config, key, field, required);
}

llvm::Error setReal(const Keys &keys, json &config, StringRef key, const char *field,
                    bool required) {
  return setField(keys, &Keys::real, config, key, field, required);
}

/// head_dim: attention.key_length, else hidden / heads; the rotary part
/// (rope.dimension_count) must be all of it, as in every model tmc has.
llvm::Error setHeadDim(const Keys &keys, json &config) {
  if (llvm::Error error = setCount(keys, config, keys.key("attention.key_length"), "head_dim",
                                   /*required=*/false))
    return error;
  int64_t heads = config["num_attention_heads"].get<int64_t>();
  if (heads == 0)
    return makeError(keys.file.path() + ": metadata '" + keys.key("attention.head_count") +
                     "' is 0; a model has at least one attention head");
  int64_t headDim = config.contains("head_dim") ? config["head_dim"].get<int64_t>()
                                                : config["hidden_size"].get<int64_t>() / heads;
  auto valueLength = keys.count(keys.key("attention.value_length"));
  if (!valueLength)
    return valueLength.takeError();
  if (*valueLength && **valueLength != headDim)
    return makeError(keys.file.path() + ": metadata '" + keys.key("attention.value_length") +
                     "' is " + Twine(**valueLength) + " but the key length (head_dim) is " +
                     Twine(headDim) + "; tmc's models have one head_dim for both");
  auto rotary = keys.count(keys.key("rope.dimension_count"));
  if (!rotary)
    return rotary.takeError();
  if (*rotary && **rotary != headDim)
    return makeError(keys.file.path() + ": metadata '" + keys.key("rope.dimension_count") +
                     "' is " + Twine(**rotary) + " but head_dim is " + Twine(headDim) +
                     "; partial rotary embeddings are not supported");
  return llvm::Error::success();
}

/// rope_scaling from rope.scaling.*; llama.cpp's Llama 3 frequency factors
/// (a rope_freqs tensor) have no such keys and are refused.
llvm::Error setRopeScaling(const Keys &keys, json &config) {
  if (keys.file.lookupTensor("rope_freqs.weight"))
    return makeError(keys.file.path() +
                     ": tensor 'rope_freqs.weight' holds RoPE frequency factors (Llama 3 "
                     "style rope scaling), which tmc does not support yet");
  auto type = keys.string(keys.key("rope.scaling.type"));
  if (!type)
    return type.takeError();
  if (!*type || **type == "none")
    return llvm::Error::success();
  json scaling = {{"rope_type", **type}};
  if (llvm::Error error = setReal(keys, scaling, keys.key("rope.scaling.factor"), "factor",
                                  /*required=*/false))
    return error;
  if (llvm::Error error = setCount(keys, scaling, keys.key("rope.scaling.original_context_length"),
                                   "original_max_position_embeddings", /*required=*/false))
    return error;
  config["rope_scaling"] = scaling;
  return llvm::Error::success();
}

/// Gemma 2: soft-capping and the sliding window from metadata; the query
/// scale is not stored, so it is llama.cpp's rule (llm_build_gemma2): the
/// head size, except n_embd / n_head for the 27B model (46 layers).
llvm::Error setGemma2(const Keys &keys, json &config) {
  for (auto [key, field] : {std::pair{"attn_logit_softcapping", "attn_logit_softcapping"},
                            std::pair{"final_logit_softcapping", "final_logit_softcapping"}})
    if (llvm::Error error = setReal(keys, config, keys.key(key), field, /*required=*/false))
      return error;
  int64_t layers = config["num_hidden_layers"].get<int64_t>();
  int64_t heads = config["num_attention_heads"].get<int64_t>();
  config["query_pre_attn_scalar"] = layers == 46 ? config["hidden_size"].get<int64_t>() / heads
                                    : config.contains("head_dim")
                                        ? config["head_dim"].get<int64_t>()
                                        : config["hidden_size"].get<int64_t>() / heads;
  return llvm::Error::success();
}

} // namespace

Expected<json> tmc::rt::ggufToHfConfig(const GgufFile &file) {
  auto arch = ggufArchitecture(file);
  if (!arch)
    return arch.takeError();
  Keys keys(file, (*arch)->name);
  json config = json::object();
  config["architectures"] = {(*arch)->hfClass};
  config["model_type"] = (*arch)->modelType;
  config["torch_dtype"] = "float32"; // every supported type decodes to it

  struct Field {
    const char *key;
    const char *field;
    bool required;
  };
  for (Field f : {Field{"embedding_length", "hidden_size", true},
                  Field{"feed_forward_length", "intermediate_size", true},
                  Field{"block_count", "num_hidden_layers", true},
                  Field{"attention.head_count", "num_attention_heads", true},
                  Field{"attention.head_count_kv", "num_key_value_heads", false},
                  Field{"context_length", "max_position_embeddings", true},
                  Field{"attention.sliding_window", "sliding_window", false}})
    if (llvm::Error error = setCount(keys, config, keys.key(f.key), f.field, f.required))
      return std::move(error);
  if (llvm::Error error = setReal(keys, config, keys.key("attention.layer_norm_rms_epsilon"),
                                  "rms_norm_eps", /*required=*/true))
    return std::move(error);
  if (llvm::Error error =
          setReal(keys, config, keys.key("rope.freq_base"), "rope_theta", /*required=*/false))
    return std::move(error);
  if (llvm::Error error = setHeadDim(keys, config))
    return std::move(error);
  if (llvm::Error error = setRopeScaling(keys, config))
    return std::move(error);

  // The vocabulary is the embedding's rows: tokenizer lists and
  // <arch>.vocab_size may count tokens the embedding lacks, or omit padding.
  const GgufTensor *embedding = file.lookupTensor("token_embd.weight");
  if (!embedding || embedding->dims.size() != 2)
    return makeError(file.path() + ": " +
                     (embedding ? "tensor 'token_embd.weight' must have 2 dimensions"
                                : "no tensor 'token_embd.weight' (the token embedding)"));
  config["vocab_size"] = embedding->dims[1];
  // llama.cpp writes no output.weight when the head reuses the embedding.
  config["tie_word_embeddings"] = file.lookupTensor("output.weight") == nullptr;
  if (StringRef((*arch)->name) != "qwen2") // Qwen2 always has q/k/v biases
    config["attention_bias"] = file.lookupTensor("blk.0.attn_q.bias") != nullptr;
  if (StringRef((*arch)->name) == "llama")
    config["mlp_bias"] = file.lookupTensor("blk.0.ffn_up.bias") != nullptr;
  if ((*arch)->sandwichNorms)
    if (llvm::Error error = setGemma2(keys, config))
      return std::move(error);

  Keys tokenizer(file, "tokenizer.ggml");
  for (auto [key, field] :
       {std::pair{"bos_token_id", "bos_token_id"}, std::pair{"eos_token_id", "eos_token_id"},
        std::pair{"padding_token_id", "pad_token_id"}})
    if (llvm::Error error =
            setCount(tokenizer, config, tokenizer.key(key), field, /*required=*/false))
      return std::move(error);
  return config;
}

std::string tmc::rt::hfTensorName(const GgufArchitecture &arch, StringRef name) {
  // The parameter kind (weight, bias) is kept as it is.
  // Named pairs, not structured bindings: the lambda below captures them.
  std::pair<llvm::StringRef, llvm::StringRef> stemAndKind = name.rsplit('.');
  llvm::StringRef stem = stemAndKind.first, kind = stemAndKind.second;
  if (kind != "weight" && kind != "bias")
    return "";
  static const std::pair<const char *, const char *> kTopLevel[] = {
      {"token_embd", "model.embed_tokens"},
      {"output_norm", "model.norm"},
      {"output", "lm_head"},
  };
  for (auto [gguf, hf] : kTopLevel)
    if (stem == gguf)
      return (hf + Twine(".") + kind).str();

  // blk.<N>.<tensor>
  if (!stem.consume_front("blk."))
    return "";
  std::pair<llvm::StringRef, llvm::StringRef> numberAndTensor = stem.split('.');
  llvm::StringRef number = numberAndTensor.first, tensor = numberAndTensor.second;
  unsigned layer;
  if (number.getAsInteger(10, layer) || tensor.empty())
    return "";
  static const std::pair<const char *, const char *> kLayer[] = {
      {"attn_q", "self_attn.q_proj"},      {"attn_k", "self_attn.k_proj"},
      {"attn_v", "self_attn.v_proj"},      {"attn_output", "self_attn.o_proj"},
      {"attn_q_norm", "self_attn.q_norm"}, {"attn_k_norm", "self_attn.k_norm"},
      {"ffn_gate", "mlp.gate_proj"},       {"ffn_up", "mlp.up_proj"},
      {"ffn_down", "mlp.down_proj"},       {"attn_norm", "input_layernorm"},
  };
  static const std::pair<const char *, const char *> kPostNorm[] = {
      {"ffn_norm", "post_attention_layernorm"},
  };
  static const std::pair<const char *, const char *> kSandwichNorms[] = {
      {"post_attention_norm", "post_attention_layernorm"},
      {"ffn_norm", "pre_feedforward_layernorm"},
      {"post_ffw_norm", "post_feedforward_layernorm"},
  };
  auto find = [&](llvm::ArrayRef<std::pair<const char *, const char *>> table) -> std::string {
    for (auto [gguf, hf] : table)
      if (tensor == gguf)
        return ("model.layers." + Twine(layer) + "." + hf + "." + kind).str();
    return "";
  };
  std::string hf = find(kLayer);
  if (hf.empty())
    hf = arch.sandwichNorms ? find(kSandwichNorms) : find(kPostNorm);
  return hf;
}
