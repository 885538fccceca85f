//===- TokenizerFuzzer.cpp - libFuzzer entry for tokenizer.json -*- C++ -*-===//
//
// Arbitrary bytes as a tokenizer.json: loading either fails with an error or
// gives a tokenizer that encodes a fixed text (with odd Unicode) into ids it
// can decode.
//
//===----------------------------------------------------------------------===//

#include "runtime/tokenizer/Tokenizer.h"

#include "llvm/Support/Error.h"

#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  llvm::StringRef text(reinterpret_cast<const char *>(data), size);
  auto tokenizer = tmc::tok::Tokenizer::fromJsonText(text, "tokenizer.json");
  if (!tokenizer) {
    llvm::consumeError(tokenizer.takeError());
    return 0;
  }
  auto ids = (*tokenizer)->encode("Hello, wörld! 你好 \xF0\x9F\x98\x80  12345\n\tend", true);
  if (!ids) {
    llvm::consumeError(ids.takeError());
    return 0;
  }
  auto decoded = (*tokenizer)->decode(*ids, false);
  if (!decoded)
    llvm::consumeError(decoded.takeError());
  return 0;
}
