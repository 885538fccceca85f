//===- Manifest.h - an artifact's manifest.json -----------------*- C++ -*-===//
//
// What `tmc compile` promises and `tmc run` checks: the tmc version and
// target an artifact was built by and for, its entry points with argument and
// result shapes (-1 for a dynamic dimension) and the inputs they write, every
// weight it reads, and the attention backend of each layer kind. The compiler
// fills it from the ABI attributes of the final IR (targets/Manifest.cpp).
//
//===----------------------------------------------------------------------===//

#ifndef TMC_RUNTIME_MANIFEST_H
#define TMC_RUNTIME_MANIFEST_H

#include "runtime/Safetensors.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace tmc::rt {

constexpr int64_t kDynamic = -1;

/// How a tensor-parallel artifact's weight is cut from the full checkpoint
/// tensor (docs/PARALLELISM.md). The full size of `dim` is `blocks` equal
/// blocks (2 for a fused gate_up_proj); each block is cut into worldSize
/// equal parts, and rank r takes part r of every block, in block order.
struct ParamSplit {
  int64_t dim;
  int64_t blocks = 1;

  bool operator==(const ParamSplit &other) const {
    return dim == other.dim && blocks == other.blocks;
  }
};

struct TensorSpec {
  std::string name;
  DType dtype;
  std::vector<int64_t> shape; // kDynamic marks a dynamic dimension
  /// Weights only. When set, `shape` is the rank-local shape: the checkpoint
  /// holds shape[split->dim] * worldSize on that dim.
  std::optional<ParamSplit> split;
  /// Inputs only. When positive, every value must lie in [0, valuesBelow):
  /// token ids, which index an embedding of that many rows.
  int64_t valuesBelow = 0;
  /// Weights only. A block layout (GgmlTypes.h's blockLayoutFromName: q8_0,
  /// q4_0, q4_1, or those with x16) when the weight is stored in blocks: then
  /// `dtype` is I16 and `shape` is [rows, blocks, words] of the
  /// [rows, 32 * blocks] weight, or [rows / 16, blocks, 16 * words].
  std::string blockFormat;
};

struct EntryPoint {
  std::string name;   // the function's name in the tmc program
  std::string symbol; // `tmc_entry_<name>` in the shared library
  std::vector<TensorSpec> inputs;
  std::vector<std::string> params; // weights passed after the inputs, in order
  std::vector<TensorSpec> results;
  /// A decode entry's longest prompt + generation (compile --max-seq-len);
  /// 0 for other entries.
  int64_t maxSeqLen = 0;
  /// Indices of the inputs the call writes in place (KV caches).
  std::vector<int64_t> inPlace;
  /// Bytes of the scratch arena the call takes as its last argument, where
  /// the compiler placed its intermediate buffers (tmc-plan-memory); 0: none.
  int64_t arenaBytes = 0;
};

/// What a trace point records (tmc compile --trace): input or output number
/// `index` of `module` (`model.layers.*.mlp`; `*` is the layer number the
/// compiled code passes; "" is the whole model).
struct TracePoint {
  std::string module;
  bool output = false;
  int64_t index = 0;
};

struct Manifest {
  static constexpr const char *kFormat = "tmc-artifact/2";
  static constexpr const char *kFileName = "manifest.json";
  /// The compiled library's symbol holding the ABI fingerprint.
  static constexpr const char *kFingerprintSymbol = "tmc_abi_fingerprint";

  std::string tmcVersion;
  std::string target;  // "cpu" or "cuda"
  /// CUDA: the GPU architecture of the kernels (`sm_90a`), which the device
  /// that runs them must have.
  std::string cudaArch;
  std::string library; // shared object, relative to the artifact directory
  std::string graph;   // the tmc-dialect program, for the reference executor
  std::vector<EntryPoint> entryPoints;
  std::vector<TensorSpec> params;
  /// The ranks the program was compiled for (tmc compile --tp N); every rank
  /// runs the same program on its slice of the split weights.
  int64_t worldSize = 1;
  /// The attention backend of each layer kind ("full_attention" -> "sdpa").
  std::map<std::string, std::string> attentionBackends;
  /// The model class (`LlamaForCausalLM`), the root of a trace.
  std::string modelClass;
  /// Patterns (searched, as Python's re.search) of checkpoint tensors that
  /// are not weights and are skipped when binding a checkpoint: the model
  /// class's `_keys_to_ignore_on_load_unexpected` (BERT's `position_ids`).
  std::vector<std::string> ignoredCheckpointKeys;
  /// Where shorter rows of a batch are padded: "left" (decoders, as for
  /// generation) or "right" (encoders, whose positions count from the first token).
  std::string paddingSide = "left";
  bool isEncoder() const { return paddingSide == "right"; }
  /// The trace points by id; empty unless compiled with --trace.
  std::vector<TracePoint> tracePoints;
  /// abiFingerprint() as the compiler recorded it; the compiled library
  /// holds the same text as its `tmc_abi_fingerprint` symbol.
  std::string recordedFingerprint;

  /// A hash of everything the runtime trusts to call the compiled code
  /// (target, ranks, entry points, their symbols, inputs, results, caches,
  /// weights and trace points): the first 16 hex digits of the SHA-256 of
  /// their JSON. An edited manifest or a library of another artifact no
  /// longer matches it.
  std::string abiFingerprint() const;

  const EntryPoint *findEntryPoint(llvm::StringRef name) const;
  const TensorSpec *findParam(llvm::StringRef name) const;

  nlohmann::json toJson() const;
  /// Parses and validates; errors name `source` and the offending field.
  static llvm::Expected<Manifest> fromJson(const nlohmann::json &json,
                                           llvm::StringRef source);
  static llvm::Expected<Manifest> load(llvm::StringRef path);
};

/// "[-1, 64]" style text for messages.
std::string shapeToString(llvm::ArrayRef<int64_t> shape);

/// The checkpoint shape of a weight: its rank-local shape with the split dim
/// multiplied by `worldSize`.
std::vector<int64_t> fullShape(const TensorSpec &spec, int64_t worldSize);

} // namespace tmc::rt

#endif // TMC_RUNTIME_MANIFEST_H
