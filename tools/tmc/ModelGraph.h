//===- ModelGraph.h - the models of a models/ folder, in order --*- C++ -*-===//
//
// A modular file inherits from its parents' *expanded* modeling files, so a
// chain C <- B <- A (A hand-written, B and C modular) regenerates correctly
// only when B is expanded before C. ModelGraph finds the model folders of a
// models directory, reads which models each modular file imports, and gives
// the order to expand them in; an import cycle is a located error naming it.
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

private:
  struct Parent {
    std::string name;
    mlir::Location loc;
  };
  mlir::FailureOr<std::vector<Parent>> parentsOf(llvm::StringRef name);

  mlir::MLIRContext &context;
  std::string modelsDir;
  llvm::StringMap<std::string> modularPaths;
};

} // namespace tmc::driver

#endif // TMC_TOOLS_TMC_MODELGRAPH_H
