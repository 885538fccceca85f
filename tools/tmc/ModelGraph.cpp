//===- ModelGraph.cpp - the models of a models/ folder, in order -*- C++ -*-===//

#include "tools/tmc/ModelGraph.h"

#include "frontend/Python.h"
#include "ir/Mdl/MdlOps.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/VirtualFileSystem.h"

#include <functional>

using namespace mlir;

namespace tmc::driver {

ModelGraph::ModelGraph(MLIRContext &context, StringRef modelsDir)
    : context(context), modelsDir(modelsDir.str()) {}

static std::string join(StringRef dir, StringRef name, StringRef file) {
  llvm::SmallString<256> path(dir);
  llvm::sys::path::append(path, name, file);
  return path.str().str();
}

std::string ModelGraph::modularPath(StringRef name) const {
  auto it = modularPaths.find(name);
  if (it != modularPaths.end())
    return it->second;
  return join(modelsDir, name, "modular_" + name.str() + ".py");
}

std::string ModelGraph::modelingPath(StringRef name) const {
  return join(modelsDir, name, "modeling_" + name.str() + ".py");
}

bool ModelGraph::isModular(StringRef name) const {
  return llvm::sys::fs::is_regular_file(modularPath(name));
}

void ModelGraph::setModularPath(StringRef name, StringRef path) {
  modularPaths[name] = path.str();
}

llvm::Expected<std::vector<std::string>> ModelGraph::listModels() const {
  std::vector<std::string> names;
  std::error_code ec;
  for (llvm::sys::fs::directory_iterator it(modelsDir, ec), end; it != end && !ec;
       it.increment(ec)) {
    if (it->type() != llvm::sys::fs::file_type::directory_file)
      continue;
    std::string name = llvm::sys::path::filename(it->path()).str();
    if (isModular(name) || llvm::sys::fs::is_regular_file(modelingPath(name)))
      names.push_back(name);
  }
  if (ec)
    return llvm::createStringError(ec, modelsDir + ": cannot list the model folders: " +
                                           ec.message());
  llvm::sort(names);
  return names;
}

std::vector<std::string> ModelGraph::ModularFile::parentModels() const {
  std::vector<std::string> models;
  for (const ModelImport &import : imports)
    if (!llvm::is_contained(models, import.model))
      models.push_back(import.model);
  return models;
}

FailureOr<ModelGraph::ModularFile> ModelGraph::readModularFile(StringRef name) {
  OwningOpRef<ModuleOp> module =
      parsePythonFile(modularPath(name), &context, *llvm::vfs::getRealFileSystem());
  if (!module)
    return failure();
  ModularFile file;
  // `from ..gemma.modeling_gemma import X`: model gemma. Malformed model
  // imports are left to tmc-expand-modular, which explains them.
  for (auto import : module->getBody()->getOps<mdl::FromImportOp>()) {
    StringRef dotted = import.getModule();
    if (!dotted.consume_front(".."))
      continue;
    auto [parent, modeling] = dotted.split('.');
    if (modeling != "modeling_" + parent.str())
      continue;
    ModelImport &entry = file.imports.emplace_back(
        ModelImport{parent.str(), {}, {}, import.getLoc()});
    ArrayAttr aliases = import.getAliases();
    for (auto [i, imported] : llvm::enumerate(import.getNames())) {
      StringRef original = cast<StringAttr>(imported).getValue();
      StringRef alias = i < aliases.size() ? cast<StringAttr>(aliases[i]).getValue() : "";
      entry.names.push_back(original.str());
      entry.localNames.push_back(alias.empty() ? original.str() : alias.str());
    }
  }
  for (auto cls : module->getBody()->getOps<mdl::ClassOp>()) {
    ModularClass &entry = file.classes.emplace_back();
    entry.name = cls.getSymName().str();
    for (auto base : cls.getBases().getAsRange<FlatSymbolRefAttr>()) {
      ClassBase &b = entry.bases.emplace_back();
      b.name = base.getValue().str();
      // The last import of a name wins, as in Python.
      for (const ModelImport &import : file.imports)
        for (auto [original, local] : llvm::zip_equal(import.names, import.localNames))
          if (local == b.name) {
            b.model = import.model;
            b.parentName = original;
          }
    }
  }
  return file;
}

FailureOr<std::vector<std::string>> ModelGraph::expansionOrder(ArrayRef<std::string> roots) {
  enum class State { Visiting, Done };
  llvm::StringMap<State> state;
  std::vector<std::string> order, stack;

  // Depth first, a model after its parents; a parent on the stack closes a
  // cycle.
  std::function<LogicalResult(const std::string &)> visit =
      [&](const std::string &name) -> LogicalResult {
    state[name] = State::Visiting;
    stack.push_back(name);
    FailureOr<ModularFile> file = readModularFile(name);
    if (failed(file))
      return failure();
    // The first import of each model is where a cycle is reported.
    std::vector<std::string> seen;
    for (const ModelImport &parent : file->imports) {
      if (llvm::is_contained(seen, parent.model))
        continue;
      seen.push_back(parent.model);
      auto it = state.find(parent.model);
      if (it != state.end() && it->second == State::Visiting) {
        std::string cycle;
        for (const std::string &model : llvm::make_range(
                 llvm::find(stack, parent.model), stack.end()))
          cycle += model + " -> ";
        cycle += parent.model;
        emitError(parent.loc, "cyclic model imports: ")
            << cycle << " (each imports the next): a parent is expanded before "
            << "the models inheriting from it, so no model can import itself "
            << "through others; remove one of these imports";
        return failure();
      }
      if (it != state.end() || !isModular(parent.model))
        continue; // done, or hand-written: nothing to expand
      if (failed(visit(parent.model)))
        return failure();
    }
    stack.pop_back();
    state[name] = State::Done;
    order.push_back(name);
    return success();
  };
  for (const std::string &root : roots)
    if (!state.contains(root) && failed(visit(root)))
      return failure();
  return order;
}

} // namespace tmc::driver
