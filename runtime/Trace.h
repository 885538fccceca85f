//===- Trace.h - activation traces of a --trace artifact --------*- C++ -*-===//
//
// An artifact compiled with `tmc compile --trace` calls `tmc_trace` at every
// module boundary (passes/trace). When a Tracer is installed on the calling
// thread, it records a summary of each tensor for the first entry call and
// writes the tree in the layout of transformers' model_addition_debugger
// SUMMARY file (docs/DEBUGGING.md); without one the call returns at once.
// The compiled code resolves `tmc_trace` from the executable at dlopen time
// (tmc-run and tmc export it, like the collectives).
//
//===----------------------------------------------------------------------===//

#ifndef TMC_RUNTIME_TRACE_H
#define TMC_RUNTIME_TRACE_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Element codes, as the generated code passes them. */
#define TMC_TRACE_F32 0
#define TMC_TRACE_BF16 1
#define TMC_TRACE_F16 2
#define TMC_TRACE_I64 3
#define TMC_TRACE_I32 4

/* Trace point `id` (the manifest's trace_points[id]) saw the contiguous
 * tensor at `data` with `rank` sizes at `dims`; `layer` is what `*` in the
 * point's module path stands for (-1: no `*`). */
void tmc_trace(int64_t id, int64_t layer, const void *data, const int64_t *dims, int64_t rank,
               int64_t dtype);

#ifdef __cplusplus
} /* extern "C" */

#include "runtime/Manifest.h"

#include "llvm/Support/Error.h"

#include <nlohmann/json.hpp>

namespace tmc::rt {

/// Records the trace points of one entry call and writes them as a tree.
class Tracer {
public:
  explicit Tracer(const Manifest &manifest);

  /// One tmc_trace call. Calls after finish() are ignored.
  void record(int64_t id, int64_t layer, const void *data, const int64_t *dims, int64_t rank,
              int64_t dtype);
  /// Ends the recorded call: later entry calls (decode steps) are not traced.
  void finish() { finished = true; }
  /// Trace point calls recorded, and the modules they came from.
  int64_t events() const { return numEvents; }
  int64_t modules() const { return nodes.size(); }

  /// The tree: {"module_path": "LlamaForCausalLM", "inputs": ..., "outputs":
  /// ..., "children": [...]}, children in the order they were first seen.
  nlohmann::ordered_json tree() const;
  /// Writes tree() to `path` (a temporary name, renamed when complete).
  llvm::Error write(llvm::StringRef path) const;

private:
  struct Node {
    std::string path;
    std::vector<nlohmann::ordered_json> inputs, outputs;
    std::vector<size_t> children;
  };
  size_t node(const std::string &modulePath);

  std::string modelClass;
  std::vector<TracePoint> points;
  std::vector<Node> nodes; // nodes[0] is the whole model
  std::map<std::string, size_t> byPath;
  bool finished = false;
  int64_t numEvents = 0;
};

/// Installs `tracer` for tmc_trace calls of this thread while in scope.
class ThreadTracerScope {
public:
  explicit ThreadTracerScope(Tracer *tracer);
  ~ThreadTracerScope();

private:
  Tracer *previous;
};

/// Ends the trace of this thread's tracer, if one is installed: called after
/// each entry call, so that only the first one is recorded.
void finishThreadTrace();

/// The module that encloses `path`: `model.layers.0` for
/// `model.layers.0.mlp`, and `model` for `model.layers.0` (`model.layers`
/// only holds the numbered layers, transformers calls no forward of it); ""
/// (the whole model) for a top-level module.
std::string enclosingModule(llvm::StringRef path);

/// transformers' summary of one tensor: shape and dtype as torch prints them,
/// mean/std/min/max (floating-point tensors) as `tensor(x)` strings with 9
/// significant digits, and tmc's addition, the first and last values.
nlohmann::ordered_json summarizeTensor(const void *data, llvm::ArrayRef<int64_t> shape,
                                       int64_t dtype);

} // namespace tmc::rt
#endif

#endif // TMC_RUNTIME_TRACE_H
