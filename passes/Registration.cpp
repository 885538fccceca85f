//===- Registration.cpp - register every tmc pass ---------------*- C++ -*-===//
#include "passes/Registration.h"

#include "passes/conversion/Passes.h"
#include "passes/graph/Passes.h"
#include "passes/lowering/Passes.h"

void tmc::registerAllPasses() {
  registerConversionPasses();
  registerGraphPasses();
  registerLoweringPasses();
  registerCpuPipeline();
}
