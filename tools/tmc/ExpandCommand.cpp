//===- ExpandCommand.cpp - tmc expand ---------------------------*- C++ -*-===//
//
// `tmc expand <name|path/to/modular_x.py>... [--all] [-o modeling_x.py]
// [--models-dir DIR]`: parses each modular file, runs tmc-expand-modular and
// writes the canonical Python of `modeling_<name>.py`, under a temporary name
// renamed into place only when complete.
//
// A model name reads DIR/<name>/modular_<name>.py (DIR defaults to ./models,
// else the models of tmc's source tree)
// and writes DIR/<name>/modeling_<name>.py; a path reads that file, resolves
// model imports in the folder above its own, and writes modeling_<name>.py
// beside it. A modular file inherits from its parents' *expanded* files, so
// the modular models it inherits from, transitively, are expanded first,
// parents before children (see ModelGraph.h); a parent whose regenerated file
// differs from the one on disk is rewritten too, and said so.
//
//===----------------------------------------------------------------------===//

#include "tools/tmc/Commands.h"
#include "runtime/Error.h"
#include "tools/tmc/ExpandModel.h"
#include "tools/tmc/ModelGraph.h"
#include "tools/tmc/ModelSource.h"

#include "mlir/IR/Diagnostics.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

namespace cl = llvm::cl;
using namespace mlir;
using tmc::rt::makeError;

namespace tmc::driver {
cl::SubCommand expandCommand("expand",
                             "expand modular files into self-contained modeling files");
} // namespace tmc::driver

namespace {
using namespace tmc::driver;

cl::list<std::string> modelArgs(cl::Positional, cl::sub(expandCommand),
                                cl::desc("<model-name...|path/to/modular_x.py>"));
cl::opt<bool> allModels("all", cl::sub(expandCommand),
                        cl::desc("Expand every modular model of the models directory"));
cl::opt<std::string> outputPath("o", cl::sub(expandCommand),
                                cl::desc("Modeling file to write for the one model given "
                                         "(default: modeling_<name>.py beside the modular "
                                         "file)"),
                                cl::value_desc("modeling_x.py"));
cl::opt<std::string> modelsDirOpt("models-dir", cl::sub(expandCommand),
                                  cl::desc("Directory holding the model folders <name>/ "
                                           "(default: ./models or the source tree's for a "
                                           "model name, the folder "
                                           "above the modular file for a path)"),
                                  cl::value_desc("DIR"));

/// The file as it is on disk, or none.
std::optional<std::string> readFile(llvm::StringRef path) {
  auto buffer = llvm::MemoryBuffer::getFile(path);
  if (!buffer)
    return std::nullopt;
  return (*buffer)->getBuffer().str();
}

llvm::Error expand() {
  // Which models, where their folders are, where the outputs go.
  std::string modelsDir = modelsDirOpt;
  std::vector<std::string> roots;
  llvm::StringMap<std::string> outputs; // model -> the file asked for
  std::optional<std::pair<std::string, std::string>> byPath; // model -> its modular file
  if (modelArgs.size() == 1 && llvm::StringRef(modelArgs[0]).ends_with(".py")) {
    llvm::StringRef arg = modelArgs[0];
    llvm::StringRef stem = llvm::sys::path::stem(arg);
    if (!stem.consume_front("modular_") || stem.empty())
      return makeError(arg + ": expected a file named modular_<name>.py");
    llvm::SmallString<256> folder = llvm::sys::path::parent_path(arg);
    if (folder.empty())
      folder = ".";
    if (modelsDir.empty()) {
      llvm::SmallString<256> above(folder);
      llvm::sys::path::append(above, "..");
      modelsDir = above.str().str();
    }
    llvm::SmallString<256> output(folder);
    llvm::sys::path::append(output, "modeling_" + stem + ".py");
    roots.push_back(stem.str());
    outputs[stem] = output.str().str();
    byPath = {stem.str(), arg.str()};
  } else {
    for (llvm::StringRef arg : modelArgs) {
      if (arg.contains('/') || arg.contains('\\') || arg.ends_with(".py"))
        return makeError("'" + arg + "' is not a model name; give model names, or one " +
                         "modular_<name>.py file");
      roots.push_back(arg.str());
    }
    modelsDir = modelsDirectory(modelsDir);
  }

  std::unique_ptr<MLIRContext> context = makeModelContext();
  // Diagnostics quote the source lines of whichever file they point into.
  llvm::SourceMgr diagnosticSources;
  SourceMgrDiagnosticHandler diagnostics(diagnosticSources, context.get());
  // tmc-expand-modular builds parent paths from the models directory: give
  // it the canonical one, which the in-memory regenerated files use too.
  std::string canonicalDir = canonicalPath(modelsDir);
  ModelGraph graph(*context, canonicalDir);
  if (byPath)
    graph.setModularPath(byPath->first, canonicalPath(byPath->second));
  if (allModels) {
    if (!roots.empty())
      return makeError("--all expands every model: give no model besides it");
    auto names = graph.listModels();
    if (!names)
      return names.takeError();
    llvm::copy_if(*names, std::back_inserter(roots),
                  [&](const std::string &name) { return graph.isModular(name); });
  }
  if (!outputPath.empty()) {
    if (roots.size() != 1)
      return makeError("-o names the output of one model; give exactly one");
    outputs[roots[0]] = outputPath;
  }
  for (const std::string &root : roots)
    if (!graph.isModular(root))
      return makeError(graph.modularPath(root) + ": no such modular file" +
                       (llvm::sys::fs::exists(graph.modelingPath(root))
                            ? " (" + root + " is a hand-written base model: nothing to expand)"
                            : std::string()));

  FailureOr<std::vector<std::string>> order = graph.expansionOrder(roots);
  if (failed(order))
    return makeError("cannot order the models to expand (see the errors above)");
  RegeneratedFiles regenerated;
  for (const std::string &name : *order) {
    std::string modularPath = graph.modularPath(name);
    FailureOr<std::string> text = expandModularFile(*context, modularPath, canonicalDir,
                                                    regenerated.fileSystem());
    if (failed(text))
      return makeError(modularPath + ": expansion failed (see the errors above)");
    std::string modelingPath = graph.modelingPath(name);
    regenerated.add(modelingPath, *text);

    bool asked = llvm::is_contained(roots, name);
    if (asked) {
      auto it = outputs.find(name);
      std::string output = it != outputs.end() ? it->second : modelingPath;
      if (llvm::Error error = writeAtomically(output, *text))
        return error;
      continue;
    }
    // A parent of an asked model: rewritten only when it changed.
    if (readFile(modelingPath) == *text)
      continue;
    if (llvm::Error error = writeAtomically(modelingPath, *text))
      return error;
    llvm::errs() << "tmc expand: regenerated " << modelingPath
                 << " first: a model asked for inherits from it\n";
  }
  return llvm::Error::success();
}

} // namespace

int tmc::driver::runExpand() {
  if (modelArgs.empty() && !allModels)
    return usageError("expand needs a model name or a modular file "
                      "(tmc expand <model-name|modular_x.py>... [--all] [-o modeling_x.py])");
  if (llvm::Error error = expand())
    return reportError("expand", std::move(error));
  return 0;
}
