//===- GgufTest.cpp - GGUF reader and ggml block decoders -------*- C++ -*-===//
//
// Hand-built, byte-exact GGUF files: one of every metadata type read back;
// every truncation and thousands of random corruptions of it must end in an
// error naming a byte offset or in a file whose tensors lie inside it, never
// in a crash (the fuzzer's property, run here on a small budget). Decoders
// and float rounding are checked against values worked out from the block
// layouts and against llvm::APFloat.
//
//===----------------------------------------------------------------------===//

#include "runtime/Gguf.h"
#include "runtime/GgmlTypes.h"
#include "runtime/HostTensor.h"

#include "llvm/ADT/APFloat.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>

using namespace tmc::rt;

namespace {

#define EXPECT_CONTAINS(text, fragment)                                                            \
  EXPECT_NE(std::string(text).find(fragment), std::string::npos)                                   \
      << "  message: " << (text) << "\n  missing: " << (fragment)

/// Little-endian bytes of a GGUF file, appended field by field.
struct Bytes {
  std::string data;
  template <typename T> Bytes &put(T value) {
    char raw[sizeof(T)];
    std::memcpy(raw, &value, sizeof(T)); // the test host is little-endian (x86, arm64)
    data.append(raw, sizeof(T));
    return *this;
  }
  Bytes &str(const std::string &text) {
    put<uint64_t>(text.size());
    data += text;
    return *this;
  }
  Bytes &key(const std::string &name, GgufValueType type) {
    return str(name).put<uint32_t>(static_cast<uint32_t>(type));
  }
  void padTo(size_t alignment) {
    data.resize((data.size() + alignment - 1) / alignment * alignment);
  }
};

/// A valid file: 9 metadata entries of every kind, an F32 [2, 32] tensor and
/// a Q8_0 [32] one, aligned to 32.
std::string validFile() {
  Bytes b;
  b.data = "GGUF";
  b.put<uint32_t>(3).put<uint64_t>(2).put<uint64_t>(9);
  b.key("general.architecture", GgufValueType::String).str("llama");
  b.key("u8", GgufValueType::UInt8).put<uint8_t>(200);
  b.key("i16", GgufValueType::Int16).put<int16_t>(-300);
  b.key("u64", GgufValueType::UInt64).put<uint64_t>(~0ull);
  b.key("f32", GgufValueType::Float32).put<float>(0.5f);
  b.key("f64", GgufValueType::Float64).put<double>(-2.25);
  b.key("flag", GgufValueType::Bool).put<uint8_t>(1);
  b.key("tokens", GgufValueType::Array)
      .put<uint32_t>(uint32_t(GgufValueType::String))
      .put<uint64_t>(2)
      .str("a")
      .str("bc");
  b.key("nested", GgufValueType::Array)
      .put<uint32_t>(uint32_t(GgufValueType::Array))
      .put<uint64_t>(1)
      .put<uint32_t>(uint32_t(GgufValueType::Int32))
      .put<uint64_t>(2)
      .put<int32_t>(-1)
      .put<int32_t>(7);
  b.str("w").put<uint32_t>(2).put<uint64_t>(32).put<uint64_t>(2);
  b.put<uint32_t>(uint32_t(GgmlType::F32)).put<uint64_t>(0);
  b.str("q").put<uint32_t>(1).put<uint64_t>(32);
  b.put<uint32_t>(uint32_t(GgmlType::Q8_0)).put<uint64_t>(256);
  b.padTo(32);
  for (int i = 0; i < 64; ++i)
    b.put<float>(float(i));
  b.put<uint16_t>(0x3c00); // d = 1.0
  for (int i = 0; i < 32; ++i)
    b.put<int8_t>(int8_t(i - 16));
  return b.data;
}

class GgufTest : public ::testing::Test {
protected:
  void SetUp() override { ASSERT_FALSE(llvm::sys::fs::createUniqueDirectory("tmc-gguf", dir)); }
  void TearDown() override { llvm::sys::fs::remove_directories(dir); }

  std::string write(const std::string &bytes) {
    llvm::SmallString<256> path(dir);
    llvm::sys::path::append(path, "model.gguf");
    std::error_code ec;
    llvm::raw_fd_ostream os(path, ec);
    os << bytes;
    return std::string(path);
  }
  std::string errorOf(const std::string &bytes) {
    auto file = GgufFile::open(write(bytes));
    EXPECT_FALSE(static_cast<bool>(file)) << "expected an error";
    return file ? std::string() : llvm::toString(file.takeError());
  }

  llvm::SmallString<128> dir;
};

TEST_F(GgufTest, ReadsEveryValueTypeAndTensor) {
  std::string bytes = validFile();
  auto file = GgufFile::open(write(bytes));
  ASSERT_TRUE(static_cast<bool>(file)) << llvm::toString(file.takeError());
  const GgufFile &f = **file;
  EXPECT_EQ(f.version(), 3u);
  EXPECT_EQ(f.metadata().size(), 9u);
  EXPECT_EQ(f.lookup("general.architecture")->string, "llama");
  EXPECT_EQ(f.lookup("u8")->asInt(), 200);
  EXPECT_EQ(f.lookup("i16")->asInt(), -300);
  EXPECT_EQ(f.lookup("u64")->asInt(), std::nullopt); // above INT64_MAX
  EXPECT_EQ(f.lookup("u64")->unsignedInteger, ~0ull);
  EXPECT_EQ(f.lookup("f32")->asDouble(), 0.5);
  EXPECT_EQ(f.lookup("f64")->real, -2.25);
  EXPECT_TRUE(f.lookup("flag")->boolean);
  const GgufValue *tokens = f.lookup("tokens");
  EXPECT_EQ(tokens->typeName(), "ARRAY of STRING");
  ASSERT_EQ(tokens->elements.size(), 2u);
  EXPECT_EQ(tokens->elements[1].string, "bc");
  EXPECT_EQ(f.lookup("nested")->elements[0].elements[1].asInt(), 7);
  EXPECT_EQ(f.lookup("absent"), nullptr);

  ASSERT_EQ(f.tensors().size(), 2u);
  const GgufTensor *w = f.lookupTensor("w");
  EXPECT_EQ(w->dims, (std::vector<int64_t>{32, 2}));
  EXPECT_EQ(w->numBytes, 256u);
  EXPECT_EQ(f.dataOffset() % 32, 0u);
  float values[64];
  decodeRow(GgmlType::F32, w->data, 64, values);
  EXPECT_EQ(values[63], 63.0f);
  const GgufTensor *q = f.lookupTensor("q");
  EXPECT_EQ(q->numBytes, 34u);
  decodeRow(GgmlType::Q8_0, q->data, 32, values);
  EXPECT_EQ(values[0], -16.0f);
  EXPECT_EQ(values[31], 15.0f);
}

TEST_F(GgufTest, EveryTruncationIsALocatedError) {
  std::string bytes = validFile();
  for (size_t size = 0; size < bytes.size(); ++size) {
    std::string message = errorOf(bytes.substr(0, size));
    EXPECT_CONTAINS(message, "model.gguf: byte ");
  }
}

TEST_F(GgufTest, RandomCorruptionNeverReadsOutside) {
  std::string valid = validFile();
  std::mt19937 rng(1234);
  int opened = 0;
  for (int round = 0; round < 3000; ++round) {
    std::string bytes = valid;
    // Corrupt the header (the data bytes cannot make an error).
    size_t header = valid.size() - 256 - 34;
    for (int k = 0; k < 1 + int(rng() % 4); ++k)
      bytes[rng() % header] = char(rng());
    auto file = GgufFile::open(write(bytes));
    if (!file) {
      EXPECT_CONTAINS(llvm::toString(file.takeError()), "model.gguf: byte ");
      continue;
    }
    ++opened;
    for (const GgufTensor &tensor : (*file)->tensors()) {
      // The data lies within the file's data section.
      EXPECT_LE((*file)->dataOffset() + tensor.offset + tensor.numBytes, bytes.size());
    }
  }
  EXPECT_GT(opened, 0); // some corruptions only change values
}

TEST_F(GgufTest, MalformedHeadersNameTheField) {
  std::string bytes = validFile();
  auto patched = [&](size_t at, const std::string &with) {
    std::string copy = bytes;
    copy.replace(at, with.size(), with);
    return copy;
  };
  EXPECT_CONTAINS(errorOf(patched(0, "GGML")), "byte 0: not a GGUF file: it starts with 'GGML'");
  EXPECT_CONTAINS(errorOf(patched(4, std::string("\1\0\0\0", 4))),
                  "byte 4: GGUF version 1 is not supported; supported: 2, 3 (version 1 has "
                  "32-bit counts");
  EXPECT_CONTAINS(errorOf(patched(4, std::string("\0\0\0\3", 4))),
                  "byte 4: GGUF version 3 is big-endian");
  // The first key's length: 2^40.
  EXPECT_CONTAINS(errorOf(patched(24, std::string("\0\0\0\0\0\1\0\0", 8))),
                  "byte 24: metadata entry 0: key: length 1099511627776 runs past the end");
  // general.architecture's value type: 13.
  EXPECT_CONTAINS(errorOf(patched(52, std::string("\x0d\0\0\0", 4))),
                  "byte 52: metadata entry 0 ('general.architecture'): value type 13 is not a "
                  "GGUF value type");
  size_t flag = bytes.find("flag") + 4 + 4; // after the key and its type
  EXPECT_CONTAINS(errorOf(patched(flag, "\2")), "('flag'): a BOOL is 0 or 1, got 2");
  // q's info: name length and name (9 bytes), dims (4), ne[0] (8), type.
  size_t typeOfQ = bytes.find(std::string("\1\0\0\0\0\0\0\0q", 9)) + 9 + 4 + 8;
  EXPECT_CONTAINS(errorOf(patched(typeOfQ, std::string("\x63\0\0\0", 4))),
                  "tensor info 1 ('q'): type 99 is not a ggml type");
  EXPECT_CONTAINS(errorOf(patched(typeOfQ, std::string("\x0e\0\0\0", 4))),
                  "ne[0] = 32 is not a multiple of Q6_K's block size 256");
  // q's data offset 256 -> 8: unaligned; -> 128: overlapping w.
  EXPECT_CONTAINS(errorOf(patched(typeOfQ + 4, std::string("\x08\0", 2))),
                  "tensor 'q': data offset 8 is not a multiple of the alignment 32");
  EXPECT_CONTAINS(errorOf(patched(typeOfQ + 4, std::string("\x80\0", 2))),
                  "tensor 'q': data at offset 128 overlaps tensor 'w' at [0, 256)");
  // Tensor "q" renamed "w": a second "w".
  std::string twice = bytes;
  twice.replace(typeOfQ - 4 - 8 - 1, 1, "w");
  EXPECT_CONTAINS(errorOf(twice), "tensor info 1 ('w'): the tensor name is given twice");
}

TEST_F(GgufTest, KeysAreUnique) {
  Bytes b;
  b.data = "GGUF";
  b.put<uint32_t>(3).put<uint64_t>(0).put<uint64_t>(2);
  b.key("k", GgufValueType::UInt8).put<uint8_t>(1);
  b.key("k", GgufValueType::UInt8).put<uint8_t>(2);
  EXPECT_CONTAINS(errorOf(b.data), "byte 38: metadata entry 1 ('k'): the key is given twice");
}

TEST_F(GgufTest, AlignmentMustBeAPowerOfTwo) {
  Bytes b;
  b.data = "GGUF";
  b.put<uint32_t>(2).put<uint64_t>(0).put<uint64_t>(1);
  b.key("general.alignment", GgufValueType::UInt32).put<uint32_t>(48);
  EXPECT_CONTAINS(errorOf(b.data), "metadata 'general.alignment' is 48; it must be a power of two");
}

TEST_F(GgufTest, HugeCountsFailBeforeAllocating) {
  Bytes b;
  b.data = "GGUF";
  b.put<uint32_t>(3).put<uint64_t>(0).put<uint64_t>(1);
  b.key("big", GgufValueType::Array).put<uint32_t>(uint32_t(GgufValueType::UInt64));
  b.put<uint64_t>(1ull << 60);
  EXPECT_CONTAINS(errorOf(b.data), "('big'): array of 1152921504606846976 UINT64 values cannot "
                                   "fit in the rest of the file");
  Bytes c;
  c.data = "GGUF";
  c.put<uint32_t>(3).put<uint64_t>(~0ull).put<uint64_t>(0);
  EXPECT_CONTAINS(errorOf(c.data), "byte 8: the tensor count 18446744073709551615 cannot fit");
}

// An empty tensor is empty whatever its other dims: [2^62, 0] allocates
// nothing (the 10-minute gguf fuzz run found it overflowing on the way).
TEST(GgmlBlocks, EmptyTensorsOfHugeDimsHoldNoBytes) {
  EXPECT_EQ(tmc::rt::checkedByteSize(tmc::rt::DType::F32, {int64_t(1) << 62, 0}), 0);
  EXPECT_EQ(tmc::rt::checkedByteSize(tmc::rt::DType::F32, {int64_t(1) << 62, 4}), std::nullopt);
  EXPECT_EQ(tmc::rt::checkedByteSize(tmc::rt::DType::F32, {0, -1}), std::nullopt);
  tmc::rt::HostTensor empty(tmc::rt::DType::F32, {int64_t(1) << 62, 0});
  EXPECT_EQ(empty.numElements(), 0);
}

TEST(GgmlBlocks, DecodeAsTheLayoutsSay) {
  float out[32];
  // Q4_0: d = 0.5; byte i = (i % 16) | (15 - i % 16) << 4.
  uint8_t q40[18] = {0x00, 0x38};
  for (int i = 0; i < 16; ++i)
    q40[2 + i] = uint8_t(i | (15 - i) << 4);
  decodeBlockQ4_0(q40, out);
  EXPECT_EQ(out[0], -4.0f);  // (0 - 8) * 0.5
  EXPECT_EQ(out[15], 3.5f);  // (15 - 8) * 0.5
  EXPECT_EQ(out[16], 3.5f);  // high nibble of byte 0: 15
  EXPECT_EQ(out[31], -4.0f); // high nibble of byte 15: 0
  // Q4_1: d = 2, m = -1.
  uint8_t q41[20] = {0x00, 0x40, 0x00, 0xbc};
  for (int i = 0; i < 16; ++i)
    q41[4 + i] = uint8_t(i | (15 - i) << 4);
  decodeBlockQ4_1(q41, out);
  EXPECT_EQ(out[0], -1.0f);
  EXPECT_EQ(out[15], 29.0f);
  EXPECT_EQ(out[16], 29.0f);
  // Q8_0: d = -0.25.
  uint8_t q80[34] = {0x00, 0xb4};
  for (int i = 0; i < 32; ++i)
    q80[2 + i] = uint8_t(int8_t(i * 8 - 128));
  decodeBlockQ8_0(q80, out);
  EXPECT_EQ(out[0], 32.0f);
  EXPECT_EQ(out[31], -(120.0f * 0.25f));
  EXPECT_EQ(decodableTypeNames(), "F32, F16, BF16, Q8_0, Q4_0, Q4_1");
  EXPECT_FALSE(canDecode(GgmlType::Q6_K));
  EXPECT_EQ(ggmlTypeInfo(GgmlType::Q6_K).typeSize, 210u);
}

TEST(GgmlBlocks, InterleavedLayoutsHoldEachRowAtItsLane) {
  // 32 rows of 64 values; each byte of the interleaved groups must be the
  // byte the layout's rule (GgmlTypes.h's BlockLayout) names.
  std::mt19937 rng(3);
  std::normal_distribution<float> normal(0, 1);
  std::vector<float> values(32 * 64);
  for (float &v : values)
    v = normal(rng);
  for (llvm::StringRef name : {"q8_0x16", "q4_0x16", "q4_1x16"}) {
    SCOPED_TRACE(name.str());
    BlockLayout layout = *blockLayoutFromName(name);
    ASSERT_EQ(layout.interleavedRows, 16);
    int64_t blockBytes = ggmlTypeInfo(layout.type).typeSize, rowBytes = 2 * blockBytes;
    int64_t halves = layout.valuesWord() / 16;
    ASSERT_EQ(layout.words(), 16 * blockBytes / 2);
    std::vector<uint8_t> rows(32 * rowBytes), interleaved(32 * rowBytes);
    for (int r = 0; r < 32; ++r)
      encodeRow(layout.type, values.data() + 64 * r, 64, rows.data() + r * rowBytes);
    interleaveRows(layout.type, rows.data(), 32, rowBytes, interleaved.data());
    for (int r = 0; r < 32; ++r)
      for (int b = 0; b < 2; ++b) {
        const uint8_t *block = rows.data() + r * rowBytes + b * blockBytes;
        const uint8_t *group = interleaved.data() + ((r / 16) * 2 + b) * 16 * blockBytes;
        int lane = r % 16;
        for (int h = 0; h < halves; ++h)
          for (int i = 0; i < 2; ++i)
            ASSERT_EQ(group[2 * (16 * h + lane) + i], block[2 * h + i]);
        const uint8_t *groupValues = group + 2 * layout.valuesWord();
        for (int byte = 0; byte < blockBytes - 2 * halves; ++byte)
          ASSERT_EQ(groupValues[64 * (byte / 4) + 4 * lane + byte % 4], block[2 * halves + byte])
              << "row " << r << " block " << b << " byte " << byte;
      }
  }
  EXPECT_EQ(blockLayoutFromName("q4_1")->interleavedRows, 1);
  EXPECT_FALSE(blockLayoutFromName("q5_kx16"));
  EXPECT_FALSE(blockLayoutFromName("x16"));
  EXPECT_EQ(blockLayoutNames(), "q8_0, q4_0, q4_1, q8_0x16, q4_0x16, q4_1x16");
}

/// APFloat's conversion of `value`'s bits to `semantics`, nearest even.
uint16_t apfloatBits(float value, const llvm::fltSemantics &semantics) {
  llvm::APFloat converted(value);
  bool lost;
  converted.convert(semantics, llvm::APFloat::rmNearestTiesToEven, &lost);
  return static_cast<uint16_t>(converted.bitcastToAPInt().getZExtValue());
}

TEST(GgmlBlocks, RoundingMatchesAPFloat) {
  std::mt19937 rng(7);
  std::vector<float> values = {0.0f,    -0.0f,    65504.0f, 65519.9f, 65520.0f,  1e-8f,
                               6.1e-5f, 5.96e-8f, 2.98e-8f, INFINITY, -INFINITY, 1.0f / 3};
  for (int i = 0; i < 200000; ++i) {
    uint32_t bits = rng();
    float value;
    std::memcpy(&value, &bits, sizeof(value));
    if (!std::isnan(value))
      values.push_back(value);
  }
  for (float value : values) {
    ASSERT_EQ(floatToHalfBits(value), apfloatBits(value, llvm::APFloat::IEEEhalf()))
        << "half of " << value;
    ASSERT_EQ(floatToBF16Bits(value), apfloatBits(value, llvm::APFloat::BFloat()))
        << "bf16 of " << value;
  }
  EXPECT_TRUE(std::isnan(halfBitsToFloat(floatToHalfBits(NAN))));
  EXPECT_TRUE(std::isnan(bf16BitsToFloat(floatToBF16Bits(NAN))));
  for (uint32_t half = 0; half < 0x10000; ++half)
    if (!std::isnan(halfBitsToFloat(uint16_t(half))))
      ASSERT_EQ(floatToHalfBits(halfBitsToFloat(uint16_t(half))), half);
}

} // namespace
