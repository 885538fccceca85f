//===- Models.cpp - tokenizer.json "model" --------------------------------===//
//
// The vocabulary shared by the models, and the choice of model by "type".
// Unigram and WordLevel are reported as unsupported.
//
//===----------------------------------------------------------------------===//

#include "runtime/tokenizer/Models.h"

namespace tmc::tok {

bool Vocabulary::add(std::string token, uint32_t id) {
  if (ids.count(token) || tokens.count(id))
    return false;
  ids[token] = id;
  tokens[id] = std::move(token);
  limit = std::max(limit, id + 1);
  return true;
}

llvm::Expected<Vocabulary> Vocabulary::fromJson(const json &value, const JsonLoc &loc) {
  if (!value.is_object())
    return loc.error("expected an object mapping each token to its id, got " + describe(value));
  Vocabulary vocabulary;
  for (auto it = value.begin(); it != value.end(); ++it) {
    JsonLoc at = loc.field("\"" + it.key() + "\"");
    auto id = readId(it.value(), at);
    if (!id)
      return id.takeError();
    auto other = vocabulary.tokens.find(*id);
    if (other != vocabulary.tokens.end())
      return at.error("id " + llvm::Twine(*id) + " is also the id of '" + other->second + "'");
    vocabulary.add(it.key(), *id);
  }
  return vocabulary;
}

llvm::Expected<std::unique_ptr<Model>> parseModel(const json &value, const JsonLoc &loc) {
  if (value.is_null())
    return loc.error("missing: a tokenizer needs a model");
  auto type = readType(value, loc);
  if (!type)
    return type.takeError();
  if (*type == "BPE")
    return parseBpe(value, loc);
  if (*type == "WordPiece")
    return parseWordPiece(value, loc);
  return unsupportedType(loc, *type, {"BPE", "WordPiece"});
}

} // namespace tmc::tok
