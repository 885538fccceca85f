//===- GenerateTest.cpp - the generation loop on a fake decode entry ------===//

#include "runtime/Generate.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace tmc::rt;

namespace {

constexpr int64_t kVocab = 16;

EntryPoint fakeDecode(int64_t maxSeqLen) {
  EntryPoint entry;
  entry.name = "decode";
  entry.inputs = {{"input_ids", DType::I64, {-1, -1}},
                  {"attention_mask", DType::I64, {-1, -1}},
                  {"position_ids", DType::I64, {-1, -1}},
                  {"cache.0.key", DType::F32, {-1, 1, maxSeqLen, 2}},
                  {"cache.0.value", DType::F32, {-1, 1, maxSeqLen, 2}}};
  entry.results = {{"result0", DType::F32, {-1, -1, kVocab}}};
  entry.maxSeqLen = maxSeqLen;
  return entry;
}

/// Logits whose argmax is (last input token + 1) % vocab; records the calls.
struct FakeModel {
  std::vector<std::vector<int64_t>> masks, positions, ids;
  llvm::Expected<std::vector<HostTensor>> operator()(llvm::ArrayRef<HostTensor> inputs) {
    const HostTensor &in = inputs[0];
    int64_t batch = in.shape()[0], fresh = in.shape()[1];
    ids.emplace_back(in.as<int64_t>(), in.as<int64_t>() + in.numElements());
    masks.emplace_back(inputs[1].as<int64_t>(), inputs[1].as<int64_t>() + inputs[1].numElements());
    positions.emplace_back(inputs[2].as<int64_t>(),
                           inputs[2].as<int64_t>() + inputs[2].numElements());
    HostTensor logits(DType::F32, {batch, fresh, kVocab});
    for (int64_t b = 0; b < batch; ++b)
      for (int64_t s = 0; s < fresh; ++s) {
        int64_t next = (in.as<int64_t>()[b * fresh + s] + 1) % kVocab;
        logits.as<float>()[(b * fresh + s) * kVocab + next] = 5.0f;
      }
    return std::vector<HostTensor>{logits};
  }
};

HostTensor tensor(std::vector<int64_t> shape, std::vector<int64_t> values) {
  HostTensor t(DType::I64, shape);
  std::copy(values.begin(), values.end(), t.as<int64_t>());
  return t;
}

TEST(Generate, GreedyLeftPaddedPositionsAndEos) {
  FakeModel model;
  EntryRunner run = [&](llvm::ArrayRef<HostTensor> in) { return model(in); };
  GenerationOptions options;
  options.maxNewTokens = 4;
  options.eosIds = {9};
  options.padId = 0;
  // Row 0: 3 tokens; row 1: 2 tokens, left-padded.
  HostTensor ids = tensor({2, 3}, {1, 2, 3, 0, 6, 7});
  HostTensor mask = tensor({2, 3}, {1, 1, 1, 0, 1, 1});
  auto out = generate(fakeDecode(8), run, ids, mask, options);
  ASSERT_TRUE(static_cast<bool>(out)) << llvm::toString(out.takeError());
  EXPECT_EQ((*out)[0], (std::vector<int64_t>{4, 5, 6, 7}));
  EXPECT_EQ((*out)[1], (std::vector<int64_t>{8, 9, 0, 0})); // eos 9, then pad
  ASSERT_EQ(model.positions.size(), 4u);
  // As transformers: cumsum(mask) - 1, 1 at padding; then one past the last.
  EXPECT_EQ(model.positions[0], (std::vector<int64_t>{0, 1, 2, 1, 0, 1}));
  EXPECT_EQ(model.positions[1], (std::vector<int64_t>{3, 2}));
  EXPECT_EQ(model.masks[1], (std::vector<int64_t>{1, 1, 1, 1, 0, 1, 1, 1}));
  EXPECT_EQ(model.ids[2], (std::vector<int64_t>{5, 9}));
}

TEST(Generate, StopsWhenEveryRowFinished) {
  FakeModel model;
  EntryRunner run = [&](llvm::ArrayRef<HostTensor> in) { return model(in); };
  GenerationOptions options;
  options.maxNewTokens = 10;
  options.eosIds = {5};
  auto out = generate(fakeDecode(16), run, tensor({1, 1}, {3}), tensor({1, 1}, {1}), options);
  ASSERT_TRUE(static_cast<bool>(out));
  EXPECT_EQ((*out)[0], (std::vector<int64_t>{4, 5}));
}

TEST(Generate, CacheTooSmall) {
  FakeModel model;
  EntryRunner run = [&](llvm::ArrayRef<HostTensor> in) { return model(in); };
  GenerationOptions options;
  options.maxNewTokens = 8;
  auto out = generate(fakeDecode(4), run, tensor({1, 2}, {1, 2}), tensor({1, 2}, {1, 1}), options);
  ASSERT_FALSE(static_cast<bool>(out));
  EXPECT_NE(llvm::toString(out.takeError()).find("--max-seq-len"), std::string::npos);
}

TEST(PickToken, GreedyAndFilters) {
  std::vector<float> logits{0.0f, 3.0f, 3.0f, 1.0f, 2.0f};
  std::mt19937_64 rng(0);
  GenerationOptions greedy;
  EXPECT_EQ(pickToken(logits.data(), 5, greedy, rng), 1); // first maximum
  GenerationOptions sample;
  sample.sample = true;
  sample.topK = 1; // ties with the k-th stay: tokens 1 and 2
  for (int i = 0; i < 50; ++i) {
    int64_t t = pickToken(logits.data(), 5, sample, rng);
    EXPECT_TRUE(t == 1 || t == 2);
  }
  sample.topK = 0;
  sample.topP = 0.01; // the single most likely token
  for (int i = 0; i < 20; ++i)
    EXPECT_EQ(pickToken(logits.data(), 5, sample, rng), 1);
}

TEST(PickToken, SeededSamplesRepeatAndFollowSoftmax) {
  std::vector<float> logits{0.0f, std::log(3.0f)}; // probabilities 1/4, 3/4
  GenerationOptions sample;
  sample.sample = true;
  std::mt19937_64 a(7), b(7);
  int ones = 0;
  for (int i = 0; i < 4000; ++i) {
    int64_t x = pickToken(logits.data(), 2, sample, a);
    EXPECT_EQ(x, pickToken(logits.data(), 2, sample, b));
    ones += x;
  }
  EXPECT_NEAR(ones / 4000.0, 0.75, 0.03);
  sample.temperature = 1e-3; // nearly greedy
  EXPECT_EQ(pickToken(logits.data(), 2, sample, a), 1);
}

TEST(PickToken, TinyTemperatureIsGreedyNotNaN) {
  // Dividing the logits by 1e-320 overflows them all to +-inf; their softmax
  // would be NaN, and the draw would land on the last token.
  std::vector<float> logits{0.0f, 3.0f, 1.0f, 2.0f};
  GenerationOptions sample;
  sample.sample = true;
  std::mt19937_64 rng(0);
  for (double temperature : {1e-320, 1e-300, 1e-30}) {
    sample.temperature = temperature;
    for (int i = 0; i < 20; ++i)
      EXPECT_EQ(pickToken(logits.data(), 4, sample, rng), 1) << "temperature " << temperature;
  }
}

} // namespace
