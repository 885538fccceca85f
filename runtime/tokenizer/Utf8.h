//===- Utf8.h - UTF-8 decoding for the tokenizers ---------------*- C++ -*-===//
//
// Byte-level BPE and byte fallback produce arbitrary byte strings, and the
// reference (Rust) turns them into text with String::from_utf8_lossy; these
// helpers decode, validate and repair UTF-8 exactly as Rust does, so decoded
// text matches byte for byte, including its U+FFFD replacements.
//
//===----------------------------------------------------------------------===//

#ifndef TMC_RUNTIME_TOKENIZER_UTF8_H
#define TMC_RUNTIME_TOKENIZER_UTF8_H

#include "llvm/ADT/StringRef.h"

#include <cstddef>
#include <optional>
#include <string>

namespace tmc::tok {

/// U+FFFD REPLACEMENT CHARACTER, as UTF-8.
inline constexpr llvm::StringLiteral kReplacementChar = "\xEF\xBF\xBD";

/// The length of the longest valid UTF-8 sequence at `text[pos]`, 0 when the
/// bytes there do not start one (a stray continuation byte, an overlong form,
/// a surrogate, a value past U+10FFFF or a truncated sequence).
size_t validSequenceLength(llvm::StringRef text, size_t pos);

/// The offset of the first byte that is not part of valid UTF-8, or none when
/// all of `text` is valid.
std::optional<size_t> firstInvalidByte(llvm::StringRef text);

/// Decodes the code point at `text[pos]`, which must start a valid sequence
/// (the text was validated); advances `pos` past it.
char32_t decodeAt(llvm::StringRef text, size_t &pos);

/// Appends `c` as UTF-8.
void appendUtf8(std::string &out, char32_t c);

/// Number of code points of valid UTF-8 text.
size_t countCodePoints(llvm::StringRef text);

/// Rust's String::from_utf8_lossy: each maximal prefix of a valid sequence
/// that cannot be completed (Unicode's "maximal subpart") becomes one U+FFFD.
std::string repairUtf8(llvm::StringRef bytes);

} // namespace tmc::tok

#endif // TMC_RUNTIME_TOKENIZER_UTF8_H
