//===- Tokenizer.cpp - text to token ids and back -------------------------===//
//
// encode is TokenizerImpl::encode_single_sequence + post_process of the
// reference (tokenizer/mod.rs) for one sequence; decode is its decode. The
// file's "truncation" and "padding" sections are not applied: callers get
// the whole sequence and batch it themselves.
//
//===----------------------------------------------------------------------===//

#include "runtime/tokenizer/Tokenizer.h"

#include "runtime/Error.h"
#include "runtime/tokenizer/AddedTokens.h"
#include "runtime/tokenizer/Pipeline.h"
#include "runtime/tokenizer/Utf8.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

namespace tmc::tok {

Tokenizer::Tokenizer() = default;
Tokenizer::~Tokenizer() = default;

llvm::Expected<std::unique_ptr<Tokenizer>> Tokenizer::fromPath(llvm::StringRef path) {
  std::string file = path.str();
  if (llvm::sys::fs::is_directory(path)) {
    llvm::SmallString<256> inside(path);
    llvm::sys::path::append(inside, "tokenizer.json");
    if (!llvm::sys::fs::exists(inside))
      return rt::makeError(path + " has no tokenizer.json (tmc reads Hugging Face "
                                  "tokenizer.json files)");
    file = inside.str().str();
  } else if (path.ends_with(".gguf")) {
    return fromGgufFile(path);
  }
  auto buffer = llvm::MemoryBuffer::getFile(file, /*IsText=*/false,
                                            /*RequiresNullTerminator=*/false);
  if (!buffer)
    return rt::makeError("cannot read " + file + ": " + buffer.getError().message());
  return fromJsonText((*buffer)->getBuffer(), file);
}

llvm::Expected<std::unique_ptr<Tokenizer>> Tokenizer::fromJsonText(llvm::StringRef text,
                                                                   llvm::StringRef name) {
  auto root = parseJson(text, name);
  if (!root)
    return root.takeError();
  return fromJson(*root, name);
}

llvm::Expected<std::unique_ptr<Tokenizer>> Tokenizer::fromJson(const nlohmann::json &root,
                                                               llvm::StringRef name) {
  JsonLoc loc{name.str(), ""};
  if (!root.is_object())
    return loc.error("expected a JSON object (a tokenizer.json), got " + describe(root));
  std::unique_ptr<Tokenizer> tokenizer(new Tokenizer());
  auto normalizer = parseNormalizer(member(root, "normalizer"), loc.field("normalizer"));
  if (!normalizer)
    return normalizer.takeError();
  tokenizer->normalizer = std::move(*normalizer);
  auto pre = parsePreTokenizer(member(root, "pre_tokenizer"), loc.field("pre_tokenizer"));
  if (!pre)
    return pre.takeError();
  tokenizer->preTokenizer = std::move(*pre);
  auto model = parseModel(member(root, "model"), loc.field("model"));
  if (!model)
    return model.takeError();
  tokenizer->model = std::move(*model);
  auto post = parsePostProcessor(member(root, "post_processor"), loc.field("post_processor"));
  if (!post)
    return post.takeError();
  tokenizer->postProcessor = std::move(*post);
  auto decoder = parseDecoder(member(root, "decoder"), loc.field("decoder"));
  if (!decoder)
    return decoder.takeError();
  tokenizer->decoder = std::move(*decoder);
  auto tokens = AddedVocabulary::parse(member(root, "added_tokens"), loc.field("added_tokens"));
  if (!tokens)
    return tokens.takeError();
  auto added = AddedVocabulary::create(std::move(*tokens), tokenizer->normalizer.get());
  if (!added)
    return added.takeError();
  tokenizer->added = std::make_unique<AddedVocabulary>(std::move(*added));
  return tokenizer;
}

llvm::Expected<std::vector<uint32_t>> Tokenizer::encode(llvm::StringRef text,
                                                        bool addSpecialTokens) const {
  if (auto bad = firstInvalidByte(text))
    return rt::makeError("the text is not valid UTF-8 (byte " + llvm::Twine(*bad) + " of " +
                         llvm::Twine(text.size()) + ")");
  std::vector<Piece> pieces{{text.str(), std::nullopt, true}};
  // Added tokens in the raw text, then normalization of what lies between
  // them, then added tokens in the normalized text.
  added->extract(pieces, /*normalizedSet=*/false);
  if (normalizer)
    for (Piece &piece : pieces)
      if (!piece.token)
        if (llvm::Error error = normalizer->normalize(piece.text))
          return std::move(error);
  added->extract(pieces, /*normalizedSet=*/true);
  if (preTokenizer)
    if (llvm::Error error = preTokenizer->preTokenize(pieces))
      return std::move(error);
  std::vector<uint32_t> ids;
  for (const Piece &piece : pieces) {
    if (piece.token)
      ids.push_back(*piece.token);
    else if (llvm::Error error = model->tokenize(piece.text, ids))
      return std::move(error);
  }
  if (postProcessor)
    postProcessor->process(ids, addSpecialTokens);
  return ids;
}

llvm::Expected<std::string> Tokenizer::decode(llvm::ArrayRef<uint32_t> ids,
                                              bool skipSpecialTokens) const {
  std::vector<std::string> tokens;
  tokens.reserve(ids.size());
  for (uint32_t id : ids) {
    std::string token;
    if (const AddedToken *addedToken = added->byId(id))
      token = added->decodeForm(*addedToken).str();
    else if (auto text = model->idToToken(id))
      token = text->str();
    else
      return rt::makeError("token id " + llvm::Twine(id) +
                           " is not in the vocabulary (ids are below " + llvm::Twine(idLimit()) +
                           ")");
    if (skipSpecialTokens && added->isSpecialContent(token))
      continue;
    tokens.push_back(std::move(token));
  }
  if (!decoder) {
    std::string joined;
    for (size_t i = 0; i < tokens.size(); ++i)
      joined += (i ? " " : "") + tokens[i];
    return joined;
  }
  if (llvm::Error error = decoder->decodeChain(tokens))
    return std::move(error);
  std::string text;
  for (const std::string &token : tokens)
    text += token;
  return text;
}

std::optional<uint32_t> Tokenizer::tokenToId(llvm::StringRef token) const {
  if (auto id = added->idOf(token))
    return id;
  return model->tokenToId(token);
}

std::optional<std::string> Tokenizer::idToToken(uint32_t id) const {
  if (const AddedToken *token = added->byId(id))
    return token->content;
  if (auto text = model->idToToken(id))
    return text->str();
  return std::nullopt;
}

bool Tokenizer::isSpecial(uint32_t id) const {
  const AddedToken *token = added->byId(id);
  return token && token->special;
}

uint32_t Tokenizer::idLimit() const { return std::max(model->idLimit(), added->idLimit()); }

llvm::Expected<std::string> DecodeStream::step(uint32_t id) {
  // step_decode_stream (tokenizer/mod.rs): `prefix` is the text of the ids
  // kept before `prefixIndex`; the new text is what decoding all kept ids adds.
  if (prefix.empty() && !ids.empty()) {
    auto text = tokenizer.decode(ids, skipSpecialTokens);
    if (!text)
      return text.takeError();
    if (!llvm::StringRef(*text).ends_with(kReplacementChar)) {
      prefix = std::move(*text);
      prefixIndex = ids.size();
    }
  }
  ids.push_back(id);
  auto text = tokenizer.decode(ids, skipSpecialTokens);
  if (!text) {
    ids.pop_back();
    return text.takeError();
  }
  if (text->size() <= prefix.size() || llvm::StringRef(*text).ends_with(kReplacementChar))
    return std::string();
  if (!llvm::StringRef(*text).starts_with(prefix))
    return rt::makeError("streaming decode: the text of the ids so far ('" + *text +
                         "') does not start with the text already returned ('" + prefix + "')");
  std::string delta = text->substr(prefix.size());
  size_t newPrefixIndex = ids.size() - prefixIndex;
  ids.erase(ids.begin(), ids.begin() + prefixIndex);
  auto newPrefix = tokenizer.decode(ids, skipSpecialTokens);
  if (!newPrefix)
    return newPrefix.takeError();
  prefix = std::move(*newPrefix);
  prefixIndex = newPrefixIndex;
  return delta;
}

llvm::Expected<std::string> DecodeStream::finish() {
  auto text = tokenizer.decode(ids, skipSpecialTokens);
  if (!text)
    return text.takeError();
  std::string rest;
  if (text->size() > prefix.size() && llvm::StringRef(*text).starts_with(prefix))
    rest = text->substr(prefix.size());
  ids.clear();
  prefix.clear();
  prefixIndex = 0;
  return rest;
}

} // namespace tmc::tok
