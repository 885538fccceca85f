//===- Embeddings.cpp - sentence embeddings from an encoder -----*- C++ -*-===//

#include "runtime/Embeddings.h"

#include "runtime/Error.h"
#include "runtime/Manifest.h"

#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <cmath>

#include <nlohmann/json.hpp>

using namespace tmc::rt;
using nlohmann::json;

std::optional<Pooling> tmc::rt::poolingByName(llvm::StringRef name) {
  return llvm::StringSwitch<std::optional<Pooling>>(name)
      .Case("mean", Pooling::Mean)
      .Case("cls", Pooling::Cls)
      .Case("max", Pooling::Max)
      .Default(std::nullopt);
}

static llvm::Expected<json> readJson(const std::string &path) {
  auto buffer = llvm::MemoryBuffer::getFile(path);
  if (!buffer)
    return makeError(path + ": " + buffer.getError().message());
  json value = json::parse((*buffer)->getBuffer().begin(), (*buffer)->getBuffer().end(), nullptr,
                           /*allow_exceptions=*/false);
  if (value.is_discarded())
    return makeError(path + ": not valid JSON");
  return value;
}

/// The mode a Pooling module's config.json names: `pooling_mode` (newer
/// sentence-transformers) or one true `pooling_mode_*` flag.
static llvm::Expected<Pooling> poolingOfConfig(const json &config, const std::string &path) {
  if (!config.is_object())
    return makeError(path + ": not a JSON object");
  if (auto it = config.find("pooling_mode"); it != config.end() && it->is_string()) {
    if (std::optional<Pooling> mode = poolingByName(it->get<std::string>()))
      return *mode;
    return makeError(path + ": pooling_mode '" + it->get<std::string>() +
                     "' is not supported (tmc pools by mean, cls or max)");
  }
  std::optional<Pooling> mode;
  for (auto it = config.begin(); it != config.end(); ++it) {
    llvm::StringRef key = it.key();
    if (!key.consume_front("pooling_mode_") || !it->is_boolean() || !it->get<bool>())
      continue;
    std::optional<Pooling> named = llvm::StringSwitch<std::optional<Pooling>>(key)
                                       .Case("mean_tokens", Pooling::Mean)
                                       .Case("cls_token", Pooling::Cls)
                                       .Case("max_tokens", Pooling::Max)
                                       .Default(std::nullopt);
    if (!named)
      return makeError(path + ": " + it.key() + " is not supported (tmc pools by mean, cls or max)");
    if (mode)
      return makeError(path + ": several pooling modes are set; tmc pools by one");
    mode = named;
  }
  if (!mode)
    return makeError(path + ": no pooling_mode_* is true");
  return *mode;
}

llvm::Expected<std::optional<PoolingOptions>>
tmc::rt::sentenceTransformersPooling(llvm::StringRef checkpoint) {
  llvm::SmallString<256> modulesPath(checkpoint);
  llvm::sys::path::append(modulesPath, "modules.json");
  if (!llvm::sys::fs::is_directory(checkpoint) || !llvm::sys::fs::exists(modulesPath))
    return std::nullopt;
  auto modules = readJson(modulesPath.str().str());
  if (!modules)
    return modules.takeError();
  if (!modules->is_array())
    return makeError(modulesPath + ": not a list of modules");
  PoolingOptions options;
  bool pooled = false;
  for (const json &module : *modules) {
    std::string type = module.is_object() ? module.value("type", "") : "";
    llvm::StringRef name = llvm::StringRef(type).rsplit('.').second;
    if (name == "Normalize") {
      options.normalize = true;
    } else if (name == "Pooling") {
      llvm::SmallString<256> configPath(checkpoint);
      llvm::sys::path::append(configPath, module.value("path", ""), "config.json");
      auto config = readJson(configPath.str().str());
      if (!config)
        return config.takeError();
      auto mode = poolingOfConfig(*config, configPath.str().str());
      if (!mode)
        return mode.takeError();
      options.mode = *mode;
      pooled = true;
    }
  }
  if (!pooled)
    return std::nullopt;
  return options;
}

llvm::Expected<HostTensor> tmc::rt::poolEmbeddings(const HostTensor &hidden, const HostTensor &mask,
                                                   PoolingOptions options) {
  llvm::ArrayRef<int64_t> shape = hidden.shape();
  if (shape.size() != 3 || (hidden.dtype() != DType::F32 && hidden.dtype() != DType::BF16))
    return makeError("pooling takes a last hidden state (batch, seq, hidden) of f32 or bf16, got " +
                     dtypeName(hidden.dtype()) + " " + shapeToString(shape));
  if (mask.dtype() != DType::I64 || mask.shape() != shape.take_front(2))
    return makeError("pooling: the mask " + shapeToString(mask.shape()) +
                     " does not match the hidden state " + shapeToString(shape));
  int64_t batch = shape[0], seq = shape[1], width = shape[2];
  auto at = [&](int64_t b, int64_t t, int64_t d) {
    return floatAt(hidden, (b * seq + t) * width + d);
  };
  HostTensor out(DType::F32, {batch, width});
  for (int64_t b = 0; b < batch; ++b) {
    float *row = out.as<float>() + b * width;
    const int64_t *tokens = mask.as<int64_t>() + b * seq;
    for (int64_t d = 0; d < width; ++d) {
      switch (options.mode) {
      case Pooling::Cls: row[d] = at(b, 0, d); break;
      case Pooling::Mean: {
        // As sentence-transformers: the sum over tokens / max(tokens, 1e-9).
        double sum = 0, count = 0;
        for (int64_t t = 0; t < seq; ++t)
          if (tokens[t]) {
            sum += at(b, t, d);
            ++count;
          }
        row[d] = float(sum / std::max(count, 1e-9));
        break;
      }
      case Pooling::Max: {
        // Padding counts as -1e9, as sentence-transformers masks it.
        float best = -1e9f;
        for (int64_t t = 0; t < seq; ++t)
          best = std::max(best, tokens[t] ? at(b, t, d) : -1e9f);
        row[d] = best;
        break;
      }
      }
    }
    if (options.normalize) {
      // F.normalize(p=2): x / max(||x||, 1e-12).
      double norm = 0;
      for (int64_t d = 0; d < width; ++d)
        norm += double(row[d]) * row[d];
      double scale = 1.0 / std::max(std::sqrt(norm), 1e-12);
      for (int64_t d = 0; d < width; ++d)
        row[d] = float(row[d] * scale);
    }
  }
  return out;
}
