//===- TokenizeCommand.cpp - tmc tokenize -----------------------*- C++ -*-===//
//
// `tmc tokenize (tokenizer.json|checkpoint-dir) --text "..." [--text ...]
// [--file F] [--no-special-tokens]`: the token ids of each text, comma
// separated, one line per text (the --text ones first, then each line of F
// without its line ending), so a tokenizer can be checked on its own
// against Hugging Face `tokenizers`.
//
//===----------------------------------------------------------------------===//

#include "runtime/Error.h"
#include "runtime/tokenizer/Tokenizer.h"
#include "tools/tmc/Commands.h"

#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

namespace cl = llvm::cl;

namespace tmc::driver {
cl::SubCommand tokenizeCommand("tokenize", "print the token ids of texts");
} // namespace tmc::driver

namespace {
using tmc::driver::tokenizeCommand;

cl::opt<std::string> tokenizerPath(cl::Positional, cl::sub(tokenizeCommand),
                                   cl::desc("<tokenizer.json|checkpoint-dir>"));
cl::list<std::string> texts("text", cl::sub(tokenizeCommand), cl::desc("A text to tokenize"),
                            cl::value_desc("TEXT"));
cl::opt<std::string> textFile("file", cl::sub(tokenizeCommand),
                              cl::desc("Tokenize each line of this file"), cl::value_desc("FILE"));
cl::opt<bool> noSpecialTokens("no-special-tokens", cl::sub(tokenizeCommand),
                              cl::desc("Do not add the post-processor's special tokens "
                                       "(BOS, [CLS] ... [SEP])"));

llvm::Error tokenize() {
  std::vector<std::string> inputs(texts.begin(), texts.end());
  if (!textFile.empty()) {
    auto buffer = llvm::MemoryBuffer::getFile(textFile, /*IsText=*/false,
                                              /*RequiresNullTerminator=*/false);
    if (!buffer)
      return tmc::rt::makeError("cannot read " + textFile + ": " + buffer.getError().message());
    llvm::StringRef rest = (*buffer)->getBuffer();
    while (!rest.empty()) {
      auto [line, next] = rest.split('\n');
      line.consume_back("\r");
      inputs.push_back(line.str());
      rest = next;
    }
  }
  auto tokenizer = tmc::tok::Tokenizer::fromPath(tokenizerPath);
  if (!tokenizer)
    return tokenizer.takeError();
  for (size_t i = 0; i < inputs.size(); ++i) {
    auto ids = (*tokenizer)->encode(inputs[i], !noSpecialTokens);
    if (!ids)
      return tmc::rt::makeError((i < texts.size()
                                     ? "--text " + llvm::Twine(i + 1)
                                     : textFile + ":" + llvm::Twine(i - texts.size() + 1)) +
                                ": " + llvm::toString(ids.takeError()));
    for (size_t k = 0; k < ids->size(); ++k)
      llvm::outs() << (k ? "," : "") << (*ids)[k];
    llvm::outs() << "\n";
  }
  return llvm::Error::success();
}
} // namespace

int tmc::driver::runTokenize() {
  if (tokenizerPath.empty())
    return usageError("tokenize needs a tokenizer (tmc tokenize tokenizer.json --text TEXT)");
  if (texts.empty() && textFile.empty())
    return usageError("tokenize needs --text TEXT or --file FILE");
  if (llvm::Error error = tokenize())
    return reportError("tokenize", std::move(error));
  return 0;
}
