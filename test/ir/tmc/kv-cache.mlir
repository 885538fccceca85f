// RUN: tmc-opt %s | FileCheck %s
// RUN: tmc-opt %s | tmc-opt | FileCheck %s
// RUN: tmc-opt %s --mlir-print-op-generic | tmc-opt | FileCheck %s

// The decode step of one attention layer: write the new keys at `past`, read
// the first past + new positions.
// CHECK-LABEL: func.func @decode_step(
// CHECK-SAME:      %[[C:.*]]: tensor<?x2x64x16xf32>, %[[K:.*]]: tensor<?x2x?x16xf32>, %[[P:.*]]: index, %[[N:.*]]: index)
// CHECK:         %[[W:.*]] = tmc.kv_cache_write %[[C]][%[[P]]], %[[K]] at "model.layers.*.self_attn"
// CHECK-SAME:      : (tensor<?x2x64x16xf32>, tensor<?x2x?x16xf32>) -> tensor<?x2x64x16xf32>
// CHECK:         %[[R:.*]] = tmc.kv_cache_read %[[W]] length %[[N]] at "model.layers.*.self_attn"
// CHECK-SAME:      : tensor<?x2x64x16xf32> -> tensor<?x2x?x16xf32>
// CHECK:         return %[[W]], %[[R]]
func.func @decode_step(%cache: tensor<?x2x64x16xf32>, %k: tensor<?x2x?x16xf32>, %past: index,
                       %n: index) -> (tensor<?x2x64x16xf32>, tensor<?x2x?x16xf32>) {
  %w = tmc.kv_cache_write %cache[%past], %k at "model.layers.*.self_attn"
      : (tensor<?x2x64x16xf32>, tensor<?x2x?x16xf32>) -> tensor<?x2x64x16xf32>
  %r = tmc.kv_cache_read %w length %n at "model.layers.*.self_attn"
      : tensor<?x2x64x16xf32> -> tensor<?x2x?x16xf32>
  return %w, %r : tensor<?x2x64x16xf32>, tensor<?x2x?x16xf32>
}

// bf16 caches, static batch and update length.
// CHECK-LABEL: func.func @bf16(
// CHECK:         tmc.kv_cache_write %{{.*}}[%{{.*}}], %{{.*}} : (tensor<2x1x8x4xbf16>, tensor<2x1x3x4xbf16>) -> tensor<2x1x8x4xbf16>
func.func @bf16(%cache: tensor<2x1x8x4xbf16>, %v: tensor<2x1x3x4xbf16>, %p: index) -> tensor<2x1x8x4xbf16> {
  %w = tmc.kv_cache_write %cache[%p], %v : (tensor<2x1x8x4xbf16>, tensor<2x1x3x4xbf16>) -> tensor<2x1x8x4xbf16>
  return %w : tensor<2x1x8x4xbf16>
}

// A sliding layer's ring of 8 slots: read the window before `past`, write the
// new keys into the ring, mask the window followed by the new keys.
// CHECK-LABEL: func.func @ring_step(
// CHECK:         tmc.kv_cache_window %{{.*}} before %{{.*}} : tensor<?x2x8x16xf32> -> tensor<?x2x8x16xf32>
// CHECK:         tmc.kv_cache_write %{{.*}}[%{{.*}}], %{{.*}} ring : (tensor<?x2x8x16xf32>, tensor<?x2x?x16xf32>) -> tensor<?x2x8x16xf32>
// CHECK:         tmc.kv_cache_window_mask %{{.*}} before %{{.*}} window = 8 : tensor<?x?xi64> -> tensor<?x?xi64>
func.func @ring_step(%ring: tensor<?x2x8x16xf32>, %k: tensor<?x2x?x16xf32>, %mask: tensor<?x?xi64>,
                     %past: index) -> (tensor<?x2x8x16xf32>, tensor<?x2x8x16xf32>, tensor<?x?xi64>) {
  %window = tmc.kv_cache_window %ring before %past : tensor<?x2x8x16xf32> -> tensor<?x2x8x16xf32>
  %w = tmc.kv_cache_write %ring[%past], %k ring : (tensor<?x2x8x16xf32>, tensor<?x2x?x16xf32>) -> tensor<?x2x8x16xf32>
  %m = tmc.kv_cache_window_mask %mask before %past window = 8 : tensor<?x?xi64> -> tensor<?x?xi64>
  return %window, %w, %m : tensor<?x2x8x16xf32>, tensor<?x2x8x16xf32>, tensor<?x?xi64>
}

// A ring takes an update longer than itself (a prompt past the window).
// CHECK-LABEL: func.func @ring_long_update(
// CHECK:         tmc.kv_cache_write {{.*}} ring : (tensor<1x2x8x16xf32>, tensor<1x2x20x16xf32>)
func.func @ring_long_update(%ring: tensor<1x2x8x16xf32>, %k: tensor<1x2x20x16xf32>, %p: index) -> tensor<1x2x8x16xf32> {
  %w = tmc.kv_cache_write %ring[%p], %k ring : (tensor<1x2x8x16xf32>, tensor<1x2x20x16xf32>) -> tensor<1x2x8x16xf32>
  return %w : tensor<1x2x8x16xf32>
}
