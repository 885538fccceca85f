// RUN: tmc-opt %s -tmc-cpu-parallel-to-openmp -split-input-file | FileCheck %s

// A parallel loop becomes one OpenMP region: each thread takes a contiguous
// part of the iterations (total / threads, the first total % threads parts
// one longer) from its number and the team's size, no worksharing loop, no
// runtime call per region but the two queries.
// CHECK-LABEL: func.func private @omp_get_num_threads() -> i32
// CHECK-LABEL: func.func private @omp_get_thread_num() -> i32
// CHECK-LABEL: func.func @one_dim(
// CHECK:         %[[SPAN:.*]] = arith.subi %arg0, %c0
// CHECK:         %[[UP:.*]] = arith.ceildivui %[[SPAN]], %c32
// CHECK:         %[[ANY:.*]] = arith.cmpi sgt, %arg0, %c0
// CHECK:         %[[TRIP:.*]] = arith.select %[[ANY]], %[[UP]], %{{.*}}
// CHECK:         %[[TOTAL:.*]] = arith.muli %{{.*}}, %[[TRIP]]
// CHECK:         omp.parallel {
// CHECK-NOT:       omp.wsloop
// CHECK:           %[[T32:.*]] = func.call @omp_get_thread_num()
// CHECK:           %[[T:.*]] = arith.index_castui %[[T32]]
// CHECK:           %[[N32:.*]] = func.call @omp_get_num_threads()
// CHECK:           %[[N:.*]] = arith.index_castui %[[N32]]
// CHECK:           %[[EACH:.*]] = arith.divui %[[TOTAL]], %[[N]]
// CHECK:           %[[LONGER:.*]] = arith.remui %[[TOTAL]], %[[N]]
// CHECK:           %[[BEFORE:.*]] = arith.minui %[[T]], %[[LONGER]]
// CHECK:           %[[SHORT:.*]] = arith.muli %[[T]], %[[EACH]]
// CHECK:           %[[FIRST:.*]] = arith.addi %[[SHORT]], %[[BEFORE]]
// CHECK:           %[[IS:.*]] = arith.cmpi ult, %[[T]], %[[LONGER]]
// CHECK:           %[[EXTRA:.*]] = arith.select %[[IS]], %c1{{.*}}, %c0{{.*}}
// CHECK:           %[[COUNT:.*]] = arith.addi %[[EACH]], %[[EXTRA]]
// CHECK:           %[[LAST:.*]] = arith.addi %[[FIRST]], %[[COUNT]]
// CHECK:           scf.for %[[FLAT:.*]] = %[[FIRST]] to %[[LAST]] step %c1
// CHECK-NEXT:        memref.alloca_scope {
// CHECK-NEXT:          %[[SCALED:.*]] = arith.muli %[[FLAT]], %c32
// CHECK-NEXT:          %[[I:.*]] = arith.addi %c0, %[[SCALED]]
// CHECK-NEXT:          func.call @work(%[[I]], %[[I]])
// CHECK:           omp.terminator
// CHECK-NOT:     scf.parallel
func.func private @work(index, index)

func.func @one_dim(%n: index) {
  %c0 = arith.constant 0 : index
  %c32 = arith.constant 32 : index
  scf.parallel (%i) = (%c0) to (%n) step (%c32) {
    func.call @work(%i, %i) : (index, index) -> ()
    scf.reduce
  }
  return
}

// -----

// Two dimensions collapse into one range, the last one fastest; a parallel
// loop inside runs as an scf.for on the thread.
// CHECK-LABEL: func.func @two_dims_nested(
// CHECK:         %[[ROWS:.*]] = arith.select %{{.*}} : index
// CHECK:         %[[COLUMNS:.*]] = arith.select %{{.*}} : index
// CHECK:         %[[TOTAL:.*]] = arith.muli %{{.*}}, %[[COLUMNS]]
// CHECK:         omp.parallel {
// CHECK:           scf.for %[[FLAT:.*]] = %{{.*}} to %{{.*}} step
// CHECK-NEXT:        memref.alloca_scope {
// CHECK-NEXT:          %[[J:.*]] = arith.remui %[[FLAT]], %[[COLUMNS]]
// CHECK-NEXT:          %[[I:.*]] = arith.divui %[[FLAT]], %[[COLUMNS]]
// CHECK-NEXT:          %[[JS:.*]] = arith.muli %[[J]], %c2
// CHECK-NEXT:          %[[JV:.*]] = arith.addi %c0, %[[JS]]
// CHECK-NEXT:          %[[IS:.*]] = arith.muli %[[I]], %c1
// CHECK-NEXT:          %[[IV:.*]] = arith.addi %c1, %[[IS]]
// CHECK-NEXT:          scf.for %[[K:.*]] = %c0 to %c4 step %c1 {
// CHECK-NEXT:            func.call @work(%[[IV]], %[[K]])
// CHECK-NEXT:          }
// CHECK-NEXT:          func.call @work(%[[IV]], %[[JV]])
// CHECK-NOT:     scf.parallel
func.func private @work(index, index)

func.func @two_dims_nested(%n: index, %m: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c4 = arith.constant 4 : index
  scf.parallel (%i, %j) = (%c1, %c0) to (%n, %m) step (%c1, %c2) {
    scf.parallel (%k) = (%c0) to (%c4) step (%c1) {
      func.call @work(%i, %k) : (index, index) -> ()
      scf.reduce
    }
    func.call @work(%i, %j) : (index, index) -> ()
    scf.reduce
  }
  return
}

// -----

// A loop with a reduction is left for convert-scf-to-openmp.
// CHECK-LABEL: func.func @reduction(
// CHECK-NOT:     omp.parallel
// CHECK:         scf.parallel
// CHECK:           scf.reduce(
func.func @reduction(%n: index) -> index {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %sum = scf.parallel (%i) = (%c0) to (%n) step (%c1) init (%c0) -> index {
    scf.reduce(%i : index) {
    ^bb0(%a: index, %b: index):
      %s = arith.addi %a, %b : index
      scf.reduce.return %s : index
    }
  }
  return %sum : index
}
