// RUN: tmc-opt %s -tmc-prepare-entry-points -split-input-file -verify-diagnostics | FileCheck %s

// Weights become trailing arguments in declaration order (not read order),
// each read once; every tensor argument is read-only; declarations go away.
// The module records the ABI: the weights read (not unused.weight), and the
// entry point's inputs, weights and results.
// CHECK:       module attributes {
// CHECK-SAME:    tmc.entry_points = [#tmc.entry_point<name = "forward", inputs = [#tmc.tensor<"arg0" : tensor<?x8xf32>>], params = ["a.weight", "b.weight"], results = [#tmc.tensor<"result0" : tensor<?x8xf32>>], in_place = []>]
// CHECK-SAME:    tmc.params = [#tmc.tensor<"a.weight" : tensor<8x8xf32>>, #tmc.tensor<"b.weight" : tensor<8x8xf32>>]}
// CHECK-NOT:   tmc.param @
// CHECK-LABEL: func.func @forward(
// CHECK-SAME:      %[[X:.*]]: tensor<?x8xf32> {bufferization.writable = false},
// CHECK-SAME:      %[[A:.*]]: tensor<8x8xf32> {bufferization.writable = false, tmc.param = "a.weight"},
// CHECK-SAME:      %[[B:.*]]: tensor<8x8xf32> {bufferization.writable = false, tmc.param = "b.weight"})
// CHECK-SAME:      attributes {llvm.emit_c_interface}
// CHECK-NOT:     tmc.get_param
// CHECK:         %[[Y:.*]] = tmc.linear %[[X]], %[[B]]
// CHECK:         tmc.linear %[[Y]], %[[A]]
// CHECK:         tmc.linear %{{.*}}, %[[B]]
tmc.param @"a.weight" : tensor<8x8xf32>
tmc.param @"b.weight" : tensor<8x8xf32>
tmc.param @"unused.weight" : tensor<8xf32>
func.func @forward(%x: tensor<?x8xf32>) -> tensor<?x8xf32> {
  %b = tmc.get_param @"b.weight" : tensor<8x8xf32>
  %y = tmc.linear %x, %b : (tensor<?x8xf32>, tensor<8x8xf32>) -> tensor<?x8xf32>
  %a = tmc.get_param @"a.weight" : tensor<8x8xf32>
  %z = tmc.linear %y, %a : (tensor<?x8xf32>, tensor<8x8xf32>) -> tensor<?x8xf32>
  %b2 = tmc.get_param @"b.weight" : tensor<8x8xf32>
  %w = tmc.linear %z, %b2 : (tensor<?x8xf32>, tensor<8x8xf32>) -> tensor<?x8xf32>
  return %w : tensor<?x8xf32>
}

// -----

// Layer functions receive weights as arguments; reading one there is an error.
tmc.param @w : tensor<8x8xf32>
func.func private @layer(%x: tensor<?x8xf32>) -> tensor<?x8xf32> {
  // expected-error @+1 {{reads a weight inside private function 'layer'; pass weights to it as arguments}}
  %w = tmc.get_param @w : tensor<8x8xf32>
  %y = tmc.linear %x, %w : (tensor<?x8xf32>, tensor<8x8xf32>) -> tensor<?x8xf32>
  return %y : tensor<?x8xf32>
}

// -----

// A decode-style entry: named inputs, a cache written in place (an input, not
// a result), max_seq_len, and the attention backend of each layer kind.
// CHECK:       module attributes {
// CHECK-SAME:    tmc.attention_backends = {full_attention = "sdpa"}
// CHECK-SAME:    tmc.entry_points = [#tmc.entry_point<name = "decode", inputs = [#tmc.tensor<"input_ids" : tensor<?x?xi64>>, #tmc.tensor<"cache.0.key" : tensor<?x2x8x4xf32>>, #tmc.tensor<"arg2" : tensor<?x4x?x4xf32>>], params = [], results = [#tmc.tensor<"result0" : tensor<?x?xi64>>], in_place = [1], max_seq_len = 8>]
// CHECK-LABEL: func.func @decode(
// CHECK-SAME:      {bufferization.writable = false, tmc.name = "input_ids"}
// CHECK-SAME:      {bufferization.writable = true, tmc.name = "cache.0.key"}
func.func @decode(%ids: tensor<?x?xi64> {tmc.name = "input_ids"}, %cache: tensor<?x2x8x4xf32> {tmc.name = "cache.0.key"},
                  %q: tensor<?x4x?x4xf32>)
    -> (tensor<?x?xi64>, tensor<?x2x8x4xf32> {tmc.in_place = 1 : i64}) attributes {tmc.max_seq_len = 8 : i64} {
  %o = tmc.attention %q, %cache, %cache scale = 5.000000e-01 causal backend = "sdpa"
      : (tensor<?x4x?x4xf32>, tensor<?x2x8x4xf32>, tensor<?x2x8x4xf32>) -> tensor<?x4x?x4xf32>
  return %ids, %cache : tensor<?x?xi64>, tensor<?x2x8x4xf32>
}

// -----

// The ABI attributes are checked where they are written.
// expected-error @+1 {{'tmc.max_seq_len' must be a positive integer}}
func.func @bad(%x: tensor<?xf32>) -> tensor<?xf32> attributes {tmc.max_seq_len = 0 : i64} {
  return %x : tensor<?xf32>
}
