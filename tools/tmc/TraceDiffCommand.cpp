//===- TraceDiffCommand.cpp - tmc trace-diff --------------------*- C++ -*-===//
//
// `tmc trace-diff a.json b.json [--atol X]`: where two activation traces part.
// Both files are trees in the layout of transformers' model_addition_debugger
// SUMMARY file (tmc run --trace-out writes one; transformers' debugger the
// other). Modules are matched by path below the model class, so traces of
// two implementations of one architecture compare. A module's outputs
// compare where both traces recorded them (transformers keeps outputs of
// leaf modules only), and so does its first input. Two tensors differ by
// the largest gap between their summaries (mean, std, min, max, and tmc's
// first and last values), less the rounding of the printed digits: a
// difference below what a file printed is none.
//
// Exit status, as diff(1): 0 when every compared module agrees within
// --atol, 1 when one does not, 2 on trouble (a missing or malformed file).
//
//===----------------------------------------------------------------------===//

#include "runtime/Error.h"
#include "runtime/Trace.h"
#include "tools/tmc/Commands.h"

#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <limits>
#include <map>
#include <optional>

namespace cl = llvm::cl;
using json = nlohmann::ordered_json;
using tmc::rt::makeError;

namespace tmc::driver {
cl::SubCommand traceDiffCommand("trace-diff",
                                "the first module where two activation traces differ");
} // namespace tmc::driver

namespace {
using tmc::driver::traceDiffCommand;

cl::list<std::string> traceFiles(cl::Positional, cl::sub(traceDiffCommand),
                                 cl::desc("<a.json> <b.json>"));
cl::opt<double> tolerance("atol", cl::init(1e-4), cl::sub(traceDiffCommand),
                          cl::desc("Largest difference of two tensors' summaries that is no "
                                   "difference (default 1e-4)"));

constexpr int kDiffer = 1;
constexpr int kTrouble = 2;

/// A printed number and the rounding its digits imply (half a unit in the
/// last printed place).
struct Printed {
  double value;
  double rounding;
};

/// "tensor(1.2345e-02)", "tensor(0.0123, dtype=torch.bfloat16)", or a number.
std::optional<Printed> parsePrinted(const json &field) {
  if (field.is_number())
    return Printed{field.get<double>(), 0};
  if (!field.is_string())
    return std::nullopt;
  llvm::StringRef text = field.get_ref<const std::string &>();
  text.consume_front("tensor(");
  text = text.take_until([](char c) { return c == ',' || c == ')'; }).trim();
  if (text == "nan")
    return Printed{std::numeric_limits<double>::quiet_NaN(), 0};
  if (text == "inf" || text == "-inf")
    return Printed{text == "inf" ? HUGE_VAL : -HUGE_VAL, 0};
  double value;
  if (text.getAsDouble(value))
    return std::nullopt;
  size_t e = text.find_insensitive('e');
  llvm::StringRef mantissa = text.take_front(e), exponent = e == llvm::StringRef::npos
                                                                ? llvm::StringRef()
                                                                : text.drop_front(e + 1);
  int places = 0;
  if (size_t dot = mantissa.find('.'); dot != llvm::StringRef::npos)
    places = int(mantissa.size() - dot - 1);
  int power = 0;
  if (!exponent.empty())
    exponent.consume_front("+"), exponent.getAsInteger(10, power);
  return Printed{value, 0.5 * std::pow(10.0, power - places)};
}

double gap(const Printed &a, const Printed &b) {
  if (std::isnan(a.value) || std::isnan(b.value))
    return std::isnan(a.value) && std::isnan(b.value) ? 0 : HUGE_VAL;
  if (a.value == b.value)
    return 0;
  return std::max(0.0, std::fabs(a.value - b.value) - std::max(a.rounding, b.rounding));
}

bool isTensor(const json &value) { return value.is_object() && value.contains("shape"); }

/// How far apart two tensor summaries are, or nothing when they do not
/// describe comparable tensors (other shapes).
std::optional<double> tensorGap(const json &a, const json &b) {
  if (!isTensor(a) || !isTensor(b) || a["shape"] != b["shape"])
    return std::nullopt;
  double worst = 0;
  for (const char *key : {"mean", "std", "min", "max"})
    if (a.contains(key) && b.contains(key)) {
      auto x = parsePrinted(a[key]), y = parsePrinted(b[key]);
      if (x && y)
        worst = std::max(worst, gap(*x, *y));
    }
  for (const char *key : {"first", "last"})
    if (a.contains(key) && b.contains(key) && a[key].is_array() && b[key].is_array() &&
        a[key].size() == b[key].size())
      for (size_t i = 0; i < a[key].size(); ++i) {
        auto x = parsePrinted(a[key][i]), y = parsePrinted(b[key][i]);
        if (x && y)
          worst = std::max(worst, gap(*x, *y));
        else if (a[key][i].is_null() != b[key][i].is_null())
          worst = HUGE_VAL; // a non-finite value on one side only
      }
  return worst;
}

/// A module's outputs as a list: transformers writes one tensor as itself.
std::vector<json> outputsOf(const json &node) {
  auto it = node.find("outputs");
  if (it == node.end())
    return {};
  if (isTensor(*it))
    return {*it};
  if (it->is_array())
    return std::vector<json>(it->begin(), it->end());
  return {};
}

/// A module's first input: its first positional argument, else the
/// `hidden_states` keyword, else its first tensor keyword.
std::optional<json> firstInputOf(const json &node) {
  auto inputs = node.find("inputs");
  if (inputs == node.end() || !inputs->is_object())
    return std::nullopt;
  if (auto args = inputs->find("args"); args != inputs->end() && args->is_array() && !args->empty())
    return args->front();
  auto kwargs = inputs->find("kwargs");
  if (kwargs == inputs->end() || !kwargs->is_object())
    return std::nullopt;
  if (auto hidden = kwargs->find("hidden_states"); hidden != kwargs->end())
    return *hidden;
  for (const auto &[name, value] : kwargs->items())
    if (isTensor(value))
      return value;
  return std::nullopt;
}

struct Trace {
  std::string file;
  std::string modelClass;
  /// Modules by path below the model class ("" is the model), and their
  /// order: `tree` is pre-order (for reading), `finished` post-order (the
  /// order their forwards return in).
  std::map<std::string, json> byPath;
  std::vector<std::pair<std::string, int>> tree; // path, depth
  std::vector<std::string> finished;
};

llvm::Error collect(Trace &trace, const json &node, int depth) {
  auto path = node.find("module_path");
  if (!node.is_object() || path == node.end() || !path->is_string())
    return makeError(trace.file + ": a node without a \"module_path\" (not a trace tree of "
                                  "tmc run --trace-out or transformers' model_addition_debugger)");
  llvm::StringRef full = path->get_ref<const std::string &>();
  full.consume_back(" (top-level)");
  std::string relative;
  if (depth == 0)
    trace.modelClass = full.str();
  else if (full.starts_with(trace.modelClass + "."))
    relative = full.drop_front(trace.modelClass.size() + 1).str();
  else
    relative = full.str();
  trace.tree.push_back({relative, depth});
  trace.byPath[relative] = node;
  if (auto children = node.find("children"); children != node.end()) {
    if (!children->is_array())
      return makeError(trace.file + ": \"children\" of " + full + " is not a list");
    for (const json &child : *children)
      if (llvm::Error error = collect(trace, child, depth + 1))
        return error;
  }
  trace.finished.push_back(relative);
  return llvm::Error::success();
}

llvm::Expected<Trace> readTrace(llvm::StringRef file) {
  auto buffer = llvm::MemoryBuffer::getFile(file, /*IsText=*/true);
  if (!buffer)
    return makeError(file + ": cannot read: " + buffer.getError().message());
  json root = json::parse((*buffer)->getBuffer().begin(), (*buffer)->getBuffer().end(), nullptr,
                          /*allow_exceptions=*/false);
  if (root.is_discarded())
    return makeError(file + ": not valid JSON");
  Trace trace;
  trace.file = file.str();
  if (llvm::Error error = collect(trace, root, 0))
    return std::move(error);
  return trace;
}

std::string name(const std::string &path) { return path.empty() ? "(the model)" : path; }

std::string cell(std::optional<double> gap) {
  if (!gap)
    return "-";
  if (std::isinf(*gap))
    return "inf";
  return llvm::formatv("{0:e1}", *gap).str();
}

std::string summaryLine(const json &tensor) {
  if (!isTensor(tensor))
    return tensor.dump();
  const json &shape = tensor["shape"];
  std::string line = (shape.is_string() ? shape.get<std::string>() : shape.dump()) + " " +
                     tensor.value("dtype", "?");
  for (const char *key : {"mean", "std", "min", "max"})
    if (tensor.contains(key))
      line += std::string(" ") + key + " " + tensor[key].get<std::string>();
  return line;
}

struct Comparison {
  std::optional<double> output, input;
};

Comparison compare(const json &a, const json &b) {
  Comparison result;
  std::vector<json> outA = outputsOf(a), outB = outputsOf(b);
  for (size_t i = 0; i < std::min(outA.size(), outB.size()); ++i)
    if (std::optional<double> gap = tensorGap(outA[i], outB[i]))
      result.output = std::max(result.output.value_or(0), *gap);
  std::optional<json> inA = firstInputOf(a), inB = firstInputOf(b);
  if (inA && inB)
    result.input = tensorGap(*inA, *inB);
  return result;
}

} // namespace

int tmc::driver::runTraceDiff() {
  if (traceFiles.size() != 2)
    return usageError("trace-diff needs two traces (tmc trace-diff a.json b.json [--atol X])");
  if (!(tolerance >= 0) || !std::isfinite(tolerance))
    return usageError("--atol must be a finite number >= 0");
  std::optional<Trace> traces[2];
  for (int i = 0; i < 2; ++i) {
    auto trace = readTrace(traceFiles[i]);
    if (!trace) {
      reportError("trace-diff", trace.takeError());
      return kTrouble;
    }
    traces[i] = std::move(*trace);
  }
  const Trace &a = *traces[0], &b = *traces[1];
  llvm::raw_ostream &out = llvm::outs();
  out << llvm::formatv("a: {0} ({1}), b: {2} ({3}); atol {4:e1}\n", a.file, a.modelClass, b.file,
                       b.modelClass, tolerance.getValue());

  std::map<std::string, Comparison> comparisons;
  for (const auto &[path, node] : a.byPath)
    if (auto other = b.byPath.find(path); other != b.byPath.end())
      comparisons[path] = compare(node, other->second);

  out << llvm::formatv("\n{0,-56} {1,9} {2,9}\n", "module (a's tree)", "output", "input");
  int64_t onlyA = 0, compared = 0, differing = 0;
  for (const auto &[path, depth] : a.tree) {
    auto it = comparisons.find(path);
    std::string label = std::string(2 * depth, ' ') + name(path);
    if (it == comparisons.end()) {
      ++onlyA;
      out << llvm::formatv("{0,-56} {1,9}\n", label, "only in a");
      continue;
    }
    const Comparison &c = it->second;
    if (c.output || c.input)
      ++compared;
    bool differs = (c.output && *c.output > tolerance) || (c.input && *c.input > tolerance);
    differing += differs;
    out << llvm::formatv("{0,-56} {1,9} {2,9}{3}\n", label, cell(c.output), cell(c.input),
                         differs ? "  differs" : "");
  }
  int64_t onlyB = 0;
  for (const auto &[path, node] : b.byPath)
    onlyB += !a.byPath.count(path);

  // The first module, as forwards return, whose output differs.
  std::optional<std::string> first;
  for (const std::string &path : a.finished) {
    auto it = comparisons.find(path);
    if (it != comparisons.end() && it->second.output && *it->second.output > tolerance) {
      first = path;
      break;
    }
  }
  out << llvm::formatv("\n{0} modules compared, {1} differ beyond {2:e1}; {3} only in a, {4} "
                       "only in b\n",
                       compared, differing, tolerance.getValue(), onlyA, onlyB);
  if (!first) {
    if (differing)
      out << "no module's output differs; only inputs do\n";
    else
      out << "no module differs\n";
    return differing ? kDiffer : 0;
  }
  const Comparison &c = comparisons[*first];
  out << "first module whose output differs: " << name(*first) << " (by " << cell(c.output)
      << ")\n";
  if (c.input && *c.input > tolerance) {
    // Everything that finished before agreed: the change is in the code of
    // the enclosing module between its children, or feeds this one directly.
    out << "  its input differs too (by " << cell(c.input) << "): what changed runs before it, in "
        << name(tmc::rt::enclosingModule(*first)) << "'s own code\n";
  }
  std::vector<json> outA = outputsOf(a.byPath.at(*first)), outB = outputsOf(b.byPath.at(*first));
  for (size_t i = 0; i < std::min(outA.size(), outB.size()); ++i) {
    out << "  a output " << i << ": " << summaryLine(outA[i]) << "\n";
    out << "  b output " << i << ": " << summaryLine(outB[i]) << "\n";
  }
  return kDiffer;
}
