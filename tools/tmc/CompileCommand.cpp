//===- CompileCommand.cpp - tmc compile -------------------------*- C++ -*-===//
//
// `tmc compile <model|checkpoint|model.gguf|modeling.py|graph.mlir> [--target T]
// [--compile-to PHASE] -o OUT`: runs the phases of passes/Pipelines.h in
// order, each phase one pipeline (the target's for `target` and `llvm`), and
// stops after `--compile-to` to write that phase's IR, or writes the artifact
// directory (targets/Artifact.h). `--dump-ir-dir DIR` writes the IR after
// every pass as DIR/<n>-<phase>/<NN>-<pass>.mlir.
//
//===----------------------------------------------------------------------===//

#include "frontend/Python.h"
#include "ir/Registration.h"
#include "passes/Pipelines.h"
#include "passes/attention/AttentionBackends.h"
#include "runtime/AtomicFile.h"
#include "runtime/Error.h"
#include "runtime/GgmlTypes.h"
#include "runtime/GgufCheckpoint.h"
#include "ir/Tmc/DTypes.h"
#include "ir/Tmc/TmcOps.h"
#include "targets/Artifact.h"
#include "targets/Target.h"
#include "tools/tmc/Commands.h"
#include "tools/tmc/ModelSource.h"

#include "mlir/IR/AsmState.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassInstrumentation.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"

#include <functional>

namespace cl = llvm::cl;
using namespace mlir;
using tmc::Phase;
using tmc::rt::makeError;

namespace tmc::driver {
cl::SubCommand compileCommand("compile", "compile a model ahead of time for a target");
} // namespace tmc::driver

namespace {
using tmc::driver::compileCommand;

cl::opt<std::string>
    inputPath(cl::Positional, cl::sub(compileCommand),
              cl::desc("<model-name|checkpoint-dir|model.gguf|modeling_x.py|graph.mlir>"));
cl::opt<std::string> configPath("config", cl::sub(compileCommand),
                                cl::desc("config.json to instantiate the model with (default: "
                                         "the checkpoint's, else the config class's defaults)"),
                                cl::value_desc("C.json"));
cl::opt<std::string> dtypeOpt("dtype", cl::sub(compileCommand),
                              cl::desc("Weight dtype: float32 or bfloat16 (default: the "
                                       "config's torch_dtype, else float32)"));
cl::opt<std::string> weightDtype(
    "weight-dtype", cl::init("float32"), cl::sub(compileCommand),
    cl::desc("Storage of the weights linears and embeddings read: float32 (the graph's dtype), "
             "bfloat16, float16, q8_0, q4_0, q4_1 (llama.cpp's blocks, decoded inside the "
             "product), or as-checkpoint (each weight as the checkpoint stores it)"),
    cl::value_desc("DTYPE"));
cl::opt<std::string> activationDtype(
    "activation-dtype", cl::init("float32"), cl::sub(compileCommand),
    cl::desc("Inputs of the products over stored weights: float32 (exact decoding), int8 "
             "(weights in blocks, q8_0, q4_0, q4_1: inputs quantized per block of 32 and "
             "multiplied with int8 dot products, as llama.cpp does), or bfloat16 (bf16 "
             "weights: inputs rounded to bf16 and multiplied by AVX-512 BF16 dot products or "
             "on AMX tiles, f32 sums); the "
             "last two are faster, within the bounds docs/CPU_PERFORMANCE.md states"),
    cl::value_desc("DTYPE"));
cl::opt<int64_t> maxSeqLen("max-seq-len", cl::init(256), cl::sub(compileCommand),
                           cl::desc("Positions of the KV cache of the decode entry point "
                                    "(generation; a model only; 0: no decode entry)"),
                           cl::value_desc("N"));
cl::opt<std::string> kvCacheDtype(
    "kv-cache-dtype", cl::sub(compileCommand),
    cl::desc("Element type of the decode entry's KV caches: float32, float16 or bfloat16 "
             "(default: the graph's dtype). Narrower caches hold each key and value rounded "
             "(llama.cpp's default cache is f16) and halve the bytes a decode step's attention "
             "reads"),
    cl::value_desc("DTYPE"));
cl::opt<int64_t> planBatch("plan-batch", cl::init(1), cl::sub(compileCommand),
                           cl::desc("Rows (batch size) the CPU's memory plan covers: calls "
                                    "up to it take every intermediate buffer from one arena "
                                    "allocated at load; larger ones use the heap for the "
                                    "buffers that outgrow it (0: no plan)"),
                           cl::value_desc("N"));
cl::opt<std::string> modelsDirOpt("models-dir", cl::sub(compileCommand),
                                  cl::desc("Folder of models/<name>/modeling_<name>.py (default: "
                                           "./models, else the bundled models)"),
                                  cl::value_desc("DIR"));
cl::opt<std::string> outputPath("o", cl::sub(compileCommand),
                                cl::desc("Artifact directory to write; with --compile-to, the "
                                         "file for that phase's IR ('-' or none: stdout)"),
                                cl::value_desc("OUT"));
cl::opt<std::string> targetName("target", cl::init("cpu"), cl::sub(compileCommand),
                                cl::desc("Target to compile for (registered: see tmc --help)"));
cl::opt<std::string> compileTo("compile-to", cl::init("artifact"), cl::sub(compileCommand),
                               cl::desc("Stop after this phase and write its IR: modeling, "
                                        "mdl, graph, scheduled, target, llvm, artifact"),
                               cl::value_desc("PHASE"));
cl::opt<std::string> gemm("gemm", cl::init("blas"), cl::sub(compileCommand),
                          cl::desc("CPU GEMMs: blas (OpenBLAS) or loops (generated code)"));
cl::opt<std::string> cudaArch("cuda-arch", cl::sub(compileCommand),
                              cl::desc("CUDA: GPU architecture of the cubins (default sm_90a)"),
                              cl::value_desc("sm_XY"));
cl::opt<std::string> attnImplementation(
    "attn-implementation", cl::sub(compileCommand),
    cl::desc("Attention backend of every layer (eager, sdpa), or per layer kind: "
             "sdpa,sliding_attention=eager (kinds: full_attention, sliding_attention, "
             "chunked_attention; default: the config's _attn_implementation, else eager)"),
    cl::value_desc("NAME[,KIND=NAME...]"));
cl::opt<int64_t> tp("tp", cl::init(1), cl::sub(compileCommand),
                    cl::desc("Tensor-parallel ranks: one program for N ranks, sharded by the "
                             "model's tp_plan (run it with mpirun -n N tmc-run ...)"),
                    cl::value_desc("N"));
cl::opt<std::string> tpPlan("tp-plan", cl::sub(compileCommand),
                            cl::desc("JSON tp_plan (module names to strategies) to shard by "
                                     "instead of the model's base_model_tp_plan and _tp_plan"),
                            cl::value_desc("plan.json"));
cl::opt<bool> trace("trace", cl::sub(compileCommand),
                    cl::desc("Trace every module's inputs and outputs: the artifact records "
                             "them when run with --trace-out trace.json (docs/DEBUGGING.md)"));
cl::opt<std::string> dumpIRDir("dump-ir-dir", cl::sub(compileCommand),
                               cl::desc("Write the IR after every pass into DIR/<n>-<phase>/, "
                                        "one numbered file per pass"),
                               cl::value_desc("DIR"));

std::string joinPath(llvm::StringRef dir, llvm::StringRef name) {
  llvm::SmallString<256> path(dir);
  llvm::sys::path::append(path, name);
  return path.str().str();
}

/// Writes `path` atomically (stdout for "-" or ""), as `tmc-opt -o` would.
llvm::Error writeOutput(llvm::StringRef path, llvm::function_ref<void(llvm::raw_ostream &)> fn) {
  return tmc::rt::writeFileAtomically(path.empty() ? "-" : path, fn);
}

/// The module as `tmc-opt` prints it, so a phase's file is the next
/// pipeline's exact input.
void printModule(ModuleOp module, llvm::raw_ostream &os) {
  module->print(os);
  os << "\n";
}

/// The one IR dump: DIR/<n>-<phase>/<NN>-<pass>.mlir after every pass run on
/// the module, numbered within the phase.
class PhaseDumper {
public:
  explicit PhaseDumper(std::string dir) : dir(std::move(dir)) {}

  /// Starts the directory of `phase`; later files go there.
  llvm::Error beginPhase(Phase phase) {
    phaseDir = joinPath(dir, llvm::formatv("{0}-{1}", static_cast<int>(phase),
                                           tmc::phaseName(phase))
                                 .str());
    counter = 0;
    if (std::error_code ec = llvm::sys::fs::create_directories(phaseDir))
      return makeError(phaseDir + ": cannot create: " + ec.message());
    return llvm::Error::success();
  }
  std::string path(llvm::StringRef name) const { return joinPath(phaseDir, name); }

  /// A pass nested on functions is named by the passes it ran
  /// (`linalg-to-loops`); the module is written once they are all done.
  void afterPass(Pass *pass, Operation *op) {
    auto module = dyn_cast<ModuleOp>(op);
    if (!module) {
      if (!pass->getArgument().empty() && !llvm::is_contained(nested, pass->getArgument()))
        nested.push_back(pass->getArgument().str());
      return;
    }
    std::string name = pass->getArgument().str();
    if (name.empty())
      name = nested.empty() ? "nested-pipeline" : llvm::join(nested, "+");
    nested.clear();
    if (!failedWrite)
      dump(name, module);
  }
  void dump(llvm::StringRef name, ModuleOp module) {
    std::string file = path(llvm::formatv("{0:2}-{1}.mlir", counter++, name).str());
    if (llvm::Error error = writeOutput(file, [&](llvm::raw_ostream &os) {
          printModule(module, os);
        })) {
      llvm::errs() << "tmc compile: warning: " << llvm::toString(std::move(error)) << "\n";
      failedWrite = true;
    }
  }

private:
  std::string dir, phaseDir;
  std::vector<std::string> nested;
  unsigned counter = 0;
  bool failedWrite = false;
};

/// One run through the phases, from the source to `last`.
class Compilation {
public:
  Compilation(MLIRContext &context, const tmc::Target &target,
              const tmc::TargetOptions &options, Phase last)
      : context(context), target(target), options(options), last(last),
        diagnostics(sourceMgr, &context) {
    if (!dumpIRDir.empty())
      dumper = std::make_unique<PhaseDumper>(dumpIRDir);
  }

  llvm::Error run(const tmc::driver::ModelSource &source) {
    OwningOpRef<ModuleOp> module;
    if (!source.graphPath.empty()) {
      if (last < Phase::Graph)
        return makeError("--compile-to=" + compileTo + ": " + source.graphPath +
                         " is a tmc graph already; phases before 'graph' need a model");
      if (llvm::Error error = readSource(source.graphPath).takeError())
        return error;
      module = parseSourceFile<ModuleOp>(sourceMgr, &context);
      if (!module)
        return makeError(source.graphPath + ": not a valid MLIR module (see the errors above)");
      if (llvm::Error error = beginPhase(Phase::Graph))
        return error;
      if (dumper)
        dumper->dump("input", *module);
    } else {
      auto text = readSource(source.modelingPath);
      if (!text)
        return text.takeError();
      auto writeText = [&](llvm::raw_ostream &os) { os << *text; };
      if (llvm::Error error = beginPhase(Phase::Modeling))
        return error;
      if (dumper)
        if (llvm::Error error = writeOutput(
                dumper->path(llvm::sys::path::filename(source.modelingPath)), writeText))
          return error;
      if (last == Phase::Modeling)
        return writeOutput(outputPath, writeText);
      module = tmc::parsePython(sourceMgr, &context);
      if (!module)
        return makeError(source.modelingPath + ": not a valid model file (see the errors above)");
      if (llvm::Error error = beginPhase(Phase::Mdl))
        return error;
      if (dumper)
        dumper->dump("mdl", *module);
      if (last == Phase::Mdl)
        return writePhase(*module);

      tmc::GraphPipelineOptions graph;
      graph.config = source.configPath;
      graph.dtype = dtypeOpt;
      graph.maxSeqLen = maxSeqLen;
      graph.kvCacheDtype = kvCacheDtype;
      if (llvm::Error error = runPhase(Phase::Graph, *module, [&](OpPassManager &pm) {
            tmc::buildGraphPipeline(pm, graph);
          }))
        return error;
    }
    if (last == Phase::Graph)
      return writePhase(*module);
    // The graph, unsharded and before any backend choice, is what the
    // reference executor runs (`tmc run --backend torch`).
    std::string graphText;
    llvm::raw_string_ostream(graphText) << *module;

    tmc::SchedulePipelineOptions schedule;
    if (weightDtype == "as-checkpoint") {
      if (llvm::Error error = presetCheckpointStorage(*module, source))
        return error;
    } else {
      schedule.weightDtype = weightDtype;
    }
    schedule.activationDtype = activationDtype;
    schedule.attnImplementation = attnImplementation;
    schedule.tp = tp;
    schedule.tpPlan = tpPlan;
    schedule.trace = trace;
    using Builder = std::function<void(OpPassManager &)>;
    std::pair<Phase, Builder> phases[] = {
        {Phase::Scheduled, [&](OpPassManager &pm) { tmc::buildSchedulePipeline(pm, schedule); }},
        {Phase::Target, [&](OpPassManager &pm) { target.buildTargetPipeline(pm, options); }},
        {Phase::Llvm, [&](OpPassManager &pm) { target.buildLLVMPipeline(pm, options); }},
    };
    for (auto &[phase, build] : phases) {
      if (llvm::Error error = runPhase(phase, *module, build))
        return error;
      if (last == phase)
        return writePhase(*module);
    }
    if (llvm::Error error = beginPhase(Phase::Artifact))
      return error;
    return tmc::writeArtifact(target, *module, graphText, outputPath,
                              dumper ? dumper->path("") : "");
  }

private:
  /// `--weight-dtype as-checkpoint`: each weight's `tmc.storage` is the type
  /// the checkpoint stores it in, so tmc-store-weights keeps it (a GGUF
  /// Q4_1 tensor stays Q4_1, a BF16 one stays bf16).
  llvm::Error presetCheckpointStorage(ModuleOp module, const tmc::driver::ModelSource &source) {
    std::string path = !source.ggufPath.empty() ? source.ggufPath : inputPath.getValue();
    if (!source.graphPath.empty() || !llvm::sys::fs::exists(path) ||
        (source.ggufPath.empty() && !llvm::sys::fs::is_directory(path)))
      return makeError("--weight-dtype=as-checkpoint keeps the storage of a checkpoint's "
                       "weights: compile a checkpoint directory or a .gguf file, or name a "
                       "storage (" +
                       tmc::weightStorageNames() + ")");
    auto checkpoint = tmc::rt::Checkpoint::open(path);
    if (!checkpoint)
      return checkpoint.takeError();
    tmc::TmcDialect *tmc = tmc::tmcDialect(module.getContext());
    for (auto param : module.getOps<tmc::ParamOp>()) {
      const tmc::rt::TensorInfo *tensor = checkpoint->lookup(param.getSymName());
      llvm::StringRef storage = tensor ? storageOf(*tensor) : "";
      if (!storage.empty() && storage != "float32")
        tmc->getStorageAttrHelper().setAttr(param, StringAttr::get(module.getContext(), storage));
    }
    return llvm::Error::success();
  }

  /// The storage `tensor` has in its file: a safetensors dtype's torch name,
  /// a GGUF half type, or a GGUF block format whose values the decoding does
  /// not shift; "" for a GGUF type that only decodes to float.
  static llvm::StringRef storageOf(const tmc::rt::TensorInfo &tensor) {
    if (!tensor.encoding)
      return tmc::torchNameOf(tensor.dtype);
    switch (tensor.encoding->type) {
    case tmc::rt::GgmlType::BF16:
      return "bfloat16";
    case tmc::rt::GgmlType::F16:
      return "float16";
    default:
      return tensor.encoding->shift == 0 ? tmc::rt::blockFormatName(tensor.encoding->type) : "";
    }
  }

  /// Reads `path` into the source manager, where diagnostics find it.
  llvm::Expected<llvm::StringRef> readSource(llvm::StringRef path) {
    std::string errorMessage;
    auto input = openInputFile(path, &errorMessage);
    if (!input)
      return makeError(path + ": " + errorMessage);
    unsigned id = sourceMgr.AddNewSourceBuffer(std::move(input), llvm::SMLoc());
    return sourceMgr.getMemoryBuffer(id)->getBuffer();
  }

  llvm::Error beginPhase(Phase phase) {
    return dumper ? dumper->beginPhase(phase) : llvm::Error::success();
  }

  llvm::Error writePhase(ModuleOp module) {
    return writeOutput(outputPath, [&](llvm::raw_ostream &os) { printModule(module, os); });
  }

  llvm::Error runPhase(Phase phase, ModuleOp module,
                       llvm::function_ref<void(OpPassManager &)> build) {
    if (llvm::Error error = beginPhase(phase))
      return error;
    PassManager pm(&context);
    if (dumper)
      pm.addInstrumentation(std::make_unique<DumpAfterPass>(*dumper));
    build(pm);
    if (failed(pm.run(module)))
      return makeError(inputPath + ": the " + tmc::phaseName(phase) +
                       " phase failed (see the errors above)");
    return llvm::Error::success();
  }

  /// A PassManager owns its instrumentations; the dumper outlives phases.
  struct DumpAfterPass : PassInstrumentation {
    explicit DumpAfterPass(PhaseDumper &dumper) : dumper(dumper) {}
    void runAfterPass(Pass *pass, Operation *op) override { dumper.afterPass(pass, op); }
    PhaseDumper &dumper;
  };

  MLIRContext &context;
  const tmc::Target &target;
  const tmc::TargetOptions &options;
  Phase last;
  llvm::SourceMgr sourceMgr;
  SourceMgrDiagnosticHandler diagnostics;
  std::unique_ptr<PhaseDumper> dumper;
};

/// The longest KV cache --max-seq-len may ask for: 2^24 positions, far past
/// any released model's context, and small enough that no cache size
/// computed from it overflows.
constexpr int64_t kMaxSeqLenBound = int64_t(1) << 24;

/// Flags the pipeline's passes would otherwise report at the config's or the
/// model file's location, as if those files were wrong.
llvm::Error checkModelFlags() {
  if (maxSeqLen < 0 || maxSeqLen > kMaxSeqLenBound)
    return makeError("--max-seq-len=" + llvm::Twine(maxSeqLen.getValue()) +
                     ": the KV cache length must be in [0, " + llvm::Twine(kMaxSeqLenBound) +
                     "] (0: no decode entry)");
  if (!dtypeOpt.empty() && dtypeOpt != "float32" && dtypeOpt != "bfloat16" && dtypeOpt != "float16")
    return makeError("--dtype=" + dtypeOpt + " is not one of: float32, bfloat16, float16");
  if (!kvCacheDtype.empty() && kvCacheDtype != "float32" && kvCacheDtype != "float16" &&
      kvCacheDtype != "bfloat16")
    return makeError("--kv-cache-dtype=" + kvCacheDtype +
                     " is not one of: float32, float16, bfloat16");
  if (!kvCacheDtype.empty() && maxSeqLen == 0)
    return makeError("--kv-cache-dtype=" + kvCacheDtype +
                     ": there is no KV cache with --max-seq-len 0 (no decode entry)");
  if (weightDtype != "as-checkpoint" && !tmc::isWeightStorage(weightDtype))
    return makeError("--weight-dtype=" + weightDtype +
                     " is not one of: " + tmc::weightStorageNames() + ", as-checkpoint");
  if (activationDtype != "float32" && activationDtype != "int8" && activationDtype != "bfloat16")
    return makeError("--activation-dtype=" + activationDtype +
                     " is not one of: float32, int8, bfloat16");
  if (activationDtype == "bfloat16" && weightDtype != "as-checkpoint" && weightDtype != "bfloat16")
    return makeError("--activation-dtype=bfloat16 rounds the inputs of products over bf16 "
                     "weights: add --weight-dtype bfloat16 or as-checkpoint");
  if (activationDtype == "int8" && weightDtype != "as-checkpoint" &&
      !tmc::rt::blockFormatFromName(weightDtype))
    return makeError("--activation-dtype=int8 quantizes the inputs of products over weights "
                     "in blocks: add --weight-dtype q8_0, q4_0, q4_1 or as-checkpoint");
  llvm::SmallVector<llvm::StringRef> items;
  llvm::StringRef(attnImplementation).split(items, ',', -1, /*KeepEmpty=*/false);
  for (llvm::StringRef item : items) {
    llvm::StringRef name = item.contains('=') ? item.split('=').second : item;
    if (!tmc::lookupAttentionBackend(name.trim()))
      return makeError(
          "--attn-implementation=" + attnImplementation + ": '" + name.trim() +
          "' is not an attention backend; registered: " + tmc::attentionBackendNames());
  }
  return llvm::Error::success();
}

llvm::Error compile() {
  if (llvm::Error error = checkModelFlags())
    return error;
  std::optional<Phase> last = tmc::parsePhase(compileTo);
  if (!last)
    return makeError("--compile-to=" + compileTo + " is not a phase; phases: " +
                     tmc::phaseNames());
  if (planBatch < 0)
    return makeError("--plan-batch=" + llvm::Twine(planBatch.getValue()) +
                     ": the rows the memory plan covers must be at least 0 (0: no plan)");
  if (tp < 1)
    return makeError("--tp=" + llvm::Twine(tp.getValue()) +
                     ": the number of tensor-parallel ranks must be at least 1");
  if (!tpPlan.empty() && !llvm::sys::fs::exists(tpPlan))
    return makeError("--tp-plan " + tpPlan + ": no such file");
  auto target = tmc::lookupTarget(targetName);
  if (!target)
    return target.takeError();
  tmc::TargetOptions options;
  options.gemm = gemm;
  options.cudaArch = cudaArch;
  options.tp = tp;
  options.trace = trace;
  options.weightDtype = weightDtype;
  options.activationDtype = activationDtype;
  options.kvCacheDtype = kvCacheDtype;
  options.planBatch = planBatch;
  if (llvm::Error error = (*target)->checkOptions(options))
    return error;
  if (*last == Phase::Artifact && outputPath.empty())
    return makeError("compile needs -o ARTIFACT_DIR (or --compile-to PHASE to print IR)");

  DialectRegistry registry;
  registerAllDialects(registry);
  registerAllExtensions(registry);
  // gpu-module-to-binary translates kernels to LLVM IR inside the pipeline.
  registerAllToLLVMIRTranslations(registry);
  tmc::registerDialects(registry);
  MLIRContext context(registry);
  context.disableMultithreading(); // dumps and diagnostics in pipeline order

  auto source = tmc::driver::resolveModelSource(inputPath, configPath,
                                                tmc::driver::modelsDirectory(modelsDirOpt));
  if (!source)
    return source.takeError();
  if (!source->graphPath.empty() && !dtypeOpt.empty())
    return makeError("--dtype applies to a model; a tmc graph has its dtypes already");
  Compilation compilation(context, **target, options, *last);
  llvm::Error error = compilation.run(*source);
  if (error && source->derivedConfig) {
    // Errors about the config point into it: keep it for the user to read.
    source->derivedConfig->releaseFile();
    return makeError(llvm::toString(std::move(error)) + "\nnote: the config.json tmc derived " +
                     "from " + source->ggufPath + " is kept at " + source->configPath);
  }
  return error;
}
} // namespace

int tmc::driver::runCompile() {
  if (inputPath.empty())
    return usageError(
        "compile needs a model (tmc compile <model-name|checkpoint-dir|model.gguf|graph.mlir> "
        "-o ARTIFACT_DIR)");
  if (llvm::Error error = compile())
    return reportError("compile", std::move(error));
  return 0;
}
