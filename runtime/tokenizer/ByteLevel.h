//===- ByteLevel.h - GPT-2's bytes-to-characters mapping --------*- C++ -*-===//
//
// Byte-level BPE works on bytes shown as printable characters: bytes that are
// printable Latin-1 ('!'..'~', '¡'..'¬', '®'..'ÿ') stand for themselves and
// the other 68 map to U+0100 upward in byte order, so a space is 'Ġ' (U+0120)
// and a newline 'Ċ'. This is bytes_char() of the reference's byte_level.rs.
//
//===----------------------------------------------------------------------===//

#ifndef TMC_RUNTIME_TOKENIZER_BYTELEVEL_H
#define TMC_RUNTIME_TOKENIZER_BYTELEVEL_H

#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <optional>
#include <string>

namespace tmc::tok {

/// The character that stands for `byte`.
char32_t byteToChar(uint8_t byte);
/// The byte a character stands for; none for characters outside the mapping.
std::optional<uint8_t> charToByte(char32_t c);
/// Every byte of `bytes` as its character, in UTF-8.
std::string bytesToChars(llvm::StringRef bytes);

} // namespace tmc::tok

#endif // TMC_RUNTIME_TOKENIZER_BYTELEVEL_H
