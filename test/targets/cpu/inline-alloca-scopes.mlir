// RUN: tmc-opt %s -tmc-cpu-inline-alloca-scopes -split-input-file | FileCheck %s

// An iteration that calls a library and loops, with no stack allocation of
// its own: its scope goes, so that the loop may become blocks.
// CHECK-LABEL: func.func @call_and_loop(
// CHECK:         omp.loop_nest
// CHECK-NOT:       memref.alloca_scope
// CHECK:           func.call @work
// CHECK:           scf.for
func.func private @work(i64)
func.func @call_and_loop(%n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  omp.parallel {
    omp.wsloop {
      omp.loop_nest (%i) : index = (%c0) to (%n) step (%c1) {
        memref.alloca_scope {
          %v = arith.index_cast %i : index to i64
          func.call @work(%v) : (i64) -> ()
          scf.for %j = %c0 to %n step %c1 {
            func.call @work(%v) : (i64) -> ()
          }
        }
        omp.yield
      }
    }
    omp.terminator
  }
  return
}

// -----

// An alloca in the iteration keeps its scope, which frees it each time.
// CHECK-LABEL: func.func @alloca_kept(
// CHECK:         memref.alloca_scope
// CHECK:           memref.alloca
func.func private @use(memref<16xf32>)
func.func @alloca_kept(%n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  scf.for %i = %c0 to %n step %c1 {
    memref.alloca_scope {
      %buffer = memref.alloca() : memref<16xf32>
      func.call @use(%buffer) : (memref<16xf32>) -> ()
    }
  }
  return
}
