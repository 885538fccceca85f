// RUN: tmc-opt %s -split-input-file -convert-tmc-to-linalg | FileCheck %s

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

// -----

// A ring write keeps the update's last 8 positions: those before the wrap go
// to slot (past + first kept) mod 8 onward, the rest to slot 0 onward.
// CHECK-LABEL: func.func @ring_write(
// CHECK-SAME:      %[[C:.*]]: tensor<?x2x8x16xf32>, %[[K:.*]]: tensor<?x2x?x16xf32>, %[[P:.*]]: index)
// CHECK-DAG:     %[[N:.*]] = tensor.dim %[[K]], %c2
// CHECK:         %[[KEPT:.*]] = arith.minsi %[[N]], %c8
// CHECK:         %[[FIRST:.*]] = arith.subi %[[N]], %[[KEPT]]
// CHECK:         %[[SLOT:.*]] = arith.remui {{.*}}, %c8
// CHECK:         %[[BEFORE:.*]] = arith.minsi %[[KEPT]], {{.*}}
// CHECK:         %[[AFTER:.*]] = arith.subi %[[KEPT]], %[[BEFORE]]
// CHECK:         %[[TAIL:.*]] = tensor.extract_slice %[[K]][0, 0, %[[FIRST]], 0] [{{.*}}, 2, %[[BEFORE]], 16]
// CHECK:         %[[W:.*]] = tensor.insert_slice %[[TAIL]] into %[[C]][0, 0, %[[SLOT]], 0]
// CHECK:         %[[WRAPPED:.*]] = tensor.extract_slice %[[K]][0, 0, {{.*}}, 0] [{{.*}}, 2, %[[AFTER]], 16]
// CHECK:         %[[R:.*]] = tensor.insert_slice %[[WRAPPED]] into %[[W]][0, 0, 0, 0]
// CHECK:         return %[[R]]
func.func @ring_write(%cache: tensor<?x2x8x16xf32>, %k: tensor<?x2x?x16xf32>, %past: index) -> tensor<?x2x8x16xf32> {
  %w = tmc.kv_cache_write %cache[%past], %k ring : (tensor<?x2x8x16xf32>, tensor<?x2x?x16xf32>) -> tensor<?x2x8x16xf32>
  return %w : tensor<?x2x8x16xf32>
}

// -----

// The window rotates the ring: slots [past mod 8, 8) first, then [0, past mod 8).
// CHECK-LABEL: func.func @ring_window(
// CHECK-SAME:      %[[C:.*]]: tensor<?x2x8x16xf32>, %[[P:.*]]: index)
// CHECK:         %[[OLDEST:.*]] = arith.remui %[[P]], %c8
// CHECK:         %[[OLDER:.*]] = arith.subi %c8, %[[OLDEST]]
// CHECK:         %[[E:.*]] = tensor.empty({{.*}}) : tensor<?x2x8x16xf32>
// CHECK:         %[[A:.*]] = tensor.extract_slice %[[C]][0, 0, %[[OLDEST]], 0] [{{.*}}, 2, %[[OLDER]], 16]
// CHECK:         %[[R1:.*]] = tensor.insert_slice %[[A]] into %[[E]][0, 0, 0, 0]
// CHECK:         %[[B:.*]] = tensor.extract_slice %[[C]][0, 0, 0, 0] [{{.*}}, 2, %[[OLDEST]], 16]
// CHECK:         %[[R2:.*]] = tensor.insert_slice %[[B]] into %[[R1]][0, 0, %[[OLDER]], 0]
// CHECK:         return %[[R2]]
func.func @ring_window(%cache: tensor<?x2x8x16xf32>, %past: index) -> tensor<?x2x8x16xf32> {
  %w = tmc.kv_cache_window %cache before %past : tensor<?x2x8x16xf32> -> tensor<?x2x8x16xf32>
  return %w : tensor<?x2x8x16xf32>
}

// -----

// The window's key mask reads attention_mask at past - 8 + j, 0 below position 0.
// CHECK-LABEL: func.func @ring_window_mask(
// CHECK-SAME:      %[[M:.*]]: tensor<?x?xi64>, %[[P:.*]]: index)
// CHECK:         %[[START:.*]] = arith.subi %[[P]], %c8
// CHECK:         linalg.generic
// CHECK-SAME:      outs(%{{.*}} : tensor<?x?xi64>)
// CHECK:           %[[J:.*]] = linalg.index 1
// CHECK:           %[[POS:.*]] = arith.addi %[[START]], %[[J]]
// CHECK:           %[[VALID:.*]] = arith.cmpi sge, %[[POS]], %c0
// CHECK:           %[[SAFE:.*]] = arith.maxsi %[[POS]], %c0
// CHECK:           %[[X:.*]] = tensor.extract %[[M]][%{{.*}}, %[[SAFE]]]
// CHECK:           arith.select %[[VALID]], %[[X]], %c0_i64
func.func @ring_window_mask(%mask: tensor<?x?xi64>, %past: index) -> tensor<?x?xi64> {
  %m = tmc.kv_cache_window_mask %mask before %past window = 8 : tensor<?x?xi64> -> tensor<?x?xi64>
  return %m : tensor<?x?xi64>
}
