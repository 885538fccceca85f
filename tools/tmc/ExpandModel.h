//===- ExpandModel.h - one modular file to modeling text --------*- C++ -*-===//
//
// What `tmc expand` and `tmc check-modular` share: parse a modular file, run
// tmc-expand-modular, print the canonical Python; keep the files regenerated
// so far in memory, so that a child is expanded against its parent as
// regenerated; write a file atomically.
//
//===----------------------------------------------------------------------===//

#ifndef TMC_TOOLS_TMC_EXPANDMODEL_H
#define TMC_TOOLS_TMC_EXPANDMODEL_H

#include "mlir/IR/MLIRContext.h"
#include "mlir/Support/LLVM.h"

#include "llvm/Support/Error.h"
#include "llvm/Support/VirtualFileSystem.h"

#include <memory>
#include <string>

namespace tmc::driver {

/// A context with the mdl dialect, single-threaded so that diagnostics come
/// in order.
std::unique_ptr<mlir::MLIRContext> makeModelContext();

/// `path` made absolute and without `.`/`..`, so that the in-memory files
/// and the paths tmc-expand-modular builds compare equal.
std::string canonicalPath(llvm::StringRef path);

/// The disk, overlaid with the modeling files regenerated in this run.
class RegeneratedFiles {
public:
  RegeneratedFiles();
  /// Reads of `path` (canonical) return `text` from now on.
  void add(llvm::StringRef path, llvm::StringRef text);
  llvm::IntrusiveRefCntPtr<llvm::vfs::FileSystem> fileSystem() const { return overlay; }

private:
  llvm::IntrusiveRefCntPtr<llvm::vfs::InMemoryFileSystem> memory;
  llvm::IntrusiveRefCntPtr<llvm::vfs::OverlayFileSystem> overlay;
};

/// The canonical Python of `modularPath` expanded, its parents read from
/// `modelsDir` through `fs`. Fails after reporting located errors through
/// the context's diagnostic handler.
mlir::FailureOr<std::string> expandModularFile(mlir::MLIRContext &context,
                                               llvm::StringRef modularPath,
                                               llvm::StringRef modelsDir,
                                               llvm::IntrusiveRefCntPtr<llvm::vfs::FileSystem> fs);

/// Writes `text` to `path` through a temporary file beside it and a rename,
/// so that readers never see a half-written file.
llvm::Error writeAtomically(llvm::StringRef path, llvm::StringRef text);

} // namespace tmc::driver

#endif // TMC_TOOLS_TMC_EXPANDMODEL_H
