//===- ByteLevel.cpp - GPT-2's bytes-to-characters mapping ----------------===//

#include "runtime/tokenizer/ByteLevel.h"

#include "runtime/tokenizer/Utf8.h"

#include <array>

namespace tmc::tok {

namespace {
/// How many bytes are not printable Latin-1.
constexpr unsigned kOthers = 68;

bool standsForItself(unsigned byte) {
  return (byte >= '!' && byte <= '~') || (byte >= 0xA1 && byte <= 0xAC) ||
         (byte >= 0xAE && byte <= 0xFF);
}

const std::array<char32_t, 256> &table() {
  static const std::array<char32_t, 256> chars = [] {
    std::array<char32_t, 256> result{};
    unsigned next = 256;
    for (unsigned byte = 0; byte < 256; ++byte)
      result[byte] = standsForItself(byte) ? byte : next++;
    return result;
  }();
  return chars;
}
} // namespace

char32_t byteToChar(uint8_t byte) { return table()[byte]; }

std::optional<uint8_t> charToByte(char32_t c) {
  if (c < 256)
    return standsForItself(c) ? std::optional<uint8_t>(c) : std::nullopt;
  // The others are U+0100 + their rank among the bytes that do not stand for
  // themselves.
  static const std::array<uint8_t, kOthers> others = [] {
    std::array<uint8_t, kOthers> result{};
    unsigned rank = 0;
    for (unsigned byte = 0; byte < 256; ++byte)
      if (!standsForItself(byte))
        result[rank++] = byte;
    return result;
  }();
  if (c - 256 < kOthers)
    return others[c - 256];
  return std::nullopt;
}

std::string bytesToChars(llvm::StringRef bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (char byte : bytes)
    appendUtf8(out, byteToChar(static_cast<uint8_t>(byte)));
  return out;
}

} // namespace tmc::tok
