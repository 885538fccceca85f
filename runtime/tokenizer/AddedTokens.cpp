//===- AddedTokens.cpp - tokens split out before the model ----------------===//

#include "runtime/tokenizer/AddedTokens.h"

#include "runtime/tokenizer/Unicode.h"
#include "runtime/tokenizer/Utf8.h"

#include <algorithm>

namespace tmc::tok {

llvm::Expected<std::vector<AddedToken>> AddedVocabulary::parse(const json &value,
                                                               const JsonLoc &loc) {
  std::vector<AddedToken> tokens;
  if (value.is_null())
    return tokens;
  if (!value.is_array())
    return loc.error("expected an array, got " + describe(value));
  for (size_t i = 0; i < value.size(); ++i) {
    const json &entry = value[i];
    JsonLoc at = loc.index(i);
    if (!entry.is_object())
      return at.error("expected an object, got " + describe(entry));
    AddedToken token;
    auto id = readId(member(entry, "id"), at.field("id"));
    if (!id)
      return id.takeError();
    auto content = readString(entry, "content", at);
    if (!content)
      return content.takeError();
    token.id = *id;
    token.content = std::move(*content);
    for (auto [key, field] :
         {std::pair{"single_word", &token.singleWord}, std::pair{"lstrip", &token.lstrip},
          std::pair{"rstrip", &token.rstrip}, std::pair{"special", &token.special}}) {
      auto flag = readBool(entry, key, at, false);
      if (!flag)
        return flag.takeError();
      *field = *flag;
    }
    // Absent "normalized" defaults to true for plain tokens, false for special ones.
    auto normalized = readBool(entry, "normalized", at, !token.special);
    if (!normalized)
      return normalized.takeError();
    token.normalized = *normalized;
    tokens.push_back(std::move(token));
  }
  return tokens;
}

llvm::Expected<AddedVocabulary> AddedVocabulary::create(std::vector<AddedToken> tokens,
                                                        const Normalizer *normalizer) {
  AddedVocabulary vocabulary;
  for (AddedToken &token : tokens) {
    if (token.content.empty())
      continue; // ignored by the reference
    std::string pattern = token.content;
    if (token.normalized && normalizer) {
      if (llvm::Error error = normalizer->normalize(pattern))
        return std::move(error);
      if (pattern != token.content)
        vocabulary.normalizedForms[token.id] = pattern;
    }
    if (token.special)
      vocabulary.specialContents.insert(token.content);
    vocabulary.idByContent[token.content] = token.id;
    if (!pattern.empty()) {
      MatchSet &set = token.normalized ? vocabulary.normalizedMatches : vocabulary.raw;
      set.byFirstByte[static_cast<uint8_t>(pattern[0])].emplace_back(pattern, token.id);
    }
    vocabulary.limit = std::max(vocabulary.limit, token.id + 1);
    // A later entry with the same id replaces the earlier one, as in the reference's map.
    auto [it, inserted] = vocabulary.indexById.try_emplace(token.id, vocabulary.tokens.size());
    if (inserted)
      vocabulary.tokens.push_back(std::move(token));
    else
      vocabulary.tokens[it->second] = std::move(token);
  }
  for (MatchSet *set : {&vocabulary.raw, &vocabulary.normalizedMatches})
    for (auto &bucket : set->byFirstByte)
      std::stable_sort(bucket.begin(), bucket.end(), [](const auto &a, const auto &b) {
        return a.first.size() > b.first.size();
      });
  return vocabulary;
}

const AddedToken *AddedVocabulary::byId(uint32_t id) const {
  auto it = indexById.find(id);
  return it == indexById.end() ? nullptr : &tokens[it->second];
}

std::optional<uint32_t> AddedVocabulary::idOf(llvm::StringRef content) const {
  auto it = idByContent.find(content);
  return it == idByContent.end() ? std::nullopt : std::optional<uint32_t>(it->second);
}

llvm::StringRef AddedVocabulary::decodeForm(const AddedToken &token) const {
  auto it = normalizedForms.find(token.id);
  return it == normalizedForms.end() ? llvm::StringRef(token.content) : llvm::StringRef(it->second);
}

namespace {
/// The last character of `text` (non-empty, valid UTF-8).
char32_t lastChar(llvm::StringRef text) {
  size_t pos = text.size() - 1;
  while (pos > 0 && (static_cast<unsigned char>(text[pos]) & 0xC0) == 0x80)
    --pos;
  return decodeAt(text, pos);
}
} // namespace

void AddedVocabulary::split(Piece &piece, const MatchSet &set, std::vector<Piece> &out) const {
  llvm::StringRef text = piece.text;
  // (id, begin, end) of each split, as find_matches returns them.
  std::vector<std::tuple<std::optional<uint32_t>, size_t, size_t>> splits;
  size_t startOffset = 0;
  for (size_t pos = 0; pos < text.size();) {
    const std::pair<std::string, uint32_t> *found = nullptr;
    for (const auto &candidate : set.byFirstByte[static_cast<uint8_t>(text[pos])])
      if (text.substr(pos).starts_with(candidate.first)) {
        found = &candidate;
        break;
      }
    if (!found) {
      ++pos;
      continue;
    }
    size_t start = pos, stop = pos + found->first.size();
    pos = stop; // the reference's match iterator resumes after the match
    const AddedToken &token = tokens[indexById.find(found->second)->second];
    if (token.singleWord) {
      bool wordBefore = start > 0 && isWordChar(lastChar(text.take_front(start)));
      size_t next = stop;
      bool wordAfter = stop < text.size() && isWordChar(decodeAt(text, next));
      if (wordBefore || wordAfter)
        continue;
    }
    if (token.lstrip) {
      size_t newStart = start;
      while (newStart > 0) {
        llvm::StringRef before = text.take_front(newStart);
        char32_t c = lastChar(before);
        if (!isWhitespace(c))
          break;
        std::string encoded;
        appendUtf8(encoded, c);
        newStart -= encoded.size();
      }
      start = std::max(newStart, startOffset);
    }
    if (token.rstrip)
      for (size_t next = stop; next < text.size();) {
        if (!isWhitespace(decodeAt(text, next)))
          break;
        stop = next;
      }
    if (startOffset < start)
      splits.emplace_back(std::nullopt, startOffset, start);
    splits.emplace_back(token.id, start, stop);
    startOffset = stop;
  }
  if (startOffset != text.size())
    splits.emplace_back(std::nullopt, startOffset, text.size());
  for (auto [id, begin, end] : splits)
    if (end > begin)
      out.push_back({text.slice(begin, end).str(), id, piece.atStart && begin == 0});
}

void AddedVocabulary::extract(std::vector<Piece> &pieces, bool normalizedSet) const {
  const MatchSet &set = normalizedSet ? normalizedMatches : raw;
  std::vector<Piece> result;
  for (Piece &piece : pieces) {
    if (piece.token)
      result.push_back(std::move(piece));
    else
      split(piece, set, result);
  }
  pieces = std::move(result);
}

} // namespace tmc::tok
