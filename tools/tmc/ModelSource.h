//===- ModelSource.h - what `tmc compile` is given --------------*- C++ -*-===//
//
// `tmc compile` takes a tmc-dialect graph (.mlir), a modeling file (.py), a
// model name (`llama`), a Hugging Face checkpoint directory (config.json +
// safetensors, whose `model_type` names the model) or a GGUF file (whose
// metadata gives the config, runtime/GgufConfig.h). This resolves each to the
// modeling file to instantiate and the config to instantiate it with.
//
//===----------------------------------------------------------------------===//

#ifndef TMC_TOOLS_TMC_MODELSOURCE_H
#define TMC_TOOLS_TMC_MODELSOURCE_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/FileUtilities.h"

#include <memory>

#include <string>

namespace tmc::driver {

struct ModelSource {
  std::string graphPath;    // a .mlir graph, or
  std::string modelingPath; // the modeling file to instantiate
  std::string configPath;   // "" for the config class's defaults
  /// For a GGUF file: configPath is the config derived from it, in a
  /// temporary file removed when the last copy of this goes, unless kept.
  std::string ggufPath;
  std::shared_ptr<llvm::FileRemover> derivedConfig;
};

/// The models folder: `explicitDir`, else ./models when it exists, else the
/// models bundled with this tmc's source tree.
std::string modelsDirectory(llvm::StringRef explicitDir);
/// modelsDirectory(), or an error when it is no directory; `usage` says how
/// to name one (`tmc check-modular [MODELS_DIR]`).
llvm::Expected<std::string> existingModelsDirectory(llvm::StringRef explicitDir,
                                                    llvm::StringRef usage);

/// The models of `modelsDir` (folders with a modeling_<name>.py), sorted.
std::vector<std::string> knownModels(llvm::StringRef modelsDir);

llvm::Expected<ModelSource> resolveModelSource(llvm::StringRef input, llvm::StringRef config,
                                               llvm::StringRef modelsDir);

} // namespace tmc::driver

#endif // TMC_TOOLS_TMC_MODELSOURCE_H
