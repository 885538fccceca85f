//===- Instantiate.cpp - mdl + config -> tmc graph --------------*- C++ -*-===//

#include "passes/instantiate/Interpreter.h"
#include "passes/instantiate/Passes.h"

#include "ir/Mdl/MdlDialect.h"
#include "ir/Tmc/DTypes.h"
#include "ir/Tmc/TmcOps.h"

#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Regex.h"

#include <nlohmann/json.hpp>

namespace tmc {
#define GEN_PASS_DEF_INSTANTIATE
#include "passes/instantiate/Passes.h.inc"
} // namespace tmc

using namespace mlir;
using namespace tmc::instantiate;

namespace {

PyValue fromJson(Interpreter &interp, const nlohmann::json &j) {
  switch (j.type()) {
  case nlohmann::json::value_t::null: return PyValue::none();
  case nlohmann::json::value_t::boolean: return PyValue::boolean(j.get<bool>());
  case nlohmann::json::value_t::number_integer:
  case nlohmann::json::value_t::number_unsigned: return PyValue::integer(j.get<int64_t>());
  case nlohmann::json::value_t::number_float: return PyValue::real(j.get<double>());
  case nlohmann::json::value_t::string: return PyValue::string(j.get<std::string>());
  case nlohmann::json::value_t::array: {
    std::vector<PyValue> items;
    for (const auto &e : j)
      items.push_back(fromJson(interp, e));
    return interp.makeList(items);
  }
  case nlohmann::json::value_t::object: {
    auto *d = interp.create<DictObj>();
    for (auto it = j.begin(); it != j.end(); ++it)
      d->entries.push_back({PyValue::string(it.key()), fromJson(interp, it.value())});
    return PyValue::object(Kind::Dict, d);
  }
  default: return PyValue::none();
  }
}

const char *jsonTypeName(const nlohmann::json &j) {
  if (j.is_boolean()) return "a bool";
  if (j.is_number_integer()) return "an int";
  if (j.is_number_float()) return "a float";
  if (j.is_string()) return "a string";
  if (j.is_array()) return "a list";
  if (j.is_object()) return "an object";
  return "null";
}

struct Instantiate : public tmc::impl::InstantiateBase<Instantiate> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    Graph graph(module);
    Interpreter interp(module, graph);
    try {
      build(module, graph, interp);
    } catch (const Failure &failure) {
      InFlightDiagnostic diag = emitError(failure.loc) << failure.message;
      for (Location loc : interp.unwound)
        diag.attachNote(loc) << "called from here";
      signalPassFailure();
      return;
    }
    // The model program is consumed: only the graph remains.
    SmallVector<Operation *> mdlOps;
    for (Operation &op : *module.getBody())
      if (isa<tmc::mdl::MdlDialect>(op.getDialect()))
        mdlOps.push_back(&op);
    for (Operation *op : llvm::reverse(mdlOps))
      op->erase();
  }

  void build(ModuleOp module, Graph &graph, Interpreter &interp) {
    MLIRContext *ctx = module.getContext();
    Location configLoc = FileLineColLoc::get(ctx, configPath.empty() ? std::string("<defaults>") : std::string(configPath),
                                             1, 1);
    nlohmann::json config = nlohmann::json::object();
    if (!configPath.empty()) {
      auto buffer = llvm::MemoryBuffer::getFile(configPath);
      if (!buffer)
        fail(configLoc, "cannot read the config: " + buffer.getError().message());
      llvm::StringRef text = (*buffer)->getBuffer();
      try {
        config = nlohmann::json::parse(text.begin(), text.end());
      } catch (const nlohmann::json::parse_error &error) {
        // Where the parser stopped, as line:column of the file.
        size_t offset = std::min<size_t>(error.byte ? error.byte - 1 : 0, text.size());
        llvm::StringRef before = text.take_front(offset);
        unsigned line = 1 + before.count('\n');
        unsigned column = 1 + offset - (before.rfind('\n') + 1);
        fail(FileLineColLoc::get(ctx, configPath, line, column),
             "not valid JSON: " + llvm::StringRef(error.what()).split("] ").second);
      } catch (const nlohmann::json::exception &error) {
        // A number out of double's range (1e999): no position, but the literal.
        fail(configLoc, "not valid JSON: " + llvm::StringRef(error.what()).split("] ").second);
      }
      if (!config.is_object())
        fail(configLoc, "not a JSON object (a Hugging Face config.json)");
    }

    interp.loadModule();
    Location fileLoc = module.getLoc();

    // The config class: the one with a model_type.
    ClassInfo *configClass = nullptr;
    std::string modelType;
    for (ClassInfo *cls : interp.classes()) {
      PyValue self = PyValue::object(Kind::Class, cls);
      std::optional<PyValue> type;
      try {
        type = interp.getAttr(self, "model_type", cls->op.getLoc());
      } catch (const Failure &) {
        continue;
      }
      if (type->kind != Kind::Str)
        continue;
      if (configClass)
        fail(cls->op.getLoc(), "two config classes (" + configClass->name() + " and " +
                                   cls->name() + ") define model_type");
      configClass = cls;
      modelType = type->str;
    }
    interp.unwound.clear();
    if (!configClass)
      fail(fileLoc, "the model file has no config class (a class with a `model_type` "
                    "attribute)");
    if (config.contains("model_type") && config["model_type"].is_string() &&
        config["model_type"].get<std::string>() != modelType)
      fail(configLoc, "config model_type is '" + config["model_type"].get<std::string>() +
                          "' but this model file is '" + modelType + "'");

    checkConfigTypes(interp, configClass, config, configLoc);

    CallArgs configArgs;
    for (auto it = config.begin(); it != config.end(); ++it)
      configArgs.keywords.push_back({it.key(), fromJson(interp, it.value())});
    PyValue configValue = interp.instantiate(configClass, configArgs, configClass->op.getLoc());

    // Weight dtype: --dtype, else the config's, else float32.
    std::string dt = dtype;
    for (const char *key : {"torch_dtype", "dtype"})
      if (dt.empty() && config.contains(key) && config[key].is_string())
        dt = config[key].get<std::string>();
    using tmc::rt::DType;
    std::optional<DType> weightDType = dt.empty() ? DType::F32 : tmc::dtypeOfTorchName(dt);
    if (!weightDType || !llvm::is_contained({DType::F32, DType::BF16, DType::F16}, *weightDType))
      fail(configLoc, "dtype '" + dt + "' is not supported; use float32, bfloat16 or float16");
    graph.setParamType(tmc::elementTypeOf(*weightDType, ctx));

    // The model class.
    ClassInfo *root = nullptr;
    if (config.contains("architectures") && config["architectures"].is_array() &&
        !config["architectures"].empty() && config["architectures"][0].is_string()) {
      std::string arch = config["architectures"][0].get<std::string>();
      root = interp.findClass(arch);
      if (!root)
        fail(configLoc, "config architectures[0] is '" + arch +
                            "', which this model file does not define");
    } else {
      for (ClassInfo *cls : interp.classes())
        if (cls->name().ends_with("ForCausalLM")) {
          if (root)
            fail(fileLoc, "two *ForCausalLM classes; name one in config architectures");
          root = cls;
        }
      if (!root)
        fail(fileLoc, "the model file has no *ForCausalLM class");
    }

    CallArgs modelArgs;
    modelArgs.positional.push_back(configValue);
    PyValue model = interp.instantiate(root, modelArgs, root->op.getLoc());
    declareParams(graph, model.as<InstanceObj>(), root->op.getLoc());

    // forward(input_ids, attention_mask=None, ...): the entry's inputs.
    auto [forward, owner] = interp.findMethod(root, "forward");
    if (!forward)
      fail(root->op.getLoc(), root->name() + " has no forward");
    std::vector<std::string> inputs;
    for (Attribute p : forward.getParams()) {
      llvm::StringRef name = cast<StringAttr>(p).getValue();
      if (name == "input_ids" || name == "attention_mask" || name == "token_type_ids")
        inputs.push_back(name.str());
    }
    if (inputs.empty() || inputs[0] != "input_ids")
      fail(forward.getLoc(), root->name() + ".forward must take input_ids");
    int batch = graph.newSymbol(), seq = graph.newSymbol();
    SmallVector<SmallVector<Dim>> dims(inputs.size(), {Dim::symbol(batch), Dim::symbol(seq)});
    std::vector<TensorObj *> results =
        traceEntry("forward", graph, interp, model, forward, root, inputs, dims);
    graph.endEntry(results, forward.getLoc());

    // An encoder (attention that sees later tokens) has nothing to generate.
    bool encoder = isEncoder(module);
    tmc::tmcDialect(ctx)->getPaddingSideAttrHelper().setAttr(
        module, StringAttr::get(ctx, encoder ? "right" : "left"));
    if (maxSeqLen > 0 && !encoder)
      buildDecode(graph, interp, model, forward, root, maxSeqLen);
    else if (maxSeqLen < 0)
      fail(configLoc, "max-seq-len must be positive, got " + std::to_string(maxSeqLen));

    tmc::TmcDialect *tmc = tmc::tmcDialect(ctx);
    if (std::optional<PyValue> impl = interp.findAttr(configValue, "attn_implementation"))
      if (impl->kind == Kind::Str)
        tmc->getAttnImplementationAttrHelper().setAttr(module, StringAttr::get(ctx, impl->str));
    tmc->getModelTypeAttrHelper().setAttr(module, StringAttr::get(ctx, modelType));
    tmc->getModelClassAttrHelper().setAttr(module, StringAttr::get(ctx, root->name()));
    recordTpPlan(interp, configValue, model, config, configLoc);
    recordIgnoredKeys(interp, model);
  }

  /// Whether the forward entry attends bidirectionally (BERT): no decode entry.
  static bool isEncoder(ModuleOp module) {
    bool encoder = false;
    module.walk([&](tmc::AttentionOp op) { encoder |= !op.getCausal(); });
    return encoder;
  }

  /// `tmc.ignored_checkpoint_keys`: the model class's
  /// `_keys_to_ignore_on_load_unexpected`, patterns (Python `re.search`) of
  /// checkpoint tensors that are not weights (BERT's saved `position_ids`
  /// buffer); the runtime skips them instead of calling them unexpected.
  void recordIgnoredKeys(Interpreter &interp, const PyValue &model) {
    ClassInfo *root = model.as<InstanceObj>()->cls;
    std::optional<PyValue> keys = interp.findAttr(model, "_keys_to_ignore_on_load_unexpected");
    if (!keys || keys->isNone())
      return;
    MLIRContext *ctx = &getContext();
    SmallVector<Attribute> patterns;
    std::string what = (root->name() + "._keys_to_ignore_on_load_unexpected").str();
    for (const PyValue &key : interp.iterate(*keys, root->op.getLoc())) {
      if (key.kind != Kind::Str)
        fail(root->op.getLoc(), what + " must be a list of regular expressions (strings)");
      std::string error;
      if (!llvm::Regex(key.str).isValid(error))
        fail(root->op.getLoc(), what + ": '" + key.str + "' is not a regular expression: " + error);
      patterns.push_back(StringAttr::get(ctx, key.str));
    }
    tmc::tmcDialect(ctx)->getIgnoredCheckpointKeysAttrHelper().setAttr(getOperation(),
                                                                       ArrayAttr::get(ctx, patterns));
  }

  /// `tmc.tp_plan`, the model's tensor-parallel plan as transformers builds
  /// it: the config's `base_model_tp_plan` (config.json's, else the config
  /// class's) with each key under the base model's attribute name
  /// (`base_model_prefix`, default `model`), plus the model class's
  /// `_tp_plan` for its head. tmc-shard-tp reads it.
  void recordTpPlan(Interpreter &interp, const PyValue &configValue, const PyValue &model,
                    const nlohmann::json &config, Location configLoc) {
    ClassInfo *configClass = configValue.as<InstanceObj>()->cls;
    ClassInfo *root = model.as<InstanceObj>()->cls;
    MLIRContext *ctx = &getContext();
    // Later entries of a key replace earlier ones, in first-seen order.
    std::vector<std::pair<std::string, std::string>> plan;
    llvm::StringMap<size_t> index;
    auto set = [&](std::string key, std::string strategy) {
      auto [it, inserted] = index.try_emplace(key, plan.size());
      if (inserted)
        plan.emplace_back(std::move(key), std::move(strategy));
      else
        plan[it->second].second = std::move(strategy);
    };
    auto addEntries = [&](const PyValue &dict, llvm::StringRef prefix, Location loc,
                          const std::string &what) {
      if (dict.kind == Kind::None)
        return;
      if (dict.kind != Kind::Dict)
        fail(loc, what + " must be a dict of module names to strategies");
      for (const auto &[key, value] : dict.as<DictObj>()->entries) {
        if (key.kind != Kind::Str || value.kind != Kind::Str)
          fail(loc, what + " must map module names (strings) to strategy names (strings)");
        set((prefix + key.str).str(), value.str);
      }
    };
    std::string prefix = "model.";
    if (std::optional<PyValue> name = interp.findAttr(model, "base_model_prefix"))
      if (name->kind == Kind::Str)
        prefix = name->str + ".";
    if (config.contains("base_model_tp_plan")) {
      const nlohmann::json &entries = config["base_model_tp_plan"];
      if (!entries.is_null()) {
        if (!entries.is_object())
          fail(configLoc, "base_model_tp_plan must be an object of module names to strategies");
        for (auto it = entries.begin(); it != entries.end(); ++it) {
          if (!it.value().is_string())
            fail(configLoc, "base_model_tp_plan['" + it.key() + "'] must be a strategy name "
                            "(a string), got " + jsonTypeName(it.value()));
          set(prefix + it.key(), it.value().get<std::string>());
        }
      }
    } else if (std::optional<PyValue> base = interp.findAttr(configValue,
                                                                      "base_model_tp_plan")) {
      addEntries(*base, prefix, configClass->op.getLoc(),
                 (configClass->name() + ".base_model_tp_plan").str());
    }
    if (std::optional<PyValue> head = interp.findAttr(model, "_tp_plan"))
      addEntries(*head, "", root->op.getLoc(), (root->name() + "._tp_plan").str());
    if (plan.empty())
      return;
    SmallVector<NamedAttribute> entries;
    for (const auto &[key, strategy] : plan)
      entries.push_back(NamedAttribute(StringAttr::get(ctx, key), StringAttr::get(ctx, strategy)));
    tmc::tmcDialect(ctx)->getTpPlanAttrHelper().setAttr(getOperation(),
                                                        DictionaryAttr::get(ctx, entries));
  }

  /// `@decode`: the forward once more, with attention against a KV cache
  /// (Intrinsics.cpp); the caches become inputs as attention layers ask for
  /// them and are returned, updated, after the logits.
  void buildDecode(Graph &graph, Interpreter &interp, PyValue model, tmc::mdl::DefOp forward,
                   ClassInfo *root, int64_t maxSeqLen) {
    MLIRContext *ctx = graph.getContext();
    bool hasMask = false, hasPositions = false;
    for (Attribute p : forward.getParams()) {
      llvm::StringRef name = cast<StringAttr>(p).getValue();
      hasMask |= name == "attention_mask";
      hasPositions |= name == "position_ids";
    }
    if (!hasMask || !hasPositions)
      fail(forward.getLoc(), root->name() + ".forward must take attention_mask and position_ids "
                                            "to build the decode entry (--max-seq-len)");
    int batch = graph.newSymbol(), fresh = graph.newSymbol(), kv = graph.newSymbol();
    Graph::Decode &decode = graph.decode();
    decode.active = true;
    decode.maxSeqLen = maxSeqLen;
    decode.newSym = fresh;
    decode.kvSym = kv;
    decode.nextAttention = 0;
    if (!kvCacheDtype.empty()) {
      std::optional<tmc::rt::DType> cacheDType = tmc::dtypeOfTorchName(kvCacheDtype);
      if (!cacheDType ||
          !llvm::is_contained({tmc::rt::DType::F32, tmc::rt::DType::BF16, tmc::rt::DType::F16},
                              *cacheDType))
        fail(forward.getLoc(), "kv-cache-dtype '" + kvCacheDtype +
                                   "' is not supported; use float32, float16 or bfloat16");
      decode.cacheType = tmc::elementTypeOf(*cacheDType, ctx);
    }
    std::vector<std::string> inputs{"input_ids", "attention_mask", "position_ids"};
    SmallVector<SmallVector<Dim>> dims{{Dim::symbol(batch), Dim::symbol(fresh)},
                                       {Dim::symbol(batch), Dim::symbol(kv)},
                                       {Dim::symbol(batch), Dim::symbol(fresh)}};
    TensorObj *logits =
        traceEntry("decode", graph, interp, model, forward, root, inputs, dims).front();
    if (graph.numCacheSlots() == 0)
      fail(forward.getLoc(), root->name() + ".forward calls no @compiles_to(\"attention\") "
                                            "function: nothing to cache");
    unsigned slots = graph.numCacheSlots();
    std::vector<TensorObj *> results{logits};
    for (TensorObj *cache : graph.cacheResults())
      results.push_back(cache);
    graph.endEntry(results, forward.getLoc());
    decode.active = false;
    // Cache i is argument 3 + i (made in slot order) and result 1 + i: the
    // lowering writes it into its argument (tmc.in_place).
    auto func = cast<func::FuncOp>(graph.getModule().lookupSymbol("decode"));
    tmc::TmcDialect *tmc = tmc::tmcDialect(ctx);
    tmc->getMaxSeqLenAttrHelper().setAttr(func, IntegerAttr::get(IntegerType::get(ctx, 64), maxSeqLen));
    for (unsigned i = 0; i < slots; ++i)
      func.setResultAttr(1 + i, tmc->getInPlaceAttrHelper().getName(),
                         IntegerAttr::get(IntegerType::get(ctx, 64), 3 + i));
  }

  /// A config.json field of the wrong JSON type for its default fails here,
  /// naming the field, rather than deep inside the model.
  void checkConfigTypes(Interpreter &interp, ClassInfo *cls, const nlohmann::json &config,
                        Location configLoc) {
    auto [init, owner] = interp.findMethod(cls, "__init__");
    if (!init)
      return;
    for (auto [i, p] : llvm::enumerate(init.getParams())) {
      llvm::StringRef name = cast<StringAttr>(p).getValue();
      if (!config.contains(name.str()))
        continue;
      mlir::Value def = init.getDefault(i);
      if (!def)
        continue;
      const nlohmann::json &j = config[name.str()];
      if (j.is_null())
        continue;
      Operation *op = def.getDefiningOp();
      // Defaults written as an expression (`4096 * 32`) are ints.
      bool wantInt = isa<tmc::mdl::IntOp, tmc::mdl::BinaryOp>(op);
      bool wantFloat = isa<tmc::mdl::FloatOp>(op) ||
                       (isa<tmc::mdl::UnaryOp>(op) && isa_and_nonnull<tmc::mdl::FloatOp>(
                                                          op->getOperand(0).getDefiningOp()));
      bool wantBool = isa<tmc::mdl::BoolOp>(op);
      bool wantStr = isa<tmc::mdl::StrOp>(op);
      bool ok = (!wantInt || j.is_number_integer()) && (!wantFloat || j.is_number()) &&
                (!wantBool || j.is_boolean()) && (!wantStr || j.is_string());
      if (ok)
        continue;
      const char *want = wantInt ? "an int" : wantFloat ? "a number" : wantBool ? "a bool"
                                                                      : "a string";
      std::string line;
      if (auto fileLoc = dyn_cast<FileLineColLoc>(def.getLoc()))
        line = llvm::formatv(" ({0}:{1})", fileLoc.getFilename(), fileLoc.getLine()).str();
      fail(configLoc, "config field '" + name + "' is " + jsonTypeName(j) + " (" + j.dump() +
                          ") but " + cls->name() + " expects " + want + line);
    }
  }

  /// Declares every weight of the module tree in registration order, as
  /// state_dict() lists them.
  void declareParams(Graph &graph, InstanceObj *inst, Location loc) {
    for (auto &[name, v] : inst->attrs) {
      if (v.kind == Kind::Param)
        graph.declareParam(v.as<ParamObj>(), loc);
      else if (v.kind == Kind::Instance && v.as<InstanceObj>()->parent == inst)
        declareParams(graph, v.as<InstanceObj>(), loc);
    }
    for (const PyValue &item : inst->items)
      declareParams(graph, item.as<InstanceObj>(), loc);
  }

  /// Starts entry function `name`, whose int64 `inputs` have `dims`, and
  /// traces the model's forward on them; its results: the tensor it returns,
  /// or the tensors of the tuple it returns (an encoder's last hidden state
  /// and pooled output).
  std::vector<TensorObj *> traceEntry(llvm::StringRef name, Graph &graph, Interpreter &interp, PyValue model,
                        tmc::mdl::DefOp forward, ClassInfo *root,
                        llvm::ArrayRef<std::string> inputs, llvm::ArrayRef<SmallVector<Dim>> dims) {
    SmallVector<Type> types(inputs.size(), IntegerType::get(graph.getContext(), 64));
    std::vector<TensorObj *> args = graph.beginEntry(name, inputs, dims, types, forward.getLoc());
    CallArgs callArgs;
    for (auto [input, t] : llvm::zip(inputs, args))
      callArgs.keywords.push_back({input, interp.makeTensor(t)});
    PyValue result = interp.call(interp.getAttr(model, "forward", forward.getLoc()), callArgs,
                                 forward.getLoc());
    std::string what = (root->name() + ".forward's result").str();
    if (result.kind != Kind::Tuple)
      return {interp.tensorOf(result, forward.getLoc(), what)};
    std::vector<TensorObj *> results;
    for (const PyValue &item : result.as<SequenceObj>()->items)
      results.push_back(interp.tensorOf(item, forward.getLoc(), what));
    if (results.empty())
      fail(forward.getLoc(), what + " is an empty tuple");
    return results;
  }
};

} // namespace
