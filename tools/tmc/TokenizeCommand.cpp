//===- TokenizeCommand.cpp - tmc tokenize -----------------------*- C++ -*-===//
//
// `tmc tokenize (tokenizer.json|checkpoint-dir) --text "..." [--text ...]
// [--file F] [--no-special-tokens]`: the token ids of each text, comma
// separated, one line per text (the --text ones first, then each line of F
// without its line ending), so a tokenizer can be checked on its own
// against Hugging Face `tokenizers`. With --chat each text is one user
// message in the checkpoint's chat template, and --messages F.json a whole
// conversation, so templates can be checked against transformers'
// apply_chat_template (--rendered prints the text instead of the ids).
//
//===----------------------------------------------------------------------===//

#include "runtime/Error.h"
#include "runtime/tokenizer/ChatTemplate.h"
#include "runtime/tokenizer/Json.h"
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
cl::opt<bool> chat("chat", cl::sub(tokenizeCommand),
                   cl::desc("Tokenize each text as one user message in the checkpoint's chat "
                            "template (chat_template.jinja, tokenizer_config.json or GGUF "
                            "metadata), as transformers' apply_chat_template does"));
cl::opt<std::string> messagesFile("messages", cl::sub(tokenizeCommand),
                                  cl::desc("With --chat: also a whole conversation, a JSON list "
                                           "of {\"role\": ..., \"content\": ...}"),
                                  cl::value_desc("FILE.json"));
cl::opt<bool> noGenerationPrompt("no-generation-prompt", cl::sub(tokenizeCommand),
                                 cl::desc("With --chat: leave out the assistant's header "
                                          "(add_generation_prompt=False)"));
cl::opt<bool> rendered("rendered", cl::sub(tokenizeCommand),
                       cl::desc("With --chat: print each rendered text as a JSON string "
                                "instead of its ids"));

/// --messages: a JSON list of {"role": string, "content": string}.
llvm::Expected<std::vector<tmc::tok::ChatMessage>> readMessages(llvm::StringRef path) {
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                            /*RequiresNullTerminator=*/false);
  if (!buffer)
    return tmc::rt::makeError("cannot read " + path + ": " + buffer.getError().message());
  auto root = tmc::tok::parseJson((*buffer)->getBuffer(), path);
  if (!root)
    return root.takeError();
  tmc::tok::JsonLoc loc{path.str(), ""};
  if (!root->is_array())
    return loc.error("expected a list of messages, got " + tmc::tok::describe(*root));
  std::vector<tmc::tok::ChatMessage> messages;
  for (size_t i = 0; i < root->size(); ++i) {
    auto role = tmc::tok::readString((*root)[i], "role", loc.index(i));
    if (!role)
      return role.takeError();
    auto content = tmc::tok::readString((*root)[i], "content", loc.index(i));
    if (!content)
      return content.takeError();
    messages.push_back({*role, *content});
  }
  return messages;
}

void printIds(llvm::ArrayRef<uint32_t> ids) {
  for (size_t k = 0; k < ids.size(); ++k)
    llvm::outs() << (k ? "," : "") << ids[k];
  llvm::outs() << "\n";
}

/// --chat: each input as one user message, then the --messages conversation.
llvm::Error tokenizeChats(const tmc::tok::Tokenizer &tokenizer,
                          llvm::ArrayRef<std::string> inputs) {
  auto chatTemplate = tmc::tok::ChatTemplate::forCheckpoint(tokenizerPath);
  if (!chatTemplate)
    return chatTemplate.takeError();
  std::vector<std::vector<tmc::tok::ChatMessage>> conversations;
  for (const std::string &input : inputs)
    conversations.push_back({{"user", input}});
  if (!messagesFile.empty()) {
    auto messages = readMessages(messagesFile);
    if (!messages)
      return messages.takeError();
    conversations.push_back(std::move(*messages));
  }
  for (const auto &conversation : conversations) {
    if (rendered) {
      auto text = chatTemplate->render(conversation, !noGenerationPrompt);
      if (!text)
        return text.takeError();
      llvm::outs() << tmc::tok::json(*text).dump() << "\n";
      continue;
    }
    auto ids = chatTemplate->encode(tokenizer, conversation, !noGenerationPrompt);
    if (!ids)
      return ids.takeError();
    printIds(*ids);
  }
  return llvm::Error::success();
}

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
  if (chat)
    return tokenizeChats(**tokenizer, inputs);
  for (size_t i = 0; i < inputs.size(); ++i) {
    auto ids = (*tokenizer)->encode(inputs[i], !noSpecialTokens);
    if (!ids)
      return tmc::rt::makeError((i < texts.size()
                                     ? "--text " + llvm::Twine(i + 1)
                                     : textFile + ":" + llvm::Twine(i - texts.size() + 1)) +
                                ": " + llvm::toString(ids.takeError()));
    printIds(*ids);
  }
  return llvm::Error::success();
}
} // namespace

int tmc::driver::runTokenize() {
  if (tokenizerPath.empty())
    return usageError("tokenize needs a tokenizer (tmc tokenize tokenizer.json --text TEXT)");
  if (texts.empty() && textFile.empty() && messagesFile.empty())
    return usageError("tokenize needs --text TEXT or --file FILE");
  if (!chat && (!messagesFile.empty() || noGenerationPrompt || rendered))
    return usageError("--messages, --no-generation-prompt and --rendered need --chat");
  if (chat && noSpecialTokens)
    return usageError("--no-special-tokens does not apply to --chat: the template writes the "
                      "special tokens, and the tokenizer adds none");
  if (llvm::Error error = tokenize())
    return reportError("tokenize", std::move(error));
  return 0;
}
