//===- ChatTemplateFuzzer.cpp - libFuzzer entry for chat templates ----===//
//
// Arbitrary bytes as a chat template (a checkpoint's Jinja): parsing either
// fails with a located error or gives a template that renders a fixed
// conversation, or fails, with the generation prompt and without.
//
//===----------------------------------------------------------------------===//

#include "runtime/tokenizer/ChatTemplate.h"

#include "llvm/Support/Error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  llvm::StringRef text(reinterpret_cast<const char *>(data), size);
  auto chat = tmc::tok::ChatTemplate::fromSource(text, "chat_template.jinja",
                                                 {{"bos_token", "<s>"}, {"eos_token", "</s>"}});
  if (!chat) {
    llvm::consumeError(chat.takeError());
    return 0;
  }
  std::vector<tmc::tok::ChatMessage> messages{{"system", " Be brief. "},
                                              {"user", "Hello, wörld! 你好 \xF0\x9F\x98\x80"},
                                              {"assistant", "Hi."},
                                              {"user", ""}};
  for (bool generationPrompt : {true, false}) {
    auto rendered = chat->render(messages, generationPrompt);
    if (!rendered)
      llvm::consumeError(rendered.takeError());
  }
  return 0;
}
