//===- TorchExecutorTest.cpp - the LibTorch reference executor --*- C++ -*-===//
//
// Each test parses a small tmc function, runs it with runWithTorch and compares
// the result with the same computation written with other ATen calls than the
// executor uses for that op (scaled_dot_product_attention for attention,
// at::rms_norm, explicit cos/sin and gelu formulas, einsum), or checks the
// error it reports. Tolerances: f32 results agree within 1e-5 absolute (and
// 1e-5 relative) unless a test says otherwise; lookups and shape ops are exact.
//
//===----------------------------------------------------------------------===//

#include "runtime/torch/TorchExecutor.h"

#include "ir/Tmc/TmcDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"

#include <ATen/ATen.h>

#include <gtest/gtest.h>

#include <cmath>
#include <map>

using namespace mlir;

namespace {

using Weights = std::map<std::string, at::Tensor>;

constexpr double kTol = 1e-5;

class TorchExecutorTest : public ::testing::Test {
protected:
  TorchExecutorTest() {
    DialectRegistry registry;
    registry.insert<tmc::TmcDialect, func::FuncDialect, arith::ArithDialect,
                    tensor::TensorDialect>();
    context.appendDialectRegistry(registry);
    context.loadAllAvailableDialects();
    at::manual_seed(0);
  }

  /// Parses `source` and runs `entry` of it on `inputs` with `weights`.
  llvm::Expected<std::vector<at::Tensor>> run(llvm::StringRef source,
                                              std::vector<at::Tensor> inputs,
                                              const Weights &weights = {},
                                              llvm::StringRef entry = "main") {
    // Not verified here: runWithTorch verifies the module itself.
    module = parseSourceString<ModuleOp>(source, ParserConfig(&context, /*verifyAfterParse=*/false),
                                         "test.mlir");
    if (!module)
      return llvm::createStringError("the test IR does not parse");
    auto provider = [&](llvm::StringRef name) -> llvm::Expected<at::Tensor> {
      auto found = weights.find(name.str());
      if (found == weights.end())
        return llvm::createStringError("no tensor named '" + name.str() + "' in the checkpoint");
      return found->second;
    };
    return tmc::rt::runWithTorch(*module, entry, inputs, provider);
  }

  /// Runs and expects success.
  std::vector<at::Tensor> runOk(llvm::StringRef source, std::vector<at::Tensor> inputs,
                                const Weights &weights = {}) {
    llvm::Expected<std::vector<at::Tensor>> results = run(source, std::move(inputs), weights);
    if (!results) {
      ADD_FAILURE() << llvm::toString(results.takeError());
      return {};
    }
    return std::move(*results);
  }

  /// Runs, expects a failure and returns its message.
  std::string runError(llvm::StringRef source, std::vector<at::Tensor> inputs,
                       const Weights &weights = {}) {
    llvm::Expected<std::vector<at::Tensor>> results = run(source, std::move(inputs), weights);
    if (results) {
      ADD_FAILURE() << "expected an error";
      return "";
    }
    return llvm::toString(results.takeError());
  }

  MLIRContext context;
  OwningOpRef<ModuleOp> module;
};

at::Tensor randn(at::IntArrayRef shape) { return at::randn(shape, at::kFloat); }

at::Tensor index(int64_t value) { return at::scalar_tensor(value, at::kLong); }

/// Same shape and dtype, and every element within atol + rtol * |expected|.
void expectClose(const at::Tensor &actual, const at::Tensor &expected, double atol = kTol,
                 double rtol = kTol) {
  ASSERT_TRUE(actual.defined());
  ASSERT_EQ(actual.sizes().vec(), expected.sizes().vec());
  ASSERT_EQ(actual.scalar_type(), expected.scalar_type());
  at::Tensor a = actual.to(at::kDouble), e = expected.to(at::kDouble);
  EXPECT_FALSE(a.isnan().any().item<bool>()) << "NaN in the result";
  double maxError = (a - e).abs().max().item<double>();
  EXPECT_TRUE(at::allclose(a, e, rtol, atol)) << "max abs error " << maxError;
}

void expectEqual(const at::Tensor &actual, const at::Tensor &expected) {
  ASSERT_TRUE(actual.defined());
  ASSERT_EQ(actual.sizes().vec(), expected.sizes().vec());
  ASSERT_EQ(actual.scalar_type(), expected.scalar_type());
  EXPECT_TRUE(at::equal(actual, expected));
}

//===----------------------------------------------------------------------===//
// Linear algebra and lookups
//===----------------------------------------------------------------------===//

TEST_F(TorchExecutorTest, LinearWithBias) {
  const char *ir = R"mlir(
    tmc.param @"proj.weight" : tensor<4x8xf32>
    tmc.param @"proj.bias" : tensor<4xf32>
    func.func @main(%x: tensor<?x?x8xf32>) -> tensor<?x?x4xf32> {
      %w = tmc.get_param @"proj.weight" : tensor<4x8xf32>
      %b = tmc.get_param @"proj.bias" : tensor<4xf32>
      %y = tmc.linear %x, %w, %b at "proj"
          : (tensor<?x?x8xf32>, tensor<4x8xf32>, tensor<4xf32>) -> tensor<?x?x4xf32>
      return %y : tensor<?x?x4xf32>
    })mlir";
  at::Tensor x = randn({2, 3, 8}), w = randn({4, 8}), b = randn({4});
  auto out = runOk(ir, {x}, {{"proj.weight", w}, {"proj.bias", b}});
  ASSERT_EQ(out.size(), 1u);
  expectClose(out[0], at::einsum("bsi,oi->bso", {x, w}) + b);
}

TEST_F(TorchExecutorTest, EmbeddingAndMatmul) {
  const char *ir = R"mlir(
    tmc.param @"embed.weight" : tensor<10x4xf32>
    func.func @main(%ids: tensor<?x?xi64>, %m: tensor<2x4x5xf32>)
        -> (tensor<?x?x4xf32>, tensor<2x3x5xf32>) {
      %t = tmc.get_param @"embed.weight" : tensor<10x4xf32>
      %h = tmc.embedding %ids, %t : (tensor<?x?xi64>, tensor<10x4xf32>) -> tensor<?x?x4xf32>
      %s = tmc.embedding %ids, %t : (tensor<?x?xi64>, tensor<10x4xf32>) -> tensor<2x3x4xf32>
      %p = tmc.matmul %s, %m : (tensor<2x3x4xf32>, tensor<2x4x5xf32>) -> tensor<2x3x5xf32>
      return %h, %p : tensor<?x?x4xf32>, tensor<2x3x5xf32>
    })mlir";
  at::Tensor table = randn({10, 4}), m = randn({2, 4, 5});
  at::Tensor ids = at::tensor({1, 9, 0, 4, 4, 7}, at::kLong).view({2, 3});
  auto out = runOk(ir, {ids, m}, {{"embed.weight", table}});
  ASSERT_EQ(out.size(), 2u);
  at::Tensor rows = table.index_select(0, ids.flatten()).view({2, 3, 4});
  expectEqual(out[0], rows);
  expectClose(out[1], at::bmm(rows, m));
}

//===----------------------------------------------------------------------===//
// Attention
//===----------------------------------------------------------------------===//

/// mask[i][j] = query i (of the last seq_q positions) may read key j.
at::Tensor causalMask(int64_t seqQ, int64_t seqKv, int64_t window = 0) {
  at::Tensor mask = at::zeros({seqQ, seqKv}, at::kBool);
  for (int64_t i = 0; i < seqQ; ++i)
    for (int64_t j = 0; j < seqKv; ++j) {
      int64_t last = i + seqKv - seqQ;
      mask[i][j] = j <= last && (window == 0 || j > last - window);
    }
  return mask;
}

TEST_F(TorchExecutorTest, GqaCausalAttentionWithShorterQuery) {
  // 4 query heads over 2 kv heads; 3 new queries attend to 5 keys (2 cached).
  const char *ir = R"mlir(
    func.func @main(%q: tensor<?x4x?x8xf32>, %k: tensor<?x2x?x8xf32>, %v: tensor<?x2x?x8xf32>)
        -> tensor<?x4x?x8xf32> {
      %o = tmc.attention %q, %k, %v scale = 0.35355339059327379 causal
          : (tensor<?x4x?x8xf32>, tensor<?x2x?x8xf32>, tensor<?x2x?x8xf32>) -> tensor<?x4x?x8xf32>
      return %o : tensor<?x4x?x8xf32>
    })mlir";
  at::Tensor q = randn({2, 4, 3, 8}), k = randn({2, 2, 5, 8}), v = randn({2, 2, 5, 8});
  auto out = runOk(ir, {q, k, v});
  ASSERT_EQ(out.size(), 1u);
  at::Tensor expected = at::scaled_dot_product_attention(
      q, k, v, causalMask(3, 5), 0.0, /*is_causal=*/false, 1.0 / std::sqrt(8.0),
      /*enable_gqa=*/true);
  expectClose(out[0], expected);
}

TEST_F(TorchExecutorTest, SlidingWindowAttention) {
  const char *ir = R"mlir(
    func.func @main(%q: tensor<1x2x6x4xf32>, %k: tensor<1x2x6x4xf32>, %v: tensor<1x2x6x4xf32>)
        -> tensor<1x2x6x4xf32> {
      %o = tmc.attention %q, %k, %v scale = 0.5 causal sliding_window = 3
          : (tensor<1x2x6x4xf32>, tensor<1x2x6x4xf32>, tensor<1x2x6x4xf32>) -> tensor<1x2x6x4xf32>
      return %o : tensor<1x2x6x4xf32>
    })mlir";
  at::Tensor q = randn({1, 2, 6, 4}), k = randn({1, 2, 6, 4}), v = randn({1, 2, 6, 4});
  auto out = runOk(ir, {q, k, v});
  ASSERT_EQ(out.size(), 1u);
  // Band of width 3: tril(0) & triu(-2).
  at::Tensor ones = at::ones({6, 6}, at::kBool);
  at::Tensor band = at::tril(ones).logical_and(at::triu(ones, -2));
  ASSERT_TRUE(at::equal(band, causalMask(6, 6, 3)));
  expectClose(out[0], at::scaled_dot_product_attention(q, k, v, band, 0.0, false, 0.5));
}

TEST_F(TorchExecutorTest, KeyMaskWithFullyPaddedRowsYieldsZeros) {
  // Batch 1 is left-padded by 2: its first two queries see no key at all.
  const char *ir = R"mlir(
    func.func @main(%q: tensor<2x2x5x4xf32>, %k: tensor<2x2x5x4xf32>, %v: tensor<2x2x5x4xf32>,
                    %m: tensor<2x5xi64>) -> tensor<2x2x5x4xf32> {
      %o = tmc.attention %q, %k, %v mask %m scale = 0.5 causal
          : (tensor<2x2x5x4xf32>, tensor<2x2x5x4xf32>, tensor<2x2x5x4xf32>, tensor<2x5xi64>)
          -> tensor<2x2x5x4xf32>
      return %o : tensor<2x2x5x4xf32>
    })mlir";
  at::Tensor q = randn({2, 2, 5, 4}), k = randn({2, 2, 5, 4}), v = randn({2, 2, 5, 4});
  at::Tensor keyMask = at::tensor({1, 1, 1, 1, 1, 0, 0, 1, 1, 1}, at::kLong).view({2, 5});
  auto out = runOk(ir, {q, k, v, keyMask});
  ASSERT_EQ(out.size(), 1u);
  at::Tensor mask = causalMask(5, 5).view({1, 1, 5, 5}).logical_and(
      keyMask.ne(0).view({2, 1, 1, 5}));
  at::Tensor seesAKey = mask.any(-1, /*keepdim=*/true);
  at::Tensor expected = at::scaled_dot_product_attention(q, k, v, mask, 0.0, false, 0.5);
  expected = at::where(seesAKey, expected, at::zeros({}, at::kFloat));
  expectClose(out[0], expected);
  at::Tensor padded = out[0].select(0, 1).slice(1, 0, 2);
  EXPECT_TRUE(at::equal(padded, at::zeros_like(padded)));
}

TEST_F(TorchExecutorTest, SoftcapAppliesBeforeMasking) {
  const char *ir = R"mlir(
    func.func @main(%q: tensor<1x4x3x8xf32>, %k: tensor<1x1x3x8xf32>, %v: tensor<1x1x3x8xf32>)
        -> tensor<1x4x3x8xf32> {
      %o = tmc.attention %q, %k, %v scale = 2.0 causal softcap = 5.0
          : (tensor<1x4x3x8xf32>, tensor<1x1x3x8xf32>, tensor<1x1x3x8xf32>) -> tensor<1x4x3x8xf32>
      return %o : tensor<1x4x3x8xf32>
    })mlir";
  at::Tensor q = randn({1, 4, 3, 8}), k = randn({1, 1, 3, 8}), v = randn({1, 1, 3, 8});
  auto out = runOk(ir, {q, k, v});
  ASSERT_EQ(out.size(), 1u);
  // Multi-query: every query head reads kv head 0 (index_select, not repeat).
  at::Tensor heads = at::zeros({4}, at::kLong);
  at::Tensor kk = k.index_select(1, heads), vv = v.index_select(1, heads);
  at::Tensor s = at::einsum("bhqd,bhkd->bhqk", {q, kk}) * 2.0;
  s = 5.0 * at::tanh(s / 5.0);
  s = at::where(causalMask(3, 3), s, -INFINITY);
  at::Tensor e = at::exp(s - std::get<0>(s.max(-1, true)));
  at::Tensor expected = at::einsum("bhqk,bhkd->bhqd", {e / e.sum(-1, true), vv});
  expectClose(out[0], expected);
  // Without the cap the scores (up to ~2 * 8) would give a visibly different result.
  at::Tensor uncapped = at::scaled_dot_product_attention(q, k, v, causalMask(3, 3), 0.0, false,
                                                         2.0, /*enable_gqa=*/true);
  EXPECT_GT((uncapped - out[0]).abs().max().item<double>(), 1e-2);
}

//===----------------------------------------------------------------------===//
// Rotary embeddings
//===----------------------------------------------------------------------===//

/// Rotary embedding written per pair in f64: pair p = (a, b) of features
/// rotated by angle(pos, i) = pos / factor * theta^(-2i / rotaryDim).
at::Tensor ropeReference(const at::Tensor &x, const at::Tensor &positions, double theta,
                         int64_t rotaryDim, double factor, bool interleaved) {
  at::Tensor out = x.to(at::kDouble).clone(), in = x.to(at::kDouble);
  at::Tensor pos = positions.dim() == 1 ? positions.unsqueeze(0) : positions;
  for (int64_t i = 0; i < rotaryDim / 2; ++i) {
    double invFreq = std::pow(theta, -2.0 * i / rotaryDim) / factor;
    // [batch or 1, 1, seq]
    at::Tensor angle = (pos.to(at::kDouble) * invFreq).unsqueeze(1);
    int64_t a = interleaved ? 2 * i : i, b = interleaved ? 2 * i + 1 : i + rotaryDim / 2;
    at::Tensor xa = in.select(-1, a), xb = in.select(-1, b);
    out.select(-1, a).copy_(xa * angle.cos() - xb * angle.sin());
    out.select(-1, b).copy_(xb * angle.cos() + xa * angle.sin());
  }
  return out.to(x.scalar_type());
}

TEST_F(TorchExecutorTest, RopeRotateHalfPartialScaledWithBatchPositions) {
  const char *ir = R"mlir(
    func.func @main(%x: tensor<?x2x?x8xf32>, %pos: tensor<?x?xi64>) -> tensor<?x2x?x8xf32> {
      %y = tmc.rope %x, %pos theta = 10000.0 rotary_dim = 4 scaling_factor = 2.0
          : (tensor<?x2x?x8xf32>, tensor<?x?xi64>) -> tensor<?x2x?x8xf32>
      return %y : tensor<?x2x?x8xf32>
    })mlir";
  at::Tensor x = randn({2, 2, 5, 8});
  at::Tensor pos = at::stack({at::arange(0, 5, at::kLong), at::arange(11, 16, at::kLong)});
  auto out = runOk(ir, {x, pos});
  ASSERT_EQ(out.size(), 1u);
  expectClose(out[0], ropeReference(x, pos, 10000.0, 4, 2.0, /*interleaved=*/false));
  // Features past rotary_dim pass through unchanged.
  EXPECT_TRUE(at::equal(out[0].slice(-1, 4), x.slice(-1, 4)));
}

TEST_F(TorchExecutorTest, RopeInterleavedPartialFromArange) {
  // GLM style: pairs (2i, 2i+1), half of the head rotated, positions 7..10.
  const char *ir = R"mlir(
    func.func @main(%x: tensor<1x3x4x8xf32>, %start: index) -> tensor<1x3x4x8xf32> {
      %len = arith.constant 4 : index
      %pos = tmc.arange %start, %len : tensor<?xi64>
      %y = tmc.rope %x, %pos theta = 500.0 rotary_dim = 4 interleaved
          : (tensor<1x3x4x8xf32>, tensor<?xi64>) -> tensor<1x3x4x8xf32>
      return %y : tensor<1x3x4x8xf32>
    })mlir";
  at::Tensor x = randn({1, 3, 4, 8});
  auto out = runOk(ir, {x, index(7)});
  ASSERT_EQ(out.size(), 1u);
  expectClose(out[0], ropeReference(x, at::arange(7, 11, at::kLong), 500.0, 4, 1.0,
                                    /*interleaved=*/true));
  EXPECT_TRUE(at::equal(out[0].slice(-1, 4), x.slice(-1, 4)));
}

TEST_F(TorchExecutorTest, RopeFullRotaryBf16) {
  // bf16: cos/sin are rounded to bf16 before the products, as in transformers;
  // stated tolerance 2e-2 (a few bf16 ulps at |x| ~ 3).
  const char *ir = R"mlir(
    func.func @main(%x: tensor<1x2x6x8xbf16>, %pos: tensor<6xi32>) -> tensor<1x2x6x8xbf16> {
      %y = tmc.rope %x, %pos theta = 10000.0 rotary_dim = 8
          : (tensor<1x2x6x8xbf16>, tensor<6xi32>) -> tensor<1x2x6x8xbf16>
      return %y : tensor<1x2x6x8xbf16>
    })mlir";
  at::Tensor x = randn({1, 2, 6, 8}).to(at::kBFloat16);
  at::Tensor pos = at::arange(0, 6, at::kInt);
  auto out = runOk(ir, {x, pos});
  ASSERT_EQ(out.size(), 1u);
  expectClose(out[0], ropeReference(x, pos, 10000.0, 8, 1.0, false), 2e-2, 2e-2);
}

//===----------------------------------------------------------------------===//
// Norms and elementwise
//===----------------------------------------------------------------------===//

TEST_F(TorchExecutorTest, RmsNormLlamaAndGemma) {
  // RMSNorm as instantiation emits it: x * rsqrt(mean(x^2) + eps), times the
  // weight (Llama) or times (1 + weight) (Gemma).
  const char *ir = R"mlir(
    tmc.param @"norm.weight" : tensor<16xf32>
    func.func @main(%x: tensor<?x?x16xf32>) -> (tensor<?x?x16xf32>, tensor<?x?x16xf32>) {
      %eps = arith.constant dense<9.99999997E-7> : tensor<f32>
      %one = arith.constant dense<1.000000e+00> : tensor<f32>
      %w = tmc.get_param @"norm.weight" : tensor<16xf32>
      %sq = tmc.pow %x exponent = 2.000000e+00 : tensor<?x?x16xf32>
      %var = tmc.mean %sq dims = [2] keepdim : tensor<?x?x16xf32> -> tensor<?x?x1xf32>
      %ve = tmc.add %var, %eps : (tensor<?x?x1xf32>, tensor<f32>) -> tensor<?x?x1xf32>
      %inv = tmc.rsqrt %ve : tensor<?x?x1xf32>
      %xn = tmc.mul %x, %inv : (tensor<?x?x16xf32>, tensor<?x?x1xf32>) -> tensor<?x?x16xf32>
      %a = tmc.mul %w, %xn : (tensor<16xf32>, tensor<?x?x16xf32>) -> tensor<?x?x16xf32>
      %scale = tmc.add %one, %w : (tensor<f32>, tensor<16xf32>) -> tensor<16xf32>
      %b = tmc.mul %xn, %scale : (tensor<?x?x16xf32>, tensor<16xf32>) -> tensor<?x?x16xf32>
      return %a, %b : tensor<?x?x16xf32>, tensor<?x?x16xf32>
    })mlir";
  at::Tensor x = randn({2, 3, 16}), w = randn({16});
  auto out = runOk(ir, {x}, {{"norm.weight", w}});
  ASSERT_EQ(out.size(), 2u);
  expectClose(out[0], at::rms_norm(x, {16}, w, 1e-6));
  expectClose(out[1], at::rms_norm(x, {16}, w + 1.0, 1e-6));
}

TEST_F(TorchExecutorTest, RmsNormBf16FollowsTransformersRounding) {
  // Llama casts the normalized f32 value to bf16 before the weight product;
  // Gemma multiplies by (1 + w) in f32 and casts once. Both bit-exact, with
  // the casts where instantiation emits them for a bf16 model.
  const char *ir = R"mlir(
    func.func @main(%x: tensor<4x32xbf16>, %w: tensor<32xbf16>) -> (tensor<4x32xbf16>, tensor<4x32xbf16>) {
      %eps = arith.constant dense<9.99999974E-6> : tensor<f32>
      %one = arith.constant dense<1.000000e+00> : tensor<f32>
      %xf = tmc.cast %x : tensor<4x32xbf16> -> tensor<4x32xf32>
      %sq = tmc.pow %xf exponent = 2.000000e+00 : tensor<4x32xf32>
      %var = tmc.mean %sq dims = [1] keepdim : tensor<4x32xf32> -> tensor<4x1xf32>
      %ve = tmc.add %var, %eps : (tensor<4x1xf32>, tensor<f32>) -> tensor<4x1xf32>
      %inv = tmc.rsqrt %ve : tensor<4x1xf32>
      %xn = tmc.mul %xf, %inv : (tensor<4x32xf32>, tensor<4x1xf32>) -> tensor<4x32xf32>
      %xnb = tmc.cast %xn : tensor<4x32xf32> -> tensor<4x32xbf16>
      %a = tmc.mul %w, %xnb : (tensor<32xbf16>, tensor<4x32xbf16>) -> tensor<4x32xbf16>
      %wf = tmc.cast %w : tensor<32xbf16> -> tensor<32xf32>
      %scale = tmc.add %one, %wf : (tensor<f32>, tensor<32xf32>) -> tensor<32xf32>
      %bf = tmc.mul %xn, %scale : (tensor<4x32xf32>, tensor<32xf32>) -> tensor<4x32xf32>
      %b = tmc.cast %bf : tensor<4x32xf32> -> tensor<4x32xbf16>
      return %a, %b : tensor<4x32xbf16>, tensor<4x32xbf16>
    })mlir";
  at::Tensor x = randn({4, 32}).to(at::kBFloat16), w = randn({32}).to(at::kBFloat16);
  auto out = runOk(ir, {x, w});
  ASSERT_EQ(out.size(), 2u);
  at::Tensor xf = x.to(at::kFloat);
  at::Tensor normed = xf * at::rsqrt(at::square(xf).mean({-1}, true) + 1e-5);
  expectEqual(out[0], w * normed.to(at::kBFloat16));
  expectEqual(out[1], (normed * (1.0 + w.to(at::kFloat))).to(at::kBFloat16));
}

TEST_F(TorchExecutorTest, LayerNormAndSoftmax) {
  // LayerNorm from the ops instantiation emits: centered values, the biased
  // variance, scale and shift.
  const char *ir = R"mlir(
    func.func @main(%x: tensor<3x8xf32>, %w: tensor<8xf32>, %b: tensor<8xf32>)
        -> (tensor<3x8xf32>, tensor<3x8xf32>) {
      %eps = arith.constant dense<9.99999974E-6> : tensor<f32>
      %mean = tmc.mean %x dims = [1] keepdim : tensor<3x8xf32> -> tensor<3x1xf32>
      %c = tmc.sub %x, %mean : (tensor<3x8xf32>, tensor<3x1xf32>) -> tensor<3x8xf32>
      %sq = tmc.pow %c exponent = 2.000000e+00 : tensor<3x8xf32>
      %var = tmc.mean %sq dims = [1] keepdim : tensor<3x8xf32> -> tensor<3x1xf32>
      %ve = tmc.add %var, %eps : (tensor<3x1xf32>, tensor<f32>) -> tensor<3x1xf32>
      %inv = tmc.rsqrt %ve : tensor<3x1xf32>
      %n = tmc.mul %c, %inv : (tensor<3x8xf32>, tensor<3x1xf32>) -> tensor<3x8xf32>
      %scaled = tmc.mul %n, %w : (tensor<3x8xf32>, tensor<8xf32>) -> tensor<3x8xf32>
      %y = tmc.add %scaled, %b : (tensor<3x8xf32>, tensor<8xf32>) -> tensor<3x8xf32>
      %s = tmc.softmax %x dim = -1 : tensor<3x8xf32>
      return %y, %s : tensor<3x8xf32>, tensor<3x8xf32>
    })mlir";
  at::Tensor x = randn({3, 8}), w = randn({8}), b = randn({8});
  auto out = runOk(ir, {x, w, b});
  ASSERT_EQ(out.size(), 2u);
  expectClose(out[0], at::layer_norm(x, {8}, w, b, 1e-5));
  at::Tensor e = at::exp(x - std::get<0>(x.max(-1, true)));
  expectClose(out[1], e / e.sum({-1}, true));
}

TEST_F(TorchExecutorTest, ElementwiseActivationsAndBroadcasting) {
  const char *ir = R"mlir(
    func.func @main(%x: tensor<2x6xf32>, %r: tensor<6xf32>, %s: tensor<f32>)
        -> (tensor<2x6xf32>, tensor<2x6xf32>, tensor<2x6xf32>, tensor<2x6xf32>, tensor<2x6xbf16>) {
      %g = tmc.gelu %x : tensor<2x6xf32>
      %t = tmc.gelu_tanh %x : tensor<2x6xf32>
      %si = tmc.silu %x : tensor<2x6xf32>
      %sg = tmc.sigmoid %x : tensor<2x6xf32>
      %re = tmc.relu %x : tensor<2x6xf32>
      %e = tmc.exp %x : tensor<2x6xf32>
      %th = tmc.tanh %x : tensor<2x6xf32>
      %n = tmc.neg %th : tensor<2x6xf32>
      %sq = tmc.pow %x exponent = 2.0 : tensor<2x6xf32>
      %one = arith.constant dense<1.0> : tensor<2x6xf32>
      %p1 = tmc.add %sq, %one : (tensor<2x6xf32>, tensor<2x6xf32>) -> tensor<2x6xf32>
      %rs = tmc.rsqrt %p1 : tensor<2x6xf32>
      %m = tmc.mul %x, %r : (tensor<2x6xf32>, tensor<6xf32>) -> tensor<2x6xf32>
      %d = tmc.div %m, %s : (tensor<2x6xf32>, tensor<f32>) -> tensor<2x6xf32>
      %a = tmc.sub %d, %rs : (tensor<2x6xf32>, tensor<2x6xf32>) -> tensor<2x6xf32>
      %a2 = tmc.add %a, %e : (tensor<2x6xf32>, tensor<2x6xf32>) -> tensor<2x6xf32>
      %a3 = tmc.add %a2, %n : (tensor<2x6xf32>, tensor<2x6xf32>) -> tensor<2x6xf32>
      %a4 = tmc.mul %a3, %sg : (tensor<2x6xf32>, tensor<2x6xf32>) -> tensor<2x6xf32>
      %c = tmc.cast %re : tensor<2x6xf32> -> tensor<2x6xbf16>
      return %g, %t, %si, %a4, %c : tensor<2x6xf32>, tensor<2x6xf32>, tensor<2x6xf32>, tensor<2x6xf32>, tensor<2x6xbf16>
    })mlir";
  at::Tensor x = randn({2, 6}), r = randn({6}), s = at::scalar_tensor(1.5, at::kFloat);
  auto out = runOk(ir, {x, r, s});
  ASSERT_EQ(out.size(), 5u);
  expectClose(out[0], 0.5 * x * (1.0 + at::erf(x / std::sqrt(2.0))));
  double c = std::sqrt(2.0 / M_PI);
  expectClose(out[1], 0.5 * x * (1.0 + at::tanh(c * (x + 0.044715 * x * x * x))));
  at::Tensor sig = 1.0 / (1.0 + at::exp(-x));
  expectClose(out[2], x * sig);
  at::Tensor expected = (x * r / 1.5 - 1.0 / at::sqrt(x * x + 1.0) + at::exp(x) - at::tanh(x)) * sig;
  expectClose(out[3], expected);
  expectEqual(out[4], at::clamp_min(x, 0.0).to(at::kBFloat16));
}

//===----------------------------------------------------------------------===//
// Reductions and shapes
//===----------------------------------------------------------------------===//

TEST_F(TorchExecutorTest, ReductionsWithAndWithoutKeepdim) {
  const char *ir = R"mlir(
    func.func @main(%x: tensor<2x3x4xf32>)
        -> (tensor<2x3x1xf32>, tensor<3xf32>, tensor<2x1x4xf32>, tensor<2x3x4xf32>) {
      %s = tmc.sum %x dims = [-1] keepdim : tensor<2x3x4xf32> -> tensor<2x3x1xf32>
      %m = tmc.mean %x dims = [0, 2] : tensor<2x3x4xf32> -> tensor<3xf32>
      %x1 = tmc.max %x dims = [1] keepdim : tensor<2x3x4xf32> -> tensor<2x1x4xf32>
      %none = tmc.sum %x dims = [] : tensor<2x3x4xf32> -> tensor<2x3x4xf32>
      return %s, %m, %x1, %none : tensor<2x3x1xf32>, tensor<3xf32>, tensor<2x1x4xf32>, tensor<2x3x4xf32>
    })mlir";
  at::Tensor x = randn({2, 3, 4});
  auto out = runOk(ir, {x});
  ASSERT_EQ(out.size(), 4u);
  at::Tensor ones = at::ones({4, 1}, at::kFloat);
  expectClose(out[0], at::matmul(x, ones));
  expectClose(out[1], x.permute({1, 0, 2}).reshape({3, 8}).sum(1) / 8.0);
  expectEqual(out[2], std::get<0>(at::max(x, 1, /*keepdim=*/true)));
  expectEqual(out[3], x);
}

TEST_F(TorchExecutorTest, ReshapeWithDynamicSizes) {
  // [b, s, 8] -> [b, s, 2, 4] -> [b, 2, s, 4] -> [b * 2 * s, 4]
  const char *ir = R"mlir(
    func.func @main(%x: tensor<?x?x8xf32>) -> (tensor<?x2x?x4xf32>, tensor<?x4xf32>) {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c2 = arith.constant 2 : index
      %b = tensor.dim %x, %c0 : tensor<?x?x8xf32>
      %s = tensor.dim %x, %c1 : tensor<?x?x8xf32>
      %h = tmc.reshape %x sizes [%b, %s] : tensor<?x?x8xf32> -> tensor<?x?x2x4xf32>
      %t = tmc.transpose %h permutation = [0, 2, 1, 3] : tensor<?x?x2x4xf32> -> tensor<?x2x?x4xf32>
      %bs = arith.muli %b, %s : index
      %n = arith.muli %bs, %c2 : index
      %f = tmc.reshape %t sizes [%n] : tensor<?x2x?x4xf32> -> tensor<?x4xf32>
      return %t, %f : tensor<?x2x?x4xf32>, tensor<?x4xf32>
    })mlir";
  at::Tensor x = randn({3, 5, 8});
  auto out = runOk(ir, {x});
  ASSERT_EQ(out.size(), 2u);
  at::Tensor t = x.view({3, 5, 2, 4}).transpose(1, 2);
  expectEqual(out[0], t);
  expectEqual(out[1], t.contiguous().view({30, 4}));
}

TEST_F(TorchExecutorTest, SplitConcatSlice) {
  const char *ir = R"mlir(
    func.func @main(%x: tensor<2x8xf32>) -> (tensor<2x8xf32>, tensor<2x3xf32>, tensor<2x2xf32>) {
      %p:2 = tmc.split %x dim = 1 sizes = [3, 5] : tensor<2x8xf32> -> tensor<2x3xf32>, tensor<2x5xf32>
      %c = tmc.concat %p#1, %p#0 dim = -1 : (tensor<2x5xf32>, tensor<2x3xf32>) -> tensor<2x8xf32>
      %s = tmc.slice %x dim = 1 start = 1 end = 7 step = 2 : tensor<2x8xf32> -> tensor<2x3xf32>
      %e = tmc.slice %x dim = 1 start = 6 : tensor<2x8xf32> -> tensor<2x2xf32>
      return %c, %s, %e : tensor<2x8xf32>, tensor<2x3xf32>, tensor<2x2xf32>
    })mlir";
  at::Tensor x = at::arange(16, at::kFloat).view({2, 8});
  auto out = runOk(ir, {x});
  ASSERT_EQ(out.size(), 3u);
  at::Tensor rolled = at::roll(x, {5}, {1});
  expectEqual(out[0], rolled);
  expectEqual(out[1], x.index_select(1, at::tensor({1, 3, 5}, at::kLong)));
  expectEqual(out[2], x.index_select(1, at::tensor({6, 7}, at::kLong)));
}

//===----------------------------------------------------------------------===//
// Calls
//===----------------------------------------------------------------------===//

TEST_F(TorchExecutorTest, CallsOneFunctionPerLayerKind) {
  // Two layers of one kind: h + linear(rms_norm(h)), weights passed in.
  const char *ir = R"mlir(
    tmc.param @"layers.0.norm.weight" : tensor<8xf32>
    tmc.param @"layers.0.proj.weight" : tensor<8x8xf32>
    tmc.param @"layers.1.norm.weight" : tensor<8xf32>
    tmc.param @"layers.1.proj.weight" : tensor<8x8xf32>
    func.func private @layer(%h: tensor<?x8xf32>, %n: tensor<8xf32>, %w: tensor<8x8xf32>)
        -> tensor<?x8xf32> {
      %eps = arith.constant dense<9.99999997E-7> : tensor<f32>
      %sq = tmc.pow %h exponent = 2.000000e+00 : tensor<?x8xf32>
      %var = tmc.mean %sq dims = [1] keepdim : tensor<?x8xf32> -> tensor<?x1xf32>
      %ve = tmc.add %var, %eps : (tensor<?x1xf32>, tensor<f32>) -> tensor<?x1xf32>
      %inv = tmc.rsqrt %ve : tensor<?x1xf32>
      %xn = tmc.mul %h, %inv : (tensor<?x8xf32>, tensor<?x1xf32>) -> tensor<?x8xf32>
      %x = tmc.mul %n, %xn : (tensor<8xf32>, tensor<?x8xf32>) -> tensor<?x8xf32>
      %y = tmc.linear %x, %w : (tensor<?x8xf32>, tensor<8x8xf32>) -> tensor<?x8xf32>
      %z = tmc.add %h, %y : (tensor<?x8xf32>, tensor<?x8xf32>) -> tensor<?x8xf32>
      return %z : tensor<?x8xf32>
    }
    func.func @main(%h0: tensor<?x8xf32>) -> tensor<?x8xf32> {
      %n0 = tmc.get_param @"layers.0.norm.weight" : tensor<8xf32>
      %w0 = tmc.get_param @"layers.0.proj.weight" : tensor<8x8xf32>
      %h1 = func.call @layer(%h0, %n0, %w0) : (tensor<?x8xf32>, tensor<8xf32>, tensor<8x8xf32>) -> tensor<?x8xf32>
      %n1 = tmc.get_param @"layers.1.norm.weight" : tensor<8xf32>
      %w1 = tmc.get_param @"layers.1.proj.weight" : tensor<8x8xf32>
      %h2 = func.call @layer(%h1, %n1, %w1) : (tensor<?x8xf32>, tensor<8xf32>, tensor<8x8xf32>) -> tensor<?x8xf32>
      return %h2 : tensor<?x8xf32>
    })mlir";
  Weights weights;
  for (int layer : {0, 1}) {
    std::string prefix = "layers." + std::to_string(layer);
    weights[prefix + ".norm.weight"] = randn({8});
    weights[prefix + ".proj.weight"] = randn({8, 8});
  }
  at::Tensor h = randn({3, 8});
  auto out = runOk(ir, {h}, weights);
  ASSERT_EQ(out.size(), 1u);
  at::Tensor expected = h;
  for (int layer : {0, 1}) {
    std::string prefix = "layers." + std::to_string(layer);
    at::Tensor x = at::rms_norm(expected, {8}, weights[prefix + ".norm.weight"], 1e-6);
    expected = expected + at::mm(x, weights[prefix + ".proj.weight"].t());
  }
  expectClose(out[0], expected);
}

TEST_F(TorchExecutorTest, IndexArithmeticFollowsArithSemantics) {
  const char *ir = R"mlir(
    func.func @main(%a: index, %b: index) -> (index, index, index, index, index, index, index) {
      %q = arith.divsi %a, %b : index
      %r = arith.remsi %a, %b : index
      %f = arith.floordivsi %a, %b : index
      %c = arith.ceildivsi %a, %b : index
      %s = arith.subi %a, %b : index
      %m = arith.maxsi %q, %f : index
      %i = arith.index_cast %s : index to i64
      %j = arith.index_cast %i : i64 to index
      %k = arith.addi %j, %m : index
      return %q, %r, %f, %c, %s, %m, %k : index, index, index, index, index, index, index
    })mlir";
  auto out = runOk(ir, {index(-7), index(2)});
  ASSERT_EQ(out.size(), 7u);
  std::vector<int64_t> values;
  for (const at::Tensor &value : out) {
    ASSERT_EQ(value.dim(), 0);
    values.push_back(value.item<int64_t>());
  }
  EXPECT_EQ(values, (std::vector<int64_t>{-3, -1, -4, -3, -9, -3, -12}));
  std::string message = runError(ir, {index(1), index(0)});
  EXPECT_EQ(message, "'arith.divsi' at test.mlir:3:12: division by zero");
}

//===----------------------------------------------------------------------===//
// Errors
//===----------------------------------------------------------------------===//

TEST_F(TorchExecutorTest, UnsupportedOpIsNamedWithItsLocation) {
  const char *ir = R"mlir(
    func.func @main(%x: tensor<4xf32>) -> tensor<4xf32> {
      %y = arith.addf %x, %x : tensor<4xf32>
      return %y : tensor<4xf32>
    })mlir";
  std::string message = runError(ir, {randn({4})});
  EXPECT_NE(message.find("'arith.addf' at test.mlir:3:12: unsupported op"), std::string::npos)
      << message;
}

TEST_F(TorchExecutorTest, WrongInputRankOrDtypeIsReported) {
  const char *ir = R"mlir(
    func.func @main(%x: tensor<?x8xf32>) -> tensor<?x8xf32> {
      return %x : tensor<?x8xf32>
    })mlir";
  EXPECT_EQ(runError(ir, {randn({2, 3, 8})}),
            "input 0 of @main must be tensor<?x8xf32>: got rank 3 ([2, 3, 8] Float)");
  EXPECT_EQ(runError(ir, {randn({2, 7})}),
            "input 0 of @main must be tensor<?x8xf32>: dimension 1 is 7 ([2, 7] Float)");
  EXPECT_EQ(runError(ir, {at::zeros({2, 8}, at::kDouble)}),
            "input 0 of @main must be tensor<?x8xf32>: got dtype Double ([2, 8] Double)");
  EXPECT_EQ(runError(ir, {}), "function @main takes 1 argument(s), got 0 inputs");
  llvm::Expected<std::vector<at::Tensor>> missing = run(ir, {randn({1, 8})}, {}, "decode");
  ASSERT_FALSE(missing);
  EXPECT_EQ(llvm::toString(missing.takeError()), "no func.func @decode in the module (it has @main)");
}

const char *kProjection = R"mlir(
    tmc.param @"proj.weight" : tensor<4x8xf32>
    func.func @main(%x: tensor<?x8xf32>) -> tensor<?x4xf32> {
      %w = tmc.get_param @"proj.weight" : tensor<4x8xf32>
      %y = tmc.linear %x, %w at "proj" : (tensor<?x8xf32>, tensor<4x8xf32>) -> tensor<?x4xf32>
      return %y : tensor<?x4xf32>
    })mlir";

TEST_F(TorchExecutorTest, MissingParamIsReported) {
  EXPECT_EQ(runError(kProjection, {randn({2, 8})}),
            "'tmc.get_param' at test.mlir:4:12: cannot load weight 'proj.weight': no tensor "
            "named 'proj.weight' in the checkpoint");
}

TEST_F(TorchExecutorTest, WrongParamShapeOrDtypeIsReported) {
  EXPECT_EQ(runError(kProjection, {randn({2, 8})}, {{"proj.weight", randn({4, 7})}}),
            "'tmc.get_param' at test.mlir:4:12: weight 'proj.weight' is declared "
            "tensor<4x8xf32> but dimension 1 is 7 ([4, 7] Float)");
  EXPECT_EQ(runError(kProjection, {randn({2, 8})},
                     {{"proj.weight", randn({4, 8}).to(at::kBFloat16)}}),
            "'tmc.get_param' at test.mlir:4:12: weight 'proj.weight' is declared "
            "tensor<4x8xf32> but got dtype BFloat16 ([4, 8] BFloat16)");
}

TEST_F(TorchExecutorTest, AtenFailureBecomesAnErrorNamingTheOp) {
  // The dynamic size disagrees with the element count: ATen rejects the reshape.
  const char *ir = R"mlir(
    func.func @main(%x: tensor<2x6xf32>, %n: index) -> tensor<?x4xf32> {
      %y = tmc.reshape %x sizes [%n] at "model.view" : tensor<2x6xf32> -> tensor<?x4xf32>
      return %y : tensor<?x4xf32>
    })mlir";
  std::string message = runError(ir, {randn({2, 6}), index(5)});
  EXPECT_EQ(message.rfind("'tmc.reshape' (model.view) at test.mlir:3:12: ATen: ", 0), 0u)
      << message;
  auto out = runOk(ir, {randn({2, 6}), index(3)});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].sizes().vec(), (std::vector<int64_t>{3, 4}));
}

TEST_F(TorchExecutorTest, InvalidModuleIsRejectedBeforeRunning) {
  // The verifier catches the mismatched get_param type; nothing runs.
  const char *ir = R"mlir(
    tmc.param @"w" : tensor<4xf32>
    func.func @main() -> tensor<8xf32> {
      %w = tmc.get_param @"w" : tensor<8xf32>
      return %w : tensor<8xf32>
    })mlir";
  std::string message = runError(ir, {});
  EXPECT_NE(message.find("the module does not verify"), std::string::npos) << message;
  EXPECT_NE(message.find("differs from the declared"), std::string::npos) << message;
}

TEST_F(TorchExecutorTest, RecursionStopsWithAnError) {
  const char *ir = R"mlir(
    func.func @main(%x: tensor<2xf32>) -> tensor<2xf32> {
      %y = func.call @main(%x) : (tensor<2xf32>) -> tensor<2xf32>
      return %y : tensor<2xf32>
    })mlir";
  std::string message = runError(ir, {randn({2})});
  EXPECT_EQ(message, "'func.call' at test.mlir:3:12: calls nest deeper than 64 (a recursive "
                     "function?)");
}

} // namespace
