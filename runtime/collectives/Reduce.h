//===- Reduce.h - the deterministic rank-order sum --------------*- C++ -*-===//
//
// The one summation every CPU backend uses, so that a sum is the same bits
// whichever backend computed it: elements are added in rank order 0..N-1;
// bf16 and f16 accumulate in f32 and round once, to nearest even. Free of
// LLVM, for the plugins.
//
//===----------------------------------------------------------------------===//

#ifndef TMC_RUNTIME_COLLECTIVES_REDUCE_H
#define TMC_RUNTIME_COLLECTIVES_REDUCE_H

#include "runtime/collectives/Collectives.h"

namespace tmc::rt {

/// out[i] = inputs[0][i] + ... + inputs[worldSize-1][i] for begin <= i < end.
void sumInRankOrder(const void *const *inputs, int64_t worldSize, void *out, int64_t begin,
                    int64_t end, CollectiveType type);

/// Moves gathered [world, outer, inner] blocks into the ABI's
/// [outer, world, inner] order.
void interleaveGathered(const void *gathered, void *out, int64_t world, int64_t outer,
                        int64_t inner, CollectiveType type);

float bf16ToFloat(uint16_t bits);
uint16_t floatToBF16(float value);
float f16ToFloat(uint16_t bits);
uint16_t floatToF16(float value);

} // namespace tmc::rt

#endif // TMC_RUNTIME_COLLECTIVES_REDUCE_H
