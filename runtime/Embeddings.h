//===- Embeddings.h - sentence embeddings from an encoder -------*- C++ -*-===//
//
// An encoder's last hidden state (batch, seq, hidden) becomes one vector per
// row as sentence-transformers' Pooling and Normalize modules make it: the
// mean of the unpadded tokens, the first token ([CLS]) or the per-dim max,
// then optionally divided by its L2 norm. The defaults come from the
// checkpoint's own sentence-transformers files (modules.json,
// 1_Pooling/config.json), so `tmc run --prompt` on such a checkpoint gives
// what SentenceTransformer(dir).encode() gives.
//
//===----------------------------------------------------------------------===//

#ifndef TMC_RUNTIME_EMBEDDINGS_H
#define TMC_RUNTIME_EMBEDDINGS_H

#include "runtime/HostTensor.h"

#include "llvm/Support/Error.h"

#include <optional>

namespace tmc::rt {

enum class Pooling { Mean, Cls, Max };

struct PoolingOptions {
  Pooling mode = Pooling::Mean;
  bool normalize = false;
};

/// "mean", "cls" or "max"; nullopt for anything else.
std::optional<Pooling> poolingByName(llvm::StringRef name);

/// The pooling of a sentence-transformers checkpoint directory: its
/// modules.json's Pooling module config (pooling_mode_*_tokens) and whether
/// a Normalize module follows. nullopt when `checkpoint` has no modules.json
/// (a plain transformers checkpoint); an error names a file that is there
/// but cannot be used.
llvm::Expected<std::optional<PoolingOptions>>
sentenceTransformersPooling(llvm::StringRef checkpoint);

/// (batch, hidden) f32 embeddings of `hidden` (batch, seq, hidden; f32 or
/// bf16) whose tokens `mask` (batch, seq; int64, 1 = token) marks.
llvm::Expected<HostTensor> poolEmbeddings(const HostTensor &hidden, const HostTensor &mask,
                                          PoolingOptions options);

} // namespace tmc::rt

#endif // TMC_RUNTIME_EMBEDDINGS_H
