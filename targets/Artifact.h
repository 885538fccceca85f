//===- Artifact.h - writing an artifact directory ---------------*- C++ -*-===//
//
// The last phase, shared by every target: the manifest read from the ABI
// attributes of the final IR, the target's compiled code, the graph for the
// reference executor and the final IR, all in a temporary directory that is
// renamed into place only when complete.
//
//===----------------------------------------------------------------------===//

#ifndef TMC_TARGETS_ARTIFACT_H
#define TMC_TARGETS_ARTIFACT_H

#include "runtime/Manifest.h"
#include "targets/Target.h"

namespace tmc {

/// The manifest a module promises: its `tmc.params`, `tmc.entry_points` and
/// `tmc.attention_backends` (written by tmc-prepare-entry-points), for
/// `target`. An error when the module was not prepared.
llvm::Expected<rt::Manifest> manifestFromModule(mlir::ModuleOp module, llvm::StringRef target);

/// Writes `outputDir` from `module` (the `llvm` phase) with `target`;
/// `graphText` is the `graph` phase, kept for `--backend torch`. `dumpDir`,
/// when non-empty, receives the target's final code dump.
llvm::Error writeArtifact(const Target &target, mlir::ModuleOp module, llvm::StringRef graphText,
                          llvm::StringRef outputDir, llvm::StringRef dumpDir);

} // namespace tmc

#endif // TMC_TARGETS_ARTIFACT_H
