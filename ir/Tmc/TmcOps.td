//===- TmcOps.td - tmc operations --------------------------*- tablegen -*-===//
//
// Weights and the tensor ops of the graph.
//
//===----------------------------------------------------------------------===//

#ifndef TMC_IR_TMC_OPS_TD
#define TMC_IR_TMC_OPS_TD

include "ir/Tmc/TmcDialect.td"
include "mlir/IR/SymbolInterfaces.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/IR/CommonTypeConstraints.td"

//===----------------------------------------------------------------------===//
// Weights
//===----------------------------------------------------------------------===//

def Tmc_ParamOp : Tmc_Op<"param", [Symbol]> {
  let summary = "A named weight of the model";
  let description = [{
    Declares one checkpoint tensor at module level. The symbol is the tensor's
    name in the checkpoint, so loading needs no mapping; the type is its shape
    and dtype on this rank (after sharding).

    ```mlir
    tmc.param @"model.layers.0.mlp.down_proj.weight" : tensor<64x176xf32>
    ```
  }];
  let arguments = (ins SymbolNameAttr:$sym_name,
                       TypeAttrOf<AnyRankedTensor>:$type);
  let assemblyFormat = "$sym_name attr-dict `:` $type";
  let extraClassDeclaration = [{
    mlir::RankedTensorType getTensorType() {
      return mlir::cast<mlir::RankedTensorType>(getType());
    }
  }];
  let hasVerifier = 1;
}

def Tmc_GetParamOp : Tmc_Op<"get_param", [
    Pure, DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "Reads a weight declared by tmc.param";
  let description = [{
    The value of a weight inside a function. Its type must equal the declared
    one.

    ```mlir
    %w = tmc.get_param @"model.norm.weight" : tensor<64xf32>
    ```
  }];
  let arguments = (ins FlatSymbolRefAttr:$name);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$name attr-dict `:` type($result)";
}

//===----------------------------------------------------------------------===//
// Linear algebra
//===----------------------------------------------------------------------===//

def Tmc_LinearOp : Tmc_Op<"linear", [Pure]> {
  let summary = "y = x W^T + b, as torch.nn.functional.linear";
  let description = [{
    `input` is `[..., in_features]`, `weight` is `[out_features, in_features]`
    (checkpoint layout), the optional `bias` is `[out_features]`; the result is
    `[..., out_features]`. Leading dimensions may be dynamic.

    ```mlir
    %y = tmc.linear %x, %w at "model.layers.0.mlp.down_proj"
        : (tensor<?x?x176xf32>, tensor<64x176xf32>) -> tensor<?x?x64xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input, AnyRankedTensor:$weight,
                       Optional<AnyRankedTensor>:$bias,
                       Tmc_ModulePathAttr:$path);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $input `,` $weight (`,` $bias^)? (`at` $path^)? attr-dict
    `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Type constraints and op classes
//===----------------------------------------------------------------------===//

def Tmc_FloatTensor : RankedTensorOf<[AnyFloat]>;
def Tmc_IndexTensor : RankedTensorOf<[I64, I32]>;

/// `op %x at "path" : type` for ops whose result type equals their operand's.
class Tmc_UnaryOp<string mnemonic, string formula, list<Trait> traits = []>
    : Tmc_Op<mnemonic, !listconcat([Pure, SameOperandsAndResultType], traits)> {
  let summary = "Elementwise " # formula;
  let description = "Applies `" # formula # "` to every element.";
  let arguments = (ins Tmc_FloatTensor:$input, Tmc_ModulePathAttr:$path);
  let results = (outs Tmc_FloatTensor:$result);
  let assemblyFormat = "$input (`at` $path^)? attr-dict `:` type($result)";
}

/// Elementwise binary ops broadcast as PyTorch does: operands are aligned on
/// their trailing dimensions and a dimension of size 1 stretches.
class Tmc_BinaryOp<string mnemonic, string formula>
    : Tmc_Op<mnemonic, [Pure]> {
  let summary = "Elementwise " # formula # " with broadcasting";
  let description = [{
    Operands broadcast as in PyTorch: aligned on trailing dimensions, a static
    dimension of size 1 stretches to the result's. A rank-0 operand is a scalar.
  }];
  let arguments = (ins Tmc_FloatTensor:$lhs, Tmc_FloatTensor:$rhs,
                       Tmc_ModulePathAttr:$path);
  let results = (outs Tmc_FloatTensor:$result);
  let assemblyFormat = [{
    $lhs `,` $rhs (`at` $path^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

/// Reductions over `dims`; `keepdim` keeps them as size 1.
class Tmc_ReductionOp<string mnemonic, string what>
    : Tmc_Op<mnemonic, [Pure]> {
  let summary = what # " over dimensions";
  let description = "Reduces `input` over `dims` (negative counts from the end).";
  let arguments = (ins Tmc_FloatTensor:$input, DenseI64ArrayAttr:$dims,
                       UnitAttr:$keepdim, Tmc_ModulePathAttr:$path);
  let results = (outs Tmc_FloatTensor:$result);
  let assemblyFormat = [{
    $input `dims` `=` $dims (`keepdim` $keepdim^)? (`at` $path^)? attr-dict
    `:` type($input) `->` type($result)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Stored weights
//===----------------------------------------------------------------------===//

def Tmc_DequantizeOp : Tmc_Op<"dequantize", [Pure]> {
  let summary = "The values of a weight stored in blocks of 32 (llama.cpp's)";
  let description = [{
    `input` holds a `[rows, columns]` weight as `[rows, columns / 32, words]`
    16-bit words: each block of 32 values is one of llama.cpp's blocks, with
    its bytes in file order (`q8_0`: 17 words, an f16 scale and 32 int8
    values; `q4_0`: 9; `q4_1`: 10, an f16 scale, an f16 minimum and 32
    nibbles). The result is the decoded `[rows, columns]` tensor. A format
    ending in `x16` (`q4_1x16`) holds the same blocks 16 rows at a time,
    `[rows / 16, columns / 32, 16 * words]`: the 16 rows' scales, then
    (`q4_1x16`) their minimums, then their values' bytes, 4 of one row after
    4 of the next (GgmlTypes.h's BlockLayout), so that a vector of 16 lanes
    holds one row each.

    Targets fuse the decoding into the op that reads the result (a linear's
    product, an embedding's gather), so no decoded copy of the weight exists;
    `tmc-store-weights` writes this op.

    ```mlir
    %w = tmc.dequantize %blocks q4_1 : tensor<64x6x10xi16> -> tensor<64x192xf32>
    ```
  }];
  let arguments = (ins RankedTensorOf<[I16]>:$input, StrAttr:$format,
                       Tmc_ModulePathAttr:$path);
  let results = (outs Tmc_FloatTensor:$result);
  let assemblyFormat = [{
    $input $format (`at` $path^)? attr-dict `:` type($input) `->` type($result)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Embedding and matrix products
//===----------------------------------------------------------------------===//

def Tmc_EmbeddingOp : Tmc_Op<"embedding", [Pure]> {
  let summary = "Row lookup, as torch.nn.functional.embedding";
  let description = [{
    `ids` is `[...]` of integers, `table` is `[vocab, hidden]`; the result is
    `[..., hidden]`. An id outside `[0, vocab)` reads row 0 in compiled code
    (PyTorch raises), so callers validate ids first.

    With `offset`, the table holds rows `[offset, offset + vocab)` of a
    larger one (a rank's slice of a vocabulary-parallel embedding): id `i`
    reads row `i - offset`, and ids outside the slice read zeros.

    ```mlir
    %h = tmc.embedding %ids, %table at "model.embed_tokens"
        : (tensor<?x?xi64>, tensor<256x64xf32>) -> tensor<?x?x64xf32>
    %p = tmc.embedding %ids, %slice offset %start at "model.embed_tokens"
        : (tensor<?x?xi64>, tensor<128x64xf32>, index) -> tensor<?x?x64xf32>
    ```
  }];
  let arguments = (ins Tmc_IndexTensor:$ids, Tmc_FloatTensor:$table,
                       Optional<Index>:$offset, Tmc_ModulePathAttr:$path);
  let results = (outs Tmc_FloatTensor:$result);
  let assemblyFormat = [{
    $ids `,` $table (`offset` $offset^)? (`at` $path^)? attr-dict
    `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Tmc_MatmulOp : Tmc_Op<"matmul", [Pure]> {
  let summary = "Batched matrix product, as torch.matmul on equal-rank inputs";
  let description = [{
    `lhs` is `[..., M, K]`, `rhs` is `[..., K, N]` with the same leading
    (batch) dimensions; the result is `[..., M, N]`.
  }];
  let arguments = (ins Tmc_FloatTensor:$lhs, Tmc_FloatTensor:$rhs,
                       Tmc_ModulePathAttr:$path);
  let results = (outs Tmc_FloatTensor:$result);
  let assemblyFormat = [{
    $lhs `,` $rhs (`at` $path^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Positions
//===----------------------------------------------------------------------===//

def Tmc_ArangeOp : Tmc_Op<"arange", [Pure]> {
  let summary = "Positions start, start + 1, ..., start + length - 1";
  let description = [{
    A 1-D integer tensor of `length` consecutive values from `start`, as
    `torch.arange(start, start + length)`: the position ids of a sequence.

    ```mlir
    %pos = tmc.arange %start, %len : tensor<?xi64>
    ```
  }];
  let arguments = (ins Index:$start, Index:$length, Tmc_ModulePathAttr:$path);
  let results = (outs 1DTensorOf<[I64, I32]>:$result);
  let assemblyFormat = [{
    $start `,` $length (`at` $path^)? attr-dict `:` type($result)
  }];
}

def Tmc_RopeOp : Tmc_Op<"rope", [Pure]> {
  let summary = "Rotary position embedding";
  let description = [{
    Rotates the first `rotary_dim` features of `input` (`[batch, heads, seq,
    head_dim]`) by angles `position / scaling_factor * theta^(-2i/rotary_dim)`;
    the remaining features pass through (partial rotary). `positions` is
    `[seq]` or `[batch, seq]`. The default pairs feature `i` with
    `i + rotary_dim/2` (Llama's `rotate_half`); `interleaved` pairs `2i` with
    `2i+1` (GLM, GPT-J). Angles are computed in f32 as transformers does.

    ```mlir
    %q2 = tmc.rope %q, %pos theta = 1.0e+04 rotary_dim = 16
        : (tensor<?x4x?x16xf32>, tensor<?xi64>) -> tensor<?x4x?x16xf32>
    ```
  }];
  let arguments = (ins Tmc_FloatTensor:$input, Tmc_IndexTensor:$positions,
                       F64Attr:$theta, I64Attr:$rotary_dim,
                       DefaultValuedAttr<F64Attr, "1.0">:$scaling_factor,
                       UnitAttr:$interleaved, Tmc_ModulePathAttr:$path);
  let results = (outs Tmc_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $positions `theta` `=` $theta `rotary_dim` `=` $rotary_dim
    (`scaling_factor` `=` $scaling_factor^)? (`interleaved` $interleaved^)?
    (`at` $path^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Attention
//===----------------------------------------------------------------------===//

def Tmc_AttentionOp : Tmc_Op<"attention", [Pure]> {
  let summary = "Scaled dot-product attention with GQA, masks and softcapping";
  let description = [{
    `query` is `[batch, heads, seq_q, head_dim]`, `key` and `value` are
    `[batch, kv_heads, seq_kv, head_dim]` with `heads % kv_heads == 0` (query
    head `h` reads kv head `h / (heads / kv_heads)`). Scores are
    `query . key * scale`, then `softcap * tanh(s / softcap)` when `softcap` is
    set, then masked, softmaxed over keys, and applied to `value`.

    Masks: with `causal`, query `i` sees keys `j <= i + seq_kv - seq_q` (the
    queries are the last `seq_q` positions); with `sliding_window = w` it sees
    only the last `w` of those (`j > i + seq_kv - seq_q - w`); with
    `chunk_size = c` only the keys of its own chunk of `c` positions, chunks
    counted from each row's first attended key (Llama 4's chunked layers:
    `(j - pad) floordiv c == (i + seq_kv - seq_q - pad) floordiv c`, `pad` the
    row's leading zeros in `key_mask`). The optional `key_mask`
    (`[batch, seq_kv]`, nonzero = attend) hides padding. A query that sees no
    key yields zeros.

    `backend` names how it runs (`eager`, `sdpa`, ...); `tmc-select-attention`
    sets it per layer, and an op without one lowers as `eager`.

    ```mlir
    %o = tmc.attention %q, %k, %v scale = 2.500000e-01 causal
        : (tensor<?x4x?x16xf32>, tensor<?x2x?x16xf32>, tensor<?x2x?x16xf32>)
        -> tensor<?x4x?x16xf32>
    ```
  }];
  let arguments = (ins Tmc_FloatTensor:$query, Tmc_FloatTensor:$key,
                       Tmc_FloatTensor:$value, Optional<Tmc_IndexTensor>:$key_mask,
                       F64Attr:$scale, UnitAttr:$causal,
                       OptionalAttr<I64Attr>:$sliding_window,
                       OptionalAttr<I64Attr>:$chunk_size,
                       OptionalAttr<F64Attr>:$softcap,
                       OptionalAttr<StrAttr>:$backend,
                       Tmc_ModulePathAttr:$path);
  let results = (outs Tmc_FloatTensor:$result);
  let assemblyFormat = [{
    $query `,` $key `,` $value (`mask` $key_mask^)? `scale` `=` $scale
    (`causal` $causal^)? (`sliding_window` `=` $sliding_window^)?
    (`chunk_size` `=` $chunk_size^)? (`softcap` `=` $softcap^)? (`backend` `=` $backend^)? (`at` $path^)? attr-dict
    `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Tmc_KvCacheWriteOp : Tmc_Op<"kv_cache_write", [Pure]> {
  let summary = "Writes new keys or values into a KV cache at a position";
  let description = [{
    `cache` is `[batch, kv_heads, max_seq_len, head_dim]`, `update` is
    `[batch, kv_heads, new, head_dim]`; the result is `cache` with positions
    `[position, position + new)` of every row replaced by `update`. The
    position is the same for every row (prompts are left-padded).
    `position + new` must not exceed `max_seq_len`; the runtime checks it
    before the call. Lowered to `tensor.insert_slice`: with the cache a
    writable entry argument, bufferization writes in place.

    With `ring`, the cache is a sliding layer's ring of `window` slots
    (`[batch, kv_heads, window, head_dim]`): position `p` goes to slot
    `p mod window`, so only the last `window` of the update are kept and
    any position fits. Read it back with `tmc.kv_cache_window`.

    ```mlir
    %c = tmc.kv_cache_write %cache[%pos], %k
        : (tensor<?x2x64x16xf32>, tensor<?x2x?x16xf32>) -> tensor<?x2x64x16xf32>
    %r = tmc.kv_cache_write %ring[%pos], %k ring
        : (tensor<?x2x8x16xf32>, tensor<?x2x?x16xf32>) -> tensor<?x2x8x16xf32>
    ```
  }];
  let arguments = (ins Tmc_FloatTensor:$cache, Tmc_FloatTensor:$update, Index:$position,
                       UnitAttr:$ring, Tmc_ModulePathAttr:$path);
  let results = (outs Tmc_FloatTensor:$result);
  let assemblyFormat = [{
    $cache `[` $position `]` `,` $update (`ring` $ring^)? (`at` $path^)? attr-dict
    `:` `(` type($cache) `,` type($update) `)` `->` type($result)
  }];
  let hasVerifier = 1;
}

def Tmc_KvCacheReadOp : Tmc_Op<"kv_cache_read", [Pure]> {
  let summary = "The first positions of a KV cache";
  let description = [{
    `cache` is `[batch, kv_heads, max_seq_len, head_dim]`; the result is its
    positions `[0, length)`: the keys or values attention reads.

    ```mlir
    %k = tmc.kv_cache_read %cache length %n
        : tensor<?x2x64x16xf32> -> tensor<?x2x?x16xf32>
    ```
  }];
  let arguments = (ins Tmc_FloatTensor:$cache, Index:$length, Tmc_ModulePathAttr:$path);
  let results = (outs Tmc_FloatTensor:$result);
  let assemblyFormat = [{
    $cache `length` $length (`at` $path^)? attr-dict `:` type($cache) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Tmc_KvCacheWindowOp : Tmc_Op<"kv_cache_window", [Pure]> {
  let summary = "A ring cache's window, oldest position first";
  let description = [{
    `cache` is a ring of `window` slots written by `tmc.kv_cache_write ...
    ring`; the result holds positions `[position - window, position)` in
    order (slot `(position + j) mod window` at index `j`): the keys or values
    a sliding layer's new tokens attend to besides their own. Slots of
    negative positions hold whatever the cache was initialized with; mask
    them with `tmc.kv_cache_window_mask`.

    ```mlir
    %w = tmc.kv_cache_window %ring before %pos
        : tensor<?x2x8x16xf32> -> tensor<?x2x8x16xf32>
    ```
  }];
  let arguments = (ins Tmc_FloatTensor:$cache, Index:$position, Tmc_ModulePathAttr:$path);
  let results = (outs Tmc_FloatTensor:$result);
  let assemblyFormat = [{
    $cache `before` $position (`at` $path^)? attr-dict `:` type($cache) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Tmc_KvCacheWindowMaskOp : Tmc_Op<"kv_cache_window_mask", [Pure]> {
  let summary = "The key mask of a ring window followed by the new tokens";
  let description = [{
    `attention_mask` is `[batch, position + new]` (nonzero = attend); the
    result is `[batch, window + new]`, the mask of the keys
    `concat(tmc.kv_cache_window, new keys)`: entry `j` is
    `attention_mask[b, position - window + j]`, or 0 where that position is
    negative (the ring is not full yet).

    ```mlir
    %m = tmc.kv_cache_window_mask %mask before %pos window = 8
        : tensor<?x?xi64> -> tensor<?x?xi64>
    ```
  }];
  let arguments = (ins Tmc_IndexTensor:$attention_mask, Index:$position, I64Attr:$window,
                       Tmc_ModulePathAttr:$path);
  let results = (outs Tmc_IndexTensor:$result);
  let assemblyFormat = [{
    $attention_mask `before` $position `window` `=` $window (`at` $path^)? attr-dict
    `:` type($attention_mask) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Tmc_SoftmaxOp : Tmc_Op<"softmax", [Pure, SameOperandsAndResultType]> {
  let summary = "Softmax along one dimension";
  let description = "`exp(x - max) / sum(exp(x - max))` along `dim`.";
  let arguments = (ins Tmc_FloatTensor:$input, I64Attr:$dim,
                       Tmc_ModulePathAttr:$path);
  let results = (outs Tmc_FloatTensor:$result);
  let assemblyFormat = [{
    $input `dim` `=` $dim (`at` $path^)? attr-dict `:` type($result)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

def Tmc_AddOp : Tmc_BinaryOp<"add", "lhs + rhs">;
def Tmc_SubOp : Tmc_BinaryOp<"sub", "lhs - rhs">;
def Tmc_MulOp : Tmc_BinaryOp<"mul", "lhs * rhs">;
def Tmc_DivOp : Tmc_BinaryOp<"div", "lhs / rhs">;

def Tmc_NegOp : Tmc_UnaryOp<"neg", "-x">;
def Tmc_ExpOp : Tmc_UnaryOp<"exp", "exp(x)">;
def Tmc_TanhOp : Tmc_UnaryOp<"tanh", "tanh(x)">;
def Tmc_RsqrtOp : Tmc_UnaryOp<"rsqrt", "1 / sqrt(x)">;
def Tmc_SigmoidOp : Tmc_UnaryOp<"sigmoid", "1 / (1 + exp(-x))">;
def Tmc_ReluOp : Tmc_UnaryOp<"relu", "max(x, 0)">;
def Tmc_SiluOp : Tmc_UnaryOp<"silu", "x * sigmoid(x)">;
def Tmc_GeluOp : Tmc_UnaryOp<"gelu", "x * (1 + erf(x / sqrt(2))) / 2">;
def Tmc_GeluTanhOp : Tmc_UnaryOp<"gelu_tanh",
    "x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 x^3))) / 2">;

def Tmc_PowOp : Tmc_Op<"pow", [Pure, SameOperandsAndResultType]> {
  let summary = "Elementwise power by a constant exponent";
  let description = "`x ** exponent`, as `torch.pow(x, 2.0)`.";
  let arguments = (ins Tmc_FloatTensor:$input, F64Attr:$exponent,
                       Tmc_ModulePathAttr:$path);
  let results = (outs Tmc_FloatTensor:$result);
  let assemblyFormat = [{
    $input `exponent` `=` $exponent (`at` $path^)? attr-dict `:` type($result)
  }];
}

def Tmc_CastOp : Tmc_Op<"cast", [Pure, SameOperandsAndResultShape]> {
  let summary = "Element type conversion, as Tensor.to(dtype)";
  let description = [{
    Converts between float types (round to nearest even when narrowing) and
    from integers to floats.
  }];
  let arguments = (ins AnyRankedTensor:$input, Tmc_ModulePathAttr:$path);
  let results = (outs Tmc_FloatTensor:$result);
  let assemblyFormat = [{
    $input (`at` $path^)? attr-dict `:` type($input) `->` type($result)
  }];
}

//===----------------------------------------------------------------------===//
// Reductions
//===----------------------------------------------------------------------===//

def Tmc_SumOp : Tmc_ReductionOp<"sum", "Sum">;
def Tmc_MeanOp : Tmc_ReductionOp<"mean", "Mean">;
def Tmc_MaxOp : Tmc_ReductionOp<"max", "Maximum">;

//===----------------------------------------------------------------------===//
// Shapes
//===----------------------------------------------------------------------===//

def Tmc_ReshapeOp : Tmc_Op<"reshape", [Pure]> {
  let summary = "Same elements, new shape, as Tensor.reshape";
  let description = [{
    One `index` operand gives the size of each dynamic result dimension, in
    order. The element count must not change.

    ```mlir
    %y = tmc.reshape %x sizes [%b, %s] : tensor<?x?x64xf32> -> tensor<?x?x4x16xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input, Variadic<Index>:$dynamic_sizes,
                       Tmc_ModulePathAttr:$path);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $input (`sizes` `[` $dynamic_sizes^ `]`)? (`at` $path^)? attr-dict
    `:` type($input) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Tmc_TransposeOp : Tmc_Op<"transpose", [Pure]> {
  let summary = "Permutes dimensions, as Tensor.permute";
  let description = "Result dimension `i` is input dimension `permutation[i]`.";
  let arguments = (ins AnyRankedTensor:$input, DenseI64ArrayAttr:$permutation,
                       Tmc_ModulePathAttr:$path);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $input `permutation` `=` $permutation (`at` $path^)? attr-dict
    `:` type($input) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Tmc_ConcatOp : Tmc_Op<"concat", [Pure]> {
  let summary = "Joins tensors along one dimension, as torch.cat";
  let arguments = (ins Variadic<AnyRankedTensor>:$inputs, I64Attr:$dim,
                       Tmc_ModulePathAttr:$path);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $inputs `dim` `=` $dim (`at` $path^)? attr-dict
    `:` functional-type($inputs, results)
  }];
  let hasVerifier = 1;
}

def Tmc_SliceOp : Tmc_Op<"slice", [Pure]> {
  let summary = "A strided range of one dimension, as x[..., start:end:step]";
  let description = [{
    Keeps indices `start, start + step, ...` below `end` of dimension `dim`;
    without `end` the range runs to the end of the dimension. A negative
    `start` (without `end`, step 1) counts from the end, as `x[..., -k:]`:
    the last `k` indices, also of a dynamic dimension.
  }];
  let arguments = (ins AnyRankedTensor:$input, I64Attr:$dim, I64Attr:$start,
                       OptionalAttr<I64Attr>:$end,
                       DefaultValuedAttr<I64Attr, "1">:$step,
                       Tmc_ModulePathAttr:$path);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $input `dim` `=` $dim `start` `=` $start (`end` `=` $end^)?
    (`step` `=` $step^)? (`at` $path^)? attr-dict `:` type($input) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Tmc_SplitOp : Tmc_Op<"split", [Pure]> {
  let summary = "Cuts one dimension into consecutive parts, as torch.split";
  let description = "Result `i` holds `sizes[i]` consecutive indices of `dim`.";
  let arguments = (ins AnyRankedTensor:$input, I64Attr:$dim,
                       DenseI64ArrayAttr:$sizes, Tmc_ModulePathAttr:$path);
  let results = (outs Variadic<AnyRankedTensor>:$results);
  let assemblyFormat = [{
    $input `dim` `=` $dim `sizes` `=` $sizes (`at` $path^)? attr-dict
    `:` type($input) `->` type($results)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Debugging
//===----------------------------------------------------------------------===//

def Tmc_TraceOp : Tmc_Op<"trace", [MemoryEffects<[MemWrite]>]> {
  let summary = "Records a module's input or output for an activation trace";
  let description = [{
    `tmc compile --trace` inserts these at module boundaries
    (`tmc-insert-trace-points`): when the artifact runs with `--trace-out`,
    the runtime records `value` (shape, dtype, mean, std, min, max, first
    and last values) as input or output number `index` of `module`, where
    the empty path is the whole model (the entry's inputs and results). A `*`
    in `module` (a path inside a layer function) stands for `layer`, the
    layer number the caller passes. The op writes to the trace, so it is
    neither removed nor reordered with another trace point.

    ```mlir
    tmc.trace %h, input 0 of "model.embed_tokens" : tensor<?x?xi64>
    tmc.trace %o, output 0 of "model.layers.*.mlp" layer %l : tensor<?x?x64xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$value, Optional<Index>:$layer, UnitAttr:$output,
                       I64Attr:$index, StrAttr:$module);
  let assemblyFormat = [{
    $value `,` (`output` $output^) : (`input`)? $index `of` $module (`layer` $layer^)?
    attr-dict `:` type($value)
  }];
  let hasVerifier = 1;
}

#endif // TMC_IR_TMC_OPS_TD
