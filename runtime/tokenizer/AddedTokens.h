//===- AddedTokens.h - tokens split out before the model --------*- C++ -*-===//
//
// tokenizer.json's "added_tokens" (special tokens such as <|endoftext|> and
// [CLS], and plain added words) are found in the text first and become ids
// directly; only the text between them goes through the normalizer,
// pre-tokenizer and model. Tokens with normalized: false are matched in the
// raw text, those with normalized: true in the normalized text. Matching is
// leftmost-longest, and single_word / lstrip / rstrip apply as in the
// reference's AddedVocabulary::find_matches (added_vocabulary.rs).
//
//===----------------------------------------------------------------------===//

#ifndef TMC_RUNTIME_TOKENIZER_ADDEDTOKENS_H
#define TMC_RUNTIME_TOKENIZER_ADDEDTOKENS_H

#include "runtime/tokenizer/Pipeline.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"

namespace tmc::tok {

struct AddedToken {
  uint32_t id = 0;
  std::string content;
  bool singleWord = false, lstrip = false, rstrip = false, normalized = false, special = false;
};

class AddedVocabulary {
public:
  AddedVocabulary() = default;
  /// `normalizer` (may be null) gives the pattern of normalized tokens.
  static llvm::Expected<AddedVocabulary> create(std::vector<AddedToken> tokens,
                                                const Normalizer *normalizer);
  /// Reads tokenizer.json's "added_tokens" array.
  static llvm::Expected<std::vector<AddedToken>> parse(const json &value, const JsonLoc &loc);

  /// Splits the pieces that are not tokens yet around the tokens matched in
  /// them: the raw-text tokens, or (`normalizedSet`) the normalized ones.
  void extract(std::vector<Piece> &pieces, bool normalizedSet) const;

  const AddedToken *byId(uint32_t id) const;
  std::optional<uint32_t> idOf(llvm::StringRef content) const;
  /// The string decoding uses for the token: its normalized form, if any.
  llvm::StringRef decodeForm(const AddedToken &token) const;
  /// Whether `token` (a token string) is the content of a special token.
  bool isSpecialContent(llvm::StringRef token) const { return specialContents.count(token); }
  uint32_t idLimit() const { return limit; }

private:
  struct MatchSet {
    /// Patterns by their first byte, longest first.
    std::vector<std::pair<std::string, uint32_t>> byFirstByte[256];
  };
  void split(Piece &piece, const MatchSet &set, std::vector<Piece> &out) const;

  std::vector<AddedToken> tokens;
  llvm::DenseMap<uint32_t, size_t> indexById;
  llvm::StringMap<uint32_t> idByContent;
  llvm::DenseMap<uint32_t, std::string> normalizedForms;
  llvm::StringSet<> specialContents;
  MatchSet raw, normalizedMatches;
  uint32_t limit = 0;
};

} // namespace tmc::tok

#endif // TMC_RUNTIME_TOKENIZER_ADDEDTOKENS_H
