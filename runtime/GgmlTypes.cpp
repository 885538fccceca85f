//===- GgmlTypes.cpp - ggml tensor types and their block decoders -*- C++ -*-=//
//
// Block layouts are those of ggml-quants.c (dequantize_row_q8_0, _q4_0,
// _q4_1); every multi-byte field is little-endian, read byte by byte so that
// no block needs to be aligned in the mapped file.
//
//===----------------------------------------------------------------------===//

#include "runtime/GgmlTypes.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/Endian.h"
#include "llvm/Support/ErrorHandling.h"

#include <algorithm>
#include <cmath>
#include <cstring>

using namespace tmc::rt;
using llvm::support::endian::read16le;
using llvm::support::endian::read32le;

// Sizes from gguf-py's GGML_QUANT_SIZES (QK_K = 256).
static constexpr GgmlTypeInfo kTypes[] = {
    {GgmlType::F32, "F32", 1, 4},
    {GgmlType::F16, "F16", 1, 2},
    {GgmlType::Q4_0, "Q4_0", 32, 2 + 16},
    {GgmlType::Q4_1, "Q4_1", 32, 2 + 2 + 16},
    {GgmlType::Q5_0, "Q5_0", 32, 2 + 4 + 16},
    {GgmlType::Q5_1, "Q5_1", 32, 2 + 2 + 4 + 16},
    {GgmlType::Q8_0, "Q8_0", 32, 2 + 32},
    {GgmlType::Q8_1, "Q8_1", 32, 4 + 4 + 32},
    {GgmlType::Q2_K, "Q2_K", 256, 2 + 2 + 256 / 16 + 256 / 4},
    {GgmlType::Q3_K, "Q3_K", 256, 2 + 256 / 4 + 256 / 8 + 12},
    {GgmlType::Q4_K, "Q4_K", 256, 2 + 2 + 256 / 2 + 12},
    {GgmlType::Q5_K, "Q5_K", 256, 2 + 2 + 256 / 2 + 256 / 8 + 12},
    {GgmlType::Q6_K, "Q6_K", 256, 2 + 256 / 2 + 256 / 4 + 256 / 16},
    {GgmlType::Q8_K, "Q8_K", 256, 4 + 256 + 256 / 8},
    {GgmlType::IQ2_XXS, "IQ2_XXS", 256, 2 + 256 / 4},
    {GgmlType::IQ2_XS, "IQ2_XS", 256, 2 + 256 / 4 + 256 / 32},
    {GgmlType::IQ3_XXS, "IQ3_XXS", 256, 2 + 256 / 4 + 256 / 8},
    {GgmlType::IQ1_S, "IQ1_S", 256, 2 + 256 / 8 + 256 / 16},
    {GgmlType::IQ4_NL, "IQ4_NL", 32, 2 + 16},
    {GgmlType::IQ3_S, "IQ3_S", 256, 2 + 256 / 4 + 256 / 8 + 256 / 32 + 4},
    {GgmlType::IQ2_S, "IQ2_S", 256, 2 + 256 / 4 + 256 / 16},
    {GgmlType::IQ4_XS, "IQ4_XS", 256, 2 + 2 + 256 / 2 + 256 / 64},
    {GgmlType::I8, "I8", 1, 1},
    {GgmlType::I16, "I16", 1, 2},
    {GgmlType::I32, "I32", 1, 4},
    {GgmlType::I64, "I64", 1, 8},
    {GgmlType::F64, "F64", 1, 8},
    {GgmlType::IQ1_M, "IQ1_M", 256, 256 / 8 + 256 / 16 + 256 / 32},
    {GgmlType::BF16, "BF16", 1, 2},
    {GgmlType::TQ1_0, "TQ1_0", 256, 2 + 4 * 13},
    {GgmlType::TQ2_0, "TQ2_0", 256, 2 + 64},
    {GgmlType::MXFP4, "MXFP4", 32, 1 + 16},
};

static constexpr GgmlType kDecodable[] = {GgmlType::F32,  GgmlType::F16,  GgmlType::BF16,
                                          GgmlType::Q8_0, GgmlType::Q4_0, GgmlType::Q4_1};

std::optional<GgmlTypeInfo> tmc::rt::ggmlTypeInfo(uint32_t id) {
  for (const GgmlTypeInfo &info : kTypes)
    if (static_cast<uint32_t>(info.type) == id)
      return info;
  return std::nullopt;
}

bool tmc::rt::canDecode(GgmlType type) { return llvm::is_contained(kDecodable, type); }

std::string tmc::rt::decodableTypeNames() {
  std::string names;
  for (GgmlType type : kDecodable)
    names += (names.empty() ? "" : ", ") + std::string(ggmlTypeInfo(type).name);
  return names;
}

//===----------------------------------------------------------------------===//
// Scalars
//===----------------------------------------------------------------------===//

static float fromBits(uint32_t bits) {
  float value;
  std::memcpy(&value, &bits, sizeof(value));
  return value;
}

static uint32_t toBits(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, sizeof(bits));
  return bits;
}

float tmc::rt::halfBitsToFloat(uint16_t half) {
  uint32_t sign = uint32_t(half & 0x8000) << 16;
  uint32_t exponent = (half >> 10) & 0x1f;
  uint32_t mantissa = half & 0x3ff;
  if (exponent == 0x1f) // Inf and NaN keep their payload.
    return fromBits(sign | 0x7f800000u | (mantissa << 13));
  if (exponent != 0) // Normal: rebias 15 -> 127.
    return fromBits(sign | ((exponent + 112) << 23) | (mantissa << 13));
  // Zero or subnormal: mantissa * 2^-24, exact in float.
  float value = std::ldexp(static_cast<float>(mantissa), -24);
  return sign ? -value : value;
}

float tmc::rt::bf16BitsToFloat(uint16_t bits) { return fromBits(uint32_t(bits) << 16); }

uint16_t tmc::rt::floatToHalfBits(float value) {
  uint32_t bits = toBits(value);
  uint16_t sign = (bits >> 16) & 0x8000;
  uint32_t magnitude = bits & 0x7fffffffu;
  if (magnitude > 0x7f800000u) // NaN: quiet, keeping the top of the payload.
    return sign | 0x7e00 | ((magnitude >> 13) & 0x3ff);
  // 65520 (halfway from the largest half, 65504) and above round to Inf.
  if (magnitude >= 0x477ff000u)
    return sign | 0x7c00;
  if (magnitude < 0x38800000u) {
    // Below the smallest normal half (2^-14): a multiple of 2^-24, rounded
    // to nearest even by nearbyint; the scaling by 2^24 is exact.
    float scaled = std::nearbyint(fromBits(magnitude) * 16777216.0f);
    return sign | static_cast<uint16_t>(scaled);
  }
  // Normal: rebias 127 -> 15, then round 23 mantissa bits to 10 (nearest
  // even; a carry into the exponent is the correct result).
  uint32_t rebiased = magnitude - 0x38000000u;
  rebiased += 0xfff + ((rebiased >> 13) & 1);
  return sign | static_cast<uint16_t>(rebiased >> 13);
}

uint16_t tmc::rt::floatToBF16Bits(float value) {
  uint32_t bits = toBits(value);
  if ((bits & 0x7fffffffu) > 0x7f800000u)
    return static_cast<uint16_t>((bits >> 16) | 0x40);
  bits += 0x7fff + ((bits >> 16) & 1);
  return static_cast<uint16_t>(bits >> 16);
}

//===----------------------------------------------------------------------===//
// Blocks
//===----------------------------------------------------------------------===//

// Q8_0: {f16 d; int8 qs[32]}, x[i] = qs[i] * d.
void tmc::rt::decodeBlockQ8_0(const uint8_t *block, float *out) {
  float d = halfBitsToFloat(read16le(block));
  for (int i = 0; i < 32; ++i)
    out[i] = static_cast<float>(static_cast<int8_t>(block[2 + i])) * d;
}

// Q4_0: {f16 d; uint8 qs[16]}; the low nibbles are values 0..15, the high
// ones 16..31, each stored with an offset of 8: x = (q - 8) * d.
void tmc::rt::decodeBlockQ4_0(const uint8_t *block, float *out) {
  float d = halfBitsToFloat(read16le(block));
  for (int i = 0; i < 16; ++i) {
    uint8_t q = block[2 + i];
    out[i] = static_cast<float>((q & 0x0f) - 8) * d;
    out[i + 16] = static_cast<float>((q >> 4) - 8) * d;
  }
}

// Q4_1: {f16 d; f16 m; uint8 qs[16]}, nibbles as Q4_0's, x = q * d + m.
void tmc::rt::decodeBlockQ4_1(const uint8_t *block, float *out) {
  float d = halfBitsToFloat(read16le(block));
  float m = halfBitsToFloat(read16le(block + 2));
  for (int i = 0; i < 16; ++i) {
    uint8_t q = block[4 + i];
    out[i] = static_cast<float>(q & 0x0f) * d + m;
    out[i + 16] = static_cast<float>(q >> 4) * d + m;
  }
}

void tmc::rt::decodeRow(GgmlType type, const uint8_t *bytes, int64_t count, float *out) {
  switch (type) {
  case GgmlType::F32:
    for (int64_t i = 0; i < count; ++i)
      out[i] = fromBits(read32le(bytes + 4 * i));
    return;
  case GgmlType::F16:
    for (int64_t i = 0; i < count; ++i)
      out[i] = halfBitsToFloat(read16le(bytes + 2 * i));
    return;
  case GgmlType::BF16:
    for (int64_t i = 0; i < count; ++i)
      out[i] = bf16BitsToFloat(read16le(bytes + 2 * i));
    return;
  case GgmlType::Q8_0:
    for (int64_t b = 0; b < count / 32; ++b)
      decodeBlockQ8_0(bytes + 34 * b, out + 32 * b);
    return;
  case GgmlType::Q4_0:
    for (int64_t b = 0; b < count / 32; ++b)
      decodeBlockQ4_0(bytes + 18 * b, out + 32 * b);
    return;
  case GgmlType::Q4_1:
    for (int64_t b = 0; b < count / 32; ++b)
      decodeBlockQ4_1(bytes + 20 * b, out + 32 * b);
    return;
  default:
    llvm_unreachable("decodeRow: the caller checks canDecode()");
  }
}

//===----------------------------------------------------------------------===//
// Block formats of compiled weights
//===----------------------------------------------------------------------===//

namespace {
struct BlockFormat {
  GgmlType type;
  llvm::StringLiteral name;
};
constexpr BlockFormat kBlockFormats[] = {
    {GgmlType::Q8_0, "q8_0"}, {GgmlType::Q4_0, "q4_0"}, {GgmlType::Q4_1, "q4_1"}};

void write16le(uint8_t *at, uint16_t value) {
  at[0] = value & 0xff;
  at[1] = value >> 8;
}

void encodeBlockQ8_0(const float *x, uint8_t *block) {
  float amax = 0;
  for (int i = 0; i < 32; ++i)
    amax = std::max(amax, std::fabs(x[i]));
  float d = amax / 127, id = d != 0 ? 1 / d : 0;
  write16le(block, floatToHalfBits(d));
  for (int i = 0; i < 32; ++i)
    block[2 + i] = static_cast<uint8_t>(static_cast<int8_t>(std::roundf(x[i] * id)));
}

void encodeBlockQ4_0(const float *x, uint8_t *block) {
  float amax = 0, max = 0;
  for (int i = 0; i < 32; ++i)
    if (std::fabs(x[i]) > amax) {
      amax = std::fabs(x[i]);
      max = x[i];
    }
  float d = max / -8, id = d != 0 ? 1 / d : 0;
  write16le(block, floatToHalfBits(d));
  auto level = [&](float v) {
    return static_cast<uint8_t>(std::min(15.0f, std::trunc(v * id + 8.5f)));
  };
  for (int i = 0; i < 16; ++i)
    block[2 + i] = level(x[i]) | (level(x[i + 16]) << 4);
}

void encodeBlockQ4_1(const float *x, uint8_t *block) {
  float min = x[0], max = x[0];
  for (int i = 1; i < 32; ++i) {
    min = std::min(min, x[i]);
    max = std::max(max, x[i]);
  }
  float d = (max - min) / 15, id = d != 0 ? 1 / d : 0;
  write16le(block, floatToHalfBits(d));
  write16le(block + 2, floatToHalfBits(min));
  auto level = [&](float v) {
    return static_cast<uint8_t>(std::min(15.0f, std::trunc((v - min) * id + 0.5f)));
  };
  for (int i = 0; i < 16; ++i)
    block[4 + i] = level(x[i]) | (level(x[i + 16]) << 4);
}
} // namespace

std::optional<GgmlType> tmc::rt::blockFormatFromName(llvm::StringRef name) {
  for (const BlockFormat &format : kBlockFormats)
    if (format.name == name)
      return format.type;
  return std::nullopt;
}

llvm::StringRef tmc::rt::blockFormatName(GgmlType type) {
  for (const BlockFormat &format : kBlockFormats)
    if (format.type == type)
      return format.name;
  return "";
}

std::string tmc::rt::blockFormatNames() {
  std::string names;
  for (const BlockFormat &format : kBlockFormats)
    names += (names.empty() ? "" : ", ") + format.name.str();
  return names;
}

int64_t tmc::rt::BlockLayout::words() const {
  return interleavedRows * ggmlTypeInfo(type).typeSize / 2;
}

int64_t tmc::rt::BlockLayout::valuesWord() const {
  return interleavedRows * (type == GgmlType::Q4_1 ? 2 : 1);
}

std::optional<BlockLayout> tmc::rt::blockLayoutFromName(llvm::StringRef name) {
  int64_t rows = name.consume_back("x16") ? kInterleavedRows : 1;
  if (std::optional<GgmlType> type = blockFormatFromName(name))
    return BlockLayout{*type, rows};
  return std::nullopt;
}

std::string tmc::rt::blockLayoutNames() {
  std::string names = blockFormatNames();
  for (const BlockFormat &format : kBlockFormats)
    names += ", " + format.name.str() + "x16";
  return names;
}

void tmc::rt::interleaveRows(GgmlType type, const uint8_t *blocks, int64_t rows,
                             int64_t rowBytes, uint8_t *out) {
  BlockLayout layout{type, kInterleavedRows};
  int64_t blockBytes = ggmlTypeInfo(type).typeSize, perRow = rowBytes / blockBytes;
  int64_t halves = layout.valuesWord() / kInterleavedRows;
  int64_t valueBytes = blockBytes - 2 * halves, groupBytes = kInterleavedRows * blockBytes;
  for (int64_t row = 0; row < rows; ++row) {
    int64_t lane = row % kInterleavedRows;
    for (int64_t b = 0; b < perRow; ++b) {
      const uint8_t *from = blocks + row * rowBytes + b * blockBytes;
      uint8_t *to = out + ((row / kInterleavedRows) * perRow + b) * groupBytes;
      for (int64_t h = 0; h < halves; ++h)
        std::memcpy(to + 2 * (h * kInterleavedRows + lane), from + 2 * h, 2);
      uint8_t *values = to + 2 * layout.valuesWord();
      for (int64_t chunk = 0; chunk < valueBytes / 4; ++chunk)
        std::memcpy(values + 64 * chunk + 4 * lane, from + 2 * halves + 4 * chunk, 4);
    }
  }
}

void tmc::rt::encodeRow(GgmlType type, const float *values, int64_t count, uint8_t *out) {
  uint32_t bytes = ggmlTypeInfo(type).typeSize;
  for (int64_t b = 0; b < count / 32; ++b) {
    switch (type) {
    case GgmlType::Q8_0:
      encodeBlockQ8_0(values + 32 * b, out + bytes * b);
      break;
    case GgmlType::Q4_0:
      encodeBlockQ4_0(values + 32 * b, out + bytes * b);
      break;
    case GgmlType::Q4_1:
      encodeBlockQ4_1(values + 32 * b, out + bytes * b);
      break;
    default:
      llvm_unreachable("encodeRow: the caller passes a block format");
    }
  }
}
