//===- PromptFuzzer.cpp - libFuzzer entry for prompt text -------*- C++ -*-===//
//
// Arbitrary bytes (invalid UTF-8 included) as the text of `--prompt`,
// encoded by each tokenizer fixture of test/runtime/tokenizer/Inputs (its
// path in TMC_TOKENIZER_FIXTURES, set by scripts/fuzz): encoding either
// fails with an error or gives ids in the vocabulary that decode.
//
//===----------------------------------------------------------------------===//

#include "runtime/tokenizer/Tokenizer.h"

#include "llvm/Support/Error.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdlib>
#include <memory>
#include <vector>

static const std::vector<std::unique_ptr<tmc::tok::Tokenizer>> &fixtures() {
  static std::vector<std::unique_ptr<tmc::tok::Tokenizer>> all = [] {
    std::vector<std::unique_ptr<tmc::tok::Tokenizer>> loaded;
    const char *dir = std::getenv("TMC_TOKENIZER_FIXTURES");
    std::error_code ec;
    for (llvm::sys::fs::directory_iterator it(dir ? dir : "", ec), end; !ec && it != end;
         it.increment(ec))
      if (llvm::StringRef(it->path()).ends_with(".json")) {
        auto tokenizer = tmc::tok::Tokenizer::fromPath(it->path());
        if (!tokenizer)
          llvm::consumeError(tokenizer.takeError());
        else
          loaded.push_back(std::move(*tokenizer));
      }
    if (loaded.empty()) {
      llvm::errs() << "set TMC_TOKENIZER_FIXTURES to a folder of tokenizer.json files\n";
      std::abort();
    }
    return loaded;
  }();
  return all;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  llvm::StringRef text(reinterpret_cast<const char *>(data), size);
  for (const auto &tokenizer : fixtures()) {
    auto ids = tokenizer->encode(text, true);
    if (!ids) {
      llvm::consumeError(ids.takeError());
      continue;
    }
    auto decoded = tokenizer->decode(*ids, false);
    if (!decoded)
      std::abort(); // ids the tokenizer produced must decode
  }
  return 0;
}
