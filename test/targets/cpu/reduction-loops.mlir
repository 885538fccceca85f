// RUN: tmc-opt %s -split-input-file -tmc-cpu-reduction-loops | FileCheck %s

// A row sum (a softmax's denominator): loops over the parallel dims, then
// the reduction over the last dim with the output element carried in a
// register, loaded once and stored once; its add may reassociate.
// CHECK-LABEL: func.func @row_sum(
// CHECK-SAME:      %[[IN:.*]]: memref<?x8x?xf32>, %[[OUT:.*]]: memref<?x8x1xf32>
// CHECK:         scf.for %[[I:.*]] =
// CHECK:           scf.for %[[J:.*]] =
// CHECK:             %[[START:.*]] = memref.load %[[OUT]][%[[I]], %[[J]], %c0{{.*}}] : memref<?x8x1xf32>
// CHECK:             %[[SUM:.*]] = scf.for %[[K:.*]] = {{.*}} iter_args(%[[ACC:.*]] = %[[START]]) -> (f32) {
// CHECK:               %[[X:.*]] = memref.load %[[IN]][%[[I]], %[[J]], %[[K]]]
// CHECK:               %[[NEXT:.*]] = arith.addf %[[X]], %[[ACC]] fastmath<reassoc> : f32
// CHECK:               scf.yield %[[NEXT]] : f32
// CHECK:             memref.store %[[SUM]], %[[OUT]][%[[I]], %[[J]], %c0{{.*}}] : memref<?x8x1xf32>
// CHECK-NOT:     linalg.generic
func.func @row_sum(%in: memref<?x8x?xf32>, %out: memref<?x8x1xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, 0)>],
                  iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%in : memref<?x8x?xf32>) outs(%out : memref<?x8x1xf32>) {
  ^bb0(%x: f32, %acc: f32):
    %s = arith.addf %x, %acc : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// A max with the loop's index in the body (a causal mask) and a scalar
// input: the index is the loop's, the maximum keeps its own semantics.
// CHECK-LABEL: func.func @masked_max(
// CHECK:         scf.for %[[I:.*]] =
// CHECK:           scf.for %[[K:.*]] = {{.*}} iter_args(%[[ACC:.*]] = %{{.*}}) -> (f32) {
// CHECK:             arith.cmpi sgt, %[[K]], %[[I]] : index
// CHECK:             arith.maximumf %{{.*}}, %[[ACC]] fastmath<reassoc> : f32
func.func @masked_max(%in: memref<4x16xf32>, %out: memref<4xf32>, %low: f32) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> ()>, affine_map<(d0, d1) -> (d0)>],
                  iterator_types = ["parallel", "reduction"]}
      ins(%in, %low : memref<4x16xf32>, f32) outs(%out : memref<4xf32>) {
  ^bb0(%x: f32, %l: f32, %acc: f32):
    %i = linalg.index 0 : index
    %k = linalg.index 1 : index
    %later = arith.cmpi sgt, %k, %i : index
    %v = arith.select %later, %l, %x : f32
    %m = arith.maximumf %v, %acc : f32
    linalg.yield %m : f32
  }
  return
}

// -----

// Not a row reduction: the reduction is not the innermost loop, or there is
// none (and no row value is read). Both stay for convert-linalg-to-loops.
// CHECK-LABEL: func.func @others_stay(
// CHECK-COUNT-2: linalg.generic
func.func @others_stay(%in: memref<4x16xf32>, %cols: memref<16xf32>, %rows: memref<4xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>],
                  iterator_types = ["reduction", "parallel"]}
      ins(%in : memref<4x16xf32>) outs(%cols : memref<16xf32>) {
  ^bb0(%x: f32, %acc: f32):
    %s = arith.addf %x, %acc : f32
    linalg.yield %s : f32
  }
  linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>],
                  iterator_types = ["parallel"]}
      ins(%rows : memref<4xf32>) outs(%rows : memref<4xf32>) {
  ^bb0(%x: f32, %acc: f32):
    %s = arith.addf %x, %acc : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// A row update (a softmax's exp of each score less its row's max): the row
// value is loaded once before the innermost loop, which then reads and
// writes only the row's elements (LLVM vectorizes it; with the load inside,
// which may alias the stores for all it knows, it did not). The body's
// linalg.index is the loop's index.
// CHECK-LABEL: func.func @row_update(
// CHECK-SAME:      %[[MAX:.*]]: memref<?x8x1xf32>, %[[S:.*]]: memref<?x8x?xf32>
// CHECK:         scf.for %[[I:.*]] =
// CHECK:           scf.for %[[J:.*]] =
// CHECK:             %[[M:.*]] = memref.load %[[MAX]][%[[I]], %[[J]], %c0{{.*}}] : memref<?x8x1xf32>
// CHECK:             scf.for %[[K:.*]] =
// CHECK-NOT:           memref.load %[[MAX]]
// CHECK:               %[[X:.*]] = memref.load %[[S]][%[[I]], %[[J]], %[[K]]]
// CHECK:               %[[D:.*]] = arith.subf %[[X]], %[[M]] : f32
// CHECK:               %[[E:.*]] = math.exp %[[D]] : f32
// CHECK:               %[[KF:.*]] = arith.index_cast %[[K]] : index to i64
// CHECK:               memref.store %{{.*}}, %[[S]][%[[I]], %[[J]], %[[K]]]
// CHECK-NOT:     linalg.generic
func.func @row_update(%max: memref<?x8x1xf32>, %s: memref<?x8x?xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, 0)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>],
                  iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%max : memref<?x8x1xf32>) outs(%s : memref<?x8x?xf32>) {
  ^bb0(%m: f32, %x: f32):
    %d = arith.subf %x, %m : f32
    %e = math.exp %d : f32
    %k = linalg.index 2 : index
    %ki = arith.index_cast %k : index to i64
    %kf = arith.sitofp %ki : i64 to f32
    %r = arith.addf %e, %kf : f32
    linalg.yield %r : f32
  }
  return
}
