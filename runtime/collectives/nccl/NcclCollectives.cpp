//===- NcclCollectives.cpp - GPU ranks through NCCL -------------*- C++ -*-===//
//
// libtmc-nccl.so (NcclPlugin.h). The all-gather of [outer, inner] rows into
// the ABI's [outer, world, inner] order: NCCL gathers [world, outer, inner];
// for outer > 1 that lands in a scratch buffer and one strided 2-D copy per
// rank puts it in place. Failures inside a collective cannot be returned to
// the generated code: they print the CUDA or NCCL message and abort the
// world.
//
//===----------------------------------------------------------------------===//

#include "runtime/collectives/nccl/NcclPlugin.h"

#include <cuda_runtime.h>
#include <nccl.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

using namespace tmc::rt;

namespace {
ncclDataType_t ncclTypeOf(CollectiveType type) {
  switch (type) {
  case CollectiveType::F32:
    return ncclFloat32;
  case CollectiveType::BF16:
    return ncclBfloat16;
  case CollectiveType::F16:
    return ncclFloat16;
  }
  return ncclFloat32;
}

class NcclCollectives : public DeviceCollectives {
public:
  NcclCollectives(Collectives &bootstrap, ncclComm_t comm, cudaStream_t stream)
      : bootstrap(bootstrap), comm(comm), stream(stream) {}
  ~NcclCollectives() override {
    if (scratch)
      cudaFree(scratch);
    if (flag)
      cudaFree(flag);
    if (comm)
      ncclCommDestroy(comm);
  }

  const char *backendName() const override { return "nccl"; }
  int64_t rank() const override { return bootstrap.rank(); }
  int64_t worldSize() const override { return bootstrap.worldSize(); }
  void setStream(void *newStream) override { stream = static_cast<cudaStream_t>(newStream); }
  void synchronize() override { checkCuda("cudaStreamSynchronize", cudaStreamSynchronize(stream)); }

  void allReduceSum(const void *in, void *out, int64_t count, CollectiveType type) override {
    checkNccl("ncclAllReduce",
              ncclAllReduce(in, out, size_t(count), ncclTypeOf(type), ncclSum, comm, stream));
  }

  void allGather(const void *in, void *out, int64_t outer, int64_t inner,
                 CollectiveType type) override {
    size_t row = size_t(inner) * collectiveTypeSize(type), world = size_t(worldSize());
    size_t perRank = size_t(outer) * row;
    if (outer == 1) {
      checkNccl("ncclAllGather", ncclAllGather(in, out, perRank, ncclUint8, comm, stream));
      return;
    }
    reserve(perRank * world);
    checkNccl("ncclAllGather", ncclAllGather(in, scratch, perRank, ncclUint8, comm, stream));
    for (size_t r = 0; r < world; ++r)
      checkCuda("cudaMemcpy2DAsync",
                cudaMemcpy2DAsync(static_cast<char *>(out) + r * row, world * row,
                                  static_cast<char *>(scratch) + r * perRank, row, row,
                                  size_t(outer), cudaMemcpyDeviceToDevice, stream));
  }

  void barrier() override {
    if (!flag)
      checkCuda("cudaMalloc", cudaMalloc(&flag, sizeof(float)));
    checkNccl("ncclAllReduce", ncclAllReduce(flag, flag, 1, ncclFloat32, ncclSum, comm, stream));
    synchronize();
  }

  void abort() override {
    if (comm)
      ncclCommAbort(comm);
    comm = nullptr;
    bootstrap.abort();
  }
  bool aborted() const override { return bootstrap.aborted(); }

private:
  void reserve(size_t bytes) {
    if (bytes <= scratchBytes)
      return;
    // The previous buffer may still be read by enqueued work.
    if (scratch) {
      synchronize();
      cudaFree(scratch);
    }
    scratch = nullptr;
    checkCuda("cudaMalloc", cudaMalloc(&scratch, bytes));
    scratchBytes = bytes;
  }

  void checkCuda(const char *call, cudaError_t code) {
    if (code == cudaSuccess)
      return;
    std::fprintf(stderr, "tmc: error: rank %lld: %s failed: %s\n", (long long)rank(), call,
                 cudaGetErrorString(code));
    fail();
  }
  void checkNccl(const char *call, ncclResult_t code) {
    if (code == ncclSuccess)
      return;
    std::fprintf(stderr, "tmc: error: rank %lld: %s failed: %s\n", (long long)rank(), call,
                 ncclGetErrorString(code));
    fail();
  }
  [[noreturn]] void fail() {
    std::fflush(stderr);
    abort();
    std::abort();
  }

  Collectives &bootstrap;
  ncclComm_t comm;
  cudaStream_t stream;
  void *scratch = nullptr;
  size_t scratchBytes = 0;
  float *flag = nullptr;
};
} // namespace

extern "C" __attribute__((visibility("default"))) DeviceCollectives *
tmcNcclCollectives(Collectives *bootstrap, int device, void *stream, char *error,
                   size_t errorSize) {
  if (cudaError_t code = cudaSetDevice(device)) {
    std::snprintf(error, errorSize, "cudaSetDevice(%d) failed: %s", device,
                  cudaGetErrorString(code));
    return nullptr;
  }
  // Rank 0's id reaches every rank as bytes through the host communicator.
  static_assert(sizeof(ncclUniqueId) % sizeof(float) == 0, "the id travels as f32 words");
  constexpr int64_t words = sizeof(ncclUniqueId) / sizeof(float);
  ncclUniqueId id;
  std::memset(&id, 0, sizeof(id));
  ncclResult_t made = ncclSuccess;
  if (bootstrap->rank() == 0)
    made = ncclGetUniqueId(&id);
  std::vector<float> ids(words * bootstrap->worldSize());
  bootstrap->allGather(&id, ids.data(), 1, words, CollectiveType::F32);
  if (made != ncclSuccess) {
    std::snprintf(error, errorSize, "ncclGetUniqueId failed: %s", ncclGetErrorString(made));
    return nullptr;
  }
  std::memcpy(&id, ids.data(), sizeof(id));
  ncclComm_t comm = nullptr;
  if (ncclResult_t code =
          ncclCommInitRank(&comm, int(bootstrap->worldSize()), id, int(bootstrap->rank()))) {
    std::snprintf(error, errorSize, "ncclCommInitRank (rank %lld of %lld) failed: %s",
                  (long long)bootstrap->rank(), (long long)bootstrap->worldSize(),
                  ncclGetErrorString(code));
    return nullptr;
  }
  return new NcclCollectives(*bootstrap, comm, static_cast<cudaStream_t>(stream));
}
