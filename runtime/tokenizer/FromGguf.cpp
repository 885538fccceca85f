//===- FromGguf.cpp - a tokenizer from GGUF metadata ----------------------===//
//
// llama.cpp's GGUF files carry the tokenizer as arrays (tokens, merges or
// scores, token types) plus a few flags. This writes the tokenizer.json the
// same tokenizer has on the Hugging Face hub and builds it like any other:
//   "gpt2": byte-level BPE; tokenizer.ggml.pre picks the split regex
//           (the Split of Llama 3 and Qwen2, SmolLM2's Digits + ByteLevel).
//   "llama": SentencePiece BPE with byte fallback, as transformers converts
//           Llama 2's tokenizer.model (Prepend/Replace "▁"; the
//           Replace/ByteFallback/Fuse/Strip decoder). Without merges they are
//           generated from the scores as transformers' generate_merges does.
// Control tokens (type 3) and unknown ones (2) become special added tokens,
// user-defined ones (4) plain added tokens.
//
//===----------------------------------------------------------------------===//

#include "runtime/tokenizer/Tokenizer.h"

#include "runtime/Error.h"
#include "runtime/tokenizer/Json.h"
#include "runtime/tokenizer/Utf8.h"

#include "llvm/ADT/StringMap.h"

#include <algorithm>

namespace tmc::tok {

namespace {

constexpr llvm::StringLiteral kLlama3Regex =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
constexpr llvm::StringLiteral kQwen2Regex =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

enum TokenType { kNormal = 1, kUnknown = 2, kControl = 3, kUserDefined = 4 };

json byteLevel(bool useRegex) {
  return {{"type", "ByteLevel"},
          {"add_prefix_space", false},
          {"trim_offsets", true},
          {"use_regex", useRegex}};
}

json splitThenBytes(llvm::StringRef regex) {
  return {{"type", "Sequence"},
          {"pretokenizers",
           {{{"type", "Split"},
             {"pattern", {{"Regex", regex.str()}}},
             {"behavior", "Isolated"},
             {"invert", false}},
            byteLevel(false)}}};
}

/// transformers' generate_merges(vocab, vocab_scores): every split of every
/// token into two vocabulary tokens, by descending score of the token, then
/// longer left and right parts first.
json mergesFromScores(const std::vector<std::string> &tokens, const std::vector<float> &scores) {
  llvm::StringMap<uint32_t> ids;
  for (uint32_t id = 0; id < tokens.size(); ++id)
    ids.try_emplace(tokens[id], id);
  struct Merge {
    std::string left, right;
    float score;
    size_t leftChars, rightChars;
  };
  std::vector<Merge> merges;
  for (uint32_t id = 0; id < tokens.size(); ++id) {
    llvm::StringRef token = tokens[id];
    if (ids.lookup(token) != id)
      continue; // a duplicate string: Python's dict keeps the first id, the last score
    std::vector<Merge> local;
    size_t chars = countCodePoints(token);
    size_t pos = 0;
    for (size_t index = 1; index < chars; ++index) {
      decodeAt(token, pos);
      llvm::StringRef left = token.take_front(pos), right = token.drop_front(pos);
      if (ids.count(left) && ids.count(right))
        local.push_back({left.str(), right.str(), scores[id], index, chars - index});
    }
    std::stable_sort(local.begin(), local.end(), [&](const Merge &a, const Merge &b) {
      return std::pair(ids.lookup(a.left), ids.lookup(a.right)) <
             std::pair(ids.lookup(b.left), ids.lookup(b.right));
    });
    merges.insert(merges.end(), local.begin(), local.end());
  }
  // sorted(..., reverse=True) is stable and keeps equal keys in order.
  std::stable_sort(merges.begin(), merges.end(), [](const Merge &a, const Merge &b) {
    return std::tuple(a.score, a.leftChars, a.rightChars) >
           std::tuple(b.score, b.leftChars, b.rightChars);
  });
  json result = json::array();
  for (const Merge &merge : merges)
    result.push_back({merge.left, merge.right});
  return result;
}

} // namespace

llvm::Expected<std::unique_ptr<Tokenizer>> Tokenizer::fromGguf(const GgufTokenizerData &data,
                                                               llvm::StringRef name) {
  auto fail = [&](const llvm::Twine &message) { return rt::makeError(name + ": " + message); };
  bool isLlama = data.model == "llama";
  if (!isLlama && data.model != "gpt2")
    return fail("tokenizer.ggml.model '" + data.model +
                "' is not supported (supported: gpt2, llama)");
  if (data.tokens.empty())
    return fail("tokenizer.ggml.tokens is missing or empty");
  if (!data.tokenTypes.empty() && data.tokenTypes.size() != data.tokens.size())
    return fail("tokenizer.ggml.token_type has " + llvm::Twine(data.tokenTypes.size()) +
                " entries for " + llvm::Twine(data.tokens.size()) + " tokens");
  for (auto [what, id] :
       {std::pair{"bos_token_id", data.bosId}, std::pair{"eos_token_id", data.eosId},
        std::pair{"unknown_token_id", data.unknownId}})
    if (id && *id >= data.tokens.size())
      return fail(llvm::Twine("tokenizer.ggml.") + what + " " + llvm::Twine(*id) +
                  " is not below the vocabulary size " + llvm::Twine(data.tokens.size()));

  json vocab = json::object();
  json added = json::array();
  for (uint32_t id = 0; id < data.tokens.size(); ++id) {
    const std::string &token = data.tokens[id];
    if (firstInvalidByte(token))
      return fail("tokenizer.ggml.tokens[" + llvm::Twine(id) + "] is not valid UTF-8");
    if (vocab.contains(token))
      return fail("tokenizer.ggml.tokens[" + llvm::Twine(id) + "] '" + token + "' repeats token " +
                  llvm::Twine(vocab[token].get<uint32_t>()));
    vocab[token] = id;
    int32_t type = data.tokenTypes.empty() ? kNormal : data.tokenTypes[id];
    if (type == kControl || type == kUnknown || type == kUserDefined)
      added.push_back({{"id", id},
                       {"content", token},
                       {"single_word", false},
                       {"lstrip", false},
                       {"rstrip", false},
                       {"normalized", false},
                       {"special", type != kUserDefined}});
  }

  // GGUF's merges are "left right" strings, which tokenizer.json accepts too.
  json merges = data.merges;
  if (data.merges.empty() && isLlama) {
    if (data.scores.size() != data.tokens.size())
      return fail("tokenizer.ggml.scores has " + llvm::Twine(data.scores.size()) + " entries for " +
                  llvm::Twine(data.tokens.size()) +
                  " tokens (a \"llama\" tokenizer without merges needs one score per token)");
    merges = mergesFromScores(data.tokens, data.scores);
  }

  json root = {{"version", "1.0"}, {"added_tokens", added}};
  json model = {{"type", "BPE"}, {"vocab", vocab}, {"merges", merges}};
  if (isLlama) {
    bool prefix = data.addSpacePrefix.value_or(true);
    json steps = json::array();
    if (prefix)
      steps.push_back({{"type", "Prepend"}, {"prepend", "\u2581"}});
    steps.push_back({{"type", "Replace"}, {"pattern", {{"String", " "}}}, {"content", "\u2581"}});
    root["normalizer"] = {{"type", "Sequence"}, {"normalizers", steps}};
    json decoders = {{{"type", "Replace"}, {"pattern", {{"String", "\u2581"}}}, {"content", " "}},
                     {{"type", "ByteFallback"}},
                     {{"type", "Fuse"}}};
    if (prefix)
      decoders.push_back({{"type", "Strip"}, {"content", " "}, {"start", 1}, {"stop", 0}});
    root["decoder"] = {{"type", "Sequence"}, {"decoders", decoders}};
    model["byte_fallback"] = true;
    model["fuse_unk"] = true;
    model["unk_token"] = data.tokens[data.unknownId.value_or(0)];
  } else {
    llvm::StringRef pre = data.pre;
    if (pre.empty() || pre == "default" || pre == "gpt2") {
      root["pre_tokenizer"] = byteLevel(true);
    } else if (pre == "llama-bpe" || pre == "llama3" || pre == "llama-v3") {
      root["pre_tokenizer"] = splitThenBytes(kLlama3Regex);
      model["ignore_merges"] = true;
    } else if (pre == "qwen2") {
      root["normalizer"] = {{"type", "NFC"}};
      root["pre_tokenizer"] = splitThenBytes(kQwen2Regex);
    } else if (pre == "smollm") {
      root["pre_tokenizer"] = {
          {"type", "Sequence"},
          {"pretokenizers", {{{"type", "Digits"}, {"individual_digits", true}}, byteLevel(true)}}};
    } else {
      return fail("tokenizer.ggml.pre '" + pre +
                  "' is not supported (supported: default, gpt2, llama-bpe, llama3, qwen2, "
                  "smollm)");
    }
    root["decoder"] = byteLevel(true);
  }
  root["model"] = std::move(model);

  // BOS (and EOS) around each sequence, as llama.cpp adds them.
  json single = json::array();
  json specials = json::object();
  auto addSpecial = [&](uint32_t id) {
    const std::string &token = data.tokens[id];
    single.push_back({{"SpecialToken", {{"id", token}, {"type_id", 0}}}});
    specials[token] = {{"id", token}, {"ids", {id}}, {"tokens", {token}}};
  };
  bool addBos = data.addBos.value_or(isLlama), addEos = data.addEos.value_or(false);
  if (addBos && !data.bosId)
    return fail("tokenizer.ggml.add_bos_token is set but bos_token_id is missing");
  if (addEos && !data.eosId)
    return fail("tokenizer.ggml.add_eos_token is set but eos_token_id is missing");
  if (addBos)
    addSpecial(*data.bosId);
  single.push_back({{"Sequence", {{"id", "A"}, {"type_id", 0}}}});
  if (addEos)
    addSpecial(*data.eosId);
  root["post_processor"] = {
      {"type", "TemplateProcessing"}, {"single", single}, {"special_tokens", specials}};

  auto tokenizer = fromJson(root, name);
  if (!tokenizer)
    return tokenizer.takeError();
  (*tokenizer)->bos = data.bosId;
  (*tokenizer)->eos = data.eosId;
  return tokenizer;
}

} // namespace tmc::tok
