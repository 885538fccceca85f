//===- Utf8.cpp - UTF-8 decoding for the tokenizers -----------------------===//
//
// Validity follows the Unicode Standard's table 3-7 (well-formed byte
// sequences), which is also what Rust's str validation and from_utf8_lossy
// implement.
//
//===----------------------------------------------------------------------===//

#include "runtime/tokenizer/Utf8.h"

namespace tmc::tok {

namespace {

/// How many bytes a sequence starting with `lead` has (0: not a lead byte),
/// and the range its second byte must lie in.
struct LeadInfo {
  unsigned length;
  unsigned char secondLow, secondHigh;
};

LeadInfo leadInfo(unsigned char lead) {
  if (lead < 0x80)
    return {1, 0, 0};
  if (lead >= 0xC2 && lead <= 0xDF)
    return {2, 0x80, 0xBF};
  if (lead == 0xE0)
    return {3, 0xA0, 0xBF}; // no overlong forms
  if (lead == 0xED)
    return {3, 0x80, 0x9F}; // no surrogates
  if (lead >= 0xE1 && lead <= 0xEF)
    return {3, 0x80, 0xBF};
  if (lead == 0xF0)
    return {4, 0x90, 0xBF};
  if (lead >= 0xF1 && lead <= 0xF3)
    return {4, 0x80, 0xBF};
  if (lead == 0xF4)
    return {4, 0x80, 0x8F}; // nothing past U+10FFFF
  return {0, 0, 0};
}

/// How many bytes from `pos` are a prefix of a valid sequence (at least 1
/// when the lead byte is valid), and whether that prefix is the whole sequence.
size_t validPrefixLength(llvm::StringRef text, size_t pos, bool &complete) {
  auto lead = static_cast<unsigned char>(text[pos]);
  LeadInfo info = leadInfo(lead);
  complete = false;
  if (info.length == 0)
    return 0;
  size_t n = 1;
  for (; n < info.length; ++n) {
    if (pos + n >= text.size())
      return n;
    auto byte = static_cast<unsigned char>(text[pos + n]);
    unsigned char low = n == 1 ? info.secondLow : 0x80;
    unsigned char high = n == 1 ? info.secondHigh : 0xBF;
    if (byte < low || byte > high)
      return n;
  }
  complete = true;
  return n;
}

} // namespace

size_t validSequenceLength(llvm::StringRef text, size_t pos) {
  bool complete;
  size_t n = validPrefixLength(text, pos, complete);
  return complete ? n : 0;
}

std::optional<size_t> firstInvalidByte(llvm::StringRef text) {
  for (size_t pos = 0; pos < text.size();) {
    size_t n = validSequenceLength(text, pos);
    if (n == 0)
      return pos;
    pos += n;
  }
  return std::nullopt;
}

char32_t decodeAt(llvm::StringRef text, size_t &pos) {
  auto lead = static_cast<unsigned char>(text[pos]);
  unsigned length = leadInfo(lead).length;
  if (length <= 1) {
    ++pos;
    return lead;
  }
  char32_t c = lead & (0x7F >> length);
  for (unsigned i = 1; i < length; ++i)
    c = (c << 6) | (static_cast<unsigned char>(text[pos + i]) & 0x3F);
  pos += length;
  return c;
}

void appendUtf8(std::string &out, char32_t c) {
  if (c < 0x80) {
    out += static_cast<char>(c);
  } else if (c < 0x800) {
    out += static_cast<char>(0xC0 | (c >> 6));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    out += static_cast<char>(0xE0 | (c >> 12));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (c >> 18));
    out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  }
}

size_t countCodePoints(llvm::StringRef text) {
  size_t count = 0;
  for (char byte : text)
    count += (static_cast<unsigned char>(byte) & 0xC0) != 0x80;
  return count;
}

std::string repairUtf8(llvm::StringRef bytes) {
  std::string out;
  out.reserve(bytes.size());
  for (size_t pos = 0; pos < bytes.size();) {
    bool complete;
    size_t n = validPrefixLength(bytes, pos, complete);
    if (complete) {
      out.append(bytes.data() + pos, n);
      pos += n;
    } else {
      // A maximal subpart (or a lone invalid byte) is one replacement.
      out += kReplacementChar;
      pos += n == 0 ? 1 : n;
    }
  }
  return out;
}

} // namespace tmc::tok
