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
