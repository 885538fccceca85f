//===- Pipeline.h - the stages of an HF tokenizer ---------------*- C++ -*-===//
//
// tokenizer.json describes a pipeline: added tokens are split out, the rest is
// normalized, pre-tokenized into words, each word is tokenized by the model,
// and a post-processor adds the special tokens (BOS, [CLS] ... [SEP]);
// decoding maps ids back to token strings and a decoder chain joins them.
// These are the interfaces of those stages and the functions that build each
// from its JSON object; every stage transcribes the reference's Rust
// (huggingface/tokenizers, tokenizers/src/<stage>/...), without the offset
// bookkeeping tmc does not use.
//
//===----------------------------------------------------------------------===//

#ifndef TMC_RUNTIME_TOKENIZER_PIPELINE_H
#define TMC_RUNTIME_TOKENIZER_PIPELINE_H

#include "runtime/tokenizer/Json.h"
#include "runtime/tokenizer/Pattern.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace tmc::tok {

/// A piece of the input on its way to the model.
struct Piece {
  std::string text;
  /// Set when the piece is an added token: it skips the remaining stages.
  std::optional<uint32_t> token;
  /// The piece begins at the start of the input (Metaspace's "first" scheme
  /// prepends only there).
  bool atStart = false;
};

/// Replaces each piece that is not a token by the sub-ranges `split` keeps,
/// dropping empty ones, as PreTokenizedString::split.
template <typename SplitFn> llvm::Error splitPieces(std::vector<Piece> &pieces, SplitFn split) {
  std::vector<Piece> result;
  for (Piece &piece : pieces) {
    if (piece.token) {
      result.push_back(std::move(piece));
      continue;
    }
    llvm::Expected<std::vector<std::pair<size_t, size_t>>> ranges = split(piece);
    if (!ranges)
      return ranges.takeError();
    for (auto [begin, end] : *ranges)
      if (end > begin)
        result.push_back(
            {piece.text.substr(begin, end - begin), std::nullopt, piece.atStart && begin == 0});
  }
  pieces = std::move(result);
  return llvm::Error::success();
}

class Normalizer {
public:
  virtual ~Normalizer() = default;
  virtual llvm::Error normalize(std::string &text) const = 0;
};

class PreTokenizer {
public:
  virtual ~PreTokenizer() = default;
  /// Splits (and may rewrite) the pieces that are not tokens yet.
  virtual llvm::Error preTokenize(std::vector<Piece> &pieces) const = 0;
};

class Model {
public:
  virtual ~Model() = default;
  /// Appends the ids of one pre-tokenized word.
  virtual llvm::Error tokenize(llvm::StringRef word, std::vector<uint32_t> &ids) const = 0;
  virtual std::optional<uint32_t> tokenToId(llvm::StringRef token) const = 0;
  virtual std::optional<llvm::StringRef> idToToken(uint32_t id) const = 0;
  /// One past the largest id of the model's vocabulary.
  virtual uint32_t idLimit() const = 0;
};

class Decoder {
public:
  virtual ~Decoder() = default;
  /// Rewrites the token strings; the result is their concatenation.
  virtual llvm::Error decodeChain(std::vector<std::string> &tokens) const = 0;
};

class PostProcessor {
public:
  virtual ~PostProcessor() = default;
  /// Adds the special tokens of a single sequence around `ids`.
  virtual void process(std::vector<uint32_t> &ids, bool addSpecialTokens) const = 0;
};

/// Each builder takes the component's JSON value (null: none, giving a null
/// pointer) and its location for errors.
llvm::Expected<std::unique_ptr<Normalizer>> parseNormalizer(const json &value, const JsonLoc &loc);
llvm::Expected<std::unique_ptr<PreTokenizer>> parsePreTokenizer(const json &value,
                                                                const JsonLoc &loc);
llvm::Expected<std::unique_ptr<Model>> parseModel(const json &value, const JsonLoc &loc);
llvm::Expected<std::unique_ptr<Decoder>> parseDecoder(const json &value, const JsonLoc &loc);
llvm::Expected<std::unique_ptr<PostProcessor>> parsePostProcessor(const json &value,
                                                                  const JsonLoc &loc);

/// The {"String": s} / {"Regex": r} pattern of Split and Replace.
llvm::Expected<Pattern> parseStringOrRegex(const json &value, const JsonLoc &loc);

} // namespace tmc::tok

#endif // TMC_RUNTIME_TOKENIZER_PIPELINE_H
