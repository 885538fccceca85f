// RUN: tmc-opt %s -convert-tmc-to-linalg | FileCheck %s

// The write is an insert_slice at the position along the sequence dimension;
// the read a slice of the first positions.
// CHECK-LABEL: func.func @decode_step(
// CHECK-SAME:      %[[C:.*]]: tensor<?x2x64x16xf32>, %[[K:.*]]: tensor<?x2x?x16xf32>, %[[P:.*]]: index, %[[N:.*]]: index)
// CHECK-DAG:     %[[B:.*]] = tensor.dim %[[K]], %c0
// CHECK-DAG:     %[[L:.*]] = tensor.dim %[[K]], %c2
// CHECK:         %[[W:.*]] = tensor.insert_slice %[[K]] into %[[C]][0, 0, %[[P]], 0] [%[[B]], 2, %[[L]], 16] [1, 1, 1, 1]
// CHECK:         %[[B2:.*]] = tensor.dim %[[W]], %c0
// CHECK:         %[[R:.*]] = tensor.extract_slice %[[W]][0, 0, 0, 0] [%[[B2]], 2, %[[N]], 16] [1, 1, 1, 1]
// CHECK-SAME:      : tensor<?x2x64x16xf32> to tensor<?x2x?x16xf32>
// CHECK:         return %[[W]], %[[R]]
func.func @decode_step(%cache: tensor<?x2x64x16xf32>, %k: tensor<?x2x?x16xf32>, %past: index,
                       %n: index) -> (tensor<?x2x64x16xf32>, tensor<?x2x?x16xf32>) {
  %w = tmc.kv_cache_write %cache[%past], %k : (tensor<?x2x64x16xf32>, tensor<?x2x?x16xf32>) -> tensor<?x2x64x16xf32>
  %r = tmc.kv_cache_read %w length %n : tensor<?x2x64x16xf32> -> tensor<?x2x?x16xf32>
  return %w, %r : tensor<?x2x64x16xf32>, tensor<?x2x?x16xf32>
}
