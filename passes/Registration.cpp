//===- Registration.cpp - register every tmc pass ---------------*- C++ -*-===//
#include "passes/Registration.h"

#include "passes/Pipelines.h"
#include "passes/abi/Passes.h"
#include "passes/attention/Passes.h"
#include "passes/conversion/Passes.h"
#include "passes/instantiate/Passes.h"
#include "passes/modular/Passes.h"
#include "passes/parallel/Passes.h"
#include "passes/storage/Passes.h"
#include "passes/trace/Passes.h"
#include "targets/Target.h"

void tmc::registerAllPasses() {
  registerAbiPasses();
  registerAttentionPasses();
  registerConversionPasses();
  registerInstantiatePasses();
  registerModularPasses();
  registerParallelPasses();
  registerStoragePasses();
  registerTracePasses();
  registerPhasePipelines();
  registerTargetPasses();
}
