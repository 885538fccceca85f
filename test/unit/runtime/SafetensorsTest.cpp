//===- SafetensorsTest.cpp - safetensors reader and writer ------*- C++ -*-===//
//
// Round trips through writeSafetensors, and hand-built byte-exact files for
// every way a file or a sharded checkpoint can be broken: each must give an
// error naming the file and the tensor, never a crash.
//
//===----------------------------------------------------------------------===//

#include "runtime/Safetensors.h"

#include "llvm/ADT/APFloat.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/Support/Endian.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

using namespace tmc::rt;

namespace {

template <typename T> std::string errorOf(llvm::Expected<T> value) {
  EXPECT_FALSE(static_cast<bool>(value)) << "expected an error";
  return value ? std::string() : llvm::toString(value.takeError());
}

std::string errorOf(llvm::Error error) {
  EXPECT_TRUE(static_cast<bool>(error)) << "expected an error";
  return llvm::toString(std::move(error));
}

#define EXPECT_CONTAINS(text, fragment)                                        \
  EXPECT_NE(std::string(text).find(fragment), std::string::npos)               \
      << "  message: " << (text) << "\n  missing: " << (fragment)

template <typename T> llvm::ArrayRef<uint8_t> bytesOf(const std::vector<T> &v) {
  return {reinterpret_cast<const uint8_t *>(v.data()), v.size() * sizeof(T)};
}

class SafetensorsTest : public ::testing::Test {
protected:
  void SetUp() override {
    ASSERT_FALSE(llvm::sys::fs::createUniqueDirectory("tmc-safetensors", dir));
  }
  void TearDown() override { llvm::sys::fs::remove_directories(dir); }

  std::string pathOf(llvm::StringRef name) {
    llvm::SmallString<256> path(dir);
    llvm::sys::path::append(path, name);
    return std::string(path);
  }

  /// Writes `bytes` verbatim to `name` in the temp dir and returns its path.
  std::string writeRaw(llvm::StringRef name, llvm::StringRef bytes) {
    std::string path = pathOf(name);
    std::error_code ec;
    llvm::raw_fd_ostream os(path, ec);
    EXPECT_FALSE(ec) << ec.message();
    os << bytes;
    return path;
  }

  /// A safetensors file with the given header text and `dataSize` zero bytes.
  std::string writeFile(llvm::StringRef name, llvm::StringRef header,
                        size_t dataSize) {
    char length[8];
    llvm::support::endian::write64le(length, header.size());
    std::string bytes(length, 8);
    bytes += header.str() + std::string(dataSize, '\0');
    return writeRaw(name, bytes);
  }

  std::vector<std::string> listDir() {
    std::vector<std::string> names;
    std::error_code ec;
    for (llvm::sys::fs::directory_iterator it(dir, ec), end; it != end && !ec;
         it.increment(ec))
      names.push_back(llvm::sys::path::filename(it->path()).str());
    llvm::sort(names);
    return names;
  }

  llvm::SmallString<256> dir;
};

TEST(DType, NamesAndSizes) {
  EXPECT_EQ(dtypeName(DType::BF16), "BF16");
  EXPECT_EQ(dtypeName(DType::Bool), "BOOL");
  EXPECT_EQ(dtypeSize(DType::F64), 8u);
  EXPECT_EQ(dtypeSize(DType::F16), 2u);
  EXPECT_EQ(dtypeSize(DType::Bool), 1u);
  EXPECT_EQ(*dtypeFromName("I32"), DType::I32);
  EXPECT_EQ(errorOf(dtypeFromName("F8_E4M3")),
            "unknown dtype 'F8_E4M3' (supported: F32, F16, BF16, F64, I64, "
            "I32, I16, I8, U8, BOOL)");
}

//===----------------------------------------------------------------------===//
// Round trip
//===----------------------------------------------------------------------===//

TEST_F(SafetensorsTest, RoundTrip) {
  std::vector<float> weight = {1.5f, -2.0f, 0.25f, 3.0f, 4.0f, -0.0f};
  std::vector<uint16_t> bf16 = {0x3f80, 0xc000, 0x7f80}; // 1, -2, inf
  std::vector<int64_t> ids = {7, -9};
  std::vector<uint8_t> flag = {1};
  std::string path = pathOf("model.safetensors");
  // Given out of name order: the file lays them out sorted.
  ASSERT_FALSE(
      writeSafetensors(path,
                       {{"model.weight", DType::F32, {2, 3}, bytesOf(weight)},
                        {"ids", DType::I64, {2}, bytesOf(ids)},
                        {"empty", DType::U8, {0, 4}, {}},
                        {"flag", DType::Bool, {}, flag},
                        {"half", DType::BF16, {3}, bytesOf(bf16)}},
                       {{"format", "pt"}, {"source", "tmc"}}));
  EXPECT_EQ(listDir(), std::vector<std::string>{"model.safetensors"});

  auto file = SafetensorsFile::open(path);
  ASSERT_TRUE(static_cast<bool>(file)) << llvm::toString(file.takeError());
  std::vector<std::string> names;
  for (const TensorInfo &info : (*file)->tensors())
    names.push_back(info.name);
  EXPECT_EQ(names, (std::vector<std::string>{"empty", "flag", "half", "ids",
                                             "model.weight"}));
  EXPECT_EQ((*file)->metadata(), (std::map<std::string, std::string>{
                                     {"format", "pt"}, {"source", "tmc"}}));

  const TensorInfo *w = (*file)->lookup("model.weight");
  ASSERT_NE(w, nullptr);
  EXPECT_EQ(w->dtype, DType::F32);
  EXPECT_EQ(w->shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(w->numElements(), 6);
  EXPECT_EQ(w->file, path);
  EXPECT_EQ(*readAsFloat32(*w), weight);

  const TensorInfo *i = (*file)->lookup("ids");
  ASSERT_NE(i, nullptr);
  EXPECT_EQ(i->dtype, DType::I64);
  ASSERT_EQ(i->numBytes, 16u);
  EXPECT_EQ(std::memcmp(i->data, ids.data(), 16), 0);
  EXPECT_EQ(errorOf(readAsFloat32(*i)),
            path + ": tensor 'ids' is I64; only F32, F16 and BF16 convert to "
                   "float");

  const TensorInfo *h = (*file)->lookup("half");
  ASSERT_NE(h, nullptr);
  std::vector<float> halfValues = *readAsFloat32(*h);
  EXPECT_EQ(halfValues[0], 1.0f);
  EXPECT_EQ(halfValues[1], -2.0f);
  EXPECT_TRUE(std::isinf(halfValues[2]));

  const TensorInfo *e = (*file)->lookup("empty");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->numBytes, 0u);
  EXPECT_EQ(e->numElements(), 0);
  const TensorInfo *f = (*file)->lookup("flag");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->dtype, DType::Bool);
  EXPECT_TRUE(f->shape.empty());
  EXPECT_EQ(f->numElements(), 1);
  EXPECT_EQ(*static_cast<const uint8_t *>(f->data), 1);

  EXPECT_EQ((*file)->lookup("missing"), nullptr);
  EXPECT_EQ((*file)->lookup("model"), nullptr);
}

TEST_F(SafetensorsTest, WriterLayoutIsStandard) {
  std::vector<float> a = {1, 2}, b = {3};
  std::string path = pathOf("layout.safetensors");
  ASSERT_FALSE(writeSafetensors(path, {{"b", DType::F32, {1}, bytesOf(b)},
                                       {"a", DType::F32, {2}, bytesOf(a)}}));
  auto buffer = llvm::MemoryBuffer::getFile(path);
  ASSERT_TRUE(static_cast<bool>(buffer));
  llvm::StringRef bytes = (*buffer)->getBuffer();
  uint64_t headerSize = llvm::support::endian::read64le(bytes.data());
  EXPECT_EQ(headerSize % 8, 0u);
  llvm::StringRef header = bytes.substr(8, headerSize);
  // Keys sorted, compact, space padded; data in name order.
  EXPECT_EQ(header.rtrim(' '),
            R"({"a":{"data_offsets":[0,8],"dtype":"F32","shape":[2]},)"
            R"("b":{"data_offsets":[8,12],"dtype":"F32","shape":[1]}})");
  EXPECT_EQ(bytes.size(), 8 + headerSize + 12);
  float values[3];
  std::memcpy(values, bytes.data() + 8 + headerSize, sizeof(values));
  EXPECT_EQ(values[0], 1.0f);
  EXPECT_EQ(values[2], 3.0f);
}

TEST_F(SafetensorsTest, WriterRejectsBadTensorsAndLeavesNoFile) {
  std::vector<float> three = {1, 2, 3};
  std::string path = pathOf("bad.safetensors");
  EXPECT_EQ(errorOf(writeSafetensors(
                path, {{"w", DType::F32, {2, 2}, bytesOf(three)}})),
            path + ": cannot write tensor 'w': shape [2, 2] of F32 does not "
                   "match the 12 bytes given");
  EXPECT_EQ(
      errorOf(writeSafetensors(path, {{"w", DType::F32, {3}, bytesOf(three)},
                                      {"w", DType::F32, {3}, bytesOf(three)}})),
      path + ": cannot write tensor 'w': the name is given twice");
  EXPECT_EQ(errorOf(writeSafetensors(
                path, {{"w", DType::F32, {-1, 3}, bytesOf(three)}})),
            path + ": cannot write tensor 'w': shape [-1, 3] has a negative "
                   "dimension");
  EXPECT_CONTAINS(
      errorOf(writeSafetensors(
          path, {{"__metadata__", DType::F32, {3}, bytesOf(three)}})),
      "this name is reserved or empty");
  EXPECT_TRUE(listDir().empty());

  // A directory that does not exist: no temporary can be made.
  std::string nowhere = pathOf("no/such/dir/x.safetensors");
  EXPECT_CONTAINS(errorOf(writeSafetensors(nowhere, {})),
                  nowhere + ": cannot write: No such file or directory");
}

TEST_F(SafetensorsTest, WriterReplacesAnExistingFileWhole) {
  std::string path = writeRaw("model.safetensors", "old contents");
  std::vector<float> one = {1};
  ASSERT_FALSE(writeSafetensors(path, {{"x", DType::F32, {1}, bytesOf(one)}}));
  EXPECT_EQ(listDir(), std::vector<std::string>{"model.safetensors"});
  auto file = SafetensorsFile::open(path);
  ASSERT_TRUE(static_cast<bool>(file)) << llvm::toString(file.takeError());
  EXPECT_NE((*file)->lookup("x"), nullptr);
}

TEST_F(SafetensorsTest, HalfConversionIsExactForEveryValue) {
  std::vector<uint16_t> all(1 << 16);
  for (size_t i = 0; i < all.size(); ++i)
    all[i] = static_cast<uint16_t>(i);
  TensorInfo info{"h",        DType::F16,     {int64_t(all.size())},
                  all.data(), all.size() * 2, "memory"};
  std::vector<float> values = *readAsFloat32(info);
  for (size_t i = 0; i < all.size(); ++i) {
    llvm::APFloat half(llvm::APFloat::IEEEhalf(), llvm::APInt(16, i));
    bool lossy = false;
    half.convert(llvm::APFloat::IEEEsingle(),
                 llvm::APFloat::rmNearestTiesToEven, &lossy);
    float expected = half.convertToFloat();
    if (std::isnan(expected))
      EXPECT_TRUE(std::isnan(values[i])) << "bits " << i;
    else
      EXPECT_EQ(values[i], expected) << "bits " << i;
    EXPECT_EQ(std::signbit(values[i]), std::signbit(expected)) << "bits " << i;
  }
}

//===----------------------------------------------------------------------===//
// Bad files
//===----------------------------------------------------------------------===//

TEST_F(SafetensorsTest, FileShorterThanTheHeaderLength) {
  std::string path =
      writeRaw("short.safetensors", llvm::StringRef("\x10\0\0\0", 4));
  EXPECT_EQ(errorOf(SafetensorsFile::open(path)),
            path + ": file is 4 bytes, too short for the 8-byte header "
                   "length; the file is truncated or not a safetensors file");
}

TEST_F(SafetensorsTest, HeaderLengthPastEndOfFile) {
  std::string header =
      R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})";
  char length[8];
  llvm::support::endian::write64le(length, header.size());
  // The download stopped 20 bytes into the header.
  std::string path = writeRaw("cut.safetensors",
                              std::string(length, 8) + header.substr(0, 20));
  EXPECT_EQ(errorOf(SafetensorsFile::open(path)),
            path + ": header length " + std::to_string(header.size()) +
                " runs past the end of the file (28 bytes); the file is "
                "truncated or not a safetensors file");
}

TEST_F(SafetensorsTest, HeaderIsNotJson) {
  std::string path = writeFile("json.safetensors", R"({"a": {"dtype": )", 0);
  std::string message = errorOf(SafetensorsFile::open(path));
  EXPECT_CONTAINS(message, path + ": header is not valid JSON: ");
  EXPECT_CONTAINS(message, "parse error");

  path = writeFile("array.safetensors", "[1, 2]", 0);
  EXPECT_EQ(errorOf(SafetensorsFile::open(path)),
            path + ": header must be a JSON object, got array");
}

TEST_F(SafetensorsTest, OffsetsPastTheDataSection) {
  std::string path = writeFile(
      "model.safetensors",
      R"({"model.norm.weight":{"dtype":"F32","shape":[50],"data_offsets":[0,200]}})",
      128);
  EXPECT_EQ(errorOf(SafetensorsFile::open(path)),
            path + ": tensor 'model.norm.weight': data_offsets [0, 200] end "
                   "past the data section (128 bytes); the file is truncated "
                   "or corrupt");
}

TEST_F(SafetensorsTest, UnknownDType) {
  std::string path = writeFile(
      "f8.safetensors",
      R"({"w":{"dtype":"F8_E5M2","shape":[4],"data_offsets":[0,4]}})", 4);
  EXPECT_EQ(errorOf(SafetensorsFile::open(path)),
            path + ": tensor 'w': unknown dtype 'F8_E5M2' (supported: F32, "
                   "F16, BF16, F64, I64, I32, I16, I8, U8, BOOL)");
}

TEST_F(SafetensorsTest, SizeDoesNotMatchShape) {
  std::string path = writeFile(
      "size.safetensors",
      R"({"w":{"dtype":"BF16","shape":[2,3],"data_offsets":[0,8]}})", 8);
  EXPECT_EQ(errorOf(SafetensorsFile::open(path)),
            path + ": tensor 'w': data_offsets [0, 8] hold 8 bytes but shape "
                   "[2, 3] of BF16 needs 12 bytes");
}

TEST_F(SafetensorsTest, SizeOverflow) {
  // 2^62 * 2^62 elements: the product wraps in 64 bits.
  std::string path = writeFile(
      "huge.safetensors",
      R"({"w":{"dtype":"F32","shape":[4611686018427387904,4611686018427387904],"data_offsets":[0,0]}})",
      0);
  EXPECT_EQ(errorOf(SafetensorsFile::open(path)),
            path + ": tensor 'w': shape [4611686018427387904, "
                   "4611686018427387904] of F32 is too large to address");
}

TEST_F(SafetensorsTest, OverlappingTensors) {
  std::string path =
      writeFile("overlap.safetensors",
                R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
                12);
  EXPECT_EQ(errorOf(SafetensorsFile::open(path)),
            path + ": tensor 'b': data_offsets [4, 12] overlap tensor 'a' at "
                   "[0, 8]");
}

// Empty tensors take no bytes but, as in the reference implementation, sit
// where the tensors before them end: at a boundary, not inside a tensor.
TEST_F(SafetensorsTest, EmptyTensorsSitAtABoundary) {
  std::string path =
      writeFile("empty.safetensors",
                R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                R"("b":{"dtype":"F32","shape":[0],"data_offsets":[8,8]},)"
                R"("c":{"dtype":"F32","shape":[0,3],"data_offsets":[0,0]}})",
                8);
  auto file = SafetensorsFile::open(path);
  ASSERT_TRUE(static_cast<bool>(file)) << llvm::toString(file.takeError());
  EXPECT_EQ((*file)->tensors().size(), 3u);

  std::string inside =
      writeFile("inside.safetensors",
                R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                R"("b":{"dtype":"F32","shape":[0],"data_offsets":[4,4]}})",
                8);
  EXPECT_EQ(errorOf(SafetensorsFile::open(inside)),
            inside + ": tensor 'b': data_offsets [4, 4] overlap tensor 'a' at "
                     "[0, 8]");
}

// safetensors rejects these three; so does tmc.
TEST_F(SafetensorsTest, GapBetweenTensors) {
  std::string path =
      writeFile("gap.safetensors",
                R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                R"("b":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}})",
                16);
  EXPECT_EQ(errorOf(SafetensorsFile::open(path)),
            path + ": tensor 'b': data_offsets [8, 16] leave bytes [4, 8) of "
                   "the data section to no tensor; safetensors files have no "
                   "gaps");
}

TEST_F(SafetensorsTest, BytesAfterTheLastTensor) {
  std::string path = writeFile(
      "tail.safetensors",
      R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", 16);
  EXPECT_EQ(errorOf(SafetensorsFile::open(path)),
            path + ": the data section has 16 bytes but its tensors end at 8; "
                   "the file has bytes no tensor covers");
}

TEST_F(SafetensorsTest, DuplicateKey) {
  std::string path =
      writeFile("dup.safetensors",
                R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                R"("a":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}})",
                16);
  EXPECT_EQ(errorOf(SafetensorsFile::open(path)),
            path + ": header gives the key 'a' twice");
}

TEST_F(SafetensorsTest, NegativeDimension) {
  std::string path = writeFile(
      "neg.safetensors",
      R"({"w":{"dtype":"F32","shape":[2,-2],"data_offsets":[0,16]}})", 16);
  EXPECT_EQ(errorOf(SafetensorsFile::open(path)),
            path + ": tensor 'w': shape [2,-2] has a negative dimension");
}

TEST_F(SafetensorsTest, MalformedEntries) {
  struct Case {
    const char *header;
    const char *message;
  } cases[] = {
      {R"({"w":{"shape":[1],"data_offsets":[0,4]}})",
       "tensor 'w': missing 'dtype'"},
      {R"({"w":{"dtype":"F32","data_offsets":[0,4]}})",
       "tensor 'w': missing 'shape'"},
      {R"({"w":{"dtype":"F32","shape":[1]}})",
       "tensor 'w': missing 'data_offsets'"},
      {R"({"w":[1]})", "tensor 'w': entry must be a JSON object, got [1]"},
      {R"({"w":{"dtype":32,"shape":[1],"data_offsets":[0,4]}})",
       "tensor 'w': 'dtype' must be a string, got 32"},
      {R"({"w":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}})",
       "tensor 'w': shape [1.5] must be a list of non-negative integers"},
      {R"({"w":{"dtype":"F32","shape":4,"data_offsets":[0,4]}})",
       "tensor 'w': 'shape' must be a list of integers, got 4"},
      {R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[4,0]}})",
       "tensor 'w': data_offsets must be two ascending non-negative integers "
       "[begin, end], got [4,0]"},
      {R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[0]}})",
       "tensor 'w': data_offsets must be two ascending non-negative "
       "integers [begin, end], got [0]"},
      {R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[-4,0]}})",
       "tensor 'w': data_offsets must be two ascending non-negative "
       "integers [begin, end], got [-4,0]"},
      {R"({"__metadata__":{"format":1}})",
       "'__metadata__' entry 'format' must be a string, got 1"},
      {R"({"__metadata__":[]})",
       "'__metadata__' must be an object of strings, got []"},
  };
  for (const Case &c : cases) {
    std::string path = writeFile("bad.safetensors", c.header, 4);
    EXPECT_CONTAINS(errorOf(SafetensorsFile::open(path)),
                    path + ": " + c.message);
  }
}

//===----------------------------------------------------------------------===//
// Checkpoints
//===----------------------------------------------------------------------===//

TEST_F(SafetensorsTest, CheckpointFromFileOrDirectory) {
  std::vector<float> x = {1, 2};
  std::string path = pathOf("model.safetensors");
  ASSERT_FALSE(writeSafetensors(path, {{"x", DType::F32, {2}, bytesOf(x)}},
                                {{"format", "pt"}}));
  for (const std::string &where : {path, std::string(dir)}) {
    auto checkpoint = Checkpoint::open(where);
    ASSERT_TRUE(static_cast<bool>(checkpoint))
        << llvm::toString(checkpoint.takeError());
    ASSERT_EQ(checkpoint->tensors().size(), 1u);
    ASSERT_NE(checkpoint->lookup("x"), nullptr);
    EXPECT_EQ(*readAsFloat32(*checkpoint->lookup("x")), x);
    EXPECT_EQ(checkpoint->metadata().at("format"), "pt");
  }
}

TEST_F(SafetensorsTest, ShardedCheckpoint) {
  std::vector<float> a = {1, 2}, b = {3}, c = {4, 5, 6};
  ASSERT_FALSE(writeSafetensors(pathOf("model-00001-of-00002.safetensors"),
                                {{"a", DType::F32, {2}, bytesOf(a)},
                                 {"c", DType::F32, {3}, bytesOf(c)}}));
  ASSERT_FALSE(writeSafetensors(pathOf("model-00002-of-00002.safetensors"),
                                {{"b", DType::F32, {1}, bytesOf(b)}}));
  writeRaw("model.safetensors.index.json", R"({
    "metadata": {"total_size": 24},
    "weight_map": {"c": "model-00001-of-00002.safetensors",
                   "b": "model-00002-of-00002.safetensors",
                   "a": "model-00001-of-00002.safetensors"}})");

  auto checkpoint = Checkpoint::open(dir);
  ASSERT_TRUE(static_cast<bool>(checkpoint))
      << llvm::toString(checkpoint.takeError());
  EXPECT_EQ(checkpoint->files().size(), 2u);
  std::vector<std::string> names;
  for (const TensorInfo &info : checkpoint->tensors())
    names.push_back(info.name);
  EXPECT_EQ(names, (std::vector<std::string>{"a", "b", "c"}));
  const TensorInfo *info = checkpoint->lookup("b");
  ASSERT_NE(info, nullptr);
  EXPECT_EQ(info->file, pathOf("model-00002-of-00002.safetensors"));
  EXPECT_EQ(*readAsFloat32(*info), b);
  EXPECT_EQ(*readAsFloat32(*checkpoint->lookup("c")), c);
  EXPECT_EQ(checkpoint->lookup("d"), nullptr);
  EXPECT_EQ(checkpoint->metadata().at("total_size"), "24");

  // The index file itself may be given too.
  auto byIndex = Checkpoint::open(pathOf("model.safetensors.index.json"));
  ASSERT_TRUE(static_cast<bool>(byIndex))
      << llvm::toString(byIndex.takeError());
  EXPECT_EQ(byIndex->tensors().size(), 3u);
}

TEST_F(SafetensorsTest, ShardedCheckpointWithAMissingShard) {
  std::vector<float> a = {1};
  ASSERT_FALSE(writeSafetensors(pathOf("model-00001-of-00002.safetensors"),
                                {{"a", DType::F32, {1}, bytesOf(a)}}));
  std::string index = writeRaw("model.safetensors.index.json", R"({
    "weight_map": {"a": "model-00001-of-00002.safetensors",
                   "lm_head.weight": "model-00002-of-00002.safetensors"}})");
  EXPECT_EQ(errorOf(Checkpoint::open(dir)),
            index +
                ": shard 'model-00002-of-00002.safetensors' (needed for "
                "tensor 'lm_head.weight') is missing: no file " +
                pathOf("model-00002-of-00002.safetensors"));
}

TEST_F(SafetensorsTest, ShardedCheckpointWithATensorAbsentFromItsShard) {
  std::vector<float> a = {1};
  ASSERT_FALSE(writeSafetensors(pathOf("model-00001-of-00001.safetensors"),
                                {{"a", DType::F32, {1}, bytesOf(a)}}));
  std::string index = writeRaw("model.safetensors.index.json", R"({
    "weight_map": {"a": "model-00001-of-00001.safetensors",
                   "b": "model-00001-of-00001.safetensors"}})");
  EXPECT_EQ(errorOf(Checkpoint::open(dir)),
            index + ": tensor 'b' is listed in weight_map under shard "
                    "'model-00001-of-00001.safetensors', but that shard does "
                    "not contain it");
}

// A shard is a file beside the index: names that climb out of the
// checkpoint directory or are absolute are refused before anything opens.
TEST_F(SafetensorsTest, ShardedCheckpointNamingAFileOutsideIt) {
  std::vector<float> a = {1};
  ASSERT_FALSE(writeSafetensors(pathOf("model-00001-of-00001.safetensors"),
                                {{"a", DType::F32, {1}, bytesOf(a)}}));
  for (std::string shard : {"../../x.safetensors", "sub/../../x.safetensors",
                            "/etc/passwd", ""}) {
    std::string index = writeRaw("model.safetensors.index.json",
                                 R"({"weight_map": {"a": ")" + shard + R"("}})");
    EXPECT_EQ(errorOf(Checkpoint::open(dir)),
              index + ": weight_map entry 'a' names shard '" + shard +
                  "', which is not a file inside the checkpoint directory");
  }
  std::string index = writeRaw("model.safetensors.index.json",
                               R"({"weight_map": {"a": "model-00001-of-00001.safetensors", )"
                               R"("a": "model-00001-of-00001.safetensors"}})");
  EXPECT_EQ(errorOf(Checkpoint::open(dir)),
            index + ": index gives the key 'a' twice");
}

TEST_F(SafetensorsTest, ShardedCheckpointWithABadIndex) {
  std::string index = writeRaw("model.safetensors.index.json", "{\"weight");
  EXPECT_CONTAINS(errorOf(Checkpoint::open(dir)),
                  index + ": index is not valid JSON: ");
  writeRaw("model.safetensors.index.json", R"({"metadata": {}})");
  EXPECT_EQ(errorOf(Checkpoint::open(dir)),
            index + ": missing 'weight_map' (the map from tensor name to "
                    "shard file)");
  writeRaw("model.safetensors.index.json", R"({"weight_map": {"a": 3}})");
  EXPECT_EQ(errorOf(Checkpoint::open(dir)),
            index + ": weight_map entry 'a' must be a shard file name, got 3");
}

TEST_F(SafetensorsTest, CorruptShardNamesTheShard) {
  std::string shard = writeRaw("model-00001-of-00001.safetensors", "abc");
  writeRaw("model.safetensors.index.json",
           R"({"weight_map": {"a": "model-00001-of-00001.safetensors"}})");
  EXPECT_CONTAINS(errorOf(Checkpoint::open(dir)),
                  shard + ": file is 3 bytes, too short");
}

TEST_F(SafetensorsTest, DirectoryWithoutACheckpoint) {
  writeRaw("pytorch_model.bin", "not safetensors");
  EXPECT_EQ(errorOf(Checkpoint::open(dir)),
            std::string(dir) +
                ": no checkpoint in this directory: expected "
                "model.safetensors or model.safetensors.index.json");
  std::string nowhere = pathOf("nowhere");
  EXPECT_EQ(errorOf(Checkpoint::open(nowhere)),
            nowhere + ": no such file or directory");
}

} // namespace
