// RUN: tmc-opt %s -split-input-file -verify-diagnostics

func.func @cache_rank(%c: tensor<?x64x16xf32>, %k: tensor<?x2x?x16xf32>, %p: index) {
  // expected-error @+1 {{cache must be [batch, kv_heads, max_seq_len, head_dim], got 'tensor<?x64x16xf32>'}}
  %0 = tmc.kv_cache_write %c[%p], %k : (tensor<?x64x16xf32>, tensor<?x2x?x16xf32>) -> tensor<?x64x16xf32>
  return
}

// -----

func.func @dynamic_max(%c: tensor<?x2x?x16xf32>, %k: tensor<?x2x?x16xf32>, %p: index) {
  // expected-error @+1 {{cache kv_heads, max_seq_len and head_dim must be static, got 'tensor<?x2x?x16xf32>'}}
  %0 = tmc.kv_cache_write %c[%p], %k : (tensor<?x2x?x16xf32>, tensor<?x2x?x16xf32>) -> tensor<?x2x?x16xf32>
  return
}

// -----

func.func @heads(%c: tensor<?x2x64x16xf32>, %k: tensor<?x4x?x16xf32>, %p: index) {
  // expected-error @+1 {{update dimension 1 must be 2, got 'tensor<?x4x?x16xf32>'}}
  %0 = tmc.kv_cache_write %c[%p], %k : (tensor<?x2x64x16xf32>, tensor<?x4x?x16xf32>) -> tensor<?x2x64x16xf32>
  return
}

// -----

func.func @too_long(%c: tensor<?x2x8x16xf32>, %k: tensor<?x2x9x16xf32>, %p: index) {
  // expected-error @+1 {{update of 9 positions exceeds the cache's 8}}
  %0 = tmc.kv_cache_write %c[%p], %k : (tensor<?x2x8x16xf32>, tensor<?x2x9x16xf32>) -> tensor<?x2x8x16xf32>
  return
}

// -----

func.func @dtype(%c: tensor<?x2x8x16xf32>, %k: tensor<?x2x?x16xbf16>, %p: index) {
  // expected-error @+1 {{operands and result must share an element type, got 'f32' and 'bf16'}}
  %0 = tmc.kv_cache_write %c[%p], %k : (tensor<?x2x8x16xf32>, tensor<?x2x?x16xbf16>) -> tensor<?x2x8x16xf32>
  return
}

// -----

func.func @result(%c: tensor<?x2x8x16xf32>, %k: tensor<?x2x?x16xf32>, %p: index) {
  // expected-error @+1 {{result dimension 2 must be 8, got 'tensor<?x2x7x16xf32>'}}
  %0 = tmc.kv_cache_write %c[%p], %k : (tensor<?x2x8x16xf32>, tensor<?x2x?x16xf32>) -> tensor<?x2x7x16xf32>
  return
}

// -----

func.func @read_too_long(%c: tensor<?x2x8x16xf32>, %n: index) {
  // expected-error @+1 {{reads 9 positions of a cache of 8}}
  %0 = tmc.kv_cache_read %c length %n : tensor<?x2x8x16xf32> -> tensor<?x2x9x16xf32>
  return
}

// -----

func.func @read_heads(%c: tensor<?x2x8x16xf32>, %n: index) {
  // expected-error @+1 {{result dimension 3 must be 16, got 'tensor<?x2x?x8xf32>'}}
  %0 = tmc.kv_cache_read %c length %n : tensor<?x2x8x16xf32> -> tensor<?x2x?x8xf32>
  return
}

// -----

func.func @window_shape(%c: tensor<?x2x8x16xf32>, %p: index) {
  // expected-error @+1 {{result dimension 2 must be 8, got 'tensor<?x2x7x16xf32>'}}
  %0 = tmc.kv_cache_window %c before %p : tensor<?x2x8x16xf32> -> tensor<?x2x7x16xf32>
  return
}

// -----

func.func @window_mask_rank(%m: tensor<?xi64>, %p: index) {
  // expected-error @+1 {{attention_mask must be [batch, past + new], got 'tensor<?xi64>'}}
  %0 = tmc.kv_cache_window_mask %m before %p window = 8 : tensor<?xi64> -> tensor<?x?xi64>
  return
}

// -----

func.func @window_mask_window(%m: tensor<?x?xi64>, %p: index) {
  // expected-error @+1 {{window must be positive, got 0}}
  %0 = tmc.kv_cache_window_mask %m before %p window = 0 : tensor<?x?xi64> -> tensor<?x?xi64>
  return
}
