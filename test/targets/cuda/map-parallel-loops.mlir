// RUN: tmc-opt %s -tmc-cuda-map-parallel-loops -split-input-file | FileCheck %s
// RUN: tmc-opt %s -tmc-cuda-map-parallel-loops="block-size=128" -split-input-file | FileCheck %s --check-prefix=SMALL
// RUN: not tmc-opt %s -tmc-cuda-map-parallel-loops="block-size=2048" 2>&1 | FileCheck %s --check-prefix=TOO-BIG

// A rank-3 nest with dynamic bounds: its iteration space is linearized (a
// dimension whose upper bound is not above its lower one counts 0), one
// thread per iteration in blocks of 256, and each thread recovers its
// indices innermost first (neighbouring threads, neighbouring elements).
// CHECK-LABEL: func.func @scale(
// CHECK-SAME:      %[[X:.*]]: memref<?x?x64xf32>
// CHECK:         %[[D0:.*]] = memref.dim %[[X]], %c0
// CHECK:         %[[D1:.*]] = memref.dim %[[X]], %c1
// CHECK:         %[[C0:.*]] = arith.ceildivui %{{.*}}, %c1
// CHECK:         %[[T0:.*]] = arith.select %{{.*}}, %[[C0]], %{{.*}}
// CHECK:         %[[P0:.*]] = arith.muli %{{.*}}, %[[T0]]
// CHECK:         %[[C1:.*]] = arith.ceildivui %{{.*}}, %c1
// CHECK:         %[[T1:.*]] = arith.select %{{.*}}, %[[C1]], %{{.*}}
// CHECK:         %[[P1:.*]] = arith.muli %[[P0]], %[[T1]]
// CHECK:         %[[C2:.*]] = arith.ceildivui %{{.*}}, %c1
// CHECK:         %[[T2:.*]] = arith.select %{{.*}}, %[[C2]], %{{.*}}
// CHECK:         %[[TOTAL:.*]] = arith.muli %[[P1]], %[[T2]]
// CHECK:         %[[THREADS:.*]] = arith.constant 256 : index
// CHECK:         %[[BLOCKS:.*]] = arith.ceildivui %[[TOTAL]], %[[THREADS]]
// CHECK:         gpu.launch blocks(%[[BX:.*]], %{{.*}}, %{{.*}}) in (%{{.*}} = %[[BLOCKS]], %{{.*}} = %{{.*}}, %{{.*}} = %{{.*}}) threads(%[[TX:.*]], %{{.*}}, %{{.*}}) in (%{{.*}} = %[[THREADS]],
// CHECK:           %[[FIRST:.*]] = arith.muli %[[BX]], %[[THREADS]]
// CHECK:           %[[LINEAR:.*]] = arith.addi %[[FIRST]], %[[TX]]
// CHECK:           %[[INSIDE:.*]] = arith.cmpi ult, %[[LINEAR]], %[[TOTAL]]
// CHECK:           scf.if %[[INSIDE]] {
// CHECK:             %[[I2:.*]] = arith.remui %[[LINEAR]], %[[T2]]
// CHECK:             %[[R2:.*]] = arith.divui %[[LINEAR]], %[[T2]]
// CHECK:             %[[I1:.*]] = arith.remui %[[R2]], %[[T1]]
// CHECK:             %[[I0:.*]] = arith.divui %[[R2]], %[[T1]]
// CHECK:             memref.load %[[X]][%{{.*}}, %{{.*}}, %{{.*}}]
// CHECK:             arith.mulf
// CHECK:             memref.store
// CHECK:           }
// CHECK:           gpu.terminator
// CHECK-NOT:     scf.parallel
// SMALL:         arith.constant 128 : index
// TOO-BIG:       error: block-size 2048 is not in [1, 1024]
func.func @scale(%x: memref<?x?x64xf32>, %s: f32) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  %d0 = memref.dim %x, %c0 : memref<?x?x64xf32>
  %d1 = memref.dim %x, %c1 : memref<?x?x64xf32>
  scf.parallel (%i, %j, %k) = (%c0, %c0, %c0) to (%d0, %d1, %c64) step (%c1, %c1, %c1) {
    %v = memref.load %x[%i, %j, %k] : memref<?x?x64xf32>
    %r = arith.mulf %v, %s : f32
    memref.store %r, %x[%i, %j, %k] : memref<?x?x64xf32>
    scf.reduce
  }
  return
}

// -----

// Only outermost nests launch; a reduction loop inside stays sequential in
// each thread, and a nested scf.parallel is part of its thread's work.
// CHECK-LABEL: func.func @row_sums(
// CHECK:         gpu.launch
// CHECK:           scf.if
// CHECK:             scf.for
// CHECK:               scf.parallel
// CHECK-NOT:     gpu.launch
func.func @row_sums(%x: memref<?x64xf32>, %out: memref<?xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c64 = arith.constant 64 : index
  %rows = memref.dim %x, %c0 : memref<?x64xf32>
  scf.parallel (%i) = (%c0) to (%rows) step (%c1) {
    scf.for %k = %c0 to %c64 step %c1 {
      %v = memref.load %x[%i, %k] : memref<?x64xf32>
      %acc = memref.load %out[%i] : memref<?xf32>
      %sum = arith.addf %acc, %v : f32
      memref.store %sum, %out[%i] : memref<?xf32>
      scf.parallel (%j) = (%c0) to (%c2) step (%c1) {
        scf.reduce
      }
    }
    scf.reduce
  }
  return
}
