//===- Reduce.cpp - the deterministic rank-order sum ------------*- C++ -*-===//
#include "runtime/collectives/Reduce.h"

#include <cmath>
#include <cstring>

using namespace tmc::rt;

float tmc::rt::bf16ToFloat(uint16_t bits) {
  uint32_t wide = uint32_t(bits) << 16;
  float value;
  std::memcpy(&value, &wide, sizeof(value));
  return value;
}

uint16_t tmc::rt::floatToBF16(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, sizeof(bits));
  if ((bits & 0x7fffffffu) > 0x7f800000u)
    return uint16_t((bits >> 16) | 0x40); // a quiet NaN stays a NaN
  bits += 0x7fffu + ((bits >> 16) & 1u);  // round to nearest even
  return uint16_t(bits >> 16);
}

float tmc::rt::f16ToFloat(uint16_t half) {
  uint32_t sign = uint32_t(half & 0x8000u) << 16;
  uint32_t exponent = (half >> 10) & 0x1fu, mantissa = half & 0x3ffu;
  uint32_t bits;
  if (exponent == 0) {
    float magnitude = std::ldexp(float(mantissa), -24); // zero or subnormal
    return sign ? -magnitude : magnitude;
  }
  if (exponent == 31)
    bits = sign | 0x7f800000u | (mantissa << 13);
  else
    bits = sign | ((exponent + 112) << 23) | (mantissa << 13);
  float value;
  std::memcpy(&value, &bits, sizeof(value));
  return value;
}

uint16_t tmc::rt::floatToF16(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, sizeof(bits));
  uint16_t sign = uint16_t((bits >> 16) & 0x8000u);
  uint32_t magnitude = bits & 0x7fffffffu;
  if (magnitude >= 0x7f800000u) // inf, NaN (kept quiet)
    return sign | 0x7c00u | (magnitude > 0x7f800000u ? 0x200u : 0u);
  if (magnitude >= 0x477ff000u) // 65520 and above round to inf
    return sign | 0x7c00u;
  if (magnitude < 0x38800000u) { // below the smallest normal: exact scaling, then RNE
    float scaled = std::fabs(value) * 16777216.0f;
    return sign | uint16_t(std::nearbyint(scaled));
  }
  uint32_t half = ((magnitude >> 23) - 112) << 10 | ((magnitude & 0x7fffffu) >> 13);
  uint32_t rest = magnitude & 0x1fffu;
  if (rest > 0x1000u || (rest == 0x1000u && (half & 1u)))
    ++half; // a carry into the exponent is the right result
  return sign | uint16_t(half);
}

namespace {
template <typename Load, typename Store>
void sumWith(const void *const *inputs, int64_t worldSize, void *out, int64_t begin, int64_t end,
             Load load, Store store) {
  for (int64_t i = begin; i < end; ++i) {
    float sum = load(inputs[0], i);
    for (int64_t r = 1; r < worldSize; ++r)
      sum += load(inputs[r], i);
    store(out, i, sum);
  }
}
} // namespace

void tmc::rt::sumInRankOrder(const void *const *inputs, int64_t worldSize, void *out,
                             int64_t begin, int64_t end, CollectiveType type) {
  switch (type) {
  case CollectiveType::F32:
    sumWith(
        inputs, worldSize, out, begin, end,
        [](const void *p, int64_t i) { return static_cast<const float *>(p)[i]; },
        [](void *p, int64_t i, float v) { static_cast<float *>(p)[i] = v; });
    return;
  case CollectiveType::BF16:
    sumWith(
        inputs, worldSize, out, begin, end,
        [](const void *p, int64_t i) { return bf16ToFloat(static_cast<const uint16_t *>(p)[i]); },
        [](void *p, int64_t i, float v) { static_cast<uint16_t *>(p)[i] = floatToBF16(v); });
    return;
  case CollectiveType::F16:
    sumWith(
        inputs, worldSize, out, begin, end,
        [](const void *p, int64_t i) { return f16ToFloat(static_cast<const uint16_t *>(p)[i]); },
        [](void *p, int64_t i, float v) { static_cast<uint16_t *>(p)[i] = floatToF16(v); });
    return;
  }
}

void tmc::rt::interleaveGathered(const void *gathered, void *out, int64_t world, int64_t outer,
                                 int64_t inner, CollectiveType type) {
  size_t row = size_t(inner) * collectiveTypeSize(type);
  auto *source = static_cast<const char *>(gathered);
  auto *target = static_cast<char *>(out);
  for (int64_t r = 0; r < world; ++r)
    for (int64_t o = 0; o < outer; ++o)
      std::memcpy(target + (o * world + r) * row, source + (r * outer + o) * row, row);
}
