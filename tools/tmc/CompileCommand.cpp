//===- CompileCommand.cpp - tmc compile -------------------------*- C++ -*-===//
//
// `tmc compile graph.mlir --target cpu -o ARTIFACT`: runs the CPU pipeline on
// a tmc-dialect module and writes the artifact directory (shared library,
// manifest.json, the input graph and the final IR) under a temporary name,
// renamed into place only when complete.
//
//===----------------------------------------------------------------------===//

#include "ir/Registration.h"
#include "ir/Tmc/TmcOps.h"
#include "frontend/Python.h"
#include "passes/instantiate/Passes.h"
#include "passes/lowering/Passes.h"
#include "mlir/Transforms/Passes.h"
#include "runtime/Manifest.h"
#include "tools/Version.h"
#include "tools/tmc/Commands.h"
#include "tools/tmc/ModelSource.h"
#include "tools/tmc/ObjectEmitter.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/Verifier.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassInstrumentation.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"

#include "llvm/ADT/ScopeExit.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"

namespace cl = llvm::cl;
using namespace mlir;
using tmc::rt::DType;

namespace tmc::driver {
cl::SubCommand compileCommand("compile", "compile a model ahead of time for a target");
} // namespace tmc::driver

namespace {
using tmc::driver::compileCommand;

cl::opt<std::string> inputPath(cl::Positional, cl::sub(compileCommand),
                               cl::desc("<model-name|checkpoint-dir|modeling_x.py|graph.mlir>"));
cl::opt<std::string> configPath("config", cl::sub(compileCommand),
                                cl::desc("config.json to instantiate the model with (default: "
                                         "the checkpoint's, else the config class's defaults)"),
                                cl::value_desc("C.json"));
cl::opt<std::string> dtypeOpt("dtype", cl::sub(compileCommand),
                              cl::desc("Weight dtype: float32 or bfloat16 (default: the "
                                       "config's torch_dtype, else float32)"));
cl::opt<int64_t> maxSeqLen("max-seq-len", cl::init(256), cl::sub(compileCommand),
                           cl::desc("Positions of the KV cache of the decode entry point "
                                    "(generation; a model only; 0: no decode entry)"),
                           cl::value_desc("N"));
cl::opt<std::string> modelsDirOpt("models-dir", cl::sub(compileCommand),
                                  cl::desc("Folder of models/<name>/modeling_<name>.py (default: "
                                           "./models, else the bundled models)"),
                                  cl::value_desc("DIR"));
cl::opt<std::string> outputDir("o", cl::sub(compileCommand),
                               cl::desc("Artifact directory to write"),
                               cl::value_desc("ARTIFACT_DIR"));
cl::opt<std::string> target("target", cl::init("cpu"), cl::sub(compileCommand),
                            cl::desc("Target: cpu"));
cl::opt<std::string> gemm("gemm", cl::init("blas"), cl::sub(compileCommand),
                          cl::desc("GEMM implementation: blas (OpenBLAS) or loops "
                                   "(generated code)"));
cl::opt<std::string> attnImplementation(
    "attn-implementation", cl::sub(compileCommand),
    cl::desc("Attention backend of every layer (eager, sdpa), or per layer kind: "
             "sdpa,sliding_attention=eager (kinds: full_attention, sliding_attention, "
             "chunked_attention; default: the config's _attn_implementation, else eager)"),
    cl::value_desc("NAME[,KIND=NAME...]"));
cl::opt<std::string> dumpIRDir("dump-ir-dir", cl::sub(compileCommand),
                               cl::desc("Write the IR after every pass into this directory, "
                                        "one numbered file per pass"),
                               cl::value_desc("DIR"));

llvm::Error makeError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

llvm::Error writeFile(llvm::StringRef path, llvm::function_ref<void(llvm::raw_ostream &)> fn) {
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec);
  if (ec)
    return makeError(path + ": cannot write: " + ec.message());
  fn(os);
  return llvm::Error::success();
}

std::string joinPath(llvm::StringRef dir, llvm::StringRef name) {
  llvm::SmallString<256> path(dir);
  llvm::sys::path::append(path, name);
  return path.str().str();
}

/// Writes the module after every module-level pass run as DIR/NN-<pass>.mlir.
class DumpIRInstrumentation : public PassInstrumentation {
public:
  DumpIRInstrumentation(std::string dir, unsigned first = 0)
      : dir(std::move(dir)), counter(first) {}
  unsigned next() const { return counter; }

  void runAfterPass(Pass *pass, Operation *op) override {
    if (!isa<ModuleOp>(op))
      return; // nested passes are dumped with their enclosing pipeline
    std::string name = pass->getArgument().empty() ? "nested-pipeline" : pass->getArgument().str();
    dump(name, op);
  }

  void dump(llvm::StringRef name, Operation *op) {
    std::string file = llvm::formatv("{0:2}-{1}.mlir", counter++, name).str();
    if (llvm::Error error = writeFile(joinPath(dir, file), [&](llvm::raw_ostream &os) {
          op->print(os);
        }))
      llvm::errs() << "tmc compile: warning: " << llvm::toString(std::move(error)) << "\n";
  }

private:
  std::string dir;
  unsigned counter;
};

llvm::Expected<DType> dtypeOf(Type type) {
  if (type.isF32())
    return DType::F32;
  if (type.isBF16())
    return DType::BF16;
  if (type.isF16())
    return DType::F16;
  if (type.isF64())
    return DType::F64;
  if (type.isInteger(64))
    return DType::I64;
  if (type.isInteger(32))
    return DType::I32;
  if (type.isInteger(1))
    return DType::Bool;
  std::string text;
  llvm::raw_string_ostream(text) << type;
  return makeError("element type " + text + " cannot cross the artifact boundary");
}

llvm::Expected<tmc::rt::TensorSpec> specOf(std::string name, Type type) {
  auto tensor = dyn_cast<RankedTensorType>(type);
  if (!tensor)
    return makeError("'" + name + "': entry points take and return ranked tensors only");
  auto dtype = dtypeOf(tensor.getElementType());
  if (!dtype)
    return makeError("'" + name + "': " + llvm::toString(dtype.takeError()));
  std::vector<int64_t> shape;
  for (int64_t dim : tensor.getShape())
    shape.push_back(ShapedType::isDynamic(dim) ? tmc::rt::kDynamic : dim);
  return tmc::rt::TensorSpec{std::move(name), *dtype, std::move(shape)};
}

/// The manifest's view of the entry points once weights became arguments.
llvm::Expected<tmc::rt::Manifest> describeEntryPoints(ModuleOp module) {
  tmc::rt::Manifest manifest;
  manifest.tmcVersion = TMC_VERSION;
  manifest.target = target;
  for (auto func : module.getOps<func::FuncOp>()) {
    if (!func.isPublic() || func.isDeclaration())
      continue;
    tmc::rt::EntryPoint entry;
    entry.name = func.getSymName().str();
    entry.symbol = "tmc_entry_" + entry.name;
    if (auto maxSeqLen = func->getAttrOfType<IntegerAttr>("tmc.max_seq_len"))
      entry.maxSeqLen = maxSeqLen.getInt();
    for (unsigned i = 0, e = func.getNumArguments(); i < e; ++i) {
      auto paramName = func.getArgAttrOfType<StringAttr>(i, "tmc.param");
      auto inputName = func.getArgAttrOfType<StringAttr>(i, "tmc.name");
      std::string name = paramName   ? paramName.str()
                         : inputName ? inputName.str()
                                     : "arg" + std::to_string(i);
      auto spec = specOf(name, func.getArgument(i).getType());
      if (!spec)
        return makeError("@" + entry.name + ": " + llvm::toString(spec.takeError()));
      if (!paramName) {
        entry.inputs.push_back(std::move(*spec));
        continue;
      }
      entry.params.push_back(name);
      if (!manifest.findParam(name))
        manifest.params.push_back(std::move(*spec));
    }
    for (auto [i, type] : llvm::enumerate(func.getResultTypes())) {
      // Caches updated in place are inputs the call writes, not results.
      if (func.getResultAttr(i, "tmc.in_place"))
        continue;
      auto spec = specOf("result" + std::to_string(i), type);
      if (!spec)
        return makeError("@" + entry.name + ": " + llvm::toString(spec.takeError()));
      entry.results.push_back(std::move(*spec));
    }
    manifest.entryPoints.push_back(std::move(entry));
  }
  if (manifest.entryPoints.empty())
    return makeError("the module has no public function to export as an entry point");
  return manifest;
}

/// Records the manifest right after tmc-prepare-entry-points runs.
class ManifestCapture : public PassInstrumentation {
public:
  void runAfterPass(Pass *pass, Operation *op) override {
    if (pass->getArgument() != "tmc-prepare-entry-points")
      return;
    auto described = describeEntryPoints(cast<ModuleOp>(op));
    if (!described)
      error = described.takeError();
    else
      manifest = std::move(*described);
    // Input names live in the manifest now; the LLVM lowering has no use for them.
    for (auto func : cast<ModuleOp>(op).getOps<func::FuncOp>())
      for (unsigned i = 0, e = func.getNumArguments(); i < e; ++i)
        func.removeArgAttr(i, StringAttr::get(op->getContext(), "tmc.name"));
  }
  std::optional<tmc::rt::Manifest> manifest;
  llvm::Error error = llvm::Error::success();
};

llvm::Error compile() {
  if (target != "cpu")
    return makeError("--target=" + target + " is not supported yet; use --target=cpu");
  if (gemm != "blas" && gemm != "loops")
    return makeError("--gemm=" + gemm + " is not one of: blas, loops");

  DialectRegistry registry;
  registerAllDialects(registry);
  registerAllExtensions(registry);
  tmc::registerDialects(registry);
  MLIRContext context(registry);
  context.disableMultithreading(); // dumps and diagnostics in pipeline order

  auto source = tmc::driver::resolveModelSource(inputPath, configPath,
                                                tmc::driver::modelsDirectory(modelsDirOpt));
  if (!source)
    return source.takeError();
  if (!source->graphPath.empty() && !dtypeOpt.empty())
    return makeError("--dtype applies to a model; a tmc graph has its dtypes already");
  if (!dumpIRDir.empty())
    if (std::error_code ec = llvm::sys::fs::create_directories(dumpIRDir.getValue()))
      return makeError(dumpIRDir + ": cannot create: " + ec.message());

  std::string sourcePath = source->graphPath.empty() ? source->modelingPath : source->graphPath;
  std::string errorMessage;
  auto input = openInputFile(sourcePath, &errorMessage);
  if (!input)
    return makeError(sourcePath + ": " + errorMessage);
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(std::move(input), llvm::SMLoc());
  SourceMgrDiagnosticHandler diagnostics(sourceMgr, &context);
  OwningOpRef<ModuleOp> module;
  unsigned firstDump = 0;
  if (!source->graphPath.empty()) {
    module = parseSourceFile<ModuleOp>(sourceMgr, &context);
    if (!module)
      return makeError(sourcePath + ": not a valid MLIR module (see the errors above)");
  } else {
    // The model: its modeling file, instantiated for the config.
    module = tmc::parsePython(sourceMgr, &context);
    if (!module)
      return makeError(sourcePath + ": not a valid model file (see the errors above)");
    if (!dumpIRDir.empty()) {
      if (llvm::Error error = writeFile(
              joinPath(dumpIRDir, "00-" + llvm::sys::path::filename(sourcePath).str()),
              [&](llvm::raw_ostream &os) { os << sourceMgr.getMemoryBuffer(1)->getBuffer(); }))
        return error;
      firstDump = 1;
    }
    PassManager frontend(&context);
    DumpIRInstrumentation *frontendDumper = nullptr;
    if (!dumpIRDir.empty()) {
      auto instrumentation = std::make_unique<DumpIRInstrumentation>(dumpIRDir, firstDump);
      frontendDumper = instrumentation.get();
      frontendDumper->dump("mdl", *module);
      frontend.addInstrumentation(std::move(instrumentation));
    }
    tmc::InstantiateOptions options;
    options.configPath = source->configPath;
    options.dtype = dtypeOpt;
    options.maxSeqLen = maxSeqLen;
    frontend.addPass(tmc::createInstantiate(options));
    frontend.addPass(createCanonicalizerPass());
    if (failed(frontend.run(*module)))
      return makeError(sourcePath + ": instantiation failed (see the errors above)");
    if (frontendDumper)
      firstDump = frontendDumper->next();
  }
  std::string graphText;
  {
    llvm::raw_string_ostream os(graphText);
    module->print(os);
  }

  // Everything goes into a fresh temporary directory beside the output.
  llvm::SmallString<256> outputPath(outputDir);
  llvm::sys::fs::make_absolute(outputPath);
  llvm::SmallString<256> tempDir;
  if (std::error_code ec = llvm::sys::fs::create_directories(
          llvm::sys::path::parent_path(outputPath)))
    return makeError(outputPath + ": cannot create its parent directory: " + ec.message());
  if (std::error_code ec = llvm::sys::fs::createUniqueDirectory(outputPath + ".tmp", tempDir))
    return makeError(outputPath + ": cannot create a temporary directory: " + ec.message());
  auto cleanup = llvm::make_scope_exit([&] { llvm::sys::fs::remove_directories(tempDir); });

  PassManager pm(&context);
  auto capture = std::make_unique<ManifestCapture>();
  ManifestCapture *captured = capture.get();
  pm.addInstrumentation(std::move(capture));
  DumpIRInstrumentation *dumper = nullptr;
  if (!dumpIRDir.empty()) {
    auto instrumentation = std::make_unique<DumpIRInstrumentation>(dumpIRDir, firstDump);
    dumper = instrumentation.get();
    if (!source->graphPath.empty())
      dumper->dump("input", *module);
    pm.addInstrumentation(std::move(instrumentation));
  }
  tmc::CpuPipelineOptions options;
  options.gemm = gemm;
  options.attnImplementation = attnImplementation;
  tmc::buildCpuPipeline(pm, options);
  if (failed(pm.run(*module)))
    return makeError(inputPath + ": compilation failed (see the errors above)");
  if (captured->error)
    return std::move(captured->error);
  if (!captured->manifest)
    return makeError("internal error: the pipeline did not prepare entry points");

  tmc::rt::Manifest manifest = std::move(*captured->manifest);
  manifest.library = "model.so";
  manifest.graph = "graph.mlir";
  std::string llvmIRPath = dumpIRDir.empty() ? "" : joinPath(dumpIRDir, "llvm-ir.ll");
  if (llvm::Error error = tmc::driver::emitSharedLibrary(
          *module, joinPath(tempDir, manifest.library), llvmIRPath))
    return error;
  if (llvm::Error error = writeFile(joinPath(tempDir, manifest.graph),
                                    [&](llvm::raw_ostream &os) { os << graphText; }))
    return error;
  if (llvm::Error error = writeFile(joinPath(tempDir, "final.mlir"),
                                    [&](llvm::raw_ostream &os) { module->print(os); }))
    return error;
  if (llvm::Error error =
          writeFile(joinPath(tempDir, tmc::rt::Manifest::kFileName),
                    [&](llvm::raw_ostream &os) { os << manifest.toJson().dump(2) << "\n"; }))
    return error;

  // Replace any previous artifact only now that the new one is complete.
  if (llvm::sys::fs::exists(outputPath)) {
    if (!llvm::sys::fs::exists(joinPath(outputPath, tmc::rt::Manifest::kFileName)))
      return makeError(outputPath + " exists and is not a tmc artifact; refusing to replace it");
    if (std::error_code ec = llvm::sys::fs::remove_directories(outputPath))
      return makeError(outputPath + ": cannot replace the old artifact: " + ec.message());
  }
  if (std::error_code ec = llvm::sys::fs::rename(tempDir, outputPath))
    return makeError(outputPath + ": cannot move the artifact into place: " + ec.message());
  cleanup.release();
  return llvm::Error::success();
}
} // namespace

int tmc::driver::runCompile() {
  if (inputPath.empty())
    return usageError("compile needs a model (tmc compile <model-name|checkpoint-dir|graph.mlir> "
                      "-o ARTIFACT_DIR)");
  if (outputDir.empty())
    return usageError("compile needs -o ARTIFACT_DIR");
  if (llvm::Error error = compile())
    return reportError("compile", std::move(error));
  return 0;
}
