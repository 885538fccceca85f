//===- ModelGraph.h - the models of a models/ folder, in order --*- C++ -*-===//
//
// A modular file inherits from its parents' *expanded* modeling files, so a
// chain C <- B <- A (A hand-written, B and C modular) regenerates correctly
// only when B is expanded before C. ModelGraph finds the model folders of a
// models directory, reads which models each modular file imports, and gives
// the order to expand them in; an import cycle is a located error naming it.
// It also gives what each modular file takes from which model, class by
// class, for `tmc modular-graph`.
//
//===----------------------------------------------------------------------===//

#ifndef TMC_TOOLS_TMC_MODELGRAPH_H
#define TMC_TOOLS_TMC_MODELGRAPH_H

#include "mlir/IR/Location.h"
#include "mlir/Support/LLVM.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/Support/Error.h"

#include <string>
#include <vector>

namespace mlir {
class MLIRContext;
} // namespace mlir

namespace tmc::driver {

class ModelGraph {
public:
  ModelGraph(mlir::MLIRContext &context, llvm::StringRef modelsDir);

  /// `<models-dir>/<name>/modular_<name>.py` (or the path given to
  /// setModularPath) and `<models-dir>/<name>/modeling_<name>.py`.
  std::string modularPath(llvm::StringRef name) const;
  std::string modelingPath(llvm::StringRef name) const;
  /// True when the model has a modular file: its modeling file is generated.
  bool isModular(llvm::StringRef name) const;

  /// Reads model `name`'s modular file from `path` instead (`tmc expand
  /// path/to/modular_x.py`).
  void setModularPath(llvm::StringRef name, llvm::StringRef path);

  /// The folders of the models directory holding modular_<name>.py or
  /// modeling_<name>.py, by name.
  llvm::Expected<std::vector<std::string>> listModels() const;

  /// The modular models among `roots` and the modular models they inherit
  /// from, transitively, each after its parents. Fails, after a located
  /// error, on a modular file that does not parse or an import cycle.
  mlir::FailureOr<std::vector<std::string>> expansionOrder(llvm::ArrayRef<std::string> roots);

  /// `from ..<model>.modeling_<model> import <names>`: one per import line.
  struct ModelImport {
    std::string model;
    /// The names as the parent defines them, and as this file calls them
    /// (the same unless imported `as` another name).
    std::vector<std::string> names, localNames;
    mlir::Location loc;
  };
  /// A base class as written in the modular file; `model` and `parentName`
  /// are set when the base is imported from a model (`LlamaMLP` of llama).
  struct ClassBase {
    std::string name, model, parentName;
  };
  struct ModularClass {
    std::string name;
    std::vector<ClassBase> bases;
  };
  /// What a modular file takes from other models: its model imports in
  /// source order, and its top-level classes with their bases.
  struct ModularFile {
    std::vector<ModelImport> imports;
    std::vector<ModularClass> classes;
    /// The models imported, each once, in the order of their first import.
    std::vector<std::string> parentModels() const;
  };
  /// Parses model `name`'s modular file. Fails after a located error when it
  /// does not parse. Malformed model imports (not `..x.modeling_x`) are
  /// skipped: tmc-expand-modular is the one that explains them.
  mlir::FailureOr<ModularFile> readModularFile(llvm::StringRef name);

private:

  mlir::MLIRContext &context;
  std::string modelsDir;
  llvm::StringMap<std::string> modularPaths;
};

} // namespace tmc::driver

#endif // TMC_TOOLS_TMC_MODELGRAPH_H
