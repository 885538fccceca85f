//===- tmc-opt.cpp - mlir-opt with the tmc dialects and passes --*- C++ -*-===//
//
// Every upstream dialect, extension and pass, plus tmc's, so any stage of the
// pipeline can be parsed, transformed and printed.
//
//===----------------------------------------------------------------------===//

#include "ir/Registration.h"
#include "passes/Registration.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::registerAllPasses();
  tmc::registerAllPasses();

  mlir::DialectRegistry registry;
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  // gpu-module-to-binary translates kernels to LLVM IR before running ptxas.
  mlir::registerAllToLLVMIRTranslations(registry);
  tmc::registerDialects(registry);

  return mlir::asMainReturnCode(mlir::MlirOptMain(
      argc, argv, "tmc optimizer driver: tmc and upstream MLIR passes\n", registry));
}
