//===- tmc-translate.cpp - Python model files <-> mdl -----------*- C++ -*-===//
//
// mlir-translate with tmc's two translations: `--python-to-mdl` parses a
// model file into the mdl dialect, `--mdl-to-python` prints mdl as the
// canonical Python of a modeling file.
//
//===----------------------------------------------------------------------===//

#include "frontend/Python.h"
#include "ir/Mdl/MdlDialect.h"
#include "ir/Tmc/TmcDialect.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/OpenMP/OpenMPDialect.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/OpenMP/OpenMPToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "mlir/Tools/mlir-translate/MlirTranslateMain.h"
#include "mlir/Tools/mlir-translate/Translation.h"

#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"

using namespace mlir;

int main(int argc, char **argv) {
  auto registerMdl = [](DialectRegistry &registry) {
    registry.insert<tmc::mdl::MdlDialect>();
  };
  TranslateToMLIRRegistration pythonToMdl(
      "python-to-mdl", "parse a Python model file into the mdl dialect",
      [](llvm::SourceMgr &sourceMgr,
         MLIRContext *context) -> OwningOpRef<Operation *> {
        return tmc::parsePython(sourceMgr, context);
      },
      registerMdl);
  TranslateFromMLIRRegistration mdlToPython(
      "mdl-to-python", "print the mdl dialect as a canonical Python model file",
      [](Operation *op, llvm::raw_ostream &os) -> LogicalResult {
        auto module = dyn_cast<ModuleOp>(op);
        if (!module)
          return op->emitError("expected a builtin.module of mdl ops");
        return tmc::printPython(module, os);
      },
      registerMdl);
  // The `llvm` phase keeps the artifact's ABI as tmc attributes, which
  // upstream mlir-translate cannot parse.
  TranslateFromMLIRRegistration tmcToLLVMIR(
      "tmc-to-llvmir", "translate the llvm phase of tmc compile to LLVM IR",
      [](Operation *op, llvm::raw_ostream &os) -> LogicalResult {
        llvm::LLVMContext context;
        std::unique_ptr<llvm::Module> module = translateModuleToLLVMIR(op, context);
        if (!module)
          return op->emitError("translation to LLVM IR failed");
        module->print(os, nullptr);
        return success();
      },
      [](DialectRegistry &registry) {
        // The CPU target's parallel loops stay omp.parallel regions in the
        // llvm phase, translated by OpenMP's own translation.
        registry.insert<tmc::TmcDialect, LLVM::LLVMDialect, omp::OpenMPDialect>();
        registerBuiltinDialectTranslation(registry);
        registerLLVMDialectTranslation(registry);
        registerOpenMPDialectTranslation(registry);
      });
  return failed(mlirTranslateMain(
      argc, argv, "tmc translation tool: Python <-> mdl, the llvm phase -> LLVM IR\n"));
}
