//===- GgmlTypes.h - ggml tensor types and their block decoders -*- C++ -*-===//
//
// The element types of a GGUF tensor (ggml's `ggml_type`): their names, block
// sizes and bytes per block, as gguf-py's GGML_QUANT_SIZES lists them, and
// decoders from a row of blocks to float for the types tmc reads.
//
// A quantized type stores a row of `n` values as n / blockSize blocks of
// typeSize bytes each; a block is decoded on its own. The decoders are kept
// one per type and callable on single blocks, so that code keeping weights
// quantized (the CPU performance work) can reuse them.
//
//===----------------------------------------------------------------------===//

#ifndef TMC_RUNTIME_GGMLTYPES_H
#define TMC_RUNTIME_GGMLTYPES_H

#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <optional>
#include <string>

namespace tmc::rt {

/// ggml_type ids as written in a GGUF file (ggml.h, gguf-py constants.py).
enum class GgmlType : uint32_t {
  F32 = 0,
  F16 = 1,
  Q4_0 = 2,
  Q4_1 = 3,
  Q5_0 = 6,
  Q5_1 = 7,
  Q8_0 = 8,
  Q8_1 = 9,
  Q2_K = 10,
  Q3_K = 11,
  Q4_K = 12,
  Q5_K = 13,
  Q6_K = 14,
  Q8_K = 15,
  IQ2_XXS = 16,
  IQ2_XS = 17,
  IQ3_XXS = 18,
  IQ1_S = 19,
  IQ4_NL = 20,
  IQ3_S = 21,
  IQ2_S = 22,
  IQ4_XS = 23,
  I8 = 24,
  I16 = 25,
  I32 = 26,
  I64 = 27,
  F64 = 28,
  IQ1_M = 29,
  BF16 = 30,
  TQ1_0 = 34,
  TQ2_0 = 35,
  MXFP4 = 39,
};

struct GgmlTypeInfo {
  GgmlType type;
  const char *name;
  /// Values per block (1 for plain types) and bytes per block.
  uint32_t blockSize;
  uint32_t typeSize;
};

/// The type of id `id`; nullopt for an id ggml does not define.
std::optional<GgmlTypeInfo> ggmlTypeInfo(uint32_t id);
inline GgmlTypeInfo ggmlTypeInfo(GgmlType type) {
  return *ggmlTypeInfo(static_cast<uint32_t>(type));
}

/// Whether decodeRow() reads `type`.
bool canDecode(GgmlType type);
/// "F32, F16, BF16, Q8_0, Q4_0, Q4_1": the types decodeRow() reads.
std::string decodableTypeNames();

/// Decodes `count` values (a multiple of the type's block size) stored as
/// `type` at `bytes` into `out`. `type` must satisfy canDecode().
void decodeRow(GgmlType type, const uint8_t *bytes, int64_t count, float *out);

/// One block each: 32 values from the block at `block`.
void decodeBlockQ8_0(const uint8_t *block, float *out);
void decodeBlockQ4_0(const uint8_t *block, float *out);
void decodeBlockQ4_1(const uint8_t *block, float *out);

/// The block formats a weight can be stored in in compiled code
/// (`tmc compile --weight-dtype`), by their lower-case names: q8_0, q4_0,
/// q4_1. Each stores 32 values per block, laid out as llama.cpp does.
std::optional<GgmlType> blockFormatFromName(llvm::StringRef name);
/// "q8_0" for GgmlType::Q8_0; "" for a type that is not a block format.
llvm::StringRef blockFormatName(GgmlType type);
/// "q8_0, q4_0, q4_1".
std::string blockFormatNames();

/// How compiled code lays out a weight's blocks of `type`: row after row, as
/// llama.cpp does (`q4_1`: I16 [rows, blocks, words]), or 16 rows at a time
/// for int8 dot products that put the 16 rows in the lanes of one vector
/// (`q4_1x16`: I16 [rows / 16, blocks, 16 * words]). An interleaved block
/// holds the 16 rows' f16 scales, then (Q4_1) their f16 minimums, then their
/// values' bytes in chunks of 4: byte 4c + i of row r's block sits at byte
/// 64c + 4r + i (docs/CPU_PERFORMANCE.md).
struct BlockLayout {
  GgmlType type;
  int64_t interleavedRows = 1;

  /// The 16-bit words of one block of `interleavedRows` rows.
  int64_t words() const;
  /// The word where the values' bytes start.
  int64_t valuesWord() const;
};
constexpr int64_t kInterleavedRows = 16;
/// "q4_1" or "q4_1x16"; nullopt for any other name.
std::optional<BlockLayout> blockLayoutFromName(llvm::StringRef name);
/// "q8_0, q4_0, q4_1, q8_0x16, q4_0x16, q4_1x16".
std::string blockLayoutNames();
/// Interleaves `rows` rows (a multiple of 16) of `rowBytes` bytes each of
/// llama.cpp's blocks of `type` at `blocks` into `out`.
void interleaveRows(GgmlType type, const uint8_t *blocks, int64_t rows, int64_t rowBytes,
                    uint8_t *out);

/// Quantizes `count` values (a multiple of 32) into blocks of `type` (a block
/// format) at `out`, as ggml's reference quantizers (quantize_row_*_ref,
/// and gguf-py's quants.py, bit for bit) do: Q8_0 scales by max|x| / 127,
/// Q4_0 by the value of largest magnitude / -8, Q4_1 spans [min, max] in 15
/// steps.
void encodeRow(GgmlType type, const float *values, int64_t count, uint8_t *out);

/// Bits of IEEE half / bfloat16 to float, exact.
float halfBitsToFloat(uint16_t bits);
float bf16BitsToFloat(uint16_t bits);
/// Float to half / bfloat16 bits, rounding to nearest even (NaN stays NaN).
uint16_t floatToHalfBits(float value);
uint16_t floatToBF16Bits(float value);

} // namespace tmc::rt

#endif // TMC_RUNTIME_GGMLTYPES_H
