//===- Unicode.cpp - character classes and normalization ------------------===//
//
// ICU's common library (libicuuc): uchar.h for properties, ustring.h for case
// mapping, Normalizer2 for the normalization forms (NFKC's data comes from
// libicudata).
//
//===----------------------------------------------------------------------===//

#include "runtime/tokenizer/Unicode.h"

#include "runtime/Error.h"
#include "runtime/tokenizer/Utf8.h"

#include <unicode/bytestream.h>
#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/ustring.h>
#include <unicode/utf16.h>

namespace tmc::tok {

namespace {
int8_t category(char32_t c) { return u_charType(static_cast<UChar32>(c)); }
uint32_t categoryMask(char32_t c) { return U_MASK(category(c)); }
} // namespace

bool isWhitespace(char32_t c) { return u_isUWhiteSpace(static_cast<UChar32>(c)); }

bool isNumeric(char32_t c) {
  return categoryMask(c) & (U_GC_ND_MASK | U_GC_NL_MASK | U_GC_NO_MASK);
}

bool isAlphanumeric(char32_t c) {
  return u_hasBinaryProperty(static_cast<UChar32>(c), UCHAR_ALPHABETIC) || isNumeric(c);
}

bool isPunctuation(char32_t c) { return categoryMask(c) & U_GC_P_MASK; }

bool isAsciiPunctuation(char32_t c) {
  return (c >= 0x21 && c <= 0x2F) || (c >= 0x3A && c <= 0x40) || (c >= 0x5B && c <= 0x60) ||
         (c >= 0x7B && c <= 0x7E);
}

// unicode_categories' tables come from UnicodeData.txt, which lists no
// unassigned code point: Cn is not "other" there.
bool isOther(char32_t c) {
  return categoryMask(c) & (U_GC_CC_MASK | U_GC_CF_MASK | U_GC_CO_MASK | U_GC_CS_MASK);
}

bool isNonspacingMark(char32_t c) { return category(c) == U_NON_SPACING_MARK; }

bool isMark(char32_t c) { return categoryMask(c) & U_GC_M_MASK; }

bool isWordChar(char32_t c) {
  auto u = static_cast<UChar32>(c);
  return u_hasBinaryProperty(u, UCHAR_ALPHABETIC) ||
         (categoryMask(c) & (U_GC_M_MASK | U_GC_ND_MASK | U_GC_PC_MASK)) ||
         u_hasBinaryProperty(u, UCHAR_JOIN_CONTROL);
}

void appendLowercase(std::string &out, char32_t c) {
  if (c < 0x80) {
    out += static_cast<char>(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
    return;
  }
  // The string API gives the full mapping; one character alone has no
  // context, as in Rust's per-character mapping.
  UChar source[2];
  int32_t sourceLength = 0;
  U16_APPEND_UNSAFE(source, sourceLength, static_cast<UChar32>(c));
  UChar lower[8];
  UErrorCode status = U_ZERO_ERROR;
  int32_t length = u_strToLower(lower, 8, source, sourceLength, "", &status);
  if (U_FAILURE(status) || length > 8) {
    appendUtf8(out, c);
    return;
  }
  for (int32_t i = 0; i < length;) {
    UChar32 unit;
    U16_NEXT(lower, i, length, unit);
    appendUtf8(out, static_cast<char32_t>(unit));
  }
}

llvm::Expected<std::string> normalizeUnicode(llvm::StringRef text, NormalizationForm form) {
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2 *normalizer = nullptr;
  switch (form) {
  case NormalizationForm::NFC:
    normalizer = icu::Normalizer2::getNFCInstance(status);
    break;
  case NormalizationForm::NFD:
    normalizer = icu::Normalizer2::getNFDInstance(status);
    break;
  case NormalizationForm::NFKC:
    normalizer = icu::Normalizer2::getNFKCInstance(status);
    break;
  case NormalizationForm::NFKD:
    normalizer = icu::Normalizer2::getNFKDInstance(status);
    break;
  }
  if (U_FAILURE(status) || !normalizer)
    return rt::makeError(llvm::Twine("ICU has no normalization data (") + u_errorName(status) +
                         "); is libicudata installed?");
  std::string out;
  icu::StringByteSink<std::string> sink(&out, static_cast<int32_t>(text.size()));
  normalizer->normalizeUTF8(0, icu::StringPiece(text.data(), static_cast<int32_t>(text.size())),
                            sink, nullptr, status);
  if (U_FAILURE(status))
    return rt::makeError(llvm::Twine("Unicode normalization failed: ") + u_errorName(status));
  return out;
}

} // namespace tmc::tok
