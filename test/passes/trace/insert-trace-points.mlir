// RUN: tmc-opt %s -split-input-file -tmc-insert-trace-points -verify-diagnostics | FileCheck %s

// A module's inputs are what its ops read from outside (not weights or
// constants), in order of first use; its outputs what the ops outside read,
// in order of that read. The whole model (path "") takes the entry's
// arguments and returns its results. A layer's own module is traced around
// its call; inside the layer function `*` is the layer number, a new last
// argument that each call passes as a constant.

// CHECK-LABEL: func.func @forward(
// CHECK-SAME:      %[[IDS:.*]]: tensor<?x?xi64>
// CHECK:         tmc.trace %[[IDS]], input 0 of "" : tensor<?x?xi64>
// CHECK:         tmc.trace %[[IDS]], input 0 of "model" : tensor<?x?xi64>
// CHECK-NEXT:    tmc.trace %[[IDS]], input 0 of "model.embed_tokens" : tensor<?x?xi64>
// CHECK-NEXT:    %[[H0:.*]] = tmc.embedding
// CHECK-NEXT:    tmc.trace %[[H0]], output 0 of "model.embed_tokens" : tensor<?x?x8xf32>
// CHECK-NEXT:    tmc.trace %[[H0]], input 0 of "model.layers.0" : tensor<?x?x8xf32>
// CHECK-NEXT:    %[[C0:.*]] = arith.constant 0 : index
// CHECK-NEXT:    %[[H1:.*]] = call @Layer(%[[H0]], %{{.*}}, %[[C0]]) {tmc.module_path = "model.layers.0"}
// CHECK-NEXT:    tmc.trace %[[H1]], output 0 of "model.layers.0" : tensor<?x?x8xf32>
// CHECK-NEXT:    tmc.trace %[[H1]], input 0 of "model.layers.1" : tensor<?x?x8xf32>
// CHECK-NEXT:    %[[C1:.*]] = arith.constant 1 : index
// CHECK-NEXT:    %[[H2:.*]] = call @Layer(%[[H1]], %{{.*}}, %[[C1]]) {tmc.module_path = "model.layers.1"}
// CHECK-NEXT:    tmc.trace %[[H2]], output 0 of "model.layers.1" : tensor<?x?x8xf32>
// CHECK-NEXT:    tmc.trace %[[H2]], output 0 of "model" : tensor<?x?x8xf32>
// CHECK-NEXT:    tmc.trace %[[H2]], input 0 of "lm_head" : tensor<?x?x8xf32>
// CHECK-NEXT:    %[[LOGITS:.*]] = tmc.linear %[[H2]]
// CHECK-NEXT:    tmc.trace %[[LOGITS]], output 0 of "lm_head" : tensor<?x?x16xf32>
// CHECK-NEXT:    tmc.trace %[[LOGITS]], output 0 of "" : tensor<?x?x16xf32>
// CHECK-NEXT:    return %[[LOGITS]]

// The layer: `*` modules nest (mlp around mlp.up_proj); the layer's own ops
// (the residual add, at "model.layers.*") belong to the caller's trace.
// CHECK-LABEL: func.func private @Layer(
// CHECK-SAME:      %[[X:[^:]*]]: tensor<?x?x8xf32>, %[[W:[^:]*]]: tensor<8x8xf32>, %[[L:[^:]*]]: index)
// CHECK-NEXT:    tmc.trace %[[X]], input 0 of "model.layers.*.mlp" layer %[[L]] : tensor<?x?x8xf32>
// CHECK-NEXT:    tmc.trace %[[X]], input 0 of "model.layers.*.mlp.up_proj" layer %[[L]] : tensor<?x?x8xf32>
// CHECK-NEXT:    %[[U:.*]] = tmc.linear %[[X]], %[[W]]
// CHECK-NEXT:    tmc.trace %[[U]], output 0 of "model.layers.*.mlp.up_proj" layer %[[L]]
// CHECK-NEXT:    %[[A:.*]] = tmc.silu %[[U]]
// CHECK-NEXT:    tmc.trace %[[A]], output 0 of "model.layers.*.mlp" layer %[[L]]
// CHECK-NEXT:    %[[R:.*]] = tmc.add %[[X]], %[[A]]
// CHECK-NEXT:    return %[[R]]
module {
  tmc.param @model.embed_tokens.weight : tensor<16x8xf32>
  tmc.param @model.layers.0.mlp.up_proj.weight : tensor<8x8xf32>
  tmc.param @model.layers.1.mlp.up_proj.weight : tensor<8x8xf32>
  tmc.param @lm_head.weight : tensor<16x8xf32>
  func.func @forward(%ids: tensor<?x?xi64> {tmc.name = "input_ids"}) -> tensor<?x?x16xf32> {
    %e = tmc.get_param @model.embed_tokens.weight : tensor<16x8xf32>
    %w0 = tmc.get_param @model.layers.0.mlp.up_proj.weight : tensor<8x8xf32>
    %w1 = tmc.get_param @model.layers.1.mlp.up_proj.weight : tensor<8x8xf32>
    %head = tmc.get_param @lm_head.weight : tensor<16x8xf32>
    %h0 = tmc.embedding %ids, %e at "model.embed_tokens" : (tensor<?x?xi64>, tensor<16x8xf32>) -> tensor<?x?x8xf32>
    %h1 = call @Layer(%h0, %w0) {tmc.module_path = "model.layers.0"} : (tensor<?x?x8xf32>, tensor<8x8xf32>) -> tensor<?x?x8xf32>
    %h2 = call @Layer(%h1, %w1) {tmc.module_path = "model.layers.1"} : (tensor<?x?x8xf32>, tensor<8x8xf32>) -> tensor<?x?x8xf32>
    %logits = tmc.linear %h2, %head at "lm_head" : (tensor<?x?x8xf32>, tensor<16x8xf32>) -> tensor<?x?x16xf32>
    return %logits : tensor<?x?x16xf32>
  }
  func.func private @Layer(%x: tensor<?x?x8xf32>, %w: tensor<8x8xf32>) -> tensor<?x?x8xf32> {
    %u = tmc.linear %x, %w at "model.layers.*.mlp.up_proj" : (tensor<?x?x8xf32>, tensor<8x8xf32>) -> tensor<?x?x8xf32>
    %a = tmc.silu %u at "model.layers.*.mlp" : tensor<?x?x8xf32>
    %r = tmc.add %x, %a at "model.layers.*" : (tensor<?x?x8xf32>, tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
    return %r : tensor<?x?x8xf32>
  }
}

// -----

// KV caches are state, not activations: the decode entry's cache arguments
// and the caches a layer writes are not traced.
// CHECK-LABEL: func.func @decode(
// CHECK-NOT:     tmc.trace %arg1
// CHECK:         tmc.trace %{{.*}}, output 0 of "model.layers.0.self_attn.k_proj"
// CHECK-NOT:     tmc.trace {{.*}} : tensor<?x2x8x4xf32>
// CHECK:         return
module {
  func.func @decode(%h: tensor<?x2x?x4xf32> {tmc.name = "hidden"}, %cache: tensor<?x2x8x4xf32> {tmc.name = "cache.0.key"}, %pos: index) -> tensor<?x2x8x4xf32> {
    %k = tmc.neg %h at "model.layers.0.self_attn.k_proj" : tensor<?x2x?x4xf32>
    %c = tmc.kv_cache_write %cache[%pos], %k at "model.layers.0.self_attn" : (tensor<?x2x8x4xf32>, tensor<?x2x?x4xf32>) -> tensor<?x2x8x4xf32>
    return %c : tensor<?x2x8x4xf32>
  }
}

// -----

// A layer path needs the call that says which layer it is.
func.func @orphan(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{is at a layer path ('model.layers.*.mlp') in a function no layer call (tmc.module_path) reaches}}
  %y = tmc.neg %x at "model.layers.*.mlp" : tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

func.func @star_without_layer(%x: tensor<4xf32>) {
  // expected-error @+1 {{module path has a '*' but no layer says which}}
  tmc.trace %x, output 0 of "model.layers.*.mlp" : tensor<4xf32>
  return
}

// -----

func.func @layer_without_star(%x: tensor<4xf32>, %l: index) {
  // expected-error @+1 {{has a layer but its module path has no '*'}}
  tmc.trace %x, input 0 of "model.norm" layer %l : tensor<4xf32>
  return
}
