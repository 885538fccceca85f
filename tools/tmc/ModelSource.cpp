//===- ModelSource.cpp - what `tmc compile` is given ------------*- C++ -*-===//

#include "tools/tmc/ModelSource.h"
#include "runtime/Error.h"
#include "runtime/Gguf.h"
#include "runtime/GgufCheckpoint.h"
#include "runtime/GgufConfig.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <nlohmann/json.hpp>

#include <algorithm>

using tmc::rt::makeError;

namespace tmc::driver {
namespace {

std::string join(llvm::StringRef a, llvm::StringRef b) {
  llvm::SmallString<256> path(a);
  llvm::sys::path::append(path, b);
  return path.str().str();
}

std::string modelingFile(llvm::StringRef modelsDir, llvm::StringRef name) {
  return join(join(modelsDir, name), ("modeling_" + name + ".py").str());
}

llvm::Expected<std::string> modelingFileFor(llvm::StringRef name, llvm::StringRef modelsDir,
                                            llvm::StringRef why) {
  std::string path = modelingFile(modelsDir, name);
  if (llvm::sys::fs::exists(path))
    return path;
  std::vector<std::string> known = knownModels(modelsDir);
  return makeError(why + "unknown model '" + name + "': no " + path + " (" + modelsDir +
                   " has: " + (known.empty() ? "no models" : llvm::join(known, ", ")) + ")");
}

/// The config.json of a GGUF file's model, written to a temporary file:
/// the instantiation pass reads a config from a file, where its errors
/// point.
llvm::Error resolveGguf(llvm::StringRef input, llvm::StringRef modelsDir, ModelSource &source) {
  // Every tensor is checked too (types tmc can decode, the names' shapes),
  // so that a file tmc-run would refuse fails before compiling.
  if (auto checkpoint = tmc::rt::openGgufCheckpoint(input); !checkpoint)
    return checkpoint.takeError();
  auto file = tmc::rt::GgufFile::open(input);
  if (!file)
    return file.takeError();
  auto config = tmc::rt::ggufToHfConfig(**file);
  if (!config)
    return config.takeError();
  source.ggufPath = input.str();
  if (source.configPath.empty()) {
    llvm::SmallString<256> path;
    int fd;
    std::string stem = llvm::sys::path::stem(input).str() + ".config";
    if (std::error_code ec = llvm::sys::fs::createTemporaryFile(stem, "json", fd, path))
      return makeError("cannot create a temporary file for the config of " + input + ": " +
                       ec.message());
    source.derivedConfig = std::make_shared<llvm::FileRemover>(path);
    llvm::raw_fd_ostream os(fd, /*shouldClose=*/true);
    os << config->dump(2) << "\n";
    os.close();
    if (os.has_error()) {
      std::string message = os.error().message();
      os.clear_error();
      return makeError(path + ": cannot write the config of " + input + ": " + message);
    }
    source.configPath = path.str().str();
  }
  auto modeling = modelingFileFor((*config)["model_type"].get<std::string>(), modelsDir,
                                  (input + ": general.architecture: ").str());
  if (!modeling)
    return modeling.takeError();
  source.modelingPath = *modeling;
  return llvm::Error::success();
}

} // namespace

std::string modelsDirectory(llvm::StringRef explicitDir) {
  if (!explicitDir.empty())
    return explicitDir.str();
  if (llvm::sys::fs::is_directory("models"))
    return "models";
  return TMC_MODELS_DIR;
}

llvm::Expected<std::string> existingModelsDirectory(llvm::StringRef explicitDir,
                                                    llvm::StringRef usage) {
  std::string dir = modelsDirectory(explicitDir);
  if (!llvm::sys::fs::is_directory(dir))
    return makeError(llvm::Twine(dir) +
                     ": not a directory; give the models/ folder of the repository (" + usage +
                     ")");
  return dir;
}

std::vector<std::string> knownModels(llvm::StringRef modelsDir) {
  std::vector<std::string> names;
  std::error_code ec;
  for (llvm::sys::fs::directory_iterator it(modelsDir, ec), end; it != end && !ec;
       it.increment(ec)) {
    std::string name = llvm::sys::path::filename(it->path()).str();
    if (llvm::sys::fs::exists(modelingFile(modelsDir, name)))
      names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

llvm::Expected<ModelSource> resolveModelSource(llvm::StringRef input, llvm::StringRef config,
                                               llvm::StringRef modelsDir) {
  ModelSource source;
  source.configPath = config.str();
  if (input.ends_with(".mlir")) {
    if (!config.empty())
      return makeError("--config applies to a model, not to a tmc graph (" + input + ")");
    source.graphPath = input.str();
    return source;
  }
  if (input.ends_with(".gguf")) {
    if (llvm::Error error = resolveGguf(input, modelsDir, source))
      return std::move(error);
    return source;
  }
  if (input.ends_with(".py")) {
    source.modelingPath = input.str();
    return source;
  }
  if (llvm::sys::fs::is_directory(input)) {
    // A checkpoint directory: its config.json names the model.
    if (source.configPath.empty())
      source.configPath = join(input, "config.json");
    auto buffer = llvm::MemoryBuffer::getFile(source.configPath);
    if (!buffer)
      return makeError(source.configPath + ": cannot read: " + buffer.getError().message() +
                       " (a checkpoint directory holds config.json and model.safetensors)");
    nlohmann::json json = nlohmann::json::parse((*buffer)->getBuffer().begin(),
                                                (*buffer)->getBuffer().end(), nullptr, false);
    if (json.is_discarded() || !json.is_object())
      return makeError(source.configPath + ": not a JSON object");
    if (!json.contains("model_type") || !json["model_type"].is_string())
      return makeError(source.configPath + ": no \"model_type\" string naming the model");
    auto path = modelingFileFor(json["model_type"].get<std::string>(), modelsDir,
                                source.configPath + ": model_type: ");
    if (!path)
      return path.takeError();
    source.modelingPath = *path;
    return source;
  }
  if (input.contains('/'))
    return makeError(input + ": no such checkpoint directory");
  auto path = modelingFileFor(input, modelsDir, "");
  if (!path)
    return path.takeError();
  source.modelingPath = *path;
  return source;
}

} // namespace tmc::driver
