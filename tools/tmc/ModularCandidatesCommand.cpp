//===- ModularCandidatesCommand.cpp - tmc modular-candidates ----*- C++ -*-===//
//
// `tmc modular-candidates FILE.py [--models DIR] [--top K] [--prefix P]
// [--format text|json]`: for a modeling file written by hand, the bundled
// models whose classes are most like its own, and for each of its classes
// the class of that model to inherit from: the start of a modular file.
//
// The measure. Each top-level class is normalized: parsed by the frontend,
// its docstrings and comments dropped, printed back in the canonical format
// (so layout and quoting do not count), its model prefix renamed to <Model>
// with the renaming rule of expansion (`MyModelMLP` and `LlamaMLP` both
// become `<Model>MLP`, `self.mymodel_x` `self.<model>_x`; the model name
// of the file's name too, `"my_model"` -> `"<model>"`), and cut into its
// non-blank lines without their indentation. Two classes score
//   2 * (lines of a longest common subsequence) / (lines of both),
// 1 for classes equal after normalization, 0 for nothing in common (the
// ratio of Python's difflib over lines). A model scores the mean, over the
// input's classes, of the best score of any of its classes.
//
//===----------------------------------------------------------------------===//

#include "tools/tmc/Commands.h"
#include "frontend/Python.h"
#include "ir/Mdl/MdlOps.h"
#include "passes/modular/Renamer.h"
#include "runtime/Error.h"
#include "tools/tmc/ExpandModel.h"
#include "tools/tmc/LineDiff.h"
#include "tools/tmc/ModelGraph.h"
#include "tools/tmc/ModelSource.h"

#include "mlir/IR/Diagnostics.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/VirtualFileSystem.h"
#include "llvm/Support/raw_ostream.h"

#include <nlohmann/json.hpp>

namespace cl = llvm::cl;
using namespace mlir;
using tmc::rt::makeError;
namespace mdl = tmc::mdl;

namespace tmc::driver {
cl::SubCommand modularCandidatesCommand(
    "modular-candidates",
    "rank the bundled models by how alike their classes are to a hand-written modeling "
    "file's. A class is normalized (docstrings and comments dropped, canonical format, model "
    "prefix renamed to <Model>, blank lines and indentation ignored); two classes score "
    "2 * common lines / lines of both (longest common subsequence); a model scores the mean "
    "over FILE's classes of its best-matching class");
} // namespace tmc::driver

namespace {
using namespace tmc::driver;

enum class Format { Text, Json };

cl::opt<std::string> inputPath(cl::Positional, cl::sub(modularCandidatesCommand),
                               cl::desc("FILE.py (a modeling file written by hand)"));
cl::opt<std::string> modelsDirOpt("models", cl::sub(modularCandidatesCommand),
                                  cl::desc("Directory holding the model folders <name>/ "
                                           "(default: ./models, else the models of tmc's "
                                           "source tree)"),
                                  cl::value_desc("DIR"));
cl::opt<unsigned> topK("top", cl::sub(modularCandidatesCommand), cl::init(3),
                       cl::desc("Show the K best models (default 3; 0 for all)"),
                       cl::value_desc("K"));
cl::opt<std::string> prefixOpt("prefix", cl::sub(modularCandidatesCommand),
                               cl::desc("The model prefix of FILE's class names (default: "
                                        "from modeling_<name>.py, else the prefix its class "
                                        "names share)"),
                               cl::value_desc("MyModel"));
cl::opt<std::string> formatOpt("format", cl::sub(modularCandidatesCommand), cl::init("text"),
                               cl::desc("Output format: text (a ranked list, the default) or json"),
                               cl::value_desc("text|json"));

/// One top-level class, normalized.
struct Class {
  std::string name;
  std::vector<std::string> lines;
};

/// A file's classes and the prefix renamed in them.
struct ClassFile {
  std::string prefix;
  std::vector<Class> classes;
};

/// The prefix of `className` spelling `model` in any case, `_` and `-` of
/// the model name left out (`phi3` -> `Phi3MLP`'s `Phi3`, `my_model` ->
/// `MyModelMLP`'s `MyModel`); empty when it does not start so.
llvm::StringRef prefixSpelling(llvm::StringRef className, llvm::StringRef model) {
  size_t i = 0;
  for (char c : model) {
    if (c == '_' || c == '-')
      continue;
    if (i >= className.size() || llvm::toLower(className[i]) != llvm::toLower(c))
      return "";
    ++i;
  }
  // A whole word: `Llama` of `LlamaMLP`, not `Lla` of `LlamaMLP` for `lla`.
  if (i == 0 || i == className.size() || llvm::isLower(className[i]))
    return "";
  return className.take_front(i);
}

/// The model prefix of `names`: the spelling of `model` they start with,
/// else the longest prefix all of them (two at least) share up to an
/// uppercase letter, else none.
std::string modelPrefix(llvm::ArrayRef<std::string> names, llvm::StringRef model) {
  for (const std::string &name : names)
    if (llvm::StringRef prefix = prefixSpelling(name, model); !prefix.empty())
      return prefix.str();
  if (names.size() < 2)
    return "";
  size_t shared = names[0].size();
  for (const std::string &name : names) {
    size_t i = 0;
    while (i < shared && i < name.size() && name[i] == names[0][i])
      ++i;
    shared = i;
  }
  // Back to a word boundary: every name goes on with an uppercase letter.
  for (; shared > 0; --shared)
    if (llvm::all_of(names, [&](const std::string &name) {
          return shared < name.size() && llvm::isUpper(name[shared]);
        }))
      break;
  return names[0].substr(0, shared);
}

/// The model name of a file path: `llama` for modeling_llama.py or
/// modular_llama.py, else the file's stem.
std::string modelNameOf(llvm::StringRef path) {
  llvm::StringRef stem = llvm::sys::path::stem(path);
  if (!stem.consume_front("modeling_"))
    stem.consume_front("modular_");
  return stem.str();
}

/// Parses `path` and normalizes its classes (see the file comment). Fails
/// after the frontend's located error.
FailureOr<ClassFile> readClasses(MLIRContext &context, llvm::StringRef path, llvm::StringRef model,
                                 llvm::StringRef explicitPrefix) {
  OwningOpRef<ModuleOp> module =
      tmc::parsePythonFile(path, &context, *llvm::vfs::getRealFileSystem());
  if (!module)
    return failure();

  // Docstrings and comments say nothing about what a class computes, and
  // hand-written files have more of them than generated ones.
  std::vector<Operation *> comments;
  module->walk([&](Operation *op) {
    if (isa<mdl::CommentOp>(op))
      comments.push_back(op);
    op->removeAttr(mdl::kTrailingCommentAttr);
    op->removeAttr(mdl::kBlankLineAttr);
    if (auto cls = dyn_cast<mdl::ClassOp>(op))
      cls.removeDocAttr();
    if (auto def = dyn_cast<mdl::DefOp>(op))
      def.removeDocAttr();
  });
  for (Operation *op : comments)
    op->erase();

  ClassFile file;
  std::vector<std::string> names;
  for (auto cls : module->getBody()->getOps<mdl::ClassOp>())
    names.push_back(cls.getSymName().str());
  file.prefix = explicitPrefix.empty() ? modelPrefix(names, model) : explicitPrefix.str();

  // Renamed in the IR, before printing: the printer wraps lines by their
  // length, which would differ with the length of the model names.
  if (!file.prefix.empty())
    tmc::modular::Renamer(file.prefix, "<Model>").renameOp(*module);
  // A snake-case model name is not a case variant of the prefix
  // (`model_type = "my_model"` of MyModelConfig); it is renamed too, when
  // it is the prefix with underscores (not any file stem: `model.py`).
  std::string unsnaked = model.str();
  llvm::erase(unsnaked, '_');
  if (model.contains('_') && !file.prefix.empty() &&
      unsnaked == llvm::StringRef(file.prefix).lower())
    tmc::modular::Renamer(model, "<model>").renameOp(*module);
  std::string text;
  llvm::raw_string_ostream os(text);
  if (failed(tmc::printPython(*module, os)))
    return failure();

  // The canonical format starts each top-level statement at column 0 and
  // indents everything inside a class: a class is its `class` line and the
  // indented lines below it, in the order of the class ops.
  Class *current = nullptr;
  llvm::SmallVector<llvm::StringRef> lines;
  llvm::StringRef(text).split(lines, '\n');
  for (llvm::StringRef line : lines) {
    if (line.trim().empty())
      continue;
    if (!line.starts_with(" ")) {
      current = nullptr;
      if (line.starts_with("class ") && file.classes.size() < names.size()) {
        current = &file.classes.emplace_back();
        current->name = names[file.classes.size() - 1];
      }
    }
    if (current)
      current->lines.push_back(line.trim().str());
  }
  return file;
}

double similarity(const Class &a, const Class &b) {
  if (a.lines.empty() && b.lines.empty())
    return 1;
  std::vector<llvm::StringRef> x(a.lines.begin(), a.lines.end()), y(b.lines.begin(), b.lines.end());
  return 2.0 * commonLines(x, y) / (x.size() + y.size());
}

/// One bundled model against the input.
struct Candidate {
  std::string model;
  double score = 0;
  /// For each input class: the best class of this model (empty when the
  /// model has none) and its score.
  std::vector<std::pair<std::string, double>> matches;
};

/// The best class to inherit from for one input class, over all models.
struct Parent {
  std::string model, cls; // empty when no model has a class
  double score = -1;
};

struct Ranking {
  ClassFile input;
  /// Best first.
  std::vector<Candidate> candidates;
  /// One per input class.
  std::vector<Parent> parents;
};

/// How many modular steps separate `name` from a hand-written base, for
/// each model asked for (0 for a base). Fails after a located error on a
/// modular file that does not parse.
class Depths {
public:
  explicit Depths(ModelGraph &graph) : graph(graph) {}

  FailureOr<unsigned> of(const std::string &name) {
    if (auto it = depths.find(name); it != depths.end())
      return it->second;
    depths[name] = 0; // an import cycle ends here; expansion reports it
    if (!graph.isModular(name))
      return 0u;
    FailureOr<ModelGraph::ModularFile> file = graph.readModularFile(name);
    if (failed(file))
      return failure();
    unsigned depth = 0;
    for (const std::string &parent : file->parentModels()) {
      FailureOr<unsigned> parentDepth = of(parent);
      if (failed(parentDepth))
        return failure();
      depth = std::max(depth, *parentDepth + 1);
    }
    return depths[name] = depth;
  }

private:
  ModelGraph &graph;
  llvm::StringMap<unsigned> depths;
};

llvm::Expected<Ranking> rank(MLIRContext &context, llvm::StringRef dir) {
  Ranking ranking;
  FailureOr<ClassFile> input = readClasses(context, inputPath, modelNameOf(inputPath), prefixOpt);
  if (failed(input))
    return makeError(llvm::Twine(inputPath) + ": cannot read its classes (see the errors above)");
  if (input->classes.empty())
    return makeError(llvm::Twine(inputPath) + ": no top-level classes to compare");
  ranking.input = std::move(*input);
  const std::vector<Class> &classes = ranking.input.classes;

  ModelGraph graph(context, dir);
  auto names = graph.listModels();
  if (!names)
    return names.takeError();
  std::string self = canonicalPath(inputPath);
  std::vector<Candidate> &ranked = ranking.candidates;
  for (const std::string &name : *names) {
    std::string modeling = graph.modelingPath(name);
    // The input itself is no candidate (`tmc modular-candidates
    // models/llama/modeling_llama.py`), nor a model not expanded yet.
    if (!llvm::sys::fs::is_regular_file(modeling) || canonicalPath(modeling) == self)
      continue;
    FailureOr<ClassFile> model = readClasses(context, modeling, name, "");
    if (failed(model))
      return makeError(modeling + ": cannot read its classes (see the errors above)");
    Candidate &candidate = ranked.emplace_back();
    candidate.model = name;
    for (const Class &cls : classes) {
      std::pair<std::string, double> best{"", 0.0};
      for (const Class &other : model->classes)
        if (double score = similarity(cls, other); best.first.empty() || score > best.second)
          best = {other.name, score};
      candidate.matches.push_back(best);
      candidate.score += best.second;
    }
    candidate.score /= classes.size();
  }
  if (ranked.empty())
    return makeError(llvm::Twine(dir) + ": no model folders with a modeling_<name>.py to " +
                     "compare with; give the models/ folder of the repository (--models DIR)");

  // On equal scores the model nearer its hand-written base comes first: a
  // class equal in two models is most likely one copied from the other
  // (GlmMLP is Phi3MLP renamed), and inheriting from the original keeps the
  // chains short.
  Depths depths(graph);
  llvm::StringMap<unsigned> depthOf;
  for (const Candidate &candidate : ranked) {
    FailureOr<unsigned> depth = depths.of(candidate.model);
    if (failed(depth))
      return makeError(graph.modularPath(candidate.model) +
                       ": cannot read its imports (see the errors above)");
    depthOf[candidate.model] = *depth;
  }
  llvm::stable_sort(ranked, [&](const Candidate &a, const Candidate &b) {
    if (a.score != b.score)
      return a.score > b.score;
    return depthOf[a.model] < depthOf[b.model];
  });

  // The best parent of each class over all models; on a tie, the model
  // ranked first, so that the suggested imports come from few models.
  ranking.parents.resize(classes.size());
  for (const Candidate &candidate : ranked)
    for (auto [i, match] : llvm::enumerate(candidate.matches))
      if (!match.first.empty() && match.second > ranking.parents[i].score)
        ranking.parents[i] = {candidate.model, match.first, match.second};
  return ranking;
}

std::string fixed(double value) {
  std::string text;
  llvm::raw_string_ostream(text) << llvm::format("%.3f", value);
  return text;
}

void printText(llvm::raw_ostream &os, const Ranking &ranking, llvm::ArrayRef<Candidate> shown) {
  const std::vector<Class> &classes = ranking.input.classes;
  size_t width = 0, matchWidth = 0, parentWidth = 0;
  for (const Class &cls : classes)
    width = std::max(width, cls.name.size());
  for (const Candidate &candidate : shown)
    for (const auto &match : candidate.matches)
      matchWidth = std::max(matchWidth, match.first.size());
  std::vector<std::string> parents;
  for (const Parent &parent : ranking.parents) {
    parents.push_back(parent.model.empty() ? "-" : parent.model + "." + parent.cls);
    parentWidth = std::max(parentWidth, parents.back().size());
  }

  os << inputPath << ": " << classes.size() << (classes.size() == 1 ? " class" : " classes")
     << ", prefix "
     << (ranking.input.prefix.empty() ? "(none; give --prefix)" : ranking.input.prefix) << "\n"
     << "score: mean over its classes of the best line similarity (2 * common lines / "
        "lines of both) to a class of the model\n";
  for (auto [rank, candidate] : llvm::enumerate(shown)) {
    os << "\n"
       << llvm::right_justify(std::to_string(rank + 1), 2) << ". " << candidate.model << "  "
       << fixed(candidate.score) << "\n";
    for (auto [cls, match] : llvm::zip_equal(classes, candidate.matches))
      os << "      " << llvm::left_justify(cls.name, width) << "  <- "
         << llvm::left_justify(match.first.empty() ? "-" : match.first, matchWidth) << "  "
         << fixed(match.second) << "\n";
  }
  os << "\nbest parent per class:\n";
  for (auto [i, cls] : llvm::enumerate(classes)) {
    os << "  " << llvm::left_justify(cls.name, width) << "  <- "
       << llvm::left_justify(parents[i], parentWidth);
    if (!ranking.parents[i].model.empty())
      os << "  " << fixed(ranking.parents[i].score);
    os << "\n";
  }
}

void printJson(llvm::raw_ostream &os, const Ranking &ranking, llvm::ArrayRef<Candidate> shown) {
  using Json = nlohmann::ordered_json;
  const std::vector<Class> &classes = ranking.input.classes;
  Json candidates = Json::array(), parents = Json::array();
  for (const Candidate &candidate : shown) {
    Json matches = Json::array();
    for (auto [cls, match] : llvm::zip_equal(classes, candidate.matches))
      matches.push_back({{"class", cls.name},
                         {"match", match.first.empty() ? Json(nullptr) : Json(match.first)},
                         {"score", match.second}});
    candidates.push_back(
        {{"model", candidate.model}, {"score", candidate.score}, {"classes", matches}});
  }
  for (auto [cls, parent] : llvm::zip_equal(classes, ranking.parents)) {
    Json entry = {{"class", cls.name}};
    if (!parent.model.empty()) {
      entry["model"] = parent.model;
      entry["match"] = parent.cls;
      entry["score"] = parent.score;
    }
    parents.push_back(std::move(entry));
  }
  Json root = {{"file", inputPath.getValue()},
               {"prefix", ranking.input.prefix},
               {"measure", "per class: 2 * common lines / lines of both, over normalized "
                           "class bodies; per model: mean over the file's classes of the "
                           "best-matching class"},
               {"candidates", std::move(candidates)},
               {"best_per_class", std::move(parents)}};
  os << root.dump(2) << "\n";
}

llvm::Error candidates(Format format) {
  if (!llvm::sys::fs::is_regular_file(inputPath))
    return makeError(llvm::Twine(inputPath) +
                     (llvm::sys::fs::exists(inputPath) ? ": not a file" : ": no such file") +
                     "; give a modeling file (tmc modular-candidates FILE.py)");
  auto modelsDir = existingModelsDirectory(modelsDirOpt, "--models DIR");
  if (!modelsDir)
    return modelsDir.takeError();
  std::string dir = *modelsDir;

  std::unique_ptr<MLIRContext> context = makeModelContext();
  llvm::SourceMgr diagnosticSources;
  SourceMgrDiagnosticHandler diagnostics(diagnosticSources, context.get());
  llvm::Expected<Ranking> ranking = rank(*context, dir);
  if (!ranking)
    return ranking.takeError();
  llvm::ArrayRef<Candidate> shown = ranking->candidates;
  if (topK != 0)
    shown = shown.take_front(topK);
  if (format == Format::Json)
    printJson(llvm::outs(), *ranking, shown);
  else
    printText(llvm::outs(), *ranking, shown);
  return llvm::Error::success();
}

} // namespace

int tmc::driver::runModularCandidates() {
  if (inputPath.empty())
    return usageError("modular-candidates needs a modeling file "
                      "(tmc modular-candidates FILE.py [--models DIR] [--top K])");
  if (formatOpt != "text" && formatOpt != "json")
    return usageError("--format is text or json, not '" + formatOpt + "'");
  if (llvm::Error error = candidates(formatOpt == "json" ? Format::Json : Format::Text))
    return reportError("modular-candidates", std::move(error));
  return 0;
}
