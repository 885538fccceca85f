//===- LoadCollectives.h - joining a multi-process world --------*- C++ -*-===//
//
// How a process finds out it is one rank of several (an MPI launcher started
// it) and joins them through the MPI plugin; and GPU ranks' NCCL plugin.
//
//===----------------------------------------------------------------------===//

#ifndef TMC_RUNTIME_COLLECTIVES_LOADCOLLECTIVES_H
#define TMC_RUNTIME_COLLECTIVES_LOADCOLLECTIVES_H

#include "runtime/collectives/Collectives.h"

#include "llvm/Support/Error.h"

#include <memory>

namespace tmc::rt {

/// True when mpirun / mpiexec (MPICH's hydra, Open MPI, PMIx) started this
/// process, as the variables it sets in each rank's environment say.
bool launchedByMpi();

/// Opens lib/libtmc-mpi.so and joins MPI_COMM_WORLD; an error saying what
/// to install when the plugin or MPICH is missing.
llvm::Expected<std::unique_ptr<Collectives>> openMpiCollectives();

class DeviceCollectives;

/// Opens lib/libtmc-nccl.so and makes this rank's NCCL communicator on CUDA
/// `device`, enqueuing on `stream` (a cudaStream_t), with the unique id
/// carried over `bootstrap` (NcclPlugin.h). For the CUDA target.
llvm::Expected<std::unique_ptr<DeviceCollectives>>
openNcclCollectives(Collectives &bootstrap, int device, void *stream);

} // namespace tmc::rt

#endif // TMC_RUNTIME_COLLECTIVES_LOADCOLLECTIVES_H
