//===- Runner.h - the command line that runs artifacts ----------*- C++ -*-===//
//
// `tmc-run ARTIFACT --weights W ...` and `tmc run ARTIFACT ...` are one
// command: its flags are registered on the subcommand the executable names
// with runnerSubCommand() (tmc-run's top level, tmc's `run`), and both call
// runArtifact() once the command line is parsed.
//
//===----------------------------------------------------------------------===//

#ifndef TMC_RUNTIME_RUNNER_H
#define TMC_RUNTIME_RUNNER_H

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Error.h"

#include <string>
#include <vector>

namespace tmc::rt {

/// Defined by each executable that links the runner: the subcommand that
/// carries its flags (a function-local static, so it exists before the flags
/// register on it during static initialization).
llvm::cl::SubCommand &runnerSubCommand();

/// argv with each `--flag @file` glued into `--flag=@file`: cl expands a
/// separate argument that starts with '@' as a response file, but tmc's
/// `--input-ids @ids.npy` means "read this file".
std::vector<std::string> glueFileArguments(int argc, char **argv);

/// Why the parsed command line cannot run ("needs --weights <checkpoint>"),
/// or empty.
std::string missingRunFlag();

/// Loads the artifact and the checkpoint, runs or generates, prints ids and
/// logits, writes --output.
llvm::Error runArtifact();

} // namespace tmc::rt

#endif // TMC_RUNTIME_RUNNER_H
