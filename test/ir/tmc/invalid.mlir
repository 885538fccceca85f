// RUN: tmc-opt %s -split-input-file -verify-diagnostics

// expected-error @+1 {{weight 'w' must have a static shape, got 'tensor<?x64xf32>'}}
tmc.param @w : tensor<?x64xf32>

// -----

// expected-error @+1 {{weight 'w' has a zero-sized dimension}}
tmc.param @w : tensor<0x64xf32>

// -----

// expected-error @+1 {{weight 'w' must hold floats or integers, got 'index'}}
tmc.param @w : tensor<4xindex>

// -----

func.func @missing() -> tensor<4xf32> {
  // expected-error @+1 {{'missing' does not name a tmc.param}}
  %w = tmc.get_param @missing : tensor<4xf32>
  return %w : tensor<4xf32>
}

// -----

tmc.param @w : tensor<4xf32>
func.func @wrong_type() -> tensor<8xf32> {
  // expected-error @+1 {{type 'tensor<8xf32>' differs from the declared 'tensor<4xf32>' of 'w'}}
  %w = tmc.get_param @w : tensor<8xf32>
  return %w : tensor<8xf32>
}

// -----

func.func @features(%x: tensor<?x128xf32>, %w: tensor<64x176xf32>) {
  // expected-error @+1 {{input has 128 features but weight expects 176}}
  %y = tmc.linear %x, %w : (tensor<?x128xf32>, tensor<64x176xf32>) -> tensor<?x64xf32>
  return
}

// -----

func.func @weight_rank(%x: tensor<?x176xf32>, %w: tensor<2x64x176xf32>) {
  // expected-error @+1 {{weight must be [out_features, in_features], got rank 3}}
  %y = tmc.linear %x, %w : (tensor<?x176xf32>, tensor<2x64x176xf32>) -> tensor<?x64xf32>
  return
}

// -----

func.func @dtypes(%x: tensor<?x176xbf16>, %w: tensor<64x176xf32>) {
  // expected-error @+1 {{input, weight and result must share an element type, got 'bf16', 'f32' and 'f32'}}
  %y = tmc.linear %x, %w : (tensor<?x176xbf16>, tensor<64x176xf32>) -> tensor<?x64xf32>
  return
}

// -----

func.func @bias(%x: tensor<?x176xf32>, %w: tensor<64x176xf32>, %b: tensor<32xf32>) {
  // expected-error @+1 {{bias must be [64], got 'tensor<32xf32>'}}
  %y = tmc.linear %x, %w, %b : (tensor<?x176xf32>, tensor<64x176xf32>, tensor<32xf32>) -> tensor<?x64xf32>
  return
}

// -----

func.func @out_features(%x: tensor<?x176xf32>, %w: tensor<64x176xf32>) {
  // expected-error @+1 {{result has 32 features but weight produces 64}}
  %y = tmc.linear %x, %w : (tensor<?x176xf32>, tensor<64x176xf32>) -> tensor<?x32xf32>
  return
}

// -----

func.func @leading(%x: tensor<2x5x176xf32>, %w: tensor<64x176xf32>) {
  // expected-error @+1 {{result dimension 1 is 4 but input dimension 1 is 5}}
  %y = tmc.linear %x, %w : (tensor<2x5x176xf32>, tensor<64x176xf32>) -> tensor<2x4x64xf32>
  return
}

// -----

func.func @rank(%x: tensor<2x5x176xf32>, %w: tensor<64x176xf32>) {
  // expected-error @+1 {{result rank 2 differs from input rank 3}}
  %y = tmc.linear %x, %w : (tensor<2x5x176xf32>, tensor<64x176xf32>) -> tensor<10x64xf32>
  return
}

// -----

func.func @broadcast(%x: tensor<?x8xf32>, %y: tensor<4xf32>) {
  // expected-error @+1 {{operand 'tensor<4xf32>' does not broadcast to the result 'tensor<?x8xf32>'}}
  %0 = tmc.add %x, %y : (tensor<?x8xf32>, tensor<4xf32>) -> tensor<?x8xf32>
  return
}

// -----

func.func @broadcast_rank(%x: tensor<2x8xf32>, %y: tensor<3x2x8xf32>) {
  // expected-error @+1 {{operand 'tensor<3x2x8xf32>' has a higher rank than the result 'tensor<2x8xf32>'}}
  %0 = tmc.mul %x, %y : (tensor<2x8xf32>, tensor<3x2x8xf32>) -> tensor<2x8xf32>
  return
}

// -----

func.func @reduce_twice(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{dimension -1 is reduced twice}}
  %0 = tmc.sum %x dims = [1, -1] : tensor<4x8xf32> -> tensor<4xf32>
  return
}

// -----

func.func @reduce_shape(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{result dimension 1 must be 1, got 'tensor<4x8xf32>'}}
  %0 = tmc.mean %x dims = [1] keepdim : tensor<4x8xf32> -> tensor<4x8xf32>
  return
}

// -----

func.func @softmax_dim(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{dimension 2 is out of range for rank 2}}
  %0 = tmc.softmax %x dim = 2 : tensor<4x8xf32>
  return
}

// -----

func.func @embedding_table(%ids: tensor<?xi64>, %t: tensor<256xf32>) {
  // expected-error @+1 {{table must be [vocab, hidden], got 'tensor<256xf32>'}}
  %0 = tmc.embedding %ids, %t : (tensor<?xi64>, tensor<256xf32>) -> tensor<?x64xf32>
  return
}

// -----

func.func @matmul_k(%a: tensor<?x4x16xf32>, %b: tensor<?x8x4xf32>) {
  // expected-error @+1 {{contraction sizes differ: lhs has 16 columns, rhs has 8 rows}}
  %0 = tmc.matmul %a, %b : (tensor<?x4x16xf32>, tensor<?x8x4xf32>) -> tensor<?x4x4xf32>
  return
}

// -----

// A norm weight of the wrong size, in the weight product of RMSNorm as
// instantiation emits it (`weight * hidden_states`, the weight first).
func.func @norm_weight(%x: tensor<?x64xf32>, %w: tensor<32xf32>) {
  // expected-error @+1 {{operand 'tensor<32xf32>' does not broadcast to the result 'tensor<?x64xf32>'}}
  %0 = tmc.mul %w, %x : (tensor<32xf32>, tensor<?x64xf32>) -> tensor<?x64xf32>
  return
}

// -----

func.func @rope_odd(%x: tensor<?x4x?x16xf32>, %p: tensor<?xi64>) {
  // expected-error @+1 {{rotary_dim must be positive and even, got 7}}
  %0 = tmc.rope %x, %p theta = 1.0e4 rotary_dim = 7 : (tensor<?x4x?x16xf32>, tensor<?xi64>) -> tensor<?x4x?x16xf32>
  return
}

// -----

func.func @rope_wide(%x: tensor<?x4x?x16xf32>, %p: tensor<?xi64>) {
  // expected-error @+1 {{rotary_dim 32 exceeds head_dim 16}}
  %0 = tmc.rope %x, %p theta = 1.0e4 rotary_dim = 32 : (tensor<?x4x?x16xf32>, tensor<?xi64>) -> tensor<?x4x?x16xf32>
  return
}

// -----

func.func @rope_positions(%x: tensor<?x4x8x16xf32>, %p: tensor<4xi64>) {
  // expected-error @+1 {{positions dimension 0 must be 8, got 'tensor<4xi64>'}}
  %0 = tmc.rope %x, %p theta = 1.0e4 rotary_dim = 16 : (tensor<?x4x8x16xf32>, tensor<4xi64>) -> tensor<?x4x8x16xf32>
  return
}

// -----

func.func @gqa(%q: tensor<?x4x?x16xf32>, %k: tensor<?x3x?x16xf32>) {
  // expected-error @+1 {{query heads (4) must be a multiple of key/value heads (3)}}
  %0 = tmc.attention %q, %k, %k scale = 0.25 causal : (tensor<?x4x?x16xf32>, tensor<?x3x?x16xf32>, tensor<?x3x?x16xf32>) -> tensor<?x4x?x16xf32>
  return
}

// -----

func.func @attention_head_dim(%q: tensor<?x4x?x16xf32>, %k: tensor<?x2x?x8xf32>) {
  // expected-error @+1 {{key dimension 3 must be 16, got 'tensor<?x2x?x8xf32>'}}
  %0 = tmc.attention %q, %k, %k scale = 0.25 causal : (tensor<?x4x?x16xf32>, tensor<?x2x?x8xf32>, tensor<?x2x?x8xf32>) -> tensor<?x4x?x8xf32>
  return
}

// -----

func.func @window_needs_causal(%q: tensor<?x4x?x16xf32>) {
  // expected-error @+1 {{sliding_window needs causal attention}}
  %0 = tmc.attention %q, %q, %q scale = 0.25 sliding_window = 4 : (tensor<?x4x?x16xf32>, tensor<?x4x?x16xf32>, tensor<?x4x?x16xf32>) -> tensor<?x4x?x16xf32>
  return
}

// -----

func.func @chunk_needs_causal(%q: tensor<?x4x?x16xf32>) {
  // expected-error @+1 {{chunk_size needs causal attention}}
  %0 = tmc.attention %q, %q, %q scale = 0.25 chunk_size = 4 : (tensor<?x4x?x16xf32>, tensor<?x4x?x16xf32>, tensor<?x4x?x16xf32>) -> tensor<?x4x?x16xf32>
  return
}

// -----

func.func @chunk_positive(%q: tensor<?x4x?x16xf32>) {
  // expected-error @+1 {{chunk_size must be positive, got 0}}
  %0 = tmc.attention %q, %q, %q scale = 0.25 causal chunk_size = 0 : (tensor<?x4x?x16xf32>, tensor<?x4x?x16xf32>, tensor<?x4x?x16xf32>) -> tensor<?x4x?x16xf32>
  return
}

// -----

func.func @sliding_or_chunked(%q: tensor<?x4x?x16xf32>) {
  // expected-error @+1 {{a layer is either sliding (sliding_window) or chunked (chunk_size)}}
  %0 = tmc.attention %q, %q, %q scale = 0.25 causal sliding_window = 4 chunk_size = 4 : (tensor<?x4x?x16xf32>, tensor<?x4x?x16xf32>, tensor<?x4x?x16xf32>) -> tensor<?x4x?x16xf32>
  return
}

// -----

func.func @key_mask(%q: tensor<?x4x?x16xf32>, %m: tensor<?xi64>) {
  // expected-error @+1 {{key_mask must have rank 2, got 'tensor<?xi64>'}}
  %0 = tmc.attention %q, %q, %q mask %m scale = 0.25 causal : (tensor<?x4x?x16xf32>, tensor<?x4x?x16xf32>, tensor<?x4x?x16xf32>, tensor<?xi64>) -> tensor<?x4x?x16xf32>
  return
}

// -----

func.func @reshape_sizes(%x: tensor<?x64xf32>) {
  // expected-error @+1 {{needs one size operand per dynamic result dimension (1), got 0}}
  %0 = tmc.reshape %x : tensor<?x64xf32> -> tensor<?x4x16xf32>
  return
}

// -----

func.func @reshape_count(%x: tensor<4x64xf32>) {
  // expected-error @+1 {{cannot reshape 256 elements into 128}}
  %0 = tmc.reshape %x : tensor<4x64xf32> -> tensor<2x64xf32>
  return
}

// -----

func.func @transpose_perm(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{permutation is not a permutation of 0..1}}
  %0 = tmc.transpose %x permutation = [0, 0] : tensor<2x3xf32> -> tensor<2x2xf32>
  return
}

// -----

func.func @concat_total(%a: tensor<2x3xf32>) {
  // expected-error @+1 {{result dimension 1 must be 6, got 'tensor<2x5xf32>'}}
  %0 = tmc.concat %a, %a dim = 1 : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x5xf32>
  return
}

// -----

func.func @slice_range(%x: tensor<2x8xf32>) {
  // expected-error @+1 {{range exceeds dimension 1 of size 8}}
  %0 = tmc.slice %x dim = 1 start = 4 end = 12 : tensor<2x8xf32> -> tensor<2x8xf32>
  return
}

// -----

func.func @slice_from_end(%x: tensor<2x8xf32>) {
  // expected-error @+1 {{the last 9 indices exceed dimension 1 of size 8}}
  %0 = tmc.slice %x dim = 1 start = -9 : tensor<2x8xf32> -> tensor<2x9xf32>
  return
}

// -----

func.func @slice_from_end_with_end(%x: tensor<2x8xf32>) {
  // expected-error @+1 {{a negative start (from the end) takes no end and step 1}}
  %0 = tmc.slice %x dim = 1 start = -2 end = 8 : tensor<2x8xf32> -> tensor<2x2xf32>
  return
}

// -----

func.func @slice_step(%x: tensor<2x8xf32>) {
  // expected-error @+1 {{step must be positive, got 0}}
  %0 = tmc.slice %x dim = 1 start = 0 step = 0 : tensor<2x8xf32> -> tensor<2x8xf32>
  return
}

// -----

func.func @split_sizes(%x: tensor<2x8xf32>) {
  // expected-error @+1 {{sizes add up to 7 but dimension 1 has 8}}
  %0:2 = tmc.split %x dim = 1 sizes = [3, 4] : tensor<2x8xf32> -> tensor<2x3xf32>, tensor<2x4xf32>
  return
}

// -----

func.func @unary_int(%x: tensor<4xi32>) {
  // expected-error @+1 {{'tmc.silu' op operand #0 must be ranked tensor of floating-point values}}
  %0 = tmc.silu %x : tensor<4xi32>
  return
}

// -----

func.func @cast_to_int(%x: tensor<4xf32>) {
  // expected-error @+1 {{'tmc.cast' op result #0 must be ranked tensor of floating-point values}}
  %0 = tmc.cast %x : tensor<4xf32> -> tensor<4xi32>
  return
}

// -----

func.func @cast_shape(%x: tensor<4xf32>) {
  // expected-error @+1 {{'tmc.cast' op requires the same shape for all operands and results}}
  %0 = tmc.cast %x : tensor<4xf32> -> tensor<8xbf16>
  return
}

// -----

func.func @arange_rank(%a: index) {
  // expected-error @+1 {{'tmc.arange' op result #0 must be 1D tensor of 64-bit signless integer or 32-bit signless integer values}}
  %0 = tmc.arange %a, %a : tensor<?x?xi64>
  return
}

// -----

func.func @dequantize_format(%b: tensor<8x2x10xi16>) -> tensor<8x64xf32> {
  // expected-error @+1 {{format 'q5_k' is not one of: q8_0, q4_0, q4_1, q8_0x16, q4_0x16, q4_1x16}}
  %w = tmc.dequantize %b "q5_k" : tensor<8x2x10xi16> -> tensor<8x64xf32>
  return %w : tensor<8x64xf32>
}

// -----

func.func @dequantize_words(%b: tensor<8x2x10xi16>) -> tensor<8x64xf32> {
  // expected-error @+1 {{a q8_0 weight is [rows, blocks, 17] words, got 'tensor<8x2x10xi16>'}}
  %w = tmc.dequantize %b "q8_0" : tensor<8x2x10xi16> -> tensor<8x64xf32>
  return %w : tensor<8x64xf32>
}

// -----

func.func @dequantize_shape(%b: tensor<8x2x10xi16>) -> tensor<8x32xf32> {
  // expected-error @+1 {{blocks 'tensor<8x2x10xi16>' decode to [rows, 32 * blocks], not 'tensor<8x32xf32>'}}
  %w = tmc.dequantize %b "q4_1" : tensor<8x2x10xi16> -> tensor<8x32xf32>
  return %w : tensor<8x32xf32>
}

// -----

func.func @dequantize_interleaved_words(%b: tensor<2x2x10xi16>) -> tensor<32x64xf32> {
  // expected-error @+1 {{a q4_1x16 weight is [rows / 16, blocks, 160] words, got 'tensor<2x2x10xi16>'}}
  %w = tmc.dequantize %b "q4_1x16" : tensor<2x2x10xi16> -> tensor<32x64xf32>
  return %w : tensor<32x64xf32>
}

// -----

func.func @dequantize_interleaved_rows(%b: tensor<2x2x160xi16>) -> tensor<2x64xf32> {
  // expected-error @+1 {{blocks 'tensor<2x2x160xi16>' decode to [16 * groups, 32 * blocks], not 'tensor<2x64xf32>'}}
  %w = tmc.dequantize %b "q4_1x16" : tensor<2x2x160xi16> -> tensor<2x64xf32>
  return %w : tensor<2x64xf32>
}

// -----

func.func @activations(%x: tensor<?x64xf32>, %w: tensor<8x64xf32>) -> tensor<?x8xf32> {
  // expected-error @+1 {{'tmc.activations' must be "int8" or "bfloat16"}}
  %y = tmc.linear %x, %w {tmc.activations = "int4"} : (tensor<?x64xf32>, tensor<8x64xf32>) -> tensor<?x8xf32>
  return %y : tensor<?x8xf32>
}

// -----

// expected-error @+1 {{'tmc.storage' must be a weight storage: float32, bfloat16, float16, q8_0, q4_0, q4_1, or a block layout: q8_0, q4_0, q4_1, q8_0x16, q4_0x16, q4_1x16}}
tmc.param @w {tmc.storage = "q5_k"} : tensor<8x64xf32>
