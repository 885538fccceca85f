//===- MpiCollectives.cpp - ranks as MPI processes --------------*- C++ -*-===//
//
// libtmc-mpi.so. MPI_Allreduce would sum in an order of MPI's choosing,
// which need not be rank order nor the same on every rank, so the all-reduce
// is an all-gather followed by the rank-order sum every backend shares
// (Reduce.h): each rank computes the same bits. Buffers move as bytes, with
// MPI 4's large-count calls, so no size overflows an int.
//
//===----------------------------------------------------------------------===//

#include "runtime/collectives/Reduce.h"
#include "runtime/collectives/mpi/MpiPlugin.h"

#include <mpi.h>

#include <cstdio>
#include <cstdlib>
#include <vector>

using namespace tmc::rt;

namespace {
[[noreturn]] void failed(const char *call, int code) {
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  MPI_Error_string(code, text, &length);
  std::fprintf(stderr, "tmc: error: %s failed: %.*s\n", call, length, text);
  std::fflush(stderr);
  MPI_Abort(MPI_COMM_WORLD, 1);
  std::abort();
}

void check(const char *call, int code) {
  if (code != MPI_SUCCESS)
    failed(call, code);
}

class MpiCollectives : public Collectives {
public:
  MpiCollectives(int rank, int size) : myRank(rank), size(size) {}
  ~MpiCollectives() override {
    int finalized = 0;
    MPI_Finalized(&finalized);
    if (!finalized)
      MPI_Finalize();
  }

  const char *backendName() const override { return "mpi"; }
  int64_t rank() const override { return myRank; }
  int64_t worldSize() const override { return size; }

  void allReduceSum(const void *in, void *out, int64_t count, CollectiveType type) override {
    MPI_Count bytes = MPI_Count(count) * collectiveTypeSize(type);
    scratch.resize(size_t(bytes) * size);
    check("MPI_Allgather", MPI_Allgather_c(in, bytes, MPI_BYTE, scratch.data(), bytes, MPI_BYTE,
                                           MPI_COMM_WORLD));
    std::vector<const void *> inputs(size);
    for (int r = 0; r < size; ++r)
      inputs[r] = scratch.data() + size_t(bytes) * r;
    sumInRankOrder(inputs.data(), size, out, 0, count, type);
  }

  void allGather(const void *in, void *out, int64_t outer, int64_t inner,
                 CollectiveType type) override {
    MPI_Count bytes = MPI_Count(outer) * inner * collectiveTypeSize(type);
    // One row per rank already is the [outer, world, inner] order.
    if (outer == 1) {
      check("MPI_Allgather",
            MPI_Allgather_c(in, bytes, MPI_BYTE, out, bytes, MPI_BYTE, MPI_COMM_WORLD));
      return;
    }
    scratch.resize(size_t(bytes) * size);
    check("MPI_Allgather", MPI_Allgather_c(in, bytes, MPI_BYTE, scratch.data(), bytes, MPI_BYTE,
                                           MPI_COMM_WORLD));
    interleaveGathered(scratch.data(), out, size, outer, inner, type);
  }

  void barrier() override { check("MPI_Barrier", MPI_Barrier(MPI_COMM_WORLD)); }

  void abort() override {
    std::fflush(stdout);
    std::fflush(stderr);
    MPI_Abort(MPI_COMM_WORLD, 1);
  }

private:
  int myRank, size;
  std::vector<char> scratch;
};
} // namespace

extern "C" __attribute__((visibility("default"))) Collectives *
tmcMpiCollectives(char *error, size_t errorSize) {
  int initialized = 0;
  MPI_Initialized(&initialized);
  if (!initialized) {
    // Collectives run on whichever single thread runs the rank at a time.
    int provided = 0;
    if (int code = MPI_Init_thread(nullptr, nullptr, MPI_THREAD_SERIALIZED, &provided)) {
      char text[MPI_MAX_ERROR_STRING];
      int length = 0;
      MPI_Error_string(code, text, &length);
      std::snprintf(error, errorSize, "MPI_Init_thread failed: %.*s", length, text);
      return nullptr;
    }
  }
  // Failures come back as codes that name the call instead of MPI's bare abort.
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  return new MpiCollectives(rank, size);
}
