// RUN: tmc-opt %s -tmc-prepare-entry-points -split-input-file -verify-diagnostics | FileCheck %s

// Weights become trailing arguments in declaration order (not read order),
// each read once; every tensor argument is read-only; declarations go away.
// CHECK-NOT:   tmc.param
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
