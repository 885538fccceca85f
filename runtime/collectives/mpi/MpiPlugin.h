//===- MpiPlugin.h - the entry of libtmc-mpi.so -----------------*- C++ -*-===//
//
// libtmc-mpi.so links MPICH; the runtime opens it only under mpirun, so that
// tmc-run itself links no MPI. Its one C entry joins MPI_COMM_WORLD.
//
//===----------------------------------------------------------------------===//

#ifndef TMC_RUNTIME_COLLECTIVES_MPI_MPIPLUGIN_H
#define TMC_RUNTIME_COLLECTIVES_MPI_MPIPLUGIN_H

#include "runtime/collectives/Collectives.h"

/// Initializes MPI and returns this process's communicator on
/// MPI_COMM_WORLD (deleting it finalizes MPI), or null with a message in
/// `error` (a NUL-terminated string of at most `errorSize` bytes).
using TmcMpiCollectivesFn = tmc::rt::Collectives *(*)(char *error, size_t errorSize);

#define TMC_MPI_PLUGIN_ENTRY "tmcMpiCollectives"

#endif // TMC_RUNTIME_COLLECTIVES_MPI_MPIPLUGIN_H
