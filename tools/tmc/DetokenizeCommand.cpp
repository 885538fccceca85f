//===- DetokenizeCommand.cpp - tmc detokenize -------------------*- C++ -*-===//
//
// `tmc detokenize (tokenizer.json|checkpoint-dir) --ids 1,2,3 [--ids ...]
// [--skip-special-tokens] [--stream] [--json]`: the text of each id list.
// --stream decodes one id at a time as generation does (Tokenizer's
// DecodeStream) and prints the pieces as they come; --json prints each text
// (with --stream: the list of pieces) as one JSON line, so texts holding
// newlines stay one line each for scripts that compare them.
//
//===----------------------------------------------------------------------===//

#include "runtime/Error.h"
#include "runtime/tokenizer/Tokenizer.h"
#include "tools/tmc/Commands.h"

#include "llvm/Support/raw_ostream.h"

#include <nlohmann/json.hpp>

namespace cl = llvm::cl;

namespace tmc::driver {
cl::SubCommand detokenizeCommand("detokenize", "print the text of token ids");
} // namespace tmc::driver

namespace {
using tmc::driver::detokenizeCommand;

cl::opt<std::string> tokenizerPath(cl::Positional, cl::sub(detokenizeCommand),
                                   cl::desc("<tokenizer.json|checkpoint-dir>"));
cl::list<std::string> idLists("ids", cl::sub(detokenizeCommand),
                              cl::desc("Comma-separated token ids"), cl::value_desc("1,2,3"));
cl::opt<bool> skipSpecialTokens("skip-special-tokens", cl::sub(detokenizeCommand),
                                cl::desc("Leave out special tokens (<s>, [CLS], ...)"));
cl::opt<bool> stream("stream", cl::sub(detokenizeCommand),
                     cl::desc("Decode one id at a time, as during generation"));
cl::opt<bool> asJson("json", cl::sub(detokenizeCommand),
                     cl::desc("Print each text (or list of streamed pieces) as a JSON line"));

llvm::Expected<std::vector<uint32_t>> parseIds(llvm::StringRef text) {
  std::vector<uint32_t> ids;
  if (text.trim().empty())
    return ids;
  llvm::SmallVector<llvm::StringRef> parts;
  text.split(parts, ',');
  for (llvm::StringRef part : parts) {
    uint64_t id;
    if (part.trim().getAsInteger(10, id) || id > UINT32_MAX)
      return tmc::rt::makeError("--ids '" + text + "': '" + part.trim() +
                                "' is not a token id (ids are integers from 0, e.g. --ids 1,2,3)");
    ids.push_back(static_cast<uint32_t>(id));
  }
  return ids;
}

llvm::Error detokenize() {
  std::vector<std::vector<uint32_t>> lists;
  for (const std::string &text : idLists) {
    auto ids = parseIds(text);
    if (!ids)
      return ids.takeError();
    lists.push_back(std::move(*ids));
  }
  auto tokenizer = tmc::tok::Tokenizer::fromPath(tokenizerPath);
  if (!tokenizer)
    return tokenizer.takeError();
  for (const std::vector<uint32_t> &ids : lists) {
    if (!stream) {
      auto text = (*tokenizer)->decode(ids, skipSpecialTokens);
      if (!text)
        return text.takeError();
      llvm::outs() << (asJson ? nlohmann::json(*text).dump() : *text) << "\n";
      continue;
    }
    tmc::tok::DecodeStream decoder(**tokenizer, skipSpecialTokens);
    nlohmann::json pieces = nlohmann::json::array();
    for (uint32_t id : ids) {
      auto piece = decoder.step(id);
      if (!piece)
        return piece.takeError();
      if (asJson)
        pieces.push_back(piece->empty() ? nlohmann::json() : nlohmann::json(*piece));
      else
        llvm::outs() << *piece;
    }
    llvm::outs() << (asJson ? pieces.dump() : "") << "\n";
  }
  return llvm::Error::success();
}
} // namespace

int tmc::driver::runDetokenize() {
  if (tokenizerPath.empty())
    return usageError("detokenize needs a tokenizer (tmc detokenize tokenizer.json --ids 1,2)");
  if (idLists.empty())
    return usageError("detokenize needs --ids 1,2,3");
  if (llvm::Error error = detokenize())
    return reportError("detokenize", std::move(error));
  return 0;
}
