//===- CheckModularCommand.cpp - tmc check-modular --------------*- C++ -*-===//
//
// `tmc check-modular [MODELS_DIR] [--stats]` (DESIGN.md §8, §12): every
// generated modeling file equals what `tmc expand` makes of its modular file
// today, byte for byte. Models are expanded parents first, each against its
// parents as regenerated in this run (not as committed), so a whole chain is
// checked. A difference is shown as a unified diff with the command that
// fixes it, and the exit code is 1. Models with only a hand-written modeling
// file are bases: listed, not generated. `--stats` adds the table of lines
// written by hand vs generated.
//
//===----------------------------------------------------------------------===//

#include "tools/tmc/Commands.h"
#include "runtime/Error.h"
#include "tools/tmc/ExpandModel.h"
#include "tools/tmc/LineDiff.h"
#include "tools/tmc/ModelGraph.h"
#include "tools/tmc/ModelSource.h"

#include "mlir/IR/Diagnostics.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

namespace cl = llvm::cl;
using namespace mlir;
using tmc::rt::makeError;

namespace tmc::driver {
cl::SubCommand checkModularCommand(
    "check-modular", "check every generated modeling file equals its regenerated self");
} // namespace tmc::driver

namespace {
using namespace tmc::driver;

cl::opt<std::string> modelsDirArg(cl::Positional, cl::sub(checkModularCommand),
                                  cl::desc("[MODELS_DIR] (default: ./models, else the "
                                           "models of tmc's source tree)"));
cl::opt<bool> stats("stats", cl::sub(checkModularCommand),
                    cl::desc("Print modular vs generated lines per model"));

/// One model folder and what the check found.
struct Model {
  std::string name;
  bool generated = false;
  /// Lines of the modular file (generated models) or of the hand-written
  /// modeling file (bases), and of the generated modeling file.
  unsigned written = 0, generatedLines = 0;
  /// Empty when up to date; else what is wrong, the diff if any, and the fix.
  std::string problem, diff, fix;
};

std::optional<std::string> readFile(llvm::StringRef path) {
  auto buffer = llvm::MemoryBuffer::getFile(path);
  if (!buffer)
    return std::nullopt;
  return (*buffer)->getBuffer().str();
}

std::string plural(size_t count, llvm::StringRef noun) {
  return std::to_string(count) + " " + noun.str() + (count == 1 ? "" : "s");
}

std::string ratio(unsigned generated, unsigned written) {
  if (written == 0)
    return "-";
  std::string text;
  llvm::raw_string_ostream(text) << llvm::format("%.2fx", double(generated) / written);
  return text;
}

void printStats(llvm::raw_ostream &os, llvm::ArrayRef<Model> models) {
  unsigned modular = 0, generated = 0, base = 0;
  os << "\n"
     << llvm::left_justify("model", 12) << llvm::right_justify("modular", 9)
     << llvm::right_justify("generated", 11) << llvm::right_justify("ratio", 9) << "\n";
  for (const Model &model : models) {
    os << llvm::left_justify(model.name, 12);
    if (!model.generated) {
      base += model.written;
      os << llvm::right_justify("base", 9) << llvm::right_justify(std::to_string(model.written), 11)
         << llvm::right_justify("-", 9) << "\n";
      continue;
    }
    modular += model.written;
    generated += model.generatedLines;
    os << llvm::right_justify(std::to_string(model.written), 9)
       << llvm::right_justify(std::to_string(model.generatedLines), 11)
       << llvm::right_justify(ratio(model.generatedLines, model.written), 9) << "\n";
  }
  os << llvm::left_justify("total", 12) << llvm::right_justify(std::to_string(modular), 9)
     << llvm::right_justify(std::to_string(generated), 11)
     << llvm::right_justify(ratio(generated, modular), 9) << "\n";
  os << "effective LOC: " << modular + base << " (" << modular << " modular + " << base
     << " base; generated lines do not count)\n";
}

/// Runs the check; returns the number of models out of date.
llvm::Expected<unsigned> check() {
  auto modelsDir = existingModelsDirectory(modelsDirArg, "tmc check-modular [MODELS_DIR]");
  if (!modelsDir)
    return modelsDir.takeError();
  std::string dir = *modelsDir;
  std::unique_ptr<MLIRContext> context = makeModelContext();
  llvm::SourceMgr diagnosticSources;
  SourceMgrDiagnosticHandler diagnostics(diagnosticSources, context.get());
  std::string canonicalDir = canonicalPath(dir);
  ModelGraph graph(*context, canonicalDir);
  auto names = graph.listModels();
  if (!names)
    return names.takeError();
  if (names->empty())
    return makeError(llvm::Twine(dir) + ": no model folders (<name>/modular_<name>.py or " +
                     "<name>/modeling_<name>.py); give the models/ folder of the repository");

  // Paths as the user wrote them, for the report.
  auto shown = [&](llvm::StringRef name) {
    llvm::SmallString<256> path(dir);
    llvm::sys::path::append(path, name, "modeling_" + name + ".py");
    return path.str().str();
  };

  std::vector<Model> models;
  std::vector<std::string> modular;
  for (const std::string &name : *names) {
    Model model;
    model.name = name;
    model.generated = graph.isModular(name);
    if (model.generated)
      modular.push_back(name);
    models.push_back(model);
  }
  auto find = [&](llvm::StringRef name) -> Model & {
    return *llvm::find_if(models, [&](const Model &m) { return m.name == name; });
  };

  FailureOr<std::vector<std::string>> order = graph.expansionOrder(modular);
  if (failed(order))
    return makeError("cannot order the models to expand (see the errors above)");
  RegeneratedFiles regenerated;
  for (const std::string &name : *order) {
    Model &model = find(name);
    std::string modularPath = graph.modularPath(name), modelingPath = graph.modelingPath(name);
    if (std::optional<std::string> source = readFile(modularPath))
      model.written = countLines(*source);
    FailureOr<std::string> text =
        expandModularFile(*context, modularPath, canonicalDir, regenerated.fileSystem());
    if (failed(text)) {
      model.problem = "its modular file does not expand (see the errors above)";
      model.fix = "correct " + modularPath + ", then run 'tmc expand " + name + "'";
      continue;
    }
    // Children are checked against this file as regenerated.
    regenerated.add(modelingPath, *text);
    model.generatedLines = countLines(*text);
    std::optional<std::string> committed = readFile(modelingPath);
    if (!committed) {
      model.problem = shown(name) + " is missing";
      continue;
    }
    if (*committed != *text) {
      model.problem = shown(name) + " differs from what its modular file expands to";
      model.diff = unifiedDiff(*committed, *text, shown(name) + " (committed)",
                               shown(name) + " (regenerated)");
    }
  }
  for (Model &model : models)
    if (!model.generated)
      if (std::optional<std::string> source = readFile(graph.modelingPath(model.name)))
        model.written = countLines(*source);

  // The report, by model name.
  llvm::raw_ostream &os = llvm::outs();
  std::vector<std::string> stale;
  for (const Model &model : models) {
    os << llvm::left_justify(model.name, 12);
    if (!model.generated) {
      os << "base, not generated\n";
      continue;
    }
    if (model.problem.empty()) {
      os << "up to date\n";
      continue;
    }
    stale.push_back(model.name);
    os << "OUT OF DATE: " << model.problem << "\n" << model.diff;
    os << "  fix: "
       << (model.fix.empty()
               ? "run 'tmc expand " + model.name + "' and commit " + shown(model.name)
               : model.fix)
       << "\n";
  }
  if (stats)
    printStats(os, models);
  os.flush();
  if (!stale.empty())
    llvm::errs() << "tmc check-modular: error: " << stale.size() << " of "
                 << plural(modular.size(), "generated modeling file") << " out of date (" << llvm::join(stale, ", ")
                 << "); run 'tmc expand " << llvm::join(stale, " ") << "' from the "
                 << "repository root and commit the result\n";
  else
    llvm::outs() << "tmc check-modular: " << plural(modular.size(), "generated modeling file")
                 << " up to date; " << plural(models.size() - modular.size(), "base model")
                 << "\n";
  return stale.size();
}

} // namespace

int tmc::driver::runCheckModular() {
  llvm::Expected<unsigned> stale = check();
  if (!stale)
    return reportError("check-modular", stale.takeError());
  return *stale ? 1 : 0;
}
