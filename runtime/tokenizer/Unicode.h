//===- Unicode.h - character classes and normalization ----------*- C++ -*-===//
//
// The Unicode facts the HF tokenizers' components ask of a character (Rust's
// char::is_whitespace, is_alphanumeric, the general categories of the
// unicode_categories crate, full lowercase mapping) and the four
// normalization forms, answered by ICU so that tables are not hand-written.
//
//===----------------------------------------------------------------------===//

#ifndef TMC_RUNTIME_TOKENIZER_UNICODE_H
#define TMC_RUNTIME_TOKENIZER_UNICODE_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <string>

namespace tmc::tok {

/// Rust's char::is_whitespace: the White_Space property.
bool isWhitespace(char32_t c);
/// Rust's char::is_alphanumeric: Alphabetic or a number (N*).
bool isAlphanumeric(char32_t c);
/// Rust's char::is_numeric: general category N (Nd, Nl, No).
bool isNumeric(char32_t c);
/// General category P* (unicode_categories' is_punctuation).
bool isPunctuation(char32_t c);
/// ASCII punctuation and symbols (Rust's char::is_ascii_punctuation).
bool isAsciiPunctuation(char32_t c);
/// General category Cc, Cf, Co or Cs (unicode_categories' is_other, which
/// leaves out unassigned code points).
bool isOther(char32_t c);
/// General category Mn.
bool isNonspacingMark(char32_t c);
/// General category M* (unicode-normalization's is_combining_mark).
bool isMark(char32_t c);
/// Rust regex's \w: Alphabetic, M*, Nd, Pc or Join_Control.
bool isWordChar(char32_t c);

/// Appends the full lowercase mapping of `c`, one character at a time as Rust's
/// char::to_lowercase (so 'İ' gives "i̇" and a final 'Σ' still gives 'σ').
void appendLowercase(std::string &out, char32_t c);

enum class NormalizationForm { NFC, NFD, NFKC, NFKD };

/// `text` (valid UTF-8) in the given normalization form.
llvm::Expected<std::string> normalizeUnicode(llvm::StringRef text, NormalizationForm form);

} // namespace tmc::tok

#endif // TMC_RUNTIME_TOKENIZER_UNICODE_H
