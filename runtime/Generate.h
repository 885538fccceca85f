//===- Generate.h - greedy and sampled generation with a KV cache -*- C++ -*-===//
//
// Drives an artifact's `decode` entry point (docs/GENERATION.md): allocates
// the caches its manifest describes (zeroed), runs the prompt once (prefill:
// past = 0), then one call per new token, and picks each token as
// transformers' generate() does: greedy argmax, or temperature, top-k, top-p
// and a draw from a seeded std::mt19937_64. Rows stop at an eos id and are
// padded with the pad id from then on; position ids are
// cumsum(attention_mask) - 1, with 1 at padding, as generate() computes them.
//
//===----------------------------------------------------------------------===//

#ifndef TMC_RUNTIME_GENERATE_H
#define TMC_RUNTIME_GENERATE_H

#include "runtime/HostTensor.h"
#include "runtime/Manifest.h"

#include "llvm/Support/Error.h"

#include <functional>
#include <random>

namespace tmc::rt {

struct GenerationOptions {
  int64_t maxNewTokens = 32;
  bool sample = false;      // false: greedy
  double temperature = 1.0; // sampling only
  int64_t topK = 0;         // 0: all tokens
  double topP = 1.0;        // 1: all tokens
  uint64_t seed = 0;
  std::vector<int64_t> eosIds; // a row stops after producing one of these
  int64_t padId = 0;           // ...and continues with this one
  /// When set, called after each step with each row's new token (streaming).
  std::function<llvm::Error(llvm::ArrayRef<int64_t>)> onStep;
};

struct GenerationStats {
  int64_t promptTokens = 0;   // batch * prompt length
  double prefillMs = 0;
  std::vector<double> stepMs; // one per decode call
  /// Heap buffers compiled code allocated in each decode call (its results
  /// among them; runtime/Allocation.h).
  std::vector<uint64_t> stepHeapBuffers;
  int64_t cacheBytes = 0; // the KV caches generation allocated
  int64_t cacheHugePageBytes = 0; // of those, on huge pages (runtime/HugePages.h)
  /// When set: the logits each token was picked from, [step][batch][vocab].
  bool keepLogits = false;
  std::vector<float> logits;
  int64_t vocab = 0;
};

/// Runs the decode entry on its inputs (input_ids, attention_mask,
/// position_ids, then the caches) and returns its results (logits, then the
/// updated caches).
using EntryRunner =
    std::function<llvm::Expected<std::vector<HostTensor>>(llvm::ArrayRef<HostTensor>)>;

/// Generates from `ids` (batch, prompt), left-padded where `mask` is 0.
/// Returns each row's new tokens (at most maxNewTokens; fewer when every row
/// stopped at an eos id).
llvm::Expected<std::vector<std::vector<int64_t>>>
generate(const EntryPoint &decode, const EntryRunner &run, const HostTensor &ids,
         const HostTensor &mask, const GenerationOptions &options,
         GenerationStats *stats = nullptr);

/// The next token of a row of `vocab` float logits (greedy or sampled).
int64_t pickToken(const float *logits, int64_t vocab, const GenerationOptions &options,
                  std::mt19937_64 &rng);

} // namespace tmc::rt

#endif // TMC_RUNTIME_GENERATE_H
