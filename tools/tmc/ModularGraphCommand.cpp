//===- ModularGraphCommand.cpp - tmc modular-graph --------------*- C++ -*-===//
//
// `tmc modular-graph [MODELS_DIR] [--format dot|json|text]`: the map of which
// model inherits from which, as transformers' modular converter draws it.
// For each modular file: the class of which model each of its classes takes
// (`GlmMLP <- phi3.Phi3MLP`), what else it imports from other models, and
// how many lines it saves against its expansion (lines of modeling_<name>.py
// minus lines of modular_<name>.py); models without a modular file are the
// hand-written bases. The facts come from ModelGraph, the same reading of
// the imports that orders `tmc expand`, so the map cannot disagree with what
// expansion does.
//
//===----------------------------------------------------------------------===//

#include "tools/tmc/Commands.h"
#include "runtime/Error.h"
#include "tools/tmc/ExpandModel.h"
#include "tools/tmc/LineDiff.h"
#include "tools/tmc/ModelGraph.h"
#include "tools/tmc/ModelSource.h"

#include "mlir/IR/Diagnostics.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <nlohmann/json.hpp>

namespace cl = llvm::cl;
using namespace mlir;
using tmc::rt::makeError;

namespace tmc::driver {
cl::SubCommand modularGraphCommand("modular-graph",
                                   "print which model each modular file inherits from");
} // namespace tmc::driver

namespace {
using namespace tmc::driver;

enum class Format { Text, Dot, Json };

cl::opt<std::string> modelsDirArg(cl::Positional, cl::sub(modularGraphCommand),
                                  cl::desc("[MODELS_DIR] (default: ./models, else the "
                                           "models of tmc's source tree)"));
cl::opt<std::string>
    formatOpt("format", cl::sub(modularGraphCommand), cl::init("text"),
              cl::desc("Output format: text (a readable table, the default), dot (Graphviz: "
                       "a node per model, an edge per child model -> parent "
                       "model labelled with the classes taken) or json (the "
                       "same facts)"),
              cl::value_desc("text|dot|json"));

/// One model folder.
struct Model {
  std::string name;
  bool modular = false;
  /// False when a modular model's modeling file is not there (not expanded).
  bool hasModeling = false;
  unsigned modularLines = 0, modelingLines = 0;
  ModelGraph::ModularFile file;
  std::vector<std::string> parents, children;

  int saved() const { return int(modelingLines) - int(modularLines); }
};

/// What one child model takes from one parent model.
struct Edge {
  std::string child, parent;
  /// (child class, parent class) for each base imported from the parent.
  std::vector<std::pair<std::string, std::string>> classes;
  /// Names imported from the parent that no class inherits (functions,
  /// classes used in code), as the parent calls them.
  std::vector<std::string> uses;
};

std::optional<unsigned> lineCount(llvm::StringRef path) {
  auto buffer = llvm::MemoryBuffer::getFile(path);
  if (!buffer)
    return std::nullopt;
  return countLines((*buffer)->getBuffer());
}

std::string ratio(unsigned modeling, unsigned modular) {
  if (modular == 0)
    return "-";
  std::string text;
  llvm::raw_string_ostream(text) << llvm::format("%.2fx", double(modeling) / modular);
  return text;
}

std::vector<Edge> edgesOf(const Model &model) {
  std::vector<Edge> edges;
  for (const std::string &parent : model.parents) {
    Edge edge{model.name, parent, {}, {}};
    for (const ModelGraph::ModularClass &cls : model.file.classes)
      for (const ModelGraph::ClassBase &base : cls.bases)
        if (base.model == parent)
          edge.classes.emplace_back(cls.name, base.parentName);
    for (const ModelGraph::ModelImport &import : model.file.imports) {
      if (import.model != parent)
        continue;
      for (const std::string &name : import.names)
        if (llvm::none_of(edge.classes, [&](const auto &c) { return c.second == name; }) &&
            !llvm::is_contained(edge.uses, name))
          edge.uses.push_back(name);
    }
    edges.push_back(std::move(edge));
  }
  return edges;
}

//===----------------------------------------------------------------------===//
// Output
//===----------------------------------------------------------------------===//

std::string listOrDash(llvm::ArrayRef<std::string> names) {
  return names.empty() ? "-" : llvm::join(names, ", ");
}

void printText(llvm::raw_ostream &os, llvm::ArrayRef<Model> models) {
  size_t width = 10;
  for (const Model &model : models)
    width = std::max(width, model.name.size() + 2);
  os << llvm::left_justify("model", width) << llvm::left_justify("kind", 14)
     << llvm::right_justify("modular", 8) << llvm::right_justify("modeling", 10)
     << llvm::right_justify("saved", 7) << llvm::right_justify("ratio", 8) << "  inherits from\n";
  unsigned modular = 0, modeling = 0;
  for (const Model &model : models) {
    os << llvm::left_justify(model.name, width)
       << llvm::left_justify(model.modular ? "modular" : "hand-written", 14);
    if (!model.modular) {
      os << llvm::right_justify("-", 8)
         << llvm::right_justify(std::to_string(model.modelingLines), 10)
         << llvm::right_justify("-", 7) << llvm::right_justify("-", 8) << "  -\n";
      continue;
    }
    os << llvm::right_justify(std::to_string(model.modularLines), 8);
    if (model.hasModeling) {
      modular += model.modularLines;
      modeling += model.modelingLines;
      os << llvm::right_justify(std::to_string(model.modelingLines), 10)
         << llvm::right_justify(std::to_string(model.saved()), 7)
         << llvm::right_justify(ratio(model.modelingLines, model.modularLines), 8);
    } else {
      os << llvm::right_justify("missing", 10) << llvm::right_justify("-", 7)
         << llvm::right_justify("-", 8);
    }
    os << "  " << listOrDash(model.parents) << "\n";
  }
  os << llvm::left_justify("total", width + 14) << llvm::right_justify(std::to_string(modular), 8)
     << llvm::right_justify(std::to_string(modeling), 10)
     << llvm::right_justify(std::to_string(int(modeling) - int(modular)), 7)
     << llvm::right_justify(ratio(modeling, modular), 8) << "  (modular models)\n";

  for (const Model &model : models) {
    os << "\n" << model.name;
    if (!model.modular) {
      os << " (hand-written): parent of " << listOrDash(model.children) << "\n";
      continue;
    }
    os << " (modular): inherits from " << listOrDash(model.parents);
    if (!model.children.empty())
      os << "; parent of " << llvm::join(model.children, ", ");
    os << "\n";
    size_t classWidth = 0;
    for (const ModelGraph::ModularClass &cls : model.file.classes)
      classWidth = std::max(classWidth, cls.name.size());
    for (const ModelGraph::ModularClass &cls : model.file.classes) {
      std::vector<std::string> bases;
      bool fromModel = false;
      for (const ModelGraph::ClassBase &base : cls.bases) {
        fromModel |= !base.model.empty();
        bases.push_back(base.model.empty() ? base.name : base.model + "." + base.parentName);
      }
      os << "  " << llvm::left_justify(cls.name, classWidth)
         << (fromModel ? "  <- " : "  written here: ") << listOrDash(bases) << "\n";
    }
    for (const Edge &edge : edgesOf(model))
      for (const std::string &name : edge.uses)
        os << "  uses " << edge.parent << "." << name << "\n";
  }
}

/// A Graphviz string literal.
std::string dotString(llvm::StringRef text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\')
      out += '\\';
    out += c;
  }
  return out + "\"";
}

void printDot(llvm::raw_ostream &os, llvm::ArrayRef<Model> models,
              llvm::ArrayRef<std::string> missing) {
  os << "// tmc modular-graph: one node per model, an edge per child model -> parent\n"
     << "// model labelled with the classes the child takes (child class <- parent class)\n"
     << "// and the other names it imports (uses name).\n"
     << "digraph models {\n"
     << "  rankdir=BT;\n"
     << "  node [shape=box];\n";
  for (const Model &model : models) {
    std::string label = model.name + "\\n";
    if (!model.modular)
      label += "hand-written, " + std::to_string(model.modelingLines) + " lines";
    else if (!model.hasModeling)
      label += std::to_string(model.modularLines) + " modular lines, not expanded";
    else
      label += std::to_string(model.modularLines) + " -> " + std::to_string(model.modelingLines) +
               " lines (saves " + std::to_string(model.saved()) + ", " +
               ratio(model.modelingLines, model.modularLines) + ")";
    os << "  " << dotString(model.name) << " [label=\"" << label << "\""
       << (model.modular ? "" : ", style=bold") << "];\n";
  }
  for (const std::string &name : missing)
    os << "  " << dotString(name) << " [label=\"" << name << "\\nno such model folder\", "
       << "style=dashed];\n";
  for (const Model &model : models)
    for (const Edge &edge : edgesOf(model)) {
      std::vector<std::string> lines;
      for (const auto &[child, parent] : edge.classes)
        lines.push_back(child + " <- " + parent);
      for (const std::string &name : edge.uses)
        lines.push_back("uses " + name);
      os << "  " << dotString(edge.child) << " -> " << dotString(edge.parent) << " [label=\""
         << llvm::join(lines, "\\n") << "\"];\n";
    }
  os << "}\n";
}

void printJson(llvm::raw_ostream &os, llvm::ArrayRef<Model> models,
               llvm::ArrayRef<std::string> missing) {
  using Json = nlohmann::ordered_json;
  Json jsonModels = Json::array(), jsonEdges = Json::array();
  for (const Model &model : models) {
    Json entry = {{"name", model.name}, {"kind", model.modular ? "modular" : "hand-written"}};
    if (model.modular) {
      entry["modular_lines"] = model.modularLines;
      entry["modeling_lines"] = model.hasModeling ? Json(model.modelingLines) : Json(nullptr);
      entry["lines_saved"] = model.hasModeling ? Json(model.saved()) : Json(nullptr);
      entry["ratio"] = model.hasModeling && model.modularLines
                           ? Json(double(model.modelingLines) / model.modularLines)
                           : Json(nullptr);
    } else {
      entry["modeling_lines"] = model.modelingLines;
    }
    entry["parents"] = model.parents;
    entry["children"] = model.children;
    if (model.modular) {
      Json classes = Json::array();
      for (const ModelGraph::ModularClass &cls : model.file.classes) {
        Json bases = Json::array();
        for (const ModelGraph::ClassBase &base : cls.bases) {
          Json b = {{"name", base.name}};
          if (!base.model.empty()) {
            b["model"] = base.model;
            b["class"] = base.parentName;
          }
          bases.push_back(std::move(b));
        }
        classes.push_back({{"name", cls.name}, {"bases", std::move(bases)}});
      }
      entry["classes"] = std::move(classes);
    }
    jsonModels.push_back(std::move(entry));
    for (const Edge &edge : edgesOf(model)) {
      Json classes = Json::array();
      for (const auto &[child, parent] : edge.classes)
        classes.push_back({{"child", child}, {"parent", parent}});
      jsonEdges.push_back({{"child", edge.child},
                           {"parent", edge.parent},
                           {"classes", std::move(classes)},
                           {"uses", edge.uses}});
    }
  }
  Json root = {
      {"models", std::move(jsonModels)}, {"edges", std::move(jsonEdges)}, {"missing", missing}};
  os << root.dump(2) << "\n";
}

llvm::Error modularGraph(Format format) {
  auto modelsDir = existingModelsDirectory(modelsDirArg, "tmc modular-graph [MODELS_DIR]");
  if (!modelsDir)
    return modelsDir.takeError();
  std::string dir = *modelsDir;
  std::unique_ptr<MLIRContext> context = makeModelContext();
  llvm::SourceMgr diagnosticSources;
  SourceMgrDiagnosticHandler diagnostics(diagnosticSources, context.get());
  ModelGraph graph(*context, dir);
  auto names = graph.listModels();
  if (!names)
    return names.takeError();
  if (names->empty())
    return makeError(llvm::Twine(dir) + ": no model folders (<name>/modular_<name>.py or " +
                     "<name>/modeling_<name>.py); give the models/ folder of the repository");

  std::vector<Model> models;
  unsigned unreadable = 0;
  for (const std::string &name : *names) {
    Model &model = models.emplace_back();
    model.name = name;
    model.modular = graph.isModular(name);
    std::optional<unsigned> modeling = lineCount(graph.modelingPath(name));
    model.hasModeling = modeling.has_value();
    model.modelingLines = modeling.value_or(0);
    if (!model.modular)
      continue;
    model.modularLines = lineCount(graph.modularPath(name)).value_or(0);
    FailureOr<ModelGraph::ModularFile> file = graph.readModularFile(name);
    if (failed(file)) {
      ++unreadable; // the located error is out; look at the others too
      continue;
    }
    model.file = std::move(*file);
    model.parents = model.file.parentModels();
  }
  if (unreadable)
    return makeError(std::to_string(unreadable) + " modular file" +
                     (unreadable == 1 ? " does" : "s do") +
                     " not parse (see the errors above); correct them, then run tmc "
                     "modular-graph again");

  // Children, and parents that have no folder (expansion would reject them:
  // the graph shows them so that the dangling import is visible).
  std::vector<std::string> missing;
  for (const Model &model : models)
    for (const std::string &parent : model.parents) {
      auto it = llvm::find_if(models, [&](const Model &m) { return m.name == parent; });
      if (it != models.end())
        it->children.push_back(model.name);
      else if (!llvm::is_contained(missing, parent))
        missing.push_back(parent);
    }
  llvm::sort(missing);

  llvm::raw_ostream &os = llvm::outs();
  switch (format) {
  case Format::Text:
    printText(os, models);
    for (const std::string &name : missing)
      os << "\n" << name << ": imported, but " << dir << " has no folder for it\n";
    break;
  case Format::Dot:
    printDot(os, models, missing);
    break;
  case Format::Json:
    printJson(os, models, missing);
    break;
  }
  return llvm::Error::success();
}

} // namespace

int tmc::driver::runModularGraph() {
  std::optional<Format> format = llvm::StringSwitch<std::optional<Format>>(formatOpt)
                                     .Case("text", Format::Text)
                                     .Case("dot", Format::Dot)
                                     .Case("json", Format::Json)
                                     .Default(std::nullopt);
  if (!format)
    return usageError("--format is text, dot or json, not '" + formatOpt + "'");
  if (llvm::Error error = modularGraph(*format))
    return reportError("modular-graph", std::move(error));
  return 0;
}
