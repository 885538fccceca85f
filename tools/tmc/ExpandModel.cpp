//===- ExpandModel.cpp - one modular file to modeling text ------*- C++ -*-===//

#include "tools/tmc/ExpandModel.h"
#include "frontend/Python.h"
#include "ir/Mdl/MdlDialect.h"
#include "passes/modular/Passes.h"
#include "runtime/AtomicFile.h"
#include "runtime/Error.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/Pass/PassManager.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using tmc::rt::makeError;

namespace tmc::driver {

std::unique_ptr<MLIRContext> makeModelContext() {
  DialectRegistry registry;
  registry.insert<mdl::MdlDialect>();
  auto context = std::make_unique<MLIRContext>(registry);
  context->loadDialect<mdl::MdlDialect>();
  context->disableMultithreading();
  context->printOpOnDiagnostic(false); // errors point at source lines, not IR
  return context;
}

std::string canonicalPath(StringRef path) {
  llvm::SmallString<256> absolute(path);
  (void)llvm::sys::fs::make_absolute(absolute);
  llvm::sys::path::remove_dots(absolute, /*remove_dot_dot=*/true);
  return absolute.str().str();
}

RegeneratedFiles::RegeneratedFiles()
    : memory(new llvm::vfs::InMemoryFileSystem()),
      overlay(new llvm::vfs::OverlayFileSystem(llvm::vfs::getRealFileSystem())) {
  overlay->pushOverlay(memory);
}

void RegeneratedFiles::add(StringRef path, StringRef text) {
  // The in-memory file system keeps the first file added at a path; a model
  // is regenerated once per run.
  memory->addFile(path, /*ModificationTime=*/0, llvm::MemoryBuffer::getMemBufferCopy(text, path));
}

FailureOr<std::string> expandModularFile(MLIRContext &context, StringRef modularPath,
                                         StringRef modelsDir,
                                         llvm::IntrusiveRefCntPtr<llvm::vfs::FileSystem> fs) {
  OwningOpRef<ModuleOp> module = parsePythonFile(modularPath, &context, *fs);
  if (!module)
    return failure();

  PassManager pm(&context);
  ExpandModularOptions options;
  options.modelsDir = modelsDir.str();
  pm.addPass(createExpandModular(options, fs));
  if (failed(pm.run(*module)))
    return failure();

  std::string text;
  llvm::raw_string_ostream os(text);
  if (failed(printPython(*module, os)))
    return failure();
  return text;
}

llvm::Error writeAtomically(StringRef path, StringRef text) {
  llvm::SmallString<256> parent = llvm::sys::path::parent_path(path);
  if (!parent.empty())
    if (std::error_code ec = llvm::sys::fs::create_directories(parent))
      return makeError(path + ": cannot create its directory: " + ec.message());
  return tmc::rt::writeFileAtomically(path, [&](llvm::raw_ostream &os) { os << text; });
}

} // namespace tmc::driver
