/* A hand-written stand-in for a `tmc compile --tp N` model.so: one program
 * for every rank, on rank-local weight slices, calling the collective C ABI
 * as the generated code does. Weights (full shapes; tp-artifact.py):
 *   embed    [8, 4]   replicated
 *   gate_up  [16, 4]  packed colwise: split dim 0 in 2 blocks (gate, up)
 *   down     [4, 8]   rowwise: split dim 1, all-reduce after
 *   head     [8, 4]   colwise_gather_output: split dim 0, all-gather after
 * logits[b, s] = head @ (e + down @ (gate @ e * up @ e)), e = embed[id].
 * Integer weights keep every sum exact, so any world size gives the same
 * bits. */
#include "runtime/collectives/CollectiveAbi.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
  void *allocated, *aligned;
  int64_t offset, sizes[2], strides[2];
} Memref2;

static const float *f32(const Memref2 *m) { return (const float *)m->aligned + m->offset; }

void tmc_entry_forward(void **args) {
  int64_t *result = (int64_t *)args[0];
  const Memref2 *ids = (const Memref2 *)args[1];
  const Memref2 *embed = (const Memref2 *)args[2], *gateUp = (const Memref2 *)args[3];
  const Memref2 *down = (const Memref2 *)args[4], *head = (const Memref2 *)args[5];
  int64_t world = tmc_collective_world_size();
  int64_t batch = ids->sizes[0], seq = ids->sizes[1], hidden = embed->sizes[1];
  int64_t ffLocal = gateUp->sizes[0] / 2, vocabLocal = head->sizes[0];
  int64_t tokens = batch * seq, vocab = vocabLocal * world;
  float *partial = calloc(tokens * hidden, sizeof(float));
  float *mixed = calloc(tokens * hidden, sizeof(float));
  float *local = calloc(tokens * vocabLocal, sizeof(float));
  float *logits = malloc(tokens * vocab * sizeof(float));
  for (int64_t t = 0; t < tokens; ++t) {
    int64_t id = ((const int64_t *)ids->aligned)[ids->offset + t];
    const float *e = f32(embed) + id * hidden;
    for (int64_t f = 0; f < ffLocal; ++f) {
      float gate = 0, up = 0;
      for (int64_t h = 0; h < hidden; ++h) {
        gate += f32(gateUp)[f * hidden + h] * e[h];
        up += f32(gateUp)[(ffLocal + f) * hidden + h] * e[h];
      }
      for (int64_t h = 0; h < hidden; ++h)
        partial[t * hidden + h] += f32(down)[h * ffLocal + f] * gate * up;
    }
  }
  tmc_collective_all_reduce_sum(partial, mixed, tokens * hidden, TMC_COLLECTIVE_F32);
  for (int64_t t = 0; t < tokens; ++t) {
    int64_t id = ((const int64_t *)ids->aligned)[ids->offset + t];
    for (int64_t h = 0; h < hidden; ++h)
      mixed[t * hidden + h] += f32(embed)[id * hidden + h];
    for (int64_t v = 0; v < vocabLocal; ++v)
      for (int64_t h = 0; h < hidden; ++h)
        local[t * vocabLocal + v] += f32(head)[v * hidden + h] * mixed[t * hidden + h];
  }
  tmc_collective_all_gather(local, logits, tokens, vocabLocal, TMC_COLLECTIVE_F32);
  free(partial);
  free(mixed);
  free(local);
  int64_t descriptor[] = {(int64_t)logits, (int64_t)logits, 0, batch, seq, vocab,
                          seq * vocab, vocab, 1};
  memcpy(result, descriptor, sizeof(descriptor));
}
