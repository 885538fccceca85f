//===- Models.h - the BPE and WordPiece models ------------------*- C++ -*-===//
//
// The model turns one pre-tokenized word into ids. BPE (models/bpe in the
// reference) starts from the word's characters (or their <0xNN> byte tokens
// when byte_fallback is on) and applies the lowest-ranked merge first, the
// leftmost on ties; WordPiece (models/wordpiece) takes the longest vocabulary
// prefix, then the longest "##" continuation, and gives [UNK] for a word it
// cannot cover.
//
//===----------------------------------------------------------------------===//

#ifndef TMC_RUNTIME_TOKENIZER_MODELS_H
#define TMC_RUNTIME_TOKENIZER_MODELS_H

#include "runtime/tokenizer/Pipeline.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/StringMap.h"

namespace tmc::tok {

/// A model's token strings and ids, both ways.
struct Vocabulary {
  llvm::StringMap<uint32_t> ids;
  llvm::DenseMap<uint32_t, std::string> tokens;
  uint32_t limit = 0; // one past the largest id

  /// `value` is {"token": id, ...}; two tokens with one id are an error.
  static llvm::Expected<Vocabulary> fromJson(const json &value, const JsonLoc &loc);
  /// Adds a token; false when its string or id is already taken.
  bool add(std::string token, uint32_t id);
};

struct BpeOptions {
  std::optional<std::string> unkToken;
  std::optional<std::string> continuingSubwordPrefix;
  std::optional<std::string> endOfWordSuffix;
  bool fuseUnk = false;
  bool byteFallback = false;
  /// A word that is a whole vocabulary entry is that token (Llama 3).
  bool ignoreMerges = false;
};

class Bpe : public Model {
public:
  /// `merges` in rank order; `where(i)` locates merge i for errors.
  static llvm::Expected<std::unique_ptr<Bpe>>
  create(Vocabulary vocabulary, llvm::ArrayRef<std::pair<std::string, std::string>> merges,
         BpeOptions options, const std::function<JsonLoc(size_t)> &where);

  llvm::Error tokenize(llvm::StringRef word, std::vector<uint32_t> &ids) const override;
  std::optional<uint32_t> tokenToId(llvm::StringRef token) const override;
  std::optional<llvm::StringRef> idToToken(uint32_t id) const override;
  uint32_t idLimit() const override { return vocabulary.limit; }

private:
  Bpe() = default;
  /// Applies the merges to `symbols` (ids), lowest rank first.
  void mergeAll(std::vector<uint32_t> &symbols) const;

  Vocabulary vocabulary;
  /// (left id << 32 | right id) -> (rank, merged id).
  llvm::DenseMap<uint64_t, std::pair<uint32_t, uint32_t>> merges;
  BpeOptions options;
  std::optional<uint32_t> byteTokens[256];
};

class WordPiece : public Model {
public:
  WordPiece(Vocabulary vocabulary, std::string unkToken, std::string prefix,
            size_t maxInputCharsPerWord)
      : vocabulary(std::move(vocabulary)), unkToken(std::move(unkToken)), prefix(std::move(prefix)),
        maxInputCharsPerWord(maxInputCharsPerWord) {}

  llvm::Error tokenize(llvm::StringRef word, std::vector<uint32_t> &ids) const override;
  std::optional<uint32_t> tokenToId(llvm::StringRef token) const override;
  std::optional<llvm::StringRef> idToToken(uint32_t id) const override;
  uint32_t idLimit() const override { return vocabulary.limit; }

private:
  Vocabulary vocabulary;
  std::string unkToken, prefix;
  size_t maxInputCharsPerWord;
};

llvm::Expected<std::unique_ptr<Model>> parseBpe(const json &value, const JsonLoc &loc);
llvm::Expected<std::unique_ptr<Model>> parseWordPiece(const json &value, const JsonLoc &loc);

} // namespace tmc::tok

#endif // TMC_RUNTIME_TOKENIZER_MODELS_H
