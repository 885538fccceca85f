//===- tmc-translate.cpp - Python model files <-> mdl -----------*- C++ -*-===//
//
// mlir-translate with tmc's two translations: `--python-to-mdl` parses a
// model file into the mdl dialect, `--mdl-to-python` prints mdl as the
// canonical Python of a modeling file.
//
//===----------------------------------------------------------------------===//

#include "frontend/Python.h"
#include "ir/Mdl/MdlDialect.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-translate/MlirTranslateMain.h"
#include "mlir/Tools/mlir-translate/Translation.h"

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
  return failed(
      mlirTranslateMain(argc, argv, "tmc translation tool: Python <-> mdl\n"));
}
