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

FailureOr<std::vector<ModelGraph::Parent>> ModelGraph::parentsOf(StringRef name) {
  OwningOpRef<ModuleOp> module =
      parsePythonFile(modularPath(name), &context, *llvm::vfs::getRealFileSystem());
  if (!module)
    return failure();
  // `from ..gemma.modeling_gemma import X`: model gemma. Malformed model
  // imports are left to tmc-expand-modular, which explains them.
  std::vector<Parent> parents;
  for (auto import : module->getBody()->getOps<mdl::FromImportOp>()) {
    StringRef dotted = import.getModule();
    if (!dotted.consume_front(".."))
      continue;
    auto [parent, file] = dotted.split('.');
    if (file != "modeling_" + parent.str())
      continue;
    if (llvm::none_of(parents, [&](const Parent &p) { return p.name == parent; }))
      parents.push_back({parent.str(), import.getLoc()});
  }
  return parents;
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
    FailureOr<std::vector<Parent>> parents = parentsOf(name);
    if (failed(parents))
      return failure();
    for (const Parent &parent : *parents) {
      auto it = state.find(parent.name);
      if (it != state.end() && it->second == State::Visiting) {
        std::string cycle;
        for (const std::string &model : llvm::make_range(
                 llvm::find(stack, parent.name), stack.end()))
          cycle += model + " -> ";
        cycle += parent.name;
        emitError(parent.loc, "cyclic model imports: ")
            << cycle << " (each imports the next): a parent is expanded before "
            << "the models inheriting from it, so no model can import itself "
            << "through others; remove one of these imports";
        return failure();
      }
      if (it != state.end() || !isModular(parent.name))
        continue; // done, or hand-written: nothing to expand
      if (failed(visit(parent.name)))
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
