// RUN: tmc-opt %s --tmc-drop-in-place-results | FileCheck %s

// A private function returning its argument stops returning it; calls use
// the argument. The public function's marked result is dropped: it already is
// its argument.
// CHECK-LABEL: func.func private @layer(
// CHECK-SAME:      %[[H:.*]]: memref<4xf32>, %[[C:.*]]: memref<2x8xf32>) -> memref<4xf32>
// CHECK:         %[[OUT:.*]] = memref.alloc() : memref<4xf32>
// CHECK:         return %[[OUT]] : memref<4xf32>
func.func private @layer(%h: memref<4xf32>, %c: memref<2x8xf32>) -> (memref<4xf32>, memref<2x8xf32>) {
  %out = memref.alloc() : memref<4xf32>
  return %out, %c : memref<4xf32>, memref<2x8xf32>
}

// CHECK-LABEL: func.func @decode(
// CHECK-SAME:      %[[X:.*]]: memref<4xf32>, %[[CACHE:.*]]: memref<2x8xf32>) -> memref<4xf32>
// CHECK:         %[[R:.*]] = call @layer(%[[X]], %[[CACHE]]) : (memref<4xf32>, memref<2x8xf32>) -> memref<4xf32>
// CHECK-NOT:     memref.copy
// CHECK:         return %[[R]] : memref<4xf32>
func.func @decode(%x: memref<4xf32>, %cache: memref<2x8xf32>)
    -> (memref<4xf32>, memref<2x8xf32> {tmc.in_place = 1 : i64}) {
  %r:2 = call @layer(%x, %cache) : (memref<4xf32>, memref<2x8xf32>) -> (memref<4xf32>, memref<2x8xf32>)
  return %r#0, %r#1 : memref<4xf32>, memref<2x8xf32>
}

// A marked result in another buffer is copied into its argument.
// CHECK-LABEL: func.func @copied(
// CHECK-SAME:      %[[CACHE:.*]]: memref<2x8xf32>)
// CHECK:         %[[NEW:.*]] = memref.alloc() : memref<2x8xf32>
// CHECK:         memref.copy %[[NEW]], %[[CACHE]]
// CHECK:         return{{$}}
func.func @copied(%cache: memref<2x8xf32>) -> (memref<2x8xf32> {tmc.in_place = 0 : i64}) {
  %new = memref.alloc() : memref<2x8xf32>
  return %new : memref<2x8xf32>
}

// Unmarked public results stay (the artifact's ABI).
// CHECK-LABEL: func.func @identity(
// CHECK-SAME:      -> memref<2x8xf32>
func.func @identity(%cache: memref<2x8xf32>) -> memref<2x8xf32> {
  return %cache : memref<2x8xf32>
}
