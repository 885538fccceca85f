//===- Trace.cpp - activation traces of a --trace artifact ------*- C++ -*-===//

#include "runtime/Trace.h"
#include "runtime/AtomicFile.h"

#include "runtime/Error.h"
#include "runtime/collectives/Reduce.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>

using namespace tmc::rt;
using json = nlohmann::ordered_json;

namespace {

thread_local Tracer *threadTracer = nullptr;

/// Values shown at each end of a tensor, flattened.
constexpr int64_t kEdgeValues = 8;

double element(const void *data, int64_t i, int64_t dtype) {
  switch (dtype) {
  case TMC_TRACE_F32:
    return static_cast<const float *>(data)[i];
  case TMC_TRACE_BF16:
    return bf16ToFloat(static_cast<const uint16_t *>(data)[i]);
  case TMC_TRACE_F16:
    return f16ToFloat(static_cast<const uint16_t *>(data)[i]);
  case TMC_TRACE_I64:
    return double(static_cast<const int64_t *>(data)[i]);
  default:
    return double(static_cast<const int32_t *>(data)[i]);
  }
}

const char *torchDType(int64_t dtype) {
  switch (dtype) {
  case TMC_TRACE_F32:
    return "torch.float32";
  case TMC_TRACE_BF16:
    return "torch.bfloat16";
  case TMC_TRACE_F16:
    return "torch.float16";
  case TMC_TRACE_I64:
    return "torch.int64";
  default:
    return "torch.int32";
  }
}

/// `tensor(1.23456789e-02)`: torch's repr of a 0-d tensor, with more digits.
std::string scalarRepr(double value) {
  if (std::isnan(value))
    return "tensor(nan)";
  if (std::isinf(value))
    return value > 0 ? "tensor(inf)" : "tensor(-inf)";
  char text[48];
  std::snprintf(text, sizeof(text), "tensor(%.8e)", value);
  return text;
}

json edgeValue(double value, bool integer) {
  if (integer)
    return int64_t(value);
  if (!std::isfinite(value))
    return nullptr;
  return value;
}

} // namespace

json tmc::rt::summarizeTensor(const void *data, llvm::ArrayRef<int64_t> shape, int64_t dtype) {
  int64_t count = 1;
  std::string shapeText = "torch.Size([";
  for (auto [i, size] : llvm::enumerate(shape)) {
    count *= size;
    shapeText += (i ? ", " : "") + std::to_string(size);
  }
  shapeText += "])";
  json out = {{"shape", shapeText}, {"dtype", torchDType(dtype)}};
  bool integer = dtype == TMC_TRACE_I64 || dtype == TMC_TRACE_I32;
  if (!integer && count > 0) {
    // Two passes in double: the mean, then the sum of squared deviations.
    double sum = 0, lo = std::numeric_limits<double>::infinity(), hi = -lo;
    for (int64_t i = 0; i < count; ++i) {
      double x = element(data, i, dtype);
      sum += x;
      lo = std::min(lo, x);
      hi = std::max(hi, x);
    }
    double mean = sum / double(count), squares = 0;
    for (int64_t i = 0; i < count; ++i) {
      double d = element(data, i, dtype) - mean;
      squares += d * d;
    }
    // torch.std is the unbiased estimate: nan for one element.
    double std = count > 1 ? std::sqrt(squares / double(count - 1))
                           : std::numeric_limits<double>::quiet_NaN();
    out["mean"] = scalarRepr(mean);
    out["std"] = scalarRepr(std);
    out["min"] = scalarRepr(lo);
    out["max"] = scalarRepr(hi);
  }
  json first = json::array(), last = json::array();
  for (int64_t i = 0; i < std::min(count, kEdgeValues); ++i)
    first.push_back(edgeValue(element(data, i, dtype), integer));
  for (int64_t i = std::max<int64_t>(0, count - kEdgeValues); i < count; ++i)
    last.push_back(edgeValue(element(data, i, dtype), integer));
  out["first"] = std::move(first);
  out["last"] = std::move(last);
  return out;
}

Tracer::Tracer(const Manifest &manifest)
    : modelClass(manifest.modelClass.empty() ? "model" : manifest.modelClass),
      points(manifest.tracePoints) {
  nodes.push_back({modelClass, {}, {}, {}});
  byPath[""] = 0;
}

std::string tmc::rt::enclosingModule(llvm::StringRef path) {
  auto [parent, last] = path.rsplit('.');
  if (last.empty())
    return "";
  unsigned number;
  if (!last.getAsInteger(10, number)) {
    auto [above, container] = parent.rsplit('.');
    parent = container.empty() ? "" : above;
  }
  return parent.str();
}

/// The node of `modulePath` (`model.layers.0.mlp`), made with its parents on
/// first sight.
size_t Tracer::node(const std::string &modulePath) {
  if (auto it = byPath.find(modulePath); it != byPath.end())
    return it->second;
  size_t parentIndex = node(enclosingModule(modulePath));
  size_t index = nodes.size();
  nodes.push_back({modelClass + "." + modulePath, {}, {}, {}});
  nodes[parentIndex].children.push_back(index);
  byPath[modulePath] = index;
  return index;
}

void Tracer::record(int64_t id, int64_t layer, const void *data, const int64_t *dims, int64_t rank,
                    int64_t dtype) {
  if (finished)
    return;
  if (id < 0 || id >= int64_t(points.size()) || rank < 0 || dtype < TMC_TRACE_F32 ||
      dtype > TMC_TRACE_I32) {
    // The compiled code and its manifest disagree: a compiler bug.
    std::fprintf(stderr,
                 "tmc_trace: trace point %lld (rank %lld, dtype %lld) is not in the "
                 "artifact's manifest (%zu trace points)\n",
                 (long long)id, (long long)rank, (long long)dtype, points.size());
    std::abort();
  }
  const TracePoint &point = points[id];
  std::string module = point.module;
  if (size_t star = module.find('*'); star != std::string::npos)
    module.replace(star, 1, std::to_string(layer));
  Node &target = nodes[node(module)];
  std::vector<json> &slots = point.output ? target.outputs : target.inputs;
  if (slots.size() <= size_t(point.index))
    slots.resize(point.index + 1);
  slots[point.index] = summarizeTensor(data, llvm::ArrayRef<int64_t>(dims, rank), dtype);
  ++numEvents;
}

json Tracer::tree() const {
  std::function<json(size_t)> build = [&](size_t index) {
    const Node &n = nodes[index];
    json out = {{"module_path", n.path}};
    if (!n.inputs.empty())
      out["inputs"] = {{"args", n.inputs}};
    // transformers writes one tensor as itself and a tuple as a list.
    if (n.outputs.size() == 1)
      out["outputs"] = n.outputs.front();
    else if (!n.outputs.empty())
      out["outputs"] = n.outputs;
    if (!n.children.empty()) {
      json children = json::array();
      for (size_t child : n.children)
        children.push_back(build(child));
      out["children"] = std::move(children);
    }
    return out;
  };
  return build(0);
}

llvm::Error Tracer::write(llvm::StringRef path) const {
  if (llvm::Error error = writeFileAtomically(
          path, [&](llvm::raw_ostream &os) { os << tree().dump(2) << "\n"; }))
    return makeError("--trace-out " + llvm::toString(std::move(error)));
  return llvm::Error::success();
}

ThreadTracerScope::ThreadTracerScope(Tracer *tracer) : previous(threadTracer) {
  threadTracer = tracer;
}

ThreadTracerScope::~ThreadTracerScope() { threadTracer = previous; }

void tmc::rt::finishThreadTrace() {
  if (threadTracer)
    threadTracer->finish();
}

extern "C" void tmc_trace(int64_t id, int64_t layer, const void *data, const int64_t *dims,
                          int64_t rank, int64_t dtype) {
  if (Tracer *tracer = threadTracer)
    tracer->record(id, layer, data, dims, rank, dtype);
}
