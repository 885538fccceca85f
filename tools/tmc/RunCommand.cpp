//===- RunCommand.cpp - tmc run ---------------------------------*- C++ -*-===//
//
// `tmc run` is `tmc-run` (runtime/Runner.h) under the driver: the same
// flags, the same code.
//
//===----------------------------------------------------------------------===//

#include "runtime/Runner.h"
#include "runtime/torch/ReferenceBackend.h"
#include "tools/tmc/Commands.h"

llvm::cl::SubCommand &tmc::rt::runnerSubCommand() {
  static llvm::cl::SubCommand command("run", "run a compiled artifact on a checkpoint");
  return command;
}

int tmc::driver::runRun() {
  std::string missing = rt::missingRunFlag();
  if (!missing.empty())
    return usageError("run " + missing);
  if (llvm::Error error = rt::runArtifact())
    return reportError("run", std::move(error));
  return 0;
}

bool tmc::rt::runnerCanLoadReference() { return true; }
