//===- MpiCollectivesCheck.cpp - the MPI plugin across processes -*- C++ -*-===//
//
// Run by ctest as `mpirun -n 2 MpiCollectivesCheck`: joins the job through
// libtmc-mpi.so as tmc-run does and checks, through the C ABI, the ranks,
// the rank-order sums (f32 where order matters, bf16 rounded once) and the
// placement of gathered rows, on every rank. Exits 1 on any mismatch.
//
//===----------------------------------------------------------------------===//

#include "runtime/collectives/CollectiveAbi.h"
#include "runtime/collectives/LoadCollectives.h"

#include "llvm/Support/raw_ostream.h"

#include <cstring>
#include <vector>

using namespace tmc::rt;

namespace {
int failures = 0;

void expect(bool ok, const char *what, int64_t rank) {
  if (!ok) {
    llvm::errs() << "rank " << rank << ": FAILED: " << what << "\n";
    ++failures;
  }
}
} // namespace

int main() {
  auto collectives = openMpiCollectives();
  if (!collectives) {
    llvm::errs() << "error: " << llvm::toString(collectives.takeError()) << "\n";
    return 1;
  }
  ThreadCollectivesScope scope(collectives->get());
  int64_t rank = tmc_collective_rank(), world = tmc_collective_world_size();
  expect(world == 2, "the world has 2 ranks (run under mpirun -n 2)", rank);
  expect(rank == (*collectives)->rank(), "the ABI's rank is the communicator's", rank);

  // f32: rank 0 holds 1e8 * k, rank 1 holds 1: (1e8k + 1) rounds to 1e8k.
  const int64_t count = 1000;
  std::vector<float> in(count), out(count, -1);
  for (int64_t i = 0; i < count; ++i)
    in[i] = rank == 0 ? 1e8f * float(1 + i % 3) : 1.0f + float(i);
  tmc_collective_all_reduce_sum(in.data(), out.data(), count, TMC_COLLECTIVE_F32);
  bool sums = true;
  for (int64_t i = 0; i < count; ++i) {
    float expected = 1e8f * float(1 + i % 3);
    expected += 1.0f + float(i);
    sums &= std::memcmp(&out[i], &expected, 4) == 0;
  }
  expect(sums, "f32 all-reduce is the rank-order sum", rank);

  // bf16: 1 + 2^-8 (+ nothing more) accumulates in f32 and rounds once: 1.
  uint16_t half = rank == 0 ? 0x3F80 : 0x3B80, halfOut = 0;
  tmc_collective_all_reduce_sum(&half, &halfOut, 1, TMC_COLLECTIVE_BF16);
  expect(halfOut == 0x3F80, "bf16 all-reduce rounds 1 + 2^-8 to even (1.0)", rank);

  // all-gather [outer 3, inner 2] -> [3, 2, 2].
  std::vector<float> rows(6), gathered(12, -1);
  for (int64_t i = 0; i < 6; ++i)
    rows[i] = float(100 * rank + i);
  tmc_collective_all_gather(rows.data(), gathered.data(), 3, 2, TMC_COLLECTIVE_F32);
  bool placed = true;
  for (int64_t o = 0; o < 3; ++o)
    for (int64_t r = 0; r < 2; ++r)
      for (int64_t i = 0; i < 2; ++i)
        placed &= gathered[(o * 2 + r) * 2 + i] == float(100 * r + o * 2 + i);
  expect(placed, "all-gather places rank r's row o at (o * world + r)", rank);
  tmc_collective_all_gather(rows.data(), gathered.data(), 1, 6, TMC_COLLECTIVE_F32);
  expect(gathered[6] == 100.0f || world != 2, "all-gather of one row", rank);
  (*collectives)->barrier();
  if (failures == 0)
    llvm::outs() << "rank " << rank << ": collectives ok\n";
  return failures ? 1 : 0;
}
