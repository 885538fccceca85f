//===- tmc-run.cpp - run a compiled artifact, without the compiler -*- C++ -*-===//
//
// `tmc-run ARTIFACT --weights W (--input-ids ...) [--max-new-tokens N]`: the
// runtime alone. It links no MLIR, no LibTorch and no shared LLVM (only
// LLVM's Support library, statically, for its ADTs, errors and command
// line), so an artifact runs on a machine without the compiler and starts in
// milliseconds.
//
//===----------------------------------------------------------------------===//

#include "runtime/Runner.h"
#include "runtime/Version.h"
#include "runtime/torch/ReferenceBackend.h"

#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/raw_ostream.h"

#include <vector>

// The flags live on a subcommand, not the top level, where LLVM's own
// `-stats` would collide with `--stats`; main() names it for the user.
llvm::cl::SubCommand &tmc::rt::runnerSubCommand() {
  static llvm::cl::SubCommand command("run", "run a compiled tmc artifact on a checkpoint");
  return command;
}

bool tmc::rt::runnerCanLoadReference() { return false; }

int main(int argc, char **argv) {
  llvm::InitLLVM initLLVM(argc, argv);
  llvm::cl::SetVersionPrinter(
      [](llvm::raw_ostream &os) { os << "tmc-run " << TMC_VERSION << "\n"; });
  std::vector<std::string> glued = tmc::rt::glueFileArguments(argc, argv);
  glued.insert(glued.begin() + 1, "run");
  std::vector<const char *> args;
  for (const std::string &arg : glued)
    args.push_back(arg.c_str());
  if (!llvm::cl::ParseCommandLineOptions(args.size(), args.data(),
                                         "tmc-run: run a compiled tmc artifact on a checkpoint\n"))
    return 2;
  std::string missing = tmc::rt::missingRunFlag();
  if (!missing.empty()) {
    llvm::errs() << "tmc-run: error: " << missing << " (see 'tmc-run --help')\n";
    return 2;
  }
  if (llvm::Error error = tmc::rt::runArtifact()) {
    llvm::errs() << "tmc-run: error: " << llvm::toString(std::move(error)) << "\n";
    return 1;
  }
  return 0;
}
