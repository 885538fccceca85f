//===- Registration.cpp - register every tmc pass ---------------*- C++ -*-===//
#include "passes/Registration.h"

#include "passes/attention/Passes.h"
#include "passes/conversion/Passes.h"
#include "passes/graph/Passes.h"
#include "passes/instantiate/Passes.h"
#include "passes/lowering/Passes.h"
#include "passes/modular/Passes.h"

void tmc::registerAllPasses() {
  registerAttentionPasses();
  registerConversionPasses();
  registerGraphPasses();
  registerInstantiatePasses();
  registerLoweringPasses();
  registerModularPasses();
  registerCpuPipeline();
}
