// RUN: tmc-opt %s --split-input-file --tmc-keep-last-logits --cse --verify-diagnostics | FileCheck %s

// The decode entry's logits come from the head on a norm of the last layer's
// output: the slice moves up to that output, and the norm (a reduction over
// the hidden dim, a broadcast weight) and the head run on one position.
// CHECK-LABEL: func.func @decode(
// CHECK-SAME:      %[[H:[^:]*]]: tensor<?x?x8xf32>
// CHECK-SAME:      -> (tensor<?x1x16xf32>, tensor<2x4xf32> {tmc.in_place = 3 : i64})
// CHECK:         %[[LAST:.*]] = tmc.slice %[[H]] dim = 1 start = -1 : tensor<?x?x8xf32> -> tensor<?x1x8xf32>
// CHECK:         %[[SQ:.*]] = tmc.pow %[[LAST]] exponent = 2.000000e+00 : tensor<?x1x8xf32>
// CHECK:         %[[MEAN:.*]] = tmc.mean %[[SQ]] dims = [2] keepdim : tensor<?x1x8xf32> -> tensor<?x1x1xf32>
// CHECK:         %[[INV:.*]] = tmc.rsqrt %[[MEAN]] : tensor<?x1x1xf32>
// CHECK:         %[[N:.*]] = tmc.mul %[[LAST]], %[[INV]] : (tensor<?x1x8xf32>, tensor<?x1x1xf32>) -> tensor<?x1x8xf32>
// CHECK:         %[[W:.*]] = tmc.mul %{{.*}}, %[[N]] : (tensor<8xf32>, tensor<?x1x8xf32>) -> tensor<?x1x8xf32>
// CHECK:         %[[L:.*]] = tmc.linear %[[W]], %{{.*}} : (tensor<?x1x8xf32>, tensor<16x8xf32>) -> tensor<?x1x16xf32>
// CHECK-NOT:     tensor<?x?x16xf32>
// CHECK:         return %[[L]], %{{.*}} : tensor<?x1x16xf32>, tensor<2x4xf32>
func.func @decode(%h: tensor<?x?x8xf32>, %norm: tensor<8xf32>, %head: tensor<16x8xf32>, %cache: tensor<2x4xf32>)
    -> (tensor<?x?x16xf32>, tensor<2x4xf32> {tmc.in_place = 3 : i64}) attributes {tmc.max_seq_len = 32 : i64} {
  %sq = tmc.pow %h exponent = 2.0 : tensor<?x?x8xf32>
  %mean = tmc.mean %sq dims = [2] keepdim : tensor<?x?x8xf32> -> tensor<?x?x1xf32>
  %inv = tmc.rsqrt %mean : tensor<?x?x1xf32>
  %n = tmc.mul %h, %inv : (tensor<?x?x8xf32>, tensor<?x?x1xf32>) -> tensor<?x?x8xf32>
  %w = tmc.mul %norm, %n : (tensor<8xf32>, tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
  %logits = tmc.linear %w, %head : (tensor<?x?x8xf32>, tensor<16x8xf32>) -> tensor<?x?x16xf32>
  return %logits, %cache : tensor<?x?x16xf32>, tensor<2x4xf32>
}

// The forward entry (no tmc.max_seq_len) keeps every position.
// CHECK-LABEL: func.func @forward(
// CHECK-NOT:     tmc.slice
// CHECK:         return {{.*}} : tensor<?x?x16xf32>
func.func @forward(%h: tensor<?x?x8xf32>, %head: tensor<16x8xf32>) -> tensor<?x?x16xf32> {
  %logits = tmc.linear %h, %head : (tensor<?x?x8xf32>, tensor<16x8xf32>) -> tensor<?x?x16xf32>
  return %logits : tensor<?x?x16xf32>
}

// -----

// A value something else reads (a trace point) stays whole: the slice is
// taken after it; a softcap's tanh and scalar divisions move with the slice.
// CHECK-LABEL: func.func @decode(
// CHECK:         %[[L:.*]] = tmc.linear %{{.*}} -> tensor<?x?x16xf32>
// CHECK:         tmc.trace %[[L]]
// CHECK:         %[[LAST:.*]] = tmc.slice %[[L]] dim = 1 start = -1 : tensor<?x?x16xf32> -> tensor<?x1x16xf32>
// CHECK:         %[[D:.*]] = tmc.div %[[LAST]], %{{.*}} : (tensor<?x1x16xf32>, tensor<f32>) -> tensor<?x1x16xf32>
// CHECK:         %[[T:.*]] = tmc.tanh %[[D]] : tensor<?x1x16xf32>
// CHECK:         return %{{.*}} : tensor<?x1x16xf32>
func.func @decode(%h: tensor<?x?x8xf32>, %head: tensor<16x8xf32>, %cap: tensor<f32>) -> tensor<?x?x16xf32>
    attributes {tmc.max_seq_len = 32 : i64} {
  %logits = tmc.linear %h, %head : (tensor<?x?x8xf32>, tensor<16x8xf32>) -> tensor<?x?x16xf32>
  tmc.trace %logits, output 0 of "lm_head" : tensor<?x?x16xf32>
  %d = tmc.div %logits, %cap : (tensor<?x?x16xf32>, tensor<f32>) -> tensor<?x?x16xf32>
  %t = tmc.tanh %d : tensor<?x?x16xf32>
  %c = tmc.mul %t, %cap : (tensor<?x?x16xf32>, tensor<f32>) -> tensor<?x?x16xf32>
  return %c : tensor<?x?x16xf32>
}

// -----

// expected-error @below {{the decode entry's first result must be logits [batch, new, vocab]}}
func.func @decode(%x: tensor<?x8xf32>) -> tensor<?x8xf32> attributes {tmc.max_seq_len = 32 : i64} {
  return %x : tensor<?x8xf32>
}
