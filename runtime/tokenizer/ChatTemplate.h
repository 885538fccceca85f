//===- ChatTemplate.h - a checkpoint's chat template ------------*- C++ -*-===//
//
// `tmc run --prompt TEXT --chat` wraps the prompt in the model's chat
// template as transformers' apply_chat_template does:
//
//   auto chat = ChatTemplate::forCheckpoint("ckpt/");   // or model.gguf
//   auto ids = chat->encode(*tokenizer, {{"user", "Hi"}}, /*addGenerationPrompt=*/true);
//
// The template is a Jinja program (Jinja.h has the supported subset); it
// sees `messages`, `add_generation_prompt`, `tools` and `documents` (none)
// and the checkpoint's special tokens (`bos_token`, `eos_token`, ...).
//
//===----------------------------------------------------------------------===//

#ifndef TMC_RUNTIME_TOKENIZER_CHATTEMPLATE_H
#define TMC_RUNTIME_TOKENIZER_CHATTEMPLATE_H

#include "runtime/tokenizer/Jinja.h"

#include "llvm/ADT/ArrayRef.h"

namespace tmc::tok {

class Tokenizer;

struct ChatMessage {
  std::string role, content;
};

class ChatTemplate {
public:
  /// The template a checkpoint ships, found as transformers finds it:
  /// chat_template.jinja, else tokenizer_config.json's chat_template (a
  /// string, or a list of {name, template}: the "default" one) in the
  /// checkpoint directory (or beside its .safetensors or tokenizer.json
  /// file); for a GGUF file, its tokenizer.chat_template metadata. None is
  /// an error saying where it looked.
  static llvm::Expected<ChatTemplate> forCheckpoint(llvm::StringRef path);
  /// A template's Jinja source; `name` starts its error messages, and
  /// `specialTokens` ({"bos_token", "<s>"}, ...) are variables it sees.
  static llvm::Expected<ChatTemplate>
  fromSource(llvm::StringRef source, llvm::StringRef name,
             std::vector<std::pair<std::string, std::string>> specialTokens);

  /// The text of the conversation, with the assistant's header after it
  /// when `addGenerationPrompt`.
  llvm::Expected<std::string> render(llvm::ArrayRef<ChatMessage> messages,
                                     bool addGenerationPrompt) const;
  /// The ids of render(...), as apply_chat_template(tokenize=True) gives
  /// them: special tokens in the text are parsed as such, and the tokenizer
  /// adds none of its own (the template writes the BOS where it wants one).
  llvm::Expected<std::vector<uint32_t>> encode(const Tokenizer &tokenizer,
                                               llvm::ArrayRef<ChatMessage> messages,
                                               bool addGenerationPrompt) const;

private:
  ChatTemplate(jinja::Template program, jinja::Value::Dict specialTokens)
      : program(std::move(program)), specialTokens(std::move(specialTokens)) {}

  jinja::Template program;
  jinja::Value::Dict specialTokens;
};

/// `tmc run --prompt TEXT --chat`: the ids of TEXT as one user message in
/// the chat template of the checkpoint at `path`, with the generation prompt.
llvm::Expected<std::vector<uint32_t>>
encodeChatPrompt(llvm::StringRef path, const Tokenizer &tokenizer, llvm::StringRef prompt);

} // namespace tmc::tok

#endif // TMC_RUNTIME_TOKENIZER_CHATTEMPLATE_H
