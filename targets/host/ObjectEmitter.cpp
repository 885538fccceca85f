//===- ObjectEmitter.cpp - LLVM dialect to a shared library -----*- C++ -*-===//
//
// The last compile step of every target's host code: LLVM's own optimizer
// and code generator for the host, then the system C compiler as linker so
// the shared object records its library dependencies (OpenBLAS and libm for
// the CPU target's model).
//
//===----------------------------------------------------------------------===//

#include "targets/host/ObjectEmitter.h"

#include "runtime/AtomicFile.h"
#include "runtime/Error.h"

#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Export.h"

#include "llvm/Analysis/TargetLibraryInfo.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/IR/SystemLibraries.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/Signals.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Target/TargetOptions.h"
#include "llvm/TargetParser/Host.h"

using namespace mlir;

using tmc::rt::makeError;

static std::unique_ptr<llvm::TargetMachine> hostTargetMachine(std::string &error) {
  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  llvm::Triple triple(llvm::sys::getDefaultTargetTriple());
  const llvm::Target *target = llvm::TargetRegistry::lookupTarget(triple, error);
  if (!target)
    return nullptr;
  std::string features;
  for (const auto &feature : llvm::sys::getHostCPUFeatures())
    features += (features.empty() ? "" : ",") + std::string(feature.second ? "+" : "-") +
                feature.first().str();
  return std::unique_ptr<llvm::TargetMachine>(target->createTargetMachine(
      triple, llvm::sys::getHostCPUName(), features, llvm::TargetOptions(),
      llvm::Reloc::PIC_, std::nullopt, llvm::CodeGenOptLevel::Aggressive));
}

/// LLVM's -O3 for the host, with glibc's vector math library (libmvec) known
/// to the loop vectorizer: a loop of expf, sinf, cosf or powf calls (softmax,
/// SiLU, rotary tables) becomes calls of their 8- or 16-lane forms instead of
/// one libm call per element (12% of a bf16 prefill's samples were expf).
static void optimize(llvm::Module &module, llvm::TargetMachine &machine) {
  llvm::LoopAnalysisManager loops;
  llvm::FunctionAnalysisManager functions;
  llvm::CGSCCAnalysisManager cgscc;
  llvm::ModuleAnalysisManager modules;
  llvm::PassBuilder builder(&machine);
  llvm::TargetLibraryInfoImpl library(module.getTargetTriple());
  library.addVectorizableFunctionsFromVecLib(llvm::VectorLibrary::LIBMVEC,
                                             module.getTargetTriple());
  // Registered first, so that the default registration keeps it.
  functions.registerPass([&] { return llvm::TargetLibraryAnalysis(library); });
  builder.registerModuleAnalyses(modules);
  builder.registerCGSCCAnalyses(cgscc);
  builder.registerFunctionAnalyses(functions);
  builder.registerLoopAnalyses(loops);
  builder.crossRegisterProxies(loops, functions, cgscc, modules);
  builder.buildPerModuleDefaultPipeline(llvm::OptimizationLevel::O3).run(module, modules);
}

/// Whether the optimizer made calls of libmvec's vector functions (named
/// _ZGV<isa><mask><lanes><args>_<function>, the x86 vector ABI's mangling).
static bool callsVectorMath(const llvm::Module &module) {
  return llvm::any_of(module.functions(), [](const llvm::Function &function) {
    return function.isDeclaration() && function.getName().starts_with("_ZGV");
  });
}

namespace {
/// A file in the system's temporary directory, removed when this goes out of
/// scope and when the process is interrupted.
struct TemporaryFile {
  explicit TemporaryFile(llvm::StringRef path) : path(path.str()) {
    llvm::sys::RemoveFileOnSignal(path);
  }
  ~TemporaryFile() {
    llvm::sys::fs::remove(path);
    llvm::sys::DontRemoveFileOnSignal(path);
  }
  std::string path;
};
} // namespace

llvm::Error tmc::host::emitSharedLibrary(ModuleOp module, llvm::StringRef libraryPath,
                                         llvm::StringRef llvmIRPath,
                                         llvm::ArrayRef<llvm::StringRef> libraries) {
  registerBuiltinDialectTranslation(*module.getContext());
  registerLLVMDialectTranslation(*module.getContext());
  llvm::LLVMContext llvmContext;
  std::unique_ptr<llvm::Module> llvmModule = translateModuleToLLVMIR(module, llvmContext);
  if (!llvmModule)
    return makeError("translation to LLVM IR failed");

  std::string error;
  std::unique_ptr<llvm::TargetMachine> machine = hostTargetMachine(error);
  if (!machine)
    return makeError("no code generator for the host: " + error);
  llvmModule->setDataLayout(machine->createDataLayout());
  llvmModule->setTargetTriple(machine->getTargetTriple());
  optimize(*llvmModule, *machine);
  if (!llvmIRPath.empty()) {
    std::error_code ec;
    llvm::raw_fd_ostream os(llvmIRPath, ec);
    if (ec)
      return makeError(llvmIRPath + ": " + ec.message());
    llvmModule->print(os, nullptr);
  }

  llvm::SmallString<128> objectPath;
  if (std::error_code ec = llvm::sys::fs::createTemporaryFile("tmc-model", "o", objectPath))
    return makeError("cannot create a temporary object file: " + ec.message());
  TemporaryFile objectFile(objectPath);
  {
    std::error_code ec;
    llvm::raw_fd_ostream os(objectPath, ec);
    if (ec)
      return makeError(objectPath + ": " + ec.message());
    llvm::legacy::PassManager codegen;
    if (machine->addPassesToEmitFile(codegen, os, nullptr, llvm::CodeGenFileType::ObjectFile))
      return makeError("the host code generator cannot emit object files");
    codegen.run(*llvmModule);
    if (llvm::Error error = tmc::rt::closeWritten(os, objectPath))
      return error;
  }

  auto compiler = llvm::sys::findProgramByName("cc");
  if (!compiler)
    return makeError("no C compiler ('cc') on PATH to link the model library; run "
                     "scripts/setup");
  llvm::SmallString<128> logPath;
  if (std::error_code ec = llvm::sys::fs::createTemporaryFile("tmc-link", "log", logPath))
    return makeError("cannot create a temporary file: " + ec.message());
  TemporaryFile logFile(logPath);
  llvm::SmallVector<llvm::StringRef> args{*compiler, "-shared", "-o", libraryPath, objectPath};
  llvm::append_range(args, libraries);
  if (callsVectorMath(*llvmModule))
    args.push_back("-lmvec");
  std::optional<llvm::StringRef> redirects[] = {std::nullopt, logPath.str(), logPath.str()};
  std::string execError;
  int status = llvm::sys::ExecuteAndWait(*compiler, args, std::nullopt, redirects, 0, 0,
                                         &execError);
  if (status != 0) {
    auto log = llvm::MemoryBuffer::getFile(logPath);
    return makeError("linking the model library failed" +
                     (execError.empty() ? "" : ": " + execError) +
                     (log ? "\n" + (*log)->getBuffer().str() : ""));
  }
  return llvm::Error::success();
}
