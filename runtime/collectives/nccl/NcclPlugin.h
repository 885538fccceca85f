//===- NcclPlugin.h - the entry of libtmc-nccl.so ---------------*- C++ -*-===//
//
// GPU ranks for the CUDA target: the Collectives interface on device
// pointers, through NCCL on a CUDA stream. libtmc-nccl.so links the CUDA
// runtime and NCCL; the runtime opens it only for a CUDA artifact, so that
// nothing else loads either.
//
// Bootstrap: a NCCL communicator needs one ncclUniqueId that rank 0 makes and
// every rank receives. The plugin carries it over a host communicator of the
// same rank and world size: the MPI plugin's (ranks as processes) or an
// in-process world's (ranks as threads, one GPU each).
//
// Semantics differ from the CPU backends in one way: ncclAllReduce sums in
// NCCL's own order (ring or tree) and bf16/f16 in their own precision per
// step. Every rank still receives the same bits (each element is reduced
// once, then broadcast); pin NCCL_ALGO and NCCL_PROTO for the same bits from
// run to run.
//
//===----------------------------------------------------------------------===//

#ifndef TMC_RUNTIME_COLLECTIVES_NCCL_NCCLPLUGIN_H
#define TMC_RUNTIME_COLLECTIVES_NCCL_NCCLPLUGIN_H

#include "runtime/collectives/Collectives.h"

namespace tmc::rt {

/// A communicator whose collectives take CUDA device pointers and are
/// enqueued on a stream: they return before the data has moved. The CUDA
/// target's generated code and its runner use the same stream, so ordering
/// holds without synchronizing; synchronize() waits for the stream.
class DeviceCollectives : public Collectives {
public:
  /// `stream` is a cudaStream_t; null is the legacy default stream.
  virtual void setStream(void *stream) = 0;
  virtual void synchronize() = 0;
};

} // namespace tmc::rt

/// Makes rank bootstrap->rank() of a bootstrap->worldSize()-rank NCCL
/// communicator on CUDA device `device`, enqueuing on `stream`. Collective
/// over `bootstrap`: every rank calls it. Null with a message in `error`
/// (NUL-terminated, at most `errorSize` bytes) when CUDA or NCCL fails.
using TmcNcclCollectivesFn = tmc::rt::DeviceCollectives *(*)(tmc::rt::Collectives *bootstrap,
                                                             int device, void *stream,
                                                             char *error, size_t errorSize);

#define TMC_NCCL_PLUGIN_ENTRY "tmcNcclCollectives"

#endif // TMC_RUNTIME_COLLECTIVES_NCCL_NCCLPLUGIN_H
