//===- Manifest.cpp - an artifact's manifest.json ---------------*- C++ -*-===//
#include "runtime/Manifest.h"
#include "runtime/Error.h"
#include "runtime/GgmlTypes.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Regex.h"
#include "llvm/Support/SHA256.h"

#include <array>

using namespace tmc::rt;
using llvm::Expected;
using llvm::StringRef;
using nlohmann::json;

std::string tmc::rt::shapeToString(llvm::ArrayRef<int64_t> shape) {
  std::string text = "[";
  for (auto [i, dim] : llvm::enumerate(shape))
    text += (i ? ", " : "") + (dim == kDynamic ? std::string("?") : std::to_string(dim));
  return text + "]";
}

const EntryPoint *Manifest::findEntryPoint(StringRef name) const {
  for (const EntryPoint &entry : entryPoints)
    if (entry.name == name)
      return &entry;
  return nullptr;
}

const TensorSpec *Manifest::findParam(StringRef name) const {
  for (const TensorSpec &param : params)
    if (param.name == name)
      return &param;
  return nullptr;
}

std::vector<int64_t> tmc::rt::fullShape(const TensorSpec &spec, int64_t worldSize) {
  std::vector<int64_t> shape = spec.shape;
  if (spec.split && spec.split->dim >= 0 && spec.split->dim < int64_t(shape.size()))
    shape[spec.split->dim] *= worldSize;
  return shape;
}

static json specToJson(const TensorSpec &spec) {
  json value = {
      {"name", spec.name}, {"dtype", dtypeName(spec.dtype).str()}, {"shape", spec.shape}};
  if (spec.split)
    value["split"] = {{"dim", spec.split->dim}, {"blocks", spec.split->blocks}};
  if (spec.valuesBelow > 0)
    value["values_below"] = spec.valuesBelow;
  if (!spec.blockFormat.empty())
    value["block_format"] = spec.blockFormat;
  return value;
}

json Manifest::toJson() const {
  json entries = json::array();
  for (const EntryPoint &entry : entryPoints) {
    json inputs = json::array(), results = json::array();
    for (const TensorSpec &spec : entry.inputs)
      inputs.push_back(specToJson(spec));
    for (const TensorSpec &spec : entry.results)
      results.push_back(specToJson(spec));
    json entryJson = {{"name", entry.name},
                      {"symbol", entry.symbol},
                      {"inputs", inputs},
                      {"params", entry.params},
                      {"results", results}};
    if (entry.maxSeqLen > 0)
      entryJson["max_seq_len"] = entry.maxSeqLen;
    if (!entry.inPlace.empty())
      entryJson["in_place"] = entry.inPlace;
    if (entry.arenaBytes > 0)
      entryJson["arena_bytes"] = entry.arenaBytes;
    entries.push_back(std::move(entryJson));
  }
  json paramList = json::array();
  for (const TensorSpec &spec : params)
    paramList.push_back(specToJson(spec));
  json result = {{"format", kFormat},   {"tmc_version", tmcVersion},
                 {"target", target},    {"library", library},
                 {"graph", graph},      {"entry_points", entries},
                 {"params", paramList}, {"attention", attentionBackends},
                 {"world_size", worldSize}};
  if (!recordedFingerprint.empty())
    result["abi_fingerprint"] = recordedFingerprint;
  if (!modelClass.empty())
    result["model_class"] = modelClass;
  if (!ignoredCheckpointKeys.empty())
    result["ignored_checkpoint_keys"] = ignoredCheckpointKeys;
  result["padding_side"] = paddingSide;
  if (!cudaArch.empty())
    result["cuda_arch"] = cudaArch;
  if (!tracePoints.empty()) {
    json points = json::array();
    for (const TracePoint &point : tracePoints)
      points.push_back({{"module", point.module}, {"output", point.output},
                        {"index", point.index}});
    result["trace_points"] = std::move(points);
  }
  return result;
}

std::string Manifest::abiFingerprint() const {
  json full = toJson(), abi = json::object();
  for (const char *key : {"format", "target", "world_size", "entry_points", "params", "trace_points"})
    if (full.contains(key))
      abi[key] = full[key];
  // SHA-256 of the compact JSON (sorted keys, as nlohmann prints objects), so
  // that a tool can recompute it: hashlib.sha256(json.dumps(abi,
  // sort_keys=True, separators=(",", ":"), ensure_ascii=False)).
  std::array<uint8_t, 32> digest = llvm::SHA256::hash(llvm::arrayRefFromStringRef(abi.dump()));
  return llvm::toHex(llvm::ArrayRef(digest).take_front(8), /*LowerCase=*/true);
}

namespace {
/// Typed reads of one JSON object, with errors that say where.
class Reader {
public:
  Reader(const json &object, std::string where) : object(object), where(std::move(where)) {}

  Expected<std::string> string(const char *key) const {
    auto it = object.find(key);
    if (it == object.end() || !it->is_string())
      return makeError(where + ": '" + key + "' must be a string");
    return it->get<std::string>();
  }
  Expected<const json *> array(const char *key) const {
    auto it = object.find(key);
    if (it == object.end() || !it->is_array())
      return makeError(where + ": '" + key + "' must be a list");
    return &*it;
  }
  const std::string &location() const { return where; }

private:
  const json &object;
  std::string where;
};

Expected<TensorSpec> specFromJson(const json &value, const std::string &where) {
  if (!value.is_object())
    return makeError(where + ": expected an object");
  Reader reader(value, where);
  TensorSpec spec;
  auto name = reader.string("name");
  auto dtype = reader.string("dtype");
  auto shape = reader.array("shape");
  if (!name)
    return name.takeError();
  if (!dtype)
    return dtype.takeError();
  if (!shape)
    return shape.takeError();
  auto parsed = dtypeFromName(*dtype);
  if (!parsed)
    return makeError(where + ": " + llvm::toString(parsed.takeError()));
  spec.name = *name;
  spec.dtype = *parsed;
  for (const json &dim : **shape) {
    if (!dim.is_number_integer() || dim.get<int64_t>() < kDynamic)
      return makeError(where + ": shape entries must be sizes or -1");
    spec.shape.push_back(dim.get<int64_t>());
  }
  if (auto it = value.find("values_below"); it != value.end()) {
    if (!it->is_number_integer() || it->get<int64_t>() < 1)
      return makeError(where + ": 'values_below' must be a positive integer");
    spec.valuesBelow = it->get<int64_t>();
  }
  if (auto it = value.find("block_format"); it != value.end()) {
    std::optional<BlockLayout> layout =
        it->is_string() ? blockLayoutFromName(it->get<std::string>()) : std::nullopt;
    if (!layout)
      return makeError(where + ": 'block_format' must be one of: " + blockLayoutNames());
    int64_t words = layout->words();
    std::string rows = layout->interleavedRows == 1 ? "rows" : "rows / 16";
    if (spec.dtype != DType::I16 || spec.shape.size() != 3 || spec.shape[2] != words ||
        spec.shape[0] < 0 || spec.shape[1] < 0)
      return makeError(where + ": a " + it->get<std::string>() + " weight is I16 [" + rows +
                       ", blocks, " + llvm::Twine(words) + "], not " + dtypeName(spec.dtype) +
                       " " + shapeToString(spec.shape));
    spec.blockFormat = it->get<std::string>();
  }
  return spec;
}

/// A weight's "split": {"dim": D, "blocks": B}: D names a static dim of the
/// rank-local shape that B divides.
llvm::Error splitFromJson(const json &value, TensorSpec &spec, const std::string &where) {
  auto it = value.find("split");
  if (it == value.end())
    return llvm::Error::success();
  if (!it->is_object())
    return makeError(where + ": 'split' must be an object {\"dim\": D, \"blocks\": B}");
  ParamSplit split;
  auto dim = it->find("dim");
  if (dim == it->end() || !dim->is_number_integer())
    return makeError(where + ".split: 'dim' must be an integer");
  split.dim = dim->get<int64_t>();
  int64_t rank = spec.shape.size();
  if (split.dim < 0 || split.dim >= rank)
    return makeError(where + ".split: dim " + llvm::Twine(split.dim) + " is not a dim of '" +
                     spec.name + "' " + shapeToString(spec.shape) + " (0.." +
                     llvm::Twine(rank - 1) + ")");
  if (auto blocks = it->find("blocks"); blocks != it->end()) {
    if (!blocks->is_number_integer() || blocks->get<int64_t>() < 1)
      return makeError(where + ".split: 'blocks' must be a positive integer");
    split.blocks = blocks->get<int64_t>();
  }
  int64_t size = spec.shape[split.dim];
  if (size == kDynamic)
    return makeError(where + ".split: dim " + llvm::Twine(split.dim) + " of '" + spec.name +
                     "' is dynamic; a split weight needs static sizes");
  if (size % split.blocks != 0)
    return makeError(where + ".split: '" + spec.name + "' has " + llvm::Twine(size) +
                     " per rank on dim " + llvm::Twine(split.dim) + ", which " +
                     llvm::Twine(split.blocks) + " blocks do not divide");
  for (const auto &item : it->items())
    if (item.key() != "dim" && item.key() != "blocks")
      return makeError(where + ".split: unknown field '" + item.key() +
                       "' (expected dim, blocks)");
  spec.split = split;
  return llvm::Error::success();
}

Expected<std::vector<TensorSpec>> specsFromJson(const Reader &reader, const char *key) {
  auto list = reader.array(key);
  if (!list)
    return list.takeError();
  std::vector<TensorSpec> specs;
  for (auto [i, value] : llvm::enumerate(**list)) {
    auto spec = specFromJson(value, reader.location() + "." + key + "[" + std::to_string(i) + "]");
    if (!spec)
      return spec.takeError();
    specs.push_back(std::move(*spec));
  }
  return specs;
}
} // namespace

Expected<Manifest> Manifest::fromJson(const json &value, StringRef source) {
  if (!value.is_object())
    return makeError(source + ": expected a JSON object");
  Reader reader(value, source.str());
  auto format = reader.string("format");
  if (!format)
    return format.takeError();
  if (*format != kFormat)
    return makeError(source + ": artifact format '" + *format + "' is not '" + kFormat +
                     "'; recompile it with this tmc");
  Manifest manifest;
  for (auto [field, key] : {std::pair<std::string *, const char *>{&manifest.tmcVersion,
                                                                   "tmc_version"},
                            {&manifest.target, "target"},
                            {&manifest.library, "library"},
                            {&manifest.graph, "graph"}}) {
    auto text = reader.string(key);
    if (!text)
      return text.takeError();
    *field = *text;
  }
  if (auto it = value.find("abi_fingerprint"); it != value.end()) {
    if (!it->is_string())
      return makeError(source + ": 'abi_fingerprint' must be a string");
    manifest.recordedFingerprint = it->get<std::string>();
  }
  auto params = specsFromJson(reader, "params");
  if (!params)
    return params.takeError();
  manifest.params = std::move(*params);
  for (auto [i, spec] : llvm::enumerate(manifest.params))
    if (llvm::Error error = splitFromJson(value.at("params").at(i), spec,
                                          source.str() + ".params[" + std::to_string(i) + "]"))
      return std::move(error);

  if (auto it = value.find("world_size"); it != value.end()) {
    if (!it->is_number_integer() || it->get<int64_t>() < 1)
      return makeError(source + ": 'world_size' must be a positive integer (the ranks the "
                       "artifact was compiled for, tmc compile --tp N)");
    manifest.worldSize = it->get<int64_t>();
  }

  if (auto it = value.find("model_class"); it != value.end()) {
    if (!it->is_string())
      return makeError(source + ": 'model_class' must be a class name");
    manifest.modelClass = it->get<std::string>();
  }
  if (auto it = value.find("cuda_arch"); it != value.end()) {
    if (!it->is_string() || !llvm::StringRef(it->get<std::string>()).starts_with("sm_"))
      return makeError(source + ": 'cuda_arch' must be a GPU architecture such as \"sm_90a\"");
    manifest.cudaArch = it->get<std::string>();
  }
  if (auto it = value.find("padding_side"); it != value.end()) {
    if (!it->is_string() || (*it != "left" && *it != "right"))
      return makeError(source + ": 'padding_side' must be \"left\" or \"right\"");
    manifest.paddingSide = it->get<std::string>();
  }
  if (auto it = value.find("ignored_checkpoint_keys"); it != value.end()) {
    std::string what = source.str() + ": 'ignored_checkpoint_keys' must be a list of regular "
                                      "expressions";
    if (!it->is_array())
      return makeError(what);
    for (const json &pattern : *it) {
      std::string error;
      if (!pattern.is_string() || !llvm::Regex(pattern.get<std::string>()).isValid(error))
        return makeError(what + (error.empty() ? "" : " (" + error + ")"));
      manifest.ignoredCheckpointKeys.push_back(pattern.get<std::string>());
    }
  }
  if (auto it = value.find("trace_points"); it != value.end()) {
    if (!it->is_array())
      return makeError(source + ": 'trace_points' must be a list");
    for (auto [i, point] : llvm::enumerate(*it)) {
      auto module = point.find("module"), output = point.find("output"),
           index = point.find("index");
      if (!point.is_object() || module == point.end() || !module->is_string() ||
          output == point.end() || !output->is_boolean() || index == point.end() ||
          !index->is_number_integer() || index->get<int64_t>() < 0)
        return makeError(source + ".trace_points[" + std::to_string(i) +
                         "]: expected {\"module\": path, \"output\": bool, \"index\": n >= 0}");
      manifest.tracePoints.push_back(
          {module->get<std::string>(), output->get<bool>(), index->get<int64_t>()});
    }
  }

  if (auto it = value.find("attention"); it != value.end()) {
    if (!it->is_object())
      return makeError(source + ": 'attention' must map layer kinds to backends");
    for (auto [kind, backend] : it->items()) {
      if (!backend.is_string())
        return makeError(source + ": attention['" + kind + "'] must be a backend name");
      manifest.attentionBackends[kind] = backend.get<std::string>();
    }
  }

  auto entries = reader.array("entry_points");
  if (!entries)
    return entries.takeError();
  for (auto [i, entryJson] : llvm::enumerate(**entries)) {
    std::string where = source.str() + ".entry_points[" + std::to_string(i) + "]";
    if (!entryJson.is_object())
      return makeError(where + ": expected an object");
    Reader entryReader(entryJson, where);
    EntryPoint entry;
    auto name = entryReader.string("name");
    auto symbol = entryReader.string("symbol");
    auto inputs = specsFromJson(entryReader, "inputs");
    auto results = specsFromJson(entryReader, "results");
    auto paramNames = entryReader.array("params");
    if (!name)
      return name.takeError();
    if (!symbol)
      return symbol.takeError();
    if (!inputs)
      return inputs.takeError();
    if (!results)
      return results.takeError();
    if (!paramNames)
      return paramNames.takeError();
    entry.name = *name;
    entry.symbol = *symbol;
    entry.inputs = std::move(*inputs);
    entry.results = std::move(*results);
    if (auto it = entryJson.find("max_seq_len"); it != entryJson.end()) {
      if (!it->is_number_integer() || it->get<int64_t>() < 1)
        return makeError(where + ": 'max_seq_len' must be a positive integer");
      entry.maxSeqLen = it->get<int64_t>();
    }
    if (auto it = entryJson.find("arena_bytes"); it != entryJson.end()) {
      if (!it->is_number_integer() || it->get<int64_t>() < 1)
        return makeError(where + ": 'arena_bytes' must be a positive integer");
      entry.arenaBytes = it->get<int64_t>();
    }
    if (auto it = entryJson.find("in_place"); it != entryJson.end()) {
      if (!it->is_array())
        return makeError(where + ": 'in_place' must be a list of input indices");
      for (const json &index : *it) {
        if (!index.is_number_integer() || index.get<int64_t>() < 0 ||
            index.get<int64_t>() >= static_cast<int64_t>(entry.inputs.size()))
          return makeError(where + ": 'in_place' must list indices of its inputs");
        entry.inPlace.push_back(index.get<int64_t>());
      }
    }
    for (const json &param : **paramNames) {
      if (!param.is_string() || !manifest.findParam(param.get<std::string>()))
        return makeError(where + ": params must name weights listed in 'params'");
      entry.params.push_back(param.get<std::string>());
    }
    manifest.entryPoints.push_back(std::move(entry));
  }
  return manifest;
}

Expected<Manifest> Manifest::load(StringRef path) {
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/true);
  if (!buffer)
    return makeError(path + ": cannot read: " + buffer.getError().message() +
                     " (is this a tmc artifact directory?)");
  json value = json::parse((*buffer)->getBuffer().begin(), (*buffer)->getBuffer().end(),
                           nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded())
    return makeError(path + ": not valid JSON; the artifact is corrupt, recompile it");
  return fromJson(value, path);
}
