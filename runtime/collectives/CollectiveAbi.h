/*===- CollectiveAbi.h - collectives the compiled code calls ------*- C -*-===*\
|*                                                                            *|
|* The C ABI between a tensor-parallel artifact's generated code and the      *|
|* runtime (docs/PARALLELISM.md). The model's shared object is linked without *|
|* any library for these symbols: it resolves them at dlopen time from the    *|
|* executable that loads it (tmc-run and tmc export them).                    *|
|*                                                                            *|
|* Each call goes to the communicator of the calling thread (C++:             *|
|* tmc::rt::setThreadCollectives), so that one process can run N ranks as N   *|
|* threads. A thread without a communicator behaves as a world of one rank:  *|
|* rank 0, world size 1, and both collectives copy `in` to `out`; a TP=1      *|
|* artifact therefore never needs one, and the runtime refuses to run a TP=N  *|
|* artifact (N > 1) on such a thread.                                         *|
|*                                                                            *|
|* Misuse by the caller (an unknown dtype code, a negative count, ranks that  *|
|* disagree on a collective's size) is a compiler or runtime bug, not bad     *|
|* user input: it prints a message to stderr and aborts the process.         *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#ifndef TMC_RUNTIME_COLLECTIVES_COLLECTIVEABI_H
#define TMC_RUNTIME_COLLECTIVES_COLLECTIVEABI_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Element types, as the generated code passes them. */
#define TMC_COLLECTIVE_F32 0
#define TMC_COLLECTIVE_BF16 1
#define TMC_COLLECTIVE_F16 2

/* This rank, 0..world-1. */
int64_t tmc_collective_rank(void);
int64_t tmc_collective_world_size(void);

/* out[i] = sum over ranks r in order 0..N-1 of in_r[i], for i < count; `in`
 * and `out` do not alias. Bitwise identical on every rank and deterministic:
 * the sum runs in rank order, accumulating bf16 and f16 in f32 and rounding
 * once. */
void tmc_collective_all_reduce_sum(const void *in, void *out, int64_t count, int64_t dtype);

/* in: this rank's [outer, inner] elements (row-major); out: [outer, world,
 * inner], rank r's row o at out[(o * world + r) * inner]. An all-gather along
 * any axis: outer = product of the dims before it, inner = the local axis
 * size times the product of the dims after it. */
void tmc_collective_all_gather(const void *in, void *out, int64_t outer, int64_t inner,
                               int64_t dtype);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* TMC_RUNTIME_COLLECTIVES_COLLECTIVEABI_H */
