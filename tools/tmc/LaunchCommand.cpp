//===- LaunchCommand.cpp - tmc launch ---------------------------*- C++ -*-===//
//
// `tmc launch -n N [--hostfile HOSTS] -- run ARTIFACT ...`: the ranks of a
// tensor-parallel artifact as N MPI processes. It replaces itself with
// `mpirun -n N [-f HOSTS] <this tmc> run ...`, so signals and the exit status
// are mpirun's.
//
//===----------------------------------------------------------------------===//

#include "runtime/Error.h"
#include "tools/tmc/Commands.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Program.h"

#include <cerrno>
#include <cstring>
#include <unistd.h>

namespace cl = llvm::cl;
using tmc::rt::makeError;

namespace tmc::driver {
cl::SubCommand launchCommand("launch", "run a tmc command as N MPI ranks (mpirun)");
} // namespace tmc::driver

namespace {
cl::opt<unsigned> ranks("n", cl::sub(tmc::driver::launchCommand), cl::value_desc("N"),
                        cl::desc("Number of ranks (the artifact's tmc compile --tp N)"));
cl::opt<std::string> hostfile("hostfile", cl::sub(tmc::driver::launchCommand),
                              cl::value_desc("HOSTS"),
                              cl::desc("MPICH hostfile: one 'host[:ranks]' a line, to spread "
                                       "the ranks over machines (mpirun -f HOSTS)"));
cl::list<std::string> command(cl::Positional, cl::sub(tmc::driver::launchCommand),
                              cl::desc("-- <tmc command> [options], e.g. -- run ART --weights W"));
} // namespace

int tmc::driver::runLaunch() {
  if (ranks == 0)
    return usageError("launch needs -n N, the number of ranks (tmc launch -n 2 -- run ...)");
  if (command.empty())
    return usageError("launch needs the command to run after '--' (tmc launch -n " +
                      llvm::Twine(ranks) + " -- run ARTIFACT --weights W ...)");
  auto mpirun = llvm::sys::findProgramByName("mpirun");
  if (!mpirun)
    mpirun = llvm::sys::findProgramByName("mpiexec");
  if (!mpirun)
    return reportError("launch", makeError("no mpirun or mpiexec on PATH; install MPICH with "
                                           "`apt-get install mpich libmpich-dev` or run "
                                           "scripts/setup"));
  std::string self = llvm::sys::fs::getMainExecutable(nullptr, nullptr);
  std::vector<std::string> args{*mpirun, "-n", std::to_string(ranks)};
  if (!hostfile.empty())
    args.insert(args.end(), {"-f", hostfile});
  args.push_back(self);
  args.insert(args.end(), command.begin(), command.end());
  std::vector<char *> argv;
  for (std::string &arg : args)
    argv.push_back(arg.data());
  argv.push_back(nullptr);
  execv(argv[0], argv.data());
  return reportError("launch", makeError("cannot run " + *mpirun + ": " + std::strerror(errno)));
}
