//===- ConfigTest.cpp - config.json reader ----------------------*- C++ -*-===//
#include "frontend/Config.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/raw_ostream.h"

#include <gtest/gtest.h>

using namespace tmc;

namespace {

std::string errorOf(llvm::Error error) { return llvm::toString(std::move(error)); }

template <typename T> std::string errorOf(llvm::Expected<T> value) {
  EXPECT_FALSE(static_cast<bool>(value));
  return value ? std::string() : llvm::toString(value.takeError());
}

ModelConfig parse(llvm::StringRef text) {
  auto config = ModelConfig::fromString(text, "config.json");
  if (!config)
    ADD_FAILURE() << llvm::toString(config.takeError());
  return std::move(*config);
}

const char *kLlamaLike = R"({
  "model_type": "llama",
  "hidden_size": 64,
  "rms_norm_eps": 1e-06,
  "rope_theta": 10000,
  "tie_word_embeddings": false,
  "sliding_window": null,
  "layer_types": ["full_attention", "sliding_attention"]
})";

TEST(ModelConfig, ReadsTypedFields) {
  ModelConfig config = parse(kLlamaLike);
  EXPECT_EQ(*config.getString("model_type"), "llama");
  EXPECT_EQ(*config.getInt("hidden_size"), 64);
  EXPECT_DOUBLE_EQ(*config.getFloat("rms_norm_eps"), 1e-6);
  EXPECT_DOUBLE_EQ(*config.getFloat("rope_theta"), 10000.0); // an int is a number
  EXPECT_FALSE(*config.getBool("tie_word_embeddings"));
  std::vector<std::string> layerTypes = *config.getStringList("layer_types");
  ASSERT_EQ(layerTypes.size(), 2u);
  EXPECT_EQ(layerTypes[1], "sliding_attention");
}

TEST(ModelConfig, NullAndAbsentFieldsAreOptional) {
  ModelConfig config = parse(kLlamaLike);
  EXPECT_FALSE(config.has("sliding_window"));
  EXPECT_FALSE(config.has("head_dim"));
  EXPECT_EQ(*config.getOptionalInt("sliding_window"), std::nullopt);
  EXPECT_EQ(*config.getOptionalInt("hidden_size"), std::optional<int64_t>(64));
  EXPECT_EQ(errorOf(config.getInt("head_dim")),
            "config.json: required field 'head_dim' is missing");
  EXPECT_EQ(errorOf(config.getInt("sliding_window")),
            "config.json: required field 'sliding_window' is missing");
}

TEST(ModelConfig, WrongTypesNameTheFieldAndTheValue) {
  ModelConfig config = parse(R"({"hidden_size": "64", "rope_theta": [1], "x": 1.5,
                                 "layer_types": ["full_attention", 3]})");
  EXPECT_EQ(errorOf(config.getInt("hidden_size")),
            "config.json: field 'hidden_size' must be an integer, got string \"64\"");
  EXPECT_EQ(errorOf(config.getFloat("rope_theta")),
            "config.json: field 'rope_theta' must be a number, got array [1]");
  EXPECT_EQ(errorOf(config.getInt("x")),
            "config.json: field 'x' must be an integer, got number 1.5");
  EXPECT_EQ(errorOf(config.getOptionalInt("x")),
            "config.json: field 'x' must be an integer, got number 1.5");
  EXPECT_EQ(errorOf(config.getStringList("layer_types")),
            "config.json: field 'layer_types[1]' must be a string, got number 3");
}

TEST(ModelConfig, InvalidJsonIsLocated) {
  std::string error = errorOf(ModelConfig::fromString("{\n  \"a\": 1,\n  \"b\": }\n",
                                                      "bad/config.json"));
  EXPECT_EQ(error.rfind("bad/config.json:3:8: invalid JSON: ", 0), 0u) << error;
}

TEST(ModelConfig, TopLevelMustBeAnObject) {
  EXPECT_EQ(errorOf(ModelConfig::fromString("[1, 2]", "config.json")),
            "config.json:1:1: expected a JSON object of config fields, got array");
}

TEST(ModelConfig, MissingFileNamesThePath) {
  std::string error = errorOf(ModelConfig::fromFile("/nonexistent/config.json"));
  EXPECT_EQ(error.rfind("/nonexistent/config.json: cannot read config: ", 0), 0u)
      << error;
}

TEST(ModelConfig, ReadsFromFile) {
  llvm::SmallString<128> path;
  ASSERT_FALSE(llvm::sys::fs::createTemporaryFile("config", "json", path));
  {
    std::error_code ec;
    llvm::raw_fd_ostream os(path, ec);
    ASSERT_FALSE(ec);
    os << kLlamaLike;
  }
  auto config = ModelConfig::fromFile(path);
  llvm::sys::fs::remove(path);
  ASSERT_TRUE(static_cast<bool>(config)) << llvm::toString(config.takeError());
  EXPECT_EQ(*config->getInt("hidden_size"), 64);
  EXPECT_EQ(config->getSourceName(), path.str());
}

} // namespace
