//===- TokenizerTest.cpp - tokenizer units --------------------------------===//
//
// The pieces under the tokenizers: UTF-8 repair against the Unicode
// Standard's replacement policy (what Python's and Rust's lossy decoders do),
// GPT-2's byte mapping, the BPE merge loop (expected ids from Hugging Face
// tokenizers 0.23 on the same vocabularies), the regex splits, and the GGUF
// constructor against the reference ids of the committed fixtures.
//
//===----------------------------------------------------------------------===//

#include "runtime/tokenizer/Tokenizer.h"
#include "runtime/tokenizer/ByteLevel.h"
#include "runtime/tokenizer/Models.h"
#include "runtime/tokenizer/Pattern.h"
#include "runtime/tokenizer/Utf8.h"

#include "llvm/Support/MemoryBuffer.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>

using namespace tmc::tok;

namespace {

std::string inputs(llvm::StringRef name) {
  return std::string(TMC_SOURCE_DIR) + "/test/runtime/tokenizer/Inputs/" + name.str();
}

TEST(Utf8, RepairFollowsTheMaximalSubpartRule) {
  // Unicode Standard §3.9, table 3-8 cases; Python's errors="replace" agrees.
  EXPECT_EQ(repairUtf8("\xF0\x90\x80"
                       "A"),
            "\xEF\xBF\xBD"
            "A");
  EXPECT_EQ(repairUtf8("\xC0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(repairUtf8("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(repairUtf8("\xF4\x90\x80\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(repairUtf8("a\xE2\x82"), "a\xEF\xBF\xBD");
  EXPECT_EQ(repairUtf8("\xE2\x82\xAC\xFF"), "\xE2\x82\xAC\xEF\xBF\xBD");
  EXPECT_EQ(repairUtf8("plain \xF0\x9F\x98\x80"), "plain \xF0\x9F\x98\x80");
}

TEST(Utf8, ValidationAndDecoding) {
  EXPECT_FALSE(firstInvalidByte("h\xC3\xA9llo \xE6\x97\xA5"));
  EXPECT_EQ(firstInvalidByte("ab\xC3"), std::optional<size_t>(2));
  EXPECT_EQ(firstInvalidByte("\xED\xA0\x80"), std::optional<size_t>(0)); // a surrogate
  llvm::StringRef text = "\xE2\x82\xAC\xF0\x9F\x98\x80";
  size_t pos = 0;
  EXPECT_EQ(decodeAt(text, pos), U'\u20AC');
  EXPECT_EQ(decodeAt(text, pos), U'\U0001F600');
  EXPECT_EQ(pos, text.size());
  std::string out;
  appendUtf8(out, U'\U0001F600');
  EXPECT_EQ(out, "\xF0\x9F\x98\x80");
  EXPECT_EQ(countCodePoints(text), 2u);
}

TEST(ByteLevel, Gpt2Mapping) {
  // GPT-2's bytes_to_unicode: ' ' is 'Ġ', '\n' is 'Ċ', 0xAD is 'Ń', 'A' itself.
  EXPECT_EQ(byteToChar(' '), U'\u0120');
  EXPECT_EQ(byteToChar('\n'), U'\u010A');
  EXPECT_EQ(byteToChar(0xAD), U'\u0143');
  EXPECT_EQ(byteToChar('A'), U'A');
  EXPECT_EQ(bytesToChars(" a\n"), "\xC4\xA0"
                                  "a"
                                  "\xC4\x8A");
  for (unsigned byte = 0; byte < 256; ++byte)
    EXPECT_EQ(charToByte(byteToChar(byte)), std::optional<uint8_t>(byte)) << byte;
  EXPECT_FALSE(charToByte(U'\u0144')); // past the 68 remapped bytes
}

/// ids of `word` with a BPE of `vocab` and `merges`.
std::vector<uint32_t> bpe(std::vector<std::pair<std::string, uint32_t>> vocab,
                          std::vector<std::pair<std::string, std::string>> merges,
                          llvm::StringRef word, BpeOptions options = {}) {
  Vocabulary vocabulary;
  for (auto &[token, id] : vocab)
    vocabulary.add(token, id);
  auto model = Bpe::create(std::move(vocabulary), merges, options, [](size_t i) {
    return JsonLoc{"test", std::to_string(i)};
  });
  EXPECT_TRUE(static_cast<bool>(model)) << llvm::toString(model.takeError());
  std::vector<uint32_t> ids;
  EXPECT_FALSE(static_cast<bool>((*model)->tokenize(word, ids)));
  return ids;
}

const std::vector<std::pair<std::string, uint32_t>> kVocab = {
    {"a", 0}, {"b", 1}, {"c", 2}, {"ab", 3}, {"bc", 4}, {"abc", 5}, {"aa", 6}, {"<unk>", 7}};

TEST(Bpe, LowestRankMergesFirst) {
  EXPECT_EQ(bpe(kVocab, {{"b", "c"}, {"a", "b"}}, "abc"), (std::vector<uint32_t>{0, 4}));
  EXPECT_EQ(bpe(kVocab, {{"a", "b"}, {"b", "c"}}, "abc"), (std::vector<uint32_t>{3, 2}));
  EXPECT_EQ(bpe(kVocab, {{"a", "b"}, {"b", "c"}, {"ab", "c"}}, "abc"), (std::vector<uint32_t>{5}));
}

TEST(Bpe, TiesGoLeftmostAndUnknownsFollowTheOptions) {
  // tokenizers 0.23: "aaaaa" -> [6, 6, 0]; an unknown character is dropped
  // without unk_token, fused or not with it.
  EXPECT_EQ(bpe(kVocab, {{"a", "a"}}, "aaaaa"), (std::vector<uint32_t>{6, 6, 0}));
  EXPECT_EQ(bpe(kVocab, {{"a", "b"}, {"b", "c"}, {"ab", "c"}}, "abcxbc"),
            (std::vector<uint32_t>{5, 4}));
  BpeOptions unk;
  unk.unkToken = "<unk>";
  unk.fuseUnk = true;
  EXPECT_EQ(bpe(kVocab, {{"a", "b"}}, "axyb", unk), (std::vector<uint32_t>{0, 7, 1}));
  unk.fuseUnk = false;
  EXPECT_EQ(bpe(kVocab, {{"a", "b"}}, "axyb", unk), (std::vector<uint32_t>{0, 7, 7, 1}));
}

TEST(Bpe, ByteFallback) {
  auto vocab = kVocab;
  char name[8];
  for (unsigned byte = 0; byte < 256; ++byte) {
    snprintf(name, sizeof(name), "<0x%02X>", byte);
    vocab.push_back({name, 10 + byte});
  }
  BpeOptions options;
  options.byteFallback = true;
  // '€' is E2 82 AC: tokenizers 0.23 gives [0, 236, 140, 182, 1].
  EXPECT_EQ(bpe(vocab, {{"a", "b"}},
                "a\xE2\x82\xAC"
                "b",
                options),
            (std::vector<uint32_t>{0, 236, 140, 182, 1}));
}

TEST(Pattern, Gpt2SplitAndBehaviors) {
  auto regex = Regex::compile(
      R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)");
  ASSERT_TRUE(static_cast<bool>(regex));
  auto spans = Pattern::regex(*regex).findSpans("I'm  caf\xC3\xA9 42!");
  ASSERT_TRUE(static_cast<bool>(spans));
  std::vector<std::string> words;
  for (auto [begin, end] : applySplitBehavior(*spans, SplitBehavior::Isolated, false))
    words.push_back(std::string("I'm  caf\xC3\xA9 42!").substr(begin, end - begin));
  EXPECT_EQ(words, (std::vector<std::string>{"I", "'m", " ", " caf\xC3\xA9", " 42", "!"}));

  // NormalizedString::split's documented example: "the-final--countdown" on '-'.
  auto dashes = Pattern::literal("-").findSpans("the-final--countdown");
  ASSERT_TRUE(static_cast<bool>(dashes));
  auto pieces = [&](SplitBehavior behavior) {
    std::vector<std::string> out;
    for (auto [begin, end] : applySplitBehavior(*dashes, behavior, false))
      if (end > begin)
        out.push_back(std::string("the-final--countdown").substr(begin, end - begin));
    return out;
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(pieces(SplitBehavior::Removed), (V{"the", "final", "countdown"}));
  EXPECT_EQ(pieces(SplitBehavior::Isolated), (V{"the", "-", "final", "-", "-", "countdown"}));
  EXPECT_EQ(pieces(SplitBehavior::MergedWithPrevious), (V{"the-", "final-", "-", "countdown"}));
  EXPECT_EQ(pieces(SplitBehavior::MergedWithNext), (V{"the", "-final", "-", "-countdown"}));
  EXPECT_EQ(pieces(SplitBehavior::Contiguous), (V{"the", "-", "final", "--", "countdown"}));
}

TEST(Pattern, BadRegexIsAnError) {
  auto regex = Regex::compile("(unclosed");
  ASSERT_FALSE(static_cast<bool>(regex));
  EXPECT_NE(llvm::toString(regex.takeError()).find("does not compile"), std::string::npos);
}

/// The FILE lines of a fixture's .expected: reference ids of texts.txt.
std::vector<std::string> referenceIds(llvm::StringRef name) {
  std::ifstream file(inputs(name.str() + ".expected"));
  std::vector<std::string> ids;
  for (std::string line; std::getline(file, line);) {
    llvm::StringRef rest = line;
    if (rest.consume_front("FILE:") || rest.consume_front("FILE-NEXT:"))
      ids.push_back(rest.str());
    else if (rest == "FILE-EMPTY:")
      ids.push_back("");
  }
  return ids;
}

std::vector<std::string> texts() {
  std::ifstream file(inputs("texts.txt"));
  std::vector<std::string> lines;
  for (std::string line; std::getline(file, line);)
    lines.push_back(line);
  return lines;
}

/// GGUF arrays from a tokenizer.json fixture: tokens by id, merges as
/// "left right", added special tokens as control tokens.
GgufTokenizerData ggufFrom(llvm::StringRef fixture, llvm::StringRef model) {
  std::ifstream file(inputs(fixture));
  nlohmann::json root = nlohmann::json::parse(file);
  GgufTokenizerData data;
  data.model = model.str();
  const auto &vocab = root["model"]["vocab"];
  // Added tokens may have ids past the model's vocabulary (found by ASan:
  // this wrote past tokenTypes).
  size_t size = vocab.size();
  for (const auto &token : root["added_tokens"])
    size = std::max(size, token["id"].get<size_t>() + 1);
  data.tokens.resize(size);
  data.tokenTypes.assign(size, 1);
  for (auto it = vocab.begin(); it != vocab.end(); ++it)
    data.tokens[it.value().get<size_t>()] = it.key();
  for (const auto &merge : root["model"]["merges"])
    data.merges.push_back(merge[0].get<std::string>() + " " + merge[1].get<std::string>());
  for (const auto &token : root["added_tokens"]) {
    data.tokens[token["id"].get<size_t>()] = token["content"].get<std::string>();
    data.tokenTypes[token["id"].get<size_t>()] = 3;
  }
  return data;
}

void expectReferenceIds(const Tokenizer &tokenizer, llvm::StringRef fixture) {
  std::vector<std::string> lines = texts(), want = referenceIds(fixture);
  ASSERT_EQ(lines.size(), want.size());
  for (size_t i = 0; i < lines.size(); ++i) {
    auto ids = tokenizer.encode(lines[i], /*addSpecialTokens=*/true);
    ASSERT_TRUE(static_cast<bool>(ids)) << llvm::toString(ids.takeError());
    std::string got;
    for (size_t k = 0; k < ids->size(); ++k)
      got += (k ? "," : "") + std::to_string((*ids)[k]);
    EXPECT_EQ(got, want[i]) << "text: " << lines[i];
  }
}

TEST(Gguf, ByteLevelLikeLlama3) {
  GgufTokenizerData data = ggufFrom("llama3.json", "gpt2");
  data.pre = "llama-bpe";
  auto bos = std::find(data.tokens.begin(), data.tokens.end(), "<|begin_of_text|>");
  ASSERT_NE(bos, data.tokens.end());
  data.bosId = bos - data.tokens.begin();
  data.addBos = true;
  auto tokenizer = Tokenizer::fromGguf(data, "llama3.gguf");
  ASSERT_TRUE(static_cast<bool>(tokenizer)) << llvm::toString(tokenizer.takeError());
  expectReferenceIds(**tokenizer, "llama3");
  EXPECT_EQ((*tokenizer)->bosId(), data.bosId);
  EXPECT_TRUE((*tokenizer)->isSpecial(*data.bosId));
}

TEST(Gguf, SentencePieceLikeLlama2) {
  GgufTokenizerData data = ggufFrom("llama2.json", "llama");
  data.tokenTypes[0] = 2; // <unk>
  data.unknownId = 0;
  data.bosId = 1;
  data.eosId = 2;
  auto tokenizer = Tokenizer::fromGguf(data, "llama2.gguf");
  ASSERT_TRUE(static_cast<bool>(tokenizer)) << llvm::toString(tokenizer.takeError());
  expectReferenceIds(**tokenizer, "llama2");
}

TEST(Gguf, MergesFromScores) {
  // No merges: "llama" files rank merges by the merged token's score.
  GgufTokenizerData data;
  data.model = "llama";
  data.tokens = {"<unk>",
                 "<s>",
                 "\xE2\x96\x81",
                 "a",
                 "b",
                 "ab",
                 "\xE2\x96\x81"
                 "ab"};
  data.scores = {0, 0, -5, -5, -5, -1, -2};
  data.tokenTypes = {2, 3, 1, 1, 1, 1, 1};
  data.bosId = 1;
  auto tokenizer = Tokenizer::fromGguf(data, "scores.gguf");
  ASSERT_TRUE(static_cast<bool>(tokenizer)) << llvm::toString(tokenizer.takeError());
  auto ids = (*tokenizer)->encode("ab ab", true);
  ASSERT_TRUE(static_cast<bool>(ids));
  EXPECT_EQ(*ids, (std::vector<uint32_t>{1, 6, 6}));
  auto text = (*tokenizer)->decode(*ids, /*skipSpecialTokens=*/true);
  ASSERT_TRUE(static_cast<bool>(text));
  EXPECT_EQ(*text, "ab ab");
}

TEST(Gguf, UnsupportedMetadataIsNamed) {
  GgufTokenizerData data = ggufFrom("gpt2.json", "gpt2");
  data.pre = "deepseek-coder";
  auto tokenizer = Tokenizer::fromGguf(data, "m.gguf");
  ASSERT_FALSE(static_cast<bool>(tokenizer));
  EXPECT_EQ(llvm::toString(tokenizer.takeError()).substr(0, 56),
            "m.gguf: tokenizer.ggml.pre 'deepseek-coder' is not suppo");
  data.model = "bert";
  tokenizer = Tokenizer::fromGguf(data, "m.gguf");
  ASSERT_FALSE(static_cast<bool>(tokenizer));
  EXPECT_EQ(llvm::toString(tokenizer.takeError()),
            "m.gguf: tokenizer.ggml.model 'bert' is not supported (supported: gpt2, llama)");
}

TEST(DecodeStream, WaitsForWholeCharacters) {
  // Byte fallback splits '€' into three byte tokens: nothing until the third.
  auto tokenizer = Tokenizer::fromPath(inputs("llama2.json"));
  ASSERT_TRUE(static_cast<bool>(tokenizer)) << llvm::toString(tokenizer.takeError());
  auto ids = (*tokenizer)->encode("a\xE2\x82\xAC", false);
  ASSERT_TRUE(static_cast<bool>(ids));
  DecodeStream stream(**tokenizer, false);
  std::string text;
  std::vector<std::string> pieces;
  for (uint32_t id : *ids) {
    auto piece = stream.step(id);
    ASSERT_TRUE(static_cast<bool>(piece));
    pieces.push_back(*piece);
    text += *piece;
  }
  auto whole = (*tokenizer)->decode(*ids, false);
  ASSERT_TRUE(static_cast<bool>(whole));
  EXPECT_EQ(text, *whole);
  ASSERT_GE(pieces.size(), 3u);
  EXPECT_EQ(pieces.back(), "\xE2\x82\xAC");
  EXPECT_EQ(pieces[pieces.size() - 2], "");
}

TEST(DecodeStream, FinishGivesTheIncompleteCharacter) {
  // The ids end inside '€' (two of its three byte tokens): step() holds the
  // bytes back, finish() gives them as decode() does, so the text adds up.
  auto tokenizer = Tokenizer::fromPath(inputs("llama2.json"));
  ASSERT_TRUE(static_cast<bool>(tokenizer)) << llvm::toString(tokenizer.takeError());
  auto ids = (*tokenizer)->encode("a\xE2\x82\xAC", false);
  ASSERT_TRUE(static_cast<bool>(ids));
  ids->pop_back();
  DecodeStream stream(**tokenizer, false);
  std::string text;
  for (uint32_t id : *ids) {
    auto piece = stream.step(id);
    ASSERT_TRUE(static_cast<bool>(piece));
    text += *piece;
  }
  auto rest = stream.finish();
  ASSERT_TRUE(static_cast<bool>(rest));
  EXPECT_FALSE(rest->empty());
  auto whole = (*tokenizer)->decode(*ids, false);
  ASSERT_TRUE(static_cast<bool>(whole));
  EXPECT_TRUE(llvm::StringRef(*whole).ends_with("\xEF\xBF\xBD")) << *whole;
  EXPECT_EQ(text + *rest, *whole);
  auto nothing = stream.finish();
  ASSERT_TRUE(static_cast<bool>(nothing));
  EXPECT_EQ(*nothing, "");
}

} // namespace
