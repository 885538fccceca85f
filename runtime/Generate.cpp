//===- Generate.cpp - greedy and sampled generation with a KV cache ------===//

#include "runtime/Generate.h"
#include "runtime/Allocation.h"
#include "runtime/Error.h"
#include "runtime/HugePages.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/MathExtras.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <numeric>
#include <random>

using tmc::rt::makeError;

/// Writes the positions [0, used) of each row and head of `cache` ([batch,
/// kv_heads, positions, head_dim], zero) with zeros: the pages generation
/// will write are faulted in (on huge pages, zeroed by the kernel 2 MiB at a
/// time) before the prefill rather than during it, as llama.cpp clears its
/// KV buffer when it makes a context. Pages past `used` stay untouched; on
/// 2 MiB pages a row and head whose cache is shorter than a page shares one
/// with its neighbours, so such caches are resident whole.
static void faultInUsedPositions(const tmc::rt::HostTensor &cache, int64_t used) {
  llvm::ArrayRef<int64_t> shape = cache.shape();
  int64_t rowBytes = shape[3] * static_cast<int64_t>(tmc::rt::dtypeSize(cache.dtype()));
  int64_t positions = std::min(used, shape[2]);
  for (int64_t slab = 0; slab < shape[0] * shape[1]; ++slab)
    std::memset(cache.as<char>() + slab * shape[2] * rowBytes, 0, positions * rowBytes);
}

namespace tmc::rt {

int64_t pickToken(const float *logits, int64_t vocab, const GenerationOptions &options,
                  std::mt19937_64 &rng) {
  if (!options.sample)
    return std::max_element(logits, logits + vocab) - logits; // first maximum, as torch.argmax
  // transformers' order: temperature, top-k, top-p, then softmax and a draw.
  // Shifted by the maximum before the division, so that a tiny temperature
  // sends the others to -inf (greedy) instead of every score to +-inf (NaN).
  double maximum = *std::max_element(logits, logits + vocab);
  std::vector<double> scores(logits, logits + vocab);
  for (double &s : scores)
    s = (s - maximum) / options.temperature;
  std::vector<int64_t> order(vocab);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](int64_t a, int64_t b) { return scores[a] > scores[b]; });
  int64_t keep = vocab;
  if (options.topK > 0 && options.topK < vocab) {
    // Ties with the k-th score stay, as transformers' `scores < kth` filter keeps them.
    double kth = scores[order[options.topK - 1]];
    keep = options.topK;
    while (keep < vocab && scores[order[keep]] >= kth)
      ++keep;
  }
  double top = scores[order[0]];
  std::vector<double> probs(keep);
  double total = 0;
  for (int64_t i = 0; i < keep; ++i)
    total += probs[i] = std::exp(scores[order[i]] - top);
  for (double &p : probs)
    p /= total;
  if (options.topP < 1.0) {
    // Keep the smallest prefix (by falling probability) whose mass reaches
    // top_p; at least one token.
    double mass = 0;
    int64_t n = 0;
    while (n < keep && (n == 0 || mass < options.topP))
      mass += probs[n++];
    keep = n;
    probs.resize(keep);
    total = mass;
    for (double &p : probs)
      p /= total;
  }
  double u = std::uniform_real_distribution<double>(0.0, 1.0)(rng);
  for (int64_t i = 0; i < keep; ++i) {
    u -= probs[i];
    if (u < 0)
      return order[i];
  }
  return order[keep - 1];
}

llvm::Expected<std::vector<std::vector<int64_t>>>
generate(const EntryPoint &decode, const EntryRunner &run, const HostTensor &ids,
         const HostTensor &mask, const GenerationOptions &options, GenerationStats *stats) {
  if (decode.inputs.size() < 5 || decode.inputs[0].name != "input_ids" ||
      decode.inputs[1].name != "attention_mask" || decode.inputs[2].name != "position_ids")
    return makeError("entry point '" + decode.name +
                     "' is not a decode entry (input_ids, attention_mask, position_ids, "
                     "caches); compile with --max-seq-len");
  if (ids.shape().size() != 2 || mask.shape() != ids.shape())
    return makeError("generation needs input_ids and an attention_mask of one shape (batch, "
                     "prompt)");
  if (options.maxNewTokens < 1)
    return makeError("--max-new-tokens must be at least 1");
  if (options.sample && !(options.temperature > 0 && std::isfinite(options.temperature)))
    return makeError("--temperature must be a positive finite number, got " +
                     std::to_string(options.temperature));
  if (options.sample && !(options.topP > 0 && options.topP <= 1))
    return makeError("--top-p must be in (0, 1]");
  int64_t batch = ids.shape()[0], prompt = ids.shape()[1];
  if (prompt < 1)
    return makeError("generation needs a prompt of at least one token");

  if (decode.maxSeqLen < 1)
    return makeError("entry point '" + decode.name +
                     "' does not state its max_seq_len; "
                     "recompile the artifact");
  // The last new token is never fed back, so the cache holds prompt + new - 1
  // (compared without the sum, which a huge --max-new-tokens would overflow).
  if (prompt > decode.maxSeqLen || options.maxNewTokens - 1 > decode.maxSeqLen - prompt)
    return makeError("prompt (" + llvm::Twine(prompt) + " tokens) + --max-new-tokens (" +
                     llvm::Twine(options.maxNewTokens) + ") exceed the artifact's KV cache of " +
                     llvm::Twine(decode.maxSeqLen) +
                     " positions; compile with a larger --max-seq-len");

  // Caches: [batch, kv_heads, max_seq_len or a sliding layer's window,
  // head_dim], zeroed. A decode step reads every layer's cache, so they
  // share one region on 2 MiB pages where the kernel allows it, as the
  // weights do (runtime/HugePages.h).
  std::vector<std::vector<int64_t>> cacheShapes;
  uint64_t cacheRegionBytes = 0;
  for (const TensorSpec &spec : llvm::drop_begin(decode.inputs, 3)) {
    if (spec.shape.size() != 4 || spec.shape[2] < 1)
      return makeError("decode input '" + spec.name +
                       "' is not a cache [batch, kv_heads, "
                       "positions, head_dim]");
    cacheShapes.push_back({batch, spec.shape[1], spec.shape[2], spec.shape[3]});
    std::optional<int64_t> bytes = checkedByteSize(spec.dtype, cacheShapes.back());
    cacheRegionBytes =
        bytes ? llvm::SaturatingAdd(cacheRegionBytes, llvm::alignTo(*bytes, kRegionAlignment))
              : UINT64_MAX;
  }
  // A size that does not fit (mapHugePageRegion refuses any above 63 bits)
  // is left to HostTensor::allocate to report.
  std::optional<HugePageRegion> cacheRegion = mapHugePageRegion(cacheRegionBytes);
  std::vector<HostTensor> caches;
  uint64_t cacheOffset = 0;
  for (auto [spec, shape] : llvm::zip_equal(llvm::drop_begin(decode.inputs, 3), cacheShapes)) {
    if (cacheRegion) {
      HostTensor cache = HostTensor::sharing(spec.dtype, shape, cacheRegion->owner,
                                             cacheRegion->start + cacheOffset);
      cacheOffset += llvm::alignTo(cache.numBytes(), kRegionAlignment);
      faultInUsedPositions(cache, prompt + options.maxNewTokens - 1);
      caches.push_back(std::move(cache));
    } else {
      auto cache = HostTensor::allocate(
          spec.dtype, shape,
          "the KV cache '" + spec.name + "' for a batch of " + llvm::Twine(batch) +
              " (compile with a smaller --max-seq-len, or run fewer rows)");
      if (!cache)
        return cache.takeError();
      caches.push_back(std::move(*cache));
    }
    if (stats)
      stats->cacheBytes += caches.back().numBytes();
  }
  if (cacheRegion && stats)
    stats->cacheHugePageBytes +=
        std::min<int64_t>(hugePageBytesAt(cacheRegion->start), cacheRegionBytes);

  // The full mask and the tokens so far, row-major [batch, prompt + new].
  int64_t width = prompt + options.maxNewTokens;
  std::vector<int64_t> fullMask(batch * width, 0), positionsSoFar(batch, -1);
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t c = 0; c < prompt; ++c)
      fullMask[b * width + c] = mask.as<int64_t>()[b * prompt + c] != 0;

  auto maskUpTo = [&](int64_t length) {
    HostTensor m(DType::I64, {batch, length});
    for (int64_t b = 0; b < batch; ++b)
      std::copy_n(&fullMask[b * width], length, m.as<int64_t>() + b * length);
    return m;
  };

  std::vector<std::vector<int64_t>> generated(batch);
  std::vector<bool> finished(batch, false);
  std::mt19937_64 rng(options.seed);
  HostTensor stepIds = ids;
  HostTensor stepPositions(DType::I64, {batch, prompt});
  for (int64_t b = 0; b < batch; ++b) {
    int64_t count = 0;
    for (int64_t c = 0; c < prompt; ++c) {
      bool token = fullMask[b * width + c];
      count += token;
      stepPositions.as<int64_t>()[b * prompt + c] = token ? count - 1 : 1;
    }
    positionsSoFar[b] = count - 1;
  }
  int64_t length = prompt;
  for (int64_t step = 0; step < options.maxNewTokens; ++step) {
    std::vector<HostTensor> inputs{stepIds, maskUpTo(length), stepPositions};
    llvm::append_range(inputs, caches);
    uint64_t buffersBefore = compiledHeapBuffers();
    auto start = std::chrono::steady_clock::now();
    auto results = run(inputs);
    if (!results)
      return results.takeError();
    double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    if (stats) {
      if (step == 0) {
        stats->promptTokens = batch * prompt;
        stats->prefillMs = ms;
      } else {
        stats->stepMs.push_back(ms);
        stats->stepHeapBuffers.push_back(compiledHeapBuffers() - buffersBefore);
      }
    }
    if (results->size() == 1 + caches.size()) {
      // Updated caches came back as results: they are the next call's inputs.
      for (size_t i = 0; i < caches.size(); ++i)
        caches[i] = std::move((*results)[1 + i]);
    } else if (results->size() != 1) {
      return makeError("decode returned " + llvm::Twine(results->size()) +
                       " results; expected "
                       "the logits, then optionally each cache");
    }
    const HostTensor &logits = results->front();
    if (logits.shape().size() != 3 || logits.shape()[0] != batch)
      return makeError("decode logits must be (batch, new, vocab)");
    int64_t fresh = logits.shape()[1], vocab = logits.shape()[2];
    std::vector<float> widened;
    HostTensor next(DType::I64, {batch, 1});
    HostTensor nextPositions(DType::I64, {batch, 1});
    for (int64_t b = 0; b < batch; ++b) {
      int64_t base = (b * fresh + fresh - 1) * vocab;
      // F32 logits are read in place (a copy through floatAt per logit was
      // 2% of a SmolLM2 decode step's samples); others widened to a row.
      const float *row = logits.dtype() == DType::F32 ? logits.as<float>() + base : nullptr;
      if (!row) {
        widened.resize(vocab);
        for (int64_t v = 0; v < vocab; ++v)
          widened[v] = floatAt(logits, base + v);
        row = widened.data();
      }
      if (stats && stats->keepLogits) {
        stats->vocab = vocab;
        stats->logits.insert(stats->logits.end(), row, row + vocab);
      }
      int64_t token = pickToken(row, vocab, options, rng);
      if (finished[b])
        token = options.padId;
      else if (llvm::is_contained(options.eosIds, token))
        finished[b] = true;
      generated[b].push_back(token);
      next.as<int64_t>()[b] = token;
      fullMask[b * width + length] = 1; // generate() extends every row's mask with 1
      nextPositions.as<int64_t>()[b] = ++positionsSoFar[b];
    }
    if (options.onStep)
      if (llvm::Error error =
              options.onStep(llvm::ArrayRef(next.as<int64_t>(), static_cast<size_t>(batch))))
        return std::move(error);
    if (llvm::all_of(finished, [](bool f) { return f; }) || step + 1 == options.maxNewTokens)
      break;
    stepIds = next;
    stepPositions = nextPositions;
    ++length;
  }
  return generated;
}

} // namespace tmc::rt
