//===- ExpandCommand.cpp - tmc expand ---------------------------*- C++ -*-===//
//
// `tmc expand <name|path/to/modular_x.py> [-o modeling_x.py] [--models-dir DIR]`:
// parses a modular file, runs tmc-expand-modular and prints the result as the
// canonical Python of `modeling_<name>.py`, written under a temporary name and
// renamed into place only when complete.
//
// A model name reads DIR/<name>/modular_<name>.py (DIR defaults to `models`)
// and writes DIR/<name>/modeling_<name>.py; a path reads that file, resolves
// model imports in the folder above its own, and writes modeling_<name>.py
// beside it.
//
//===----------------------------------------------------------------------===//

#include "frontend/Python.h"
#include "ir/Mdl/MdlDialect.h"
#include "passes/modular/Passes.h"
#include "tools/tmc/Commands.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"

#include "llvm/ADT/ScopeExit.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

namespace cl = llvm::cl;
using namespace mlir;

namespace tmc::driver {
cl::SubCommand expandCommand("expand",
                             "expand one modular file into a self-contained modeling file");
} // namespace tmc::driver

namespace {
using tmc::driver::expandCommand;

cl::opt<std::string> modelArg(cl::Positional, cl::sub(expandCommand),
                              cl::desc("<model-name|path/to/modular_x.py>"));
cl::opt<std::string> outputPath("o", cl::sub(expandCommand),
                                cl::desc("Modeling file to write (default: "
                                         "modeling_<name>.py beside the modular file)"),
                                cl::value_desc("modeling_x.py"));
cl::opt<std::string> modelsDirOpt("models-dir", cl::sub(expandCommand),
                                  cl::desc("Directory holding the model folders <name>/ "
                                           "(default: models for a model name, the folder "
                                           "above the modular file for a path)"),
                                  cl::value_desc("DIR"));

llvm::Error makeError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

/// Writes `text` to `path` through a temporary file beside it and a rename,
/// so that readers never see a half-written file.
llvm::Error writeAtomically(llvm::StringRef path, llvm::StringRef text) {
  llvm::SmallString<256> parent = llvm::sys::path::parent_path(path);
  if (!parent.empty())
    if (std::error_code ec = llvm::sys::fs::create_directories(parent))
      return makeError(path + ": cannot create its directory: " + ec.message());
  int fd;
  llvm::SmallString<256> tempPath;
  if (std::error_code ec =
          llvm::sys::fs::createUniqueFile(path + ".tmp-%%%%%%", fd, tempPath))
    return makeError(path + ": cannot create a temporary file: " + ec.message());
  auto cleanup = llvm::make_scope_exit([&] { llvm::sys::fs::remove(tempPath); });
  {
    llvm::raw_fd_ostream os(fd, /*shouldClose=*/true);
    os << text;
    os.close();
    if (os.has_error())
      return makeError(tempPath + ": cannot write: " + os.error().message());
  }
  if (std::error_code ec = llvm::sys::fs::rename(tempPath, path))
    return makeError(path + ": cannot rename " + tempPath + " into place: " + ec.message());
  cleanup.release();
  return llvm::Error::success();
}

llvm::Error expand() {
  // Where the modular file is, where its parents are, where the output goes.
  std::string modularPath, modelsDir = modelsDirOpt, output = outputPath;
  llvm::StringRef arg = modelArg;
  if (arg.ends_with(".py")) {
    modularPath = arg.str();
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
    if (output.empty()) {
      llvm::SmallString<256> path(folder);
      llvm::sys::path::append(path, "modeling_" + stem + ".py");
      output = path.str().str();
    }
  } else {
    if (arg.contains('/') || arg.contains('\\'))
      return makeError("'" + arg + "' is neither a model name nor a modular_<name>.py file");
    if (modelsDir.empty())
      modelsDir = "models";
    llvm::SmallString<256> path(modelsDir);
    llvm::sys::path::append(path, arg, "modular_" + arg + ".py");
    modularPath = path.str().str();
    if (output.empty()) {
      llvm::SmallString<256> out(modelsDir);
      llvm::sys::path::append(out, arg, "modeling_" + arg + ".py");
      output = out.str().str();
    }
  }

  DialectRegistry registry;
  registry.insert<tmc::mdl::MdlDialect>();
  MLIRContext context(registry);
  context.loadDialect<tmc::mdl::MdlDialect>();
  context.disableMultithreading(); // diagnostics in order

  std::string errorMessage;
  auto input = openInputFile(modularPath, &errorMessage);
  if (!input)
    return makeError(modularPath + ": " + errorMessage);
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(std::move(input), llvm::SMLoc());
  SourceMgrDiagnosticHandler diagnostics(sourceMgr, &context);
  OwningOpRef<ModuleOp> module = tmc::parsePython(sourceMgr, &context);
  if (!module)
    return makeError(modularPath + ": not a model file (see the errors above)");

  PassManager pm(&context);
  tmc::ExpandModularOptions options;
  options.modelsDir = modelsDir;
  pm.addPass(tmc::createExpandModular(options));
  if (failed(pm.run(*module)))
    return makeError(modularPath + ": expansion failed (see the errors above)");

  std::string text;
  {
    llvm::raw_string_ostream os(text);
    if (failed(tmc::printPython(*module, os)))
      return makeError(modularPath + ": cannot print the expanded module");
  }
  return writeAtomically(output, text);
}

} // namespace

int tmc::driver::runExpand() {
  if (modelArg.empty())
    return usageError("expand needs a model name or a modular file "
                      "(tmc expand <model-name|modular_x.py> [-o modeling_x.py])");
  if (llvm::Error error = expand())
    return reportError("expand", std::move(error));
  return 0;
}
