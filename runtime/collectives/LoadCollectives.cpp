//===- LoadCollectives.cpp - joining a multi-process world ------*- C++ -*-===//
#include "runtime/collectives/LoadCollectives.h"
#include "runtime/Error.h"
#include "runtime/Plugin.h"
#include "runtime/collectives/mpi/MpiPlugin.h"
#include "runtime/collectives/nccl/NcclPlugin.h"

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

llvm::Expected<std::unique_ptr<DeviceCollectives>>
tmc::rt::openNcclCollectives(Collectives &bootstrap, int device, void *stream) {
  auto entry = openPluginEntry(
      "libtmc-nccl.so", TMC_NCCL_PLUGIN_ENTRY, "running ranks on GPUs",
      "install the CUDA toolkit with NCCL (scripts/setup) and configure with "
      "-DTMC_ENABLE_NCCL=ON",
      "install the CUDA runtime and NCCL (libnccl2), or set LD_LIBRARY_PATH to them");
  if (!entry)
    return entry.takeError();
  char error[512] = "";
  DeviceCollectives *collectives = reinterpret_cast<TmcNcclCollectivesFn>(*entry)(
      &bootstrap, device, stream, error, sizeof(error));
  if (!collectives)
    return makeError(llvm::Twine("rank ") + llvm::Twine(bootstrap.rank()) +
                     ": cannot make the NCCL communicator: " + error);
  return std::unique_ptr<DeviceCollectives>(collectives);
}
