//===- LoadCollectives.cpp - joining a multi-process world ------*- C++ -*-===//
#include "runtime/collectives/LoadCollectives.h"
#include "runtime/Error.h"
#include "runtime/Plugin.h"
#include "runtime/collectives/mpi/MpiPlugin.h"

#include <cstdlib>

using namespace tmc::rt;

bool tmc::rt::launchedByMpi() {
  for (const char *variable : {"PMI_RANK", "PMI_SIZE", "PMIX_RANK", "OMPI_COMM_WORLD_SIZE",
                               "MPI_LOCALNRANKS"})
    if (std::getenv(variable))
      return true;
  return false;
}

llvm::Expected<std::unique_ptr<Collectives>> tmc::rt::openMpiCollectives() {
  auto entry = openPluginEntry(
      "libtmc-mpi.so", TMC_MPI_PLUGIN_ENTRY, "running ranks as MPI processes",
      "install MPICH with `apt-get install mpich libmpich-dev` or scripts/setup, then rebuild "
      "tmc",
      "install MPICH with `apt-get install mpich libmpich-dev` or scripts/setup");
  if (!entry)
    return entry.takeError();
  char error[512] = "";
  Collectives *collectives = reinterpret_cast<TmcMpiCollectivesFn>(*entry)(error, sizeof(error));
  if (!collectives)
    return makeError(llvm::Twine("cannot join the MPI job: ") + error +
                     " (launch tmc-run with MPICH's mpirun, e.g. `mpirun -n 2 tmc-run ...`)");
  return std::unique_ptr<Collectives>(collectives);
}
