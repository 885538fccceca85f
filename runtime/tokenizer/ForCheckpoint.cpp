//===- ForCheckpoint.cpp - the tokenizer a checkpoint ships -----*- C++ -*-===//
//
// `tmc run --prompt` tokenizes with the checkpoint's own tokenizer: the
// tokenizer.json of a checkpoint directory (or beside a .safetensors file),
// or the tokenizer.ggml.* metadata of a GGUF file.
//
//===----------------------------------------------------------------------===//

#include "runtime/tokenizer/Tokenizer.h"

#include "runtime/Error.h"
#include "runtime/Gguf.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

namespace tmc::tok {

namespace {
/// GGUF metadata as GgufTokenizerData; a key of the wrong type is an error
/// naming it.
llvm::Expected<GgufTokenizerData> tokenizerData(const rt::GgufFile &file) {
  auto fail = [&](llvm::StringRef key, llvm::StringRef want) {
    return rt::makeError(file.path() + ": metadata '" + key + "' must be " + want);
  };
  GgufTokenizerData data;
  auto text = [&](llvm::StringRef key, std::string &out) -> llvm::Error {
    if (const rt::GgufValue *value = file.lookup(key)) {
      if (value->type != rt::GgufValueType::String)
        return fail(key, "a string");
      out = value->string;
    }
    return llvm::Error::success();
  };
  auto id = [&](llvm::StringRef key, std::optional<uint32_t> &out) -> llvm::Error {
    if (const rt::GgufValue *value = file.lookup(key)) {
      std::optional<int64_t> n = value->asInt();
      if (!n || *n < 0 || *n > UINT32_MAX)
        return fail(key, "a token id");
      out = uint32_t(*n);
    }
    return llvm::Error::success();
  };
  auto flag = [&](llvm::StringRef key, std::optional<bool> &out) -> llvm::Error {
    if (const rt::GgufValue *value = file.lookup(key)) {
      if (value->type != rt::GgufValueType::Bool)
        return fail(key, "a bool");
      out = value->boolean;
    }
    return llvm::Error::success();
  };
  if (!file.lookup("tokenizer.ggml.model"))
    return rt::makeError(file.path() + ": no tokenizer in its metadata (tokenizer.ggml.model); "
                         "give token ids with --input-ids");
  if (llvm::Error error = text("tokenizer.ggml.model", data.model))
    return std::move(error);
  if (llvm::Error error = text("tokenizer.ggml.pre", data.pre))
    return std::move(error);
  for (auto [key, out] : {std::pair{"tokenizer.ggml.tokens", &data.tokens},
                          std::pair{"tokenizer.ggml.merges", &data.merges}}) {
    const rt::GgufValue *value = file.lookup(key);
    if (!value)
      continue;
    if (value->type != rt::GgufValueType::Array ||
        value->elementType != rt::GgufValueType::String)
      return fail(key, "an array of strings");
    for (const rt::GgufValue &element : value->elements)
      out->push_back(element.string);
  }
  if (const rt::GgufValue *value = file.lookup("tokenizer.ggml.scores")) {
    if (value->type != rt::GgufValueType::Array)
      return fail("tokenizer.ggml.scores", "an array of floats");
    for (const rt::GgufValue &element : value->elements) {
      std::optional<double> score = element.asDouble();
      if (!score)
        return fail("tokenizer.ggml.scores", "an array of floats");
      data.scores.push_back(float(*score));
    }
  }
  if (const rt::GgufValue *value = file.lookup("tokenizer.ggml.token_type")) {
    if (value->type != rt::GgufValueType::Array)
      return fail("tokenizer.ggml.token_type", "an array of integers");
    for (const rt::GgufValue &element : value->elements) {
      std::optional<int64_t> type = element.asInt();
      if (!type || *type < INT32_MIN || *type > INT32_MAX)
        return fail("tokenizer.ggml.token_type", "an array of integers");
      data.tokenTypes.push_back(int32_t(*type));
    }
  }
  for (auto [key, out] : {std::pair{"tokenizer.ggml.bos_token_id", &data.bosId},
                          std::pair{"tokenizer.ggml.eos_token_id", &data.eosId},
                          std::pair{"tokenizer.ggml.unknown_token_id", &data.unknownId}})
    if (llvm::Error error = id(key, *out))
      return std::move(error);
  for (auto [key, out] : {std::pair{"tokenizer.ggml.add_bos_token", &data.addBos},
                          std::pair{"tokenizer.ggml.add_eos_token", &data.addEos},
                          std::pair{"tokenizer.ggml.add_space_prefix", &data.addSpacePrefix}})
    if (llvm::Error error = flag(key, *out))
      return std::move(error);
  return data;
}
} // namespace

llvm::Expected<std::unique_ptr<Tokenizer>> Tokenizer::fromGgufFile(llvm::StringRef path) {
  auto file = rt::GgufFile::open(path);
  if (!file)
    return file.takeError();
  auto data = tokenizerData(**file);
  if (!data)
    return data.takeError();
  return fromGguf(*data, path);
}

std::string checkpointDirectory(llvm::StringRef path) {
  if (llvm::sys::fs::is_directory(path))
    return path.str();
  llvm::StringRef parent = llvm::sys::path::parent_path(path);
  return parent.empty() ? "." : parent.str();
}

llvm::Expected<std::unique_ptr<Tokenizer>> Tokenizer::forCheckpoint(llvm::StringRef path) {
  if (path.ends_with(".gguf"))
    return fromGgufFile(path);
  // A directory holds tokenizer.json; a .safetensors file has it beside it.
  return fromPath(checkpointDirectory(path));
}

} // namespace tmc::tok
