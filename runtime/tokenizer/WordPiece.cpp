//===- WordPiece.cpp - the WordPiece model --------------------------------===//
//
// Transcribes tokenizers/src/models/wordpiece/mod.rs: greedy longest match
// from the left, continuations carry the prefix ("##"), and a word longer
// than max_input_chars_per_word or with any part not in the vocabulary is
// one [UNK].
//
//===----------------------------------------------------------------------===//

#include "runtime/tokenizer/Models.h"

#include "runtime/Error.h"
#include "runtime/tokenizer/Utf8.h"

namespace tmc::tok {

std::optional<uint32_t> WordPiece::tokenToId(llvm::StringRef token) const {
  auto it = vocabulary.ids.find(token);
  return it == vocabulary.ids.end() ? std::nullopt : std::optional<uint32_t>(it->second);
}

std::optional<llvm::StringRef> WordPiece::idToToken(uint32_t id) const {
  auto it = vocabulary.tokens.find(id);
  return it == vocabulary.tokens.end() ? std::nullopt : std::optional<llvm::StringRef>(it->second);
}

llvm::Error WordPiece::tokenize(llvm::StringRef word, std::vector<uint32_t> &ids) const {
  auto unk = [&]() -> llvm::Error {
    auto id = tokenToId(unkToken);
    if (!id)
      return rt::makeError("the WordPiece unk_token '" + unkToken +
                           "' is not in the vocabulary, and '" + word + "' needs it");
    ids.push_back(*id);
    return llvm::Error::success();
  };
  if (countCodePoints(word) > maxInputCharsPerWord)
    return unk();

  std::vector<uint32_t> pieces;
  for (size_t start = 0; start < word.size();) {
    size_t end = word.size();
    std::optional<uint32_t> found;
    while (start < end) {
      std::string candidate = word.slice(start, end).str();
      if (start > 0)
        candidate = prefix + candidate;
      if ((found = tokenToId(candidate)))
        break;
      // Drop the last character.
      do
        --end;
      while (end > start && (static_cast<unsigned char>(word[end]) & 0xC0) == 0x80);
    }
    if (!found)
      return unk();
    pieces.push_back(*found);
    start = end;
  }
  ids.insert(ids.end(), pieces.begin(), pieces.end());
  return llvm::Error::success();
}

llvm::Expected<std::unique_ptr<Model>> parseWordPiece(const json &value, const JsonLoc &loc) {
  if (member(value, "vocab").is_null())
    return loc.field("vocab").error("missing: a WordPiece model needs its vocabulary");
  auto vocabulary = Vocabulary::fromJson(member(value, "vocab"), loc.field("vocab"));
  if (!vocabulary)
    return vocabulary.takeError();
  auto unk = readString(value, "unk_token", loc, "[UNK]");
  if (!unk)
    return unk.takeError();
  auto prefix = readString(value, "continuing_subword_prefix", loc, "##");
  if (!prefix)
    return prefix.takeError();
  auto maxChars = readUnsigned(value, "max_input_chars_per_word", loc, 100);
  if (!maxChars)
    return maxChars.takeError();
  return std::make_unique<WordPiece>(std::move(*vocabulary), std::move(*unk), std::move(*prefix),
                                     *maxChars);
}

} // namespace tmc::tok
