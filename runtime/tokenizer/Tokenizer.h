//===- Tokenizer.h - text to token ids and back -----------------*- C++ -*-===//
//
// A Hugging Face tokenizer read from tokenizer.json (or built from a GGUF
// file's tokenizer metadata), giving the same ids as the `tokenizers`
// library: byte-level BPE (GPT-2, Llama 3, Qwen2, SmolLM2), SentencePiece-
// style BPE with byte fallback (Llama 2, Mistral, Gemma) and WordPiece
// (BERT). docs/TOKENIZERS.md lists the supported components.
//
//   auto tokenizer = Tokenizer::fromPath("ckpt/");      // ckpt/tokenizer.json
//   auto ids = (*tokenizer)->encode("Hello", /*addSpecialTokens=*/true);
//   auto text = (*tokenizer)->decode(*ids, /*skipSpecialTokens=*/true);
//
// A tokenizer is immutable once built; encode and decode may run on several
// threads at once. Every failure is an llvm::Error naming the file and the
// JSON path ("tokenizer.json: pre_tokenizer.pretokenizers[1]: type
// 'UnicodeScripts' is not supported ..."), the bad input or the bad id.
//
//===----------------------------------------------------------------------===//

#ifndef TMC_RUNTIME_TOKENIZER_TOKENIZER_H
#define TMC_RUNTIME_TOKENIZER_TOKENIZER_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace tmc::tok {

class AddedVocabulary;
class Decoder;
class Model;
class Normalizer;
class PostProcessor;
class PreTokenizer;

/// A GGUF file's tokenizer.ggml.* metadata (llama.cpp's gguf-py names).
struct GgufTokenizerData {
  /// tokenizer.ggml.model: "gpt2" (byte-level BPE) or "llama" (SentencePiece BPE).
  std::string model;
  /// tokenizer.ggml.pre, for "gpt2": which split regex ("default", "gpt2",
  /// "llama-bpe", "llama3", "qwen2", "smollm", ...).
  std::string pre;
  std::vector<std::string> tokens;
  /// "left right", in rank order. A "llama" file without merges gets them
  /// from `scores` the way transformers' SentencePiece converter does.
  std::vector<std::string> merges;
  std::vector<float> scores;
  /// tokenizer.ggml.token_type per token: 1 normal, 2 unknown, 3 control,
  /// 4 user defined, 5 unused, 6 byte. Control and user-defined tokens are
  /// split out of the text (control ones are special).
  std::vector<int32_t> tokenTypes;
  std::optional<uint32_t> bosId, eosId, unknownId;
  /// tokenizer.ggml.add_bos_token / add_eos_token; absent: llama.cpp's
  /// defaults (BOS for "llama", nothing for "gpt2").
  std::optional<bool> addBos, addEos;
  /// tokenizer.ggml.add_space_prefix ("llama"; absent: true).
  std::optional<bool> addSpacePrefix;
};

/// The directory a checkpoint path names: the path itself, or the folder of
/// a file in it (model.safetensors, tokenizer.json), "." for a bare file name.
std::string checkpointDirectory(llvm::StringRef path);

class Tokenizer {
public:
  /// The tokenizer a checkpoint ships: tokenizer.json in its directory (or
  /// beside its .safetensors file), or a GGUF file's tokenizer metadata.
  static llvm::Expected<std::unique_ptr<Tokenizer>> forCheckpoint(llvm::StringRef path);
  /// A tokenizer.json file, a checkpoint directory holding one, or a .gguf file.
  static llvm::Expected<std::unique_ptr<Tokenizer>> fromPath(llvm::StringRef path);
  /// tokenizer.json's text; `name` labels errors (usually the file's path).
  static llvm::Expected<std::unique_ptr<Tokenizer>> fromJsonText(llvm::StringRef text,
                                                                 llvm::StringRef name);
  /// A parsed tokenizer.json.
  static llvm::Expected<std::unique_ptr<Tokenizer>> fromJson(const nlohmann::json &root,
                                                             llvm::StringRef name);
  /// The tokenizer in a GGUF file's tokenizer.ggml.* metadata.
  static llvm::Expected<std::unique_ptr<Tokenizer>> fromGgufFile(llvm::StringRef path);
  /// The tokenizer a GGUF file's metadata describes; `name` labels errors.
  static llvm::Expected<std::unique_ptr<Tokenizer>> fromGguf(const GgufTokenizerData &data,
                                                             llvm::StringRef name);
  ~Tokenizer();

  /// The ids of `text` (UTF-8; an error names the first invalid byte),
  /// with the post-processor's special tokens (BOS, [CLS] ... [SEP]) when
  /// `addSpecialTokens`. Added tokens in the text are always recognized.
  llvm::Expected<std::vector<uint32_t>> encode(llvm::StringRef text, bool addSpecialTokens) const;
  /// The text of `ids`; an id the tokenizer does not know is an error naming it.
  llvm::Expected<std::string> decode(llvm::ArrayRef<uint32_t> ids, bool skipSpecialTokens) const;

  std::optional<uint32_t> tokenToId(llvm::StringRef token) const;
  std::optional<std::string> idToToken(uint32_t id) const;
  /// True for the added tokens marked special (<s>, <|eot_id|>, [CLS], ...).
  bool isSpecial(uint32_t id) const;
  /// One past the largest id (model vocabulary and added tokens).
  uint32_t idLimit() const;
  /// For GGUF tokenizers, the metadata's BOS / EOS ids.
  std::optional<uint32_t> bosId() const { return bos; }
  std::optional<uint32_t> eosId() const { return eos; }

private:
  Tokenizer();

  std::unique_ptr<AddedVocabulary> added;
  std::unique_ptr<Normalizer> normalizer;
  std::unique_ptr<PreTokenizer> preTokenizer;
  std::unique_ptr<Model> model;
  std::unique_ptr<PostProcessor> postProcessor;
  std::unique_ptr<Decoder> decoder;
  std::optional<uint32_t> bos, eos;
};

/// Streaming detokenization: the text each new id adds, for printing tokens
/// as a model generates them. Mirrors the reference's DecodeStream: it waits
/// while the text ends in an incomplete UTF-8 sequence (U+FFFD), and decodes
/// a short window of ids so decoders that look at neighbours (Metaspace's
/// leading space, WordPiece's "##") give the same text as decoding all ids.
class DecodeStream {
public:
  DecodeStream(const Tokenizer &tokenizer, bool skipSpecialTokens)
      : tokenizer(tokenizer), skipSpecialTokens(skipSpecialTokens) {}
  /// The new text after `id` (empty while it waits for more bytes).
  llvm::Expected<std::string> step(uint32_t id);
  /// The text still held back when the ids end (the bytes of an incomplete
  /// character, as decode() gives them: U+FFFD), so that the pieces add up to
  /// decode(all ids), as transformers' TextStreamer prints at its end.
  llvm::Expected<std::string> finish();

private:
  const Tokenizer &tokenizer;
  bool skipSpecialTokens;
  std::vector<uint32_t> ids;
  std::string prefix;
  size_t prefixIndex = 0;
};

} // namespace tmc::tok

#endif // TMC_RUNTIME_TOKENIZER_TOKENIZER_H
