//===- Commands.h - the tmc driver's commands -------------------*- C++ -*-===//
//
// Each command is a cl::SubCommand whose options live in its own file, plus
// the function that runs it after the command line is parsed.
//
//===----------------------------------------------------------------------===//

#ifndef TMC_TOOLS_TMC_COMMANDS_H
#define TMC_TOOLS_TMC_COMMANDS_H

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Error.h"

namespace tmc::driver {

extern llvm::cl::SubCommand compileCommand;
extern llvm::cl::SubCommand initWeightsCommand;
extern llvm::cl::SubCommand expandCommand;
extern llvm::cl::SubCommand checkModularCommand;
extern llvm::cl::SubCommand modularGraphCommand;
extern llvm::cl::SubCommand modularCandidatesCommand;
extern llvm::cl::SubCommand launchCommand;
extern llvm::cl::SubCommand traceDiffCommand;
extern llvm::cl::SubCommand tokenizeCommand;
extern llvm::cl::SubCommand detokenizeCommand;

int runCompile();
int runRun();
int runInitWeights();
int runExpand();
int runCheckModular();
int runModularGraph();
int runModularCandidates();
int runLaunch();
int runTraceDiff();
int runTokenize();
int runDetokenize();

/// Prints the one-line usage error and returns exit code 2.
int usageError(const llvm::Twine &message);

/// Prints "tmc <command>: error: <message>" and returns exit code 1.
int reportError(llvm::StringRef command, llvm::Error error);

} // namespace tmc::driver

#endif // TMC_TOOLS_TMC_COMMANDS_H
