// RUN: tmc-opt %s -split-input-file -tmc-cpu-parallel-loops | FileCheck %s

// A prompt's elementwise op: its rows across the cores when there are
// 32768 iterations or more (known at run time only), each row a sequential
// op inside; below that the op stays as it was.
// CHECK-LABEL: func.func @elementwise(
// CHECK:         %[[ROWS:.*]] = memref.dim %{{.*}}, %c0{{.*}} : memref<?x576xf32>
// CHECK:         %[[COUNT:.*]] = arith.muli %[[ROWS]], %c576
// CHECK:         %[[LARGE:.*]] = arith.cmpi uge, %[[COUNT]], %c32768
// CHECK:         scf.if %[[LARGE]] {
// CHECK:           scf.parallel (%[[ROW:.*]]) =
// CHECK:             memref.subview %{{.*}}[%[[ROW]], 0] [1, 576] [1, 1]
// CHECK:             linalg.generic {{.*}}memref<1x576xf32, strided<[576, 1], offset: ?>>
// CHECK:               math.exp
// CHECK:         } else {
// CHECK-NOT:       scf.parallel
// CHECK:           linalg.generic {{.*}}ins(%{{.*}} : memref<?x576xf32>)
func.func @elementwise(%a: memref<?x576xf32>, %b: memref<?x576xf32>) {
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]} ins(%a : memref<?x576xf32>) outs(%b : memref<?x576xf32>) {
  ^bb0(%x: f32, %y: f32):
    %e = math.exp %x : f32
    linalg.yield %e : f32
  }
  return
}

// -----

// A row-wise reduction with a static shape large enough: no run-time test;
// the rows in parallel, each row's sum sequential.
// CHECK-LABEL: func.func @row_sums(
// CHECK-NOT:     scf.if
// CHECK:         scf.parallel (%[[ROW:.*]]) = (%{{.*}}) to (%c64)
// CHECK:           linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]
// CHECK-SAME:        ins(%{{.*}} : memref<1x1024xf32, {{.*}}>) outs(%{{.*}} : memref<1xf32, {{.*}}>)
func.func @row_sums(%a: memref<64x1024xf32>, %s: memref<64xf32>) {
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i)>], iterator_types = ["parallel", "reduction"]} ins(%a : memref<64x1024xf32>) outs(%s : memref<64xf32>) {
  ^bb0(%x: f32, %y: f32):
    %e = arith.addf %x, %y : f32
    linalg.yield %e : f32
  }
  return
}

// -----

// A decode step's row (576 iterations) stays sequential, and so does an op
// whose outermost loop is a reduction.
// CHECK-LABEL: func.func @small(
// CHECK-NOT:     scf.parallel
// CHECK:         linalg.copy
// CHECK-NOT:     scf.parallel
// CHECK:         linalg.generic {{.*}}iterator_types = ["reduction", "parallel"]
// CHECK-NOT:     scf.parallel
func.func @small(%a: memref<1x576xf32>, %b: memref<1x576xf32>, %c: memref<4096x64xf32>, %s: memref<64xf32>) {
  linalg.copy ins(%a : memref<1x576xf32>) outs(%b : memref<1x576xf32>)
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (j)>], iterator_types = ["reduction", "parallel"]} ins(%c : memref<4096x64xf32>) outs(%s : memref<64xf32>) {
  ^bb0(%x: f32, %y: f32):
    %e = arith.addf %x, %y : f32
    linalg.yield %e : f32
  }
  return
}

// -----

// Ops inside a parallel loop already (a kernel's) are left alone.
// CHECK-LABEL: func.func @nested(
// CHECK:         scf.parallel
// CHECK-NOT:       scf.parallel
// CHECK:           linalg.copy ins(%{{.*}} : memref<256x256xf32>)
func.func @nested(%a: memref<256x256xf32>, %b: memref<256x256xf32>, %n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    linalg.copy ins(%a : memref<256x256xf32>) outs(%b : memref<256x256xf32>)
    scf.reduce
  }
  return
}
