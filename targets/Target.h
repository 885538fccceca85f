//===- Target.h - what a compilation target provides ------------*- C++ -*-===//
//
// A target turns the `scheduled` graph into code for one kind of machine. It
// has a name (`--target cpu`), the two pipelines that take the graph through
// its `target` phase (its own dialects) to the `llvm` phase, and the step that
// writes its compiled code into an artifact directory. Everything else (the
// phases before `scheduled`, the manifest, the directory's atomic creation)
// is shared. A new target is one folder under targets/ and one line in
// targets/Registration.cpp.
//
//===----------------------------------------------------------------------===//

#ifndef TMC_TARGETS_TARGET_H
#define TMC_TARGETS_TARGET_H

#include "runtime/Manifest.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/PassManager.h"

#include "llvm/Support/Error.h"

#include <memory>
#include <string>

namespace tmc {

/// The compile flags a target may read; each target documents which.
struct TargetOptions {
  /// CPU: "blas" (OpenBLAS) or "loops" (generated code) for matmuls.
  std::string gemm = "blas";
  /// CUDA: the GPU architecture of the cubins (`--cuda-arch`); empty: the
  /// target's default.
  std::string cudaArch;
  /// `--tp` and `--trace`, for targets that cannot lower collectives or
  /// trace points yet.
  int64_t tp = 1;
  bool trace = false;
  /// `--weight-dtype`, for targets that cannot read stored weights yet.
  std::string weightDtype = "float32";
  /// `--activation-dtype`: "int8" needs the CPU's int8 dot products.
  std::string activationDtype = "float32";
  /// `--kv-cache-dtype` (empty: the keys' own type), for targets that cannot
  /// read narrower caches yet.
  std::string kvCacheDtype;
  /// `--plan-batch`: the rows the CPU's memory plan covers; 0: no plan.
  int64_t planBatch = 1;
};

class Target {
public:
  virtual ~Target() = default;

  /// The `--target` name.
  virtual llvm::StringRef name() const = 0;
  /// One line for `--help` and error messages.
  virtual llvm::StringRef description() const = 0;
  /// Rejects options this target cannot honour, naming the flag.
  virtual llvm::Error checkOptions(const TargetOptions &options) const = 0;

  /// `scheduled` -> `target`.
  virtual void buildTargetPipeline(mlir::OpPassManager &pm,
                                   const TargetOptions &options) const = 0;
  /// `target` -> `llvm`.
  virtual void buildLLVMPipeline(mlir::OpPassManager &pm,
                                 const TargetOptions &options) const = 0;

  /// Writes the compiled code of `module` (the `llvm` phase) into
  /// `directory` and returns the file the runtime loads, relative to it.
  /// `dumpPath`, when non-empty, receives the final LLVM IR.
  virtual llvm::Expected<std::string> writeCode(mlir::ModuleOp module,
                                                llvm::StringRef directory,
                                                llvm::StringRef dumpPath) const = 0;

  /// Adds what the runtime must know of the compiled code of `module` (the
  /// `llvm` phase) to its manifest: CUDA's architecture.
  virtual void describe(mlir::ModuleOp module, rt::Manifest &manifest) const {}

  /// Registers the target's passes and its two pipelines with tmc-opt
  /// (tmc-lower-to-cpu and tmc-cpu-to-llvm for the CPU).
  virtual void registerPasses() const = 0;
};

/// Adds `target` to the registry (targets/Registration.cpp calls it).
void registerTarget(std::unique_ptr<Target> target);
/// Every registered target, in registration order; registers them first.
llvm::ArrayRef<std::unique_ptr<Target>> registeredTargets();
/// The target named `name`, or an error listing the registered ones.
llvm::Expected<const Target *> lookupTarget(llvm::StringRef name);
/// "cpu" or "cpu, cuda": for help texts.
std::string targetNames();

/// One line per target: registers each (Registration.cpp).
void registerAllTargets();
/// Registers every target's passes and pipelines with MLIR (tmc-opt).
void registerTargetPasses();

} // namespace tmc

#endif // TMC_TARGETS_TARGET_H
