// RUN: tmc-opt %s -tmc-cpu-name-allocations | FileCheck %s
// RUN: tmc-opt %s -tmc-cpu-name-allocations -finalize-memref-to-llvm=use-generic-functions=1 | FileCheck %s --check-prefix=LOWERED

// Each heap allocation is preceded by a call naming it: its type, function
// and the model-file line of the op that made it.
// CHECK-DAG:   llvm.mlir.global private constant @tmc_alloc_site_0("a memref<?x8xf32> buffer in @f (modeling_tiny.py:12:5)\00")
// CHECK-DAG:   llvm.mlir.global private constant @tmc_alloc_site_1("a memref<4xi64> buffer in @f (name-allocations.mlir:{{[0-9]+}}:{{[0-9]+}})\00")
// CHECK-LABEL: func.func @f(
// CHECK:         %[[SITE0:.*]] = llvm.mlir.addressof @tmc_alloc_site_0
// CHECK:         call @tmc_alloc_site(%{{.*}}) : (!llvm.ptr) -> ()
// CHECK-NEXT:    memref.alloc(%{{.*}}) {alignment = 64 : i64} : memref<?x8xf32>
// CHECK:         llvm.mlir.addressof @tmc_alloc_site_1
// CHECK:         call @tmc_alloc_site(%{{.*}}) : (!llvm.ptr) -> ()
// CHECK-NEXT:    memref.alloc() : memref<4xi64>
// Stack buffers are not heap allocations.
// CHECK-NOT:     call @tmc_alloc_site
// CHECK:         memref.alloca
// CHECK:       func.func private @tmc_alloc_site(!llvm.ptr)

// With generic functions the lowered allocations go through the runtime's
// checked allocator.
// LOWERED: llvm.call @_mlir_memref_to_llvm_alloc
// LOWERED-NOT: @malloc

func.func @f(%n: index) -> memref<?x8xf32> {
  %a = memref.alloc(%n) {alignment = 64 : i64} : memref<?x8xf32> loc(callsite("x"("modeling_tiny.py":12:5) at "y"))
  %b = memref.alloc() : memref<4xi64>
  %c = memref.alloca() : memref<2xi64>
  memref.dealloc %b : memref<4xi64>
  return %a : memref<?x8xf32>
}
