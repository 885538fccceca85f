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
