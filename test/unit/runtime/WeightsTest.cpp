//===- WeightsTest.cpp - per-rank weights and the TP manifest ---*- C++ -*-===//
//
// Each rank's slice of a split weight, for contiguous (blocks = 1) and packed
// (blocks = 2) splits on either dim, f32 and bf16, from one file and from a
// sharded checkpoint; the errors for a checkpoint of the wrong full shape and
// for a world size mismatch; the manifest's world_size and split fields.
//
//===----------------------------------------------------------------------===//

#include "runtime/Artifact.h"
#include "runtime/Weights.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <gtest/gtest.h>

using namespace tmc::rt;
using nlohmann::json;

namespace {

#define EXPECT_CONTAINS(text, fragment)                                        \
  EXPECT_NE(std::string(text).find(fragment), std::string::npos)               \
      << "  message: " << (text) << "\n  missing: " << (fragment)

std::string errorOf(llvm::Error error) {
  EXPECT_TRUE(static_cast<bool>(error)) << "expected an error";
  return llvm::toString(std::move(error));
}

template <typename T> std::string errorOf(llvm::Expected<T> value) {
  EXPECT_FALSE(static_cast<bool>(value)) << "expected an error";
  return value ? std::string() : llvm::toString(value.takeError());
}

struct Full {
  std::string name;
  DType dtype;
  std::vector<int64_t> shape;
  std::vector<uint8_t> bytes;
};

/// A full tensor whose element i holds i (f32: the value, bf16: the bits).
Full fullTensor(std::string name, DType dtype, std::vector<int64_t> shape) {
  int64_t count = 1;
  for (int64_t dim : shape)
    count *= dim;
  Full full{std::move(name), dtype, std::move(shape),
            std::vector<uint8_t>(count * dtypeSize(dtype))};
  for (int64_t i = 0; i < count; ++i) {
    if (dtype == DType::F32) {
      float value = float(i);
      std::memcpy(full.bytes.data() + 4 * i, &value, 4);
    } else {
      uint16_t value = uint16_t(i);
      std::memcpy(full.bytes.data() + 2 * i, &value, 2);
    }
  }
  return full;
}

/// Element `index` of a tensor filled by fullTensor().
int64_t elementAt(const HostTensor &tensor, int64_t index) {
  if (tensor.dtype() == DType::F32)
    return int64_t(tensor.as<float>()[index]);
  return tensor.as<uint16_t>()[index];
}

class WeightsTest : public ::testing::Test {
protected:
  void SetUp() override { ASSERT_FALSE(llvm::sys::fs::createUniqueDirectory("tmc-weights", dir)); }
  void TearDown() override { llvm::sys::fs::remove_directories(dir); }

  std::string pathOf(llvm::StringRef name) {
    llvm::SmallString<256> path(dir);
    llvm::sys::path::append(path, name);
    return std::string(path);
  }

  void write(llvm::StringRef file, const std::vector<Full> &tensors) {
    std::vector<TensorToWrite> toWrite;
    for (const Full &full : tensors)
      toWrite.push_back({full.name, full.dtype, full.shape, full.bytes});
    ASSERT_FALSE(writeSafetensors(pathOf(file), toWrite));
  }

  Checkpoint open(llvm::StringRef path) {
    auto checkpoint = Checkpoint::open(path);
    EXPECT_TRUE(static_cast<bool>(checkpoint)) << llvm::toString(checkpoint.takeError());
    return std::move(*checkpoint);
  }

  /// Checks every rank's slice of `full` against the index arithmetic of a
  /// split on `dim` in `blocks` blocks.
  void checkSlices(const Full &full, int64_t dim, int64_t blocks, int64_t world,
                   const Checkpoint &checkpoint) {
    Manifest manifest;
    manifest.worldSize = world;
    TensorSpec spec{full.name, full.dtype, full.shape, ParamSplit{dim, blocks}};
    spec.shape[dim] /= world;
    manifest.params.push_back(spec);
    for (const TensorInfo &other : checkpoint.tensors()) // bound as they are
      if (other.name != full.name)
        manifest.params.push_back({other.name, other.dtype, other.shape, std::nullopt});
    int64_t outer = 1, inner = 1;
    for (int64_t d = 0; d < dim; ++d)
      outer *= full.shape[d];
    for (size_t d = dim + 1; d < full.shape.size(); ++d)
      inner *= full.shape[d];
    int64_t local = spec.shape[dim], part = local / blocks, fullBlock = full.shape[dim] / blocks;
    for (int64_t rank = 0; rank < world; ++rank) {
      auto bound = bindParams(manifest, checkpoint, rank, "ART");
      ASSERT_TRUE(static_cast<bool>(bound)) << llvm::toString(bound.takeError());
      const HostTensor &slice = bound->at(full.name);
      ASSERT_EQ(slice.shape().vec(), spec.shape);
      ASSERT_EQ(slice.dtype(), full.dtype);
      for (int64_t o = 0; o < outer; ++o)
        for (int64_t j = 0; j < local; ++j)
          for (int64_t k = 0; k < inner; ++k) {
            int64_t fullJ = (j / part) * fullBlock + rank * part + j % part;
            ASSERT_EQ(elementAt(slice, (o * local + j) * inner + k),
                      (o * full.shape[dim] + fullJ) * inner + k)
                << full.name << " rank " << rank << " at (" << o << ", " << j << ", " << k
                << ")";
          }
    }
  }

  llvm::SmallString<128> dir;
};

TEST_F(WeightsTest, SlicesEveryRankForEachSplitKind) {
  for (DType dtype : {DType::F32, DType::BF16})
    for (int64_t dim : {0, 1})
      for (int64_t blocks : {1, 2})
        for (int64_t world : {2, 4}) {
          SCOPED_TRACE(std::string(dtypeName(dtype)) + " dim " + std::to_string(dim) +
                       " blocks " + std::to_string(blocks) + " world " + std::to_string(world));
          Full full = fullTensor("w", dtype, {8, 16, 3});
          write("model.safetensors", {full});
          checkSlices(full, dim, blocks, world, open(pathOf("model.safetensors")));
        }
}

TEST_F(WeightsTest, SlicesFromAShardedCheckpointAndKeepsUnsplitWeightsAsViews) {
  Full gateUp = fullTensor("mlp.gate_up_proj.weight", DType::BF16, {8, 4});
  Full down = fullTensor("mlp.down_proj.weight", DType::F32, {4, 4});
  Full norm = fullTensor("norm.weight", DType::F32, {4});
  write("model-00001-of-00002.safetensors", {gateUp, norm});
  write("model-00002-of-00002.safetensors", {down});
  std::string index = pathOf("model.safetensors.index.json");
  {
    std::error_code ec;
    llvm::raw_fd_ostream os(index, ec);
    ASSERT_FALSE(ec);
    os << R"({"weight_map": {"mlp.gate_up_proj.weight": "model-00001-of-00002.safetensors",
                             "norm.weight": "model-00001-of-00002.safetensors",
                             "mlp.down_proj.weight": "model-00002-of-00002.safetensors"}})";
  }
  Checkpoint checkpoint = open(dir);
  checkSlices(gateUp, 0, 2, 2, checkpoint);
  checkSlices(down, 1, 1, 2, checkpoint);

  Manifest manifest;
  manifest.worldSize = 2;
  manifest.params = {{"mlp.gate_up_proj.weight", DType::BF16, {4, 4}, ParamSplit{0, 2}},
                     {"mlp.down_proj.weight", DType::F32, {4, 2}, ParamSplit{1, 1}},
                     {"norm.weight", DType::F32, {4}, std::nullopt}};
  auto bound = bindParams(manifest, checkpoint, 1, "ART");
  ASSERT_TRUE(static_cast<bool>(bound)) << llvm::toString(bound.takeError());
  EXPECT_EQ(bound->at("norm.weight").data(), checkpoint.lookup("norm.weight")->data);
  EXPECT_NE(bound->at("mlp.down_proj.weight").data(),
            checkpoint.lookup("mlp.down_proj.weight")->data);
}

TEST_F(WeightsTest, ACheckpointOfTheWrongFullShapeNamesTheTensorAndTheWorld) {
  write("model.safetensors", {fullTensor("lm_head.weight", DType::F32, {10, 4})});
  Manifest manifest;
  manifest.worldSize = 4;
  manifest.params = {{"lm_head.weight", DType::F32, {2, 4}, ParamSplit{0, 1}}};
  std::string message = errorOf(bindParams(manifest, open(pathOf("model.safetensors")), 0, "ART"));
  EXPECT_CONTAINS(message, "checkpoint does not match the artifact in ART");
  EXPECT_CONTAINS(message, "weight 'lm_head.weight': the checkpoint holds F32 [10, 4]");
  EXPECT_CONTAINS(message, "compiled for 4 ranks and expects the full F32 [8, 4]");
  EXPECT_CONTAINS(message, "split on dim 0 into [2, 4] per rank");
}

TEST_F(WeightsTest, ACheckpointOfTheWrongDtypeOrMissingIsAnError) {
  write("model.safetensors", {fullTensor("w", DType::BF16, {8, 4})});
  Manifest manifest;
  manifest.worldSize = 2;
  manifest.params = {{"w", DType::F32, {8, 2}, ParamSplit{1, 2}},
                     {"gone", DType::F32, {4, 2}, ParamSplit{0, 1}}};
  std::string message = errorOf(bindParams(manifest, open(pathOf("model.safetensors")), 1, "ART"));
  EXPECT_CONTAINS(message, "the checkpoint holds BF16 [8, 4]");
  EXPECT_CONTAINS(message, "expects the full F32 [8, 4] (split on dim 1 in 2 blocks into [8, 2]");
  EXPECT_CONTAINS(message, "missing: gone (F32 [8, 2])"); // the full shape
}

TEST_F(WeightsTest, ARankOutsideTheWorldIsAnError) {
  write("model.safetensors", {fullTensor("w", DType::F32, {4})});
  Manifest manifest;
  manifest.worldSize = 2;
  manifest.params = {{"w", DType::F32, {2}, ParamSplit{0, 1}}};
  EXPECT_CONTAINS(errorOf(bindParams(manifest, open(pathOf("model.safetensors")), 2, "ART")),
                  "ART: no rank 2 in an artifact compiled for 2 ranks");
}

TEST(WorldSizeTest, AMismatchSaysHowItWasCompiledAndHowToLaunch) {
  Manifest manifest;
  manifest.worldSize = 2;
  EXPECT_FALSE(checkWorldSize(manifest, "ART", 2, "mpirun -n 2", "-"));
  EXPECT_EQ(errorOf(checkWorldSize(manifest, "ART", 4, "mpirun -n 4", "run it with mpirun -n 2")),
            "ART was compiled for 2 ranks (tmc compile --tp 2) but runs on 4 ranks (mpirun -n "
            "4); run it with mpirun -n 2, or recompile it");
}

json tpManifest() {
  return json::parse(R"({
    "format": "tmc-artifact/2", "tmc_version": "0.1.0", "target": "cpu",
    "library": "model.so", "graph": "graph.mlir", "world_size": 2, "attention": {},
    "params": [
      {"name": "gate_up", "dtype": "BF16", "shape": [4, 8], "split": {"dim": 0, "blocks": 2}},
      {"name": "down", "dtype": "F32", "shape": [8, 2], "split": {"dim": 1}},
      {"name": "norm", "dtype": "F32", "shape": [8]}],
    "entry_points": []})");
}

TEST(ManifestSplitTest, RoundTripsWorldSizeAndSplits) {
  auto manifest = Manifest::fromJson(tpManifest(), "m.json");
  ASSERT_TRUE(static_cast<bool>(manifest)) << llvm::toString(manifest.takeError());
  EXPECT_EQ(manifest->worldSize, 2);
  EXPECT_EQ(manifest->params[0].split, (ParamSplit{0, 2}));
  EXPECT_EQ(manifest->params[1].split, (ParamSplit{1, 1}));
  EXPECT_FALSE(manifest->params[2].split.has_value());
  EXPECT_EQ(fullShape(manifest->params[0], 2), (std::vector<int64_t>{8, 8}));

  auto again = Manifest::fromJson(manifest->toJson(), "again.json");
  ASSERT_TRUE(static_cast<bool>(again)) << llvm::toString(again.takeError());
  EXPECT_EQ(again->worldSize, 2);
  EXPECT_EQ(again->params[0].split, (ParamSplit{0, 2}));
  EXPECT_EQ(again->params[1].split, (ParamSplit{1, 1}));
  EXPECT_FALSE(again->params[2].split.has_value());
  EXPECT_EQ(manifest->toJson(), again->toJson());
}

TEST(ManifestSplitTest, AbsentWorldSizeIsOne) {
  json value = tpManifest();
  value.erase("world_size");
  auto manifest = Manifest::fromJson(value, "m.json");
  ASSERT_TRUE(static_cast<bool>(manifest)) << llvm::toString(manifest.takeError());
  EXPECT_EQ(manifest->worldSize, 1);
}

TEST(ManifestSplitTest, RejectsBadFieldsWithTheirLocation) {
  auto rejects = [](const char *pointer, json replacement) {
    json value = tpManifest();
    value[json::json_pointer(pointer)] = std::move(replacement);
    return errorOf(Manifest::fromJson(value, "m.json"));
  };
  EXPECT_CONTAINS(rejects("/world_size", 0), "m.json: 'world_size' must be a positive integer");
  EXPECT_CONTAINS(rejects("/world_size", "2"), "'world_size' must be a positive integer");
  EXPECT_CONTAINS(rejects("/params/1/split/dim", 2),
                  "m.json.params[1].split: dim 2 is not a dim of 'down' [8, 2] (0..1)");
  EXPECT_CONTAINS(rejects("/params/1/split/dim", -1), "dim -1 is not a dim of 'down'");
  EXPECT_CONTAINS(rejects("/params/1/split/dim", "0"),
                  "m.json.params[1].split: 'dim' must be an integer");
  EXPECT_CONTAINS(rejects("/params/0/split/blocks", 0),
                  "m.json.params[0].split: 'blocks' must be a positive integer");
  EXPECT_CONTAINS(rejects("/params/0/split/blocks", 3),
                  "'gate_up' has 4 per rank on dim 0, which 3 blocks do not divide");
  EXPECT_CONTAINS(rejects("/params/0/split", json::array({0})),
                  "m.json.params[0]: 'split' must be an object");
  EXPECT_CONTAINS(rejects("/params/0/split/axis", 0),
                  "unknown field 'axis' (expected dim, blocks)");
}

} // namespace

namespace {
TEST(ManifestBlockFormatTest, InterleavedLayoutsHaveTheirOwnShape) {
  auto withBlocks = [](const char *format, json shape) {
    json value = tpManifest();
    value["world_size"] = 1;
    value["params"] = json::array({{{"name", "w"},
                                    {"dtype", "I16"},
                                    {"shape", std::move(shape)},
                                    {"block_format", format}}});
    return Manifest::fromJson(value, "m.json");
  };
  auto interleaved = withBlocks("q4_1x16", {2, 2, 160});
  ASSERT_TRUE(static_cast<bool>(interleaved)) << llvm::toString(interleaved.takeError());
  EXPECT_EQ(interleaved->params[0].blockFormat, "q4_1x16");
  EXPECT_CONTAINS(errorOf(withBlocks("q4_1x16", {32, 2, 10})),
                  "m.json.params[0]: a q4_1x16 weight is I16 [rows / 16, blocks, 160], not I16 "
                  "[32, 2, 10]");
  EXPECT_CONTAINS(errorOf(withBlocks("q8_0", {2, 2, 272})),
                  "a q8_0 weight is I16 [rows, blocks, 17]");
  EXPECT_CONTAINS(errorOf(withBlocks("q5_kx16", {2, 2, 160})),
                  "'block_format' must be one of: q8_0, q4_0, q4_1, q8_0x16, q4_0x16, q4_1x16");
}
} // namespace
