// RUN: tmc-opt %s -split-input-file -verify-diagnostics

// NaN and infinities are no positive number: a verifier that tested `<= 0`
// let NaN through (0x7FF8000000000000 is NaN, 0x7FF0000000000000 +inf).

func.func @rope_nan_theta(%x: tensor<?x4x?x16xf32>, %p: tensor<?xi64>) {
  // expected-error @+1 {{theta and scaling_factor must be positive finite numbers, got}}
  %0 = tmc.rope %x, %p theta = 0x7FF8000000000000 rotary_dim = 16 : (tensor<?x4x?x16xf32>, tensor<?xi64>) -> tensor<?x4x?x16xf32>
  return
}

// -----

func.func @rope_inf_theta(%x: tensor<?x4x?x16xf32>, %p: tensor<?xi64>) {
  // expected-error @+1 {{theta and scaling_factor must be positive finite numbers, got}}
  %0 = tmc.rope %x, %p theta = 0x7FF0000000000000 rotary_dim = 16 : (tensor<?x4x?x16xf32>, tensor<?xi64>) -> tensor<?x4x?x16xf32>
  return
}

// -----

func.func @attention_nan_scale(%q: tensor<?x4x?x16xf32>, %k: tensor<?x2x?x16xf32>) {
  // expected-error @+1 {{scale must be a positive finite number, got}}
  %0 = tmc.attention %q, %k, %k scale = 0x7FF8000000000000 causal : (tensor<?x4x?x16xf32>, tensor<?x2x?x16xf32>, tensor<?x2x?x16xf32>) -> tensor<?x4x?x16xf32>
  return
}

// -----

func.func @attention_zero_scale(%q: tensor<?x4x?x16xf32>, %k: tensor<?x2x?x16xf32>) {
  // expected-error @+1 {{scale must be a positive finite number, got}}
  %0 = tmc.attention %q, %k, %k scale = 0.0 causal : (tensor<?x4x?x16xf32>, tensor<?x2x?x16xf32>, tensor<?x2x?x16xf32>) -> tensor<?x4x?x16xf32>
  return
}
