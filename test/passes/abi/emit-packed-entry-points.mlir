// RUN: tmc-opt %s -split-input-file -tmc-emit-packed-entry-points | FileCheck %s

// tmc_entry_f(args): args[i] is the i-th C-interface argument; descriptors are
// passed through as pointers, scalars are loaded. tmc.param names are dropped.
// CHECK-LABEL: llvm.func @_mlir_ciface_f(
// CHECK-NOT:     tmc.param
// CHECK-LABEL: llvm.func @tmc_entry_f(
// CHECK-SAME:      %[[ARGS:.*]]: !llvm.ptr) {
// CHECK:         %[[S0:.*]] = llvm.getelementptr %[[ARGS]][0] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
// CHECK:         %[[P0:.*]] = llvm.load %[[S0]] : !llvm.ptr -> !llvm.ptr
// CHECK:         %[[S1:.*]] = llvm.getelementptr %[[ARGS]][1] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
// CHECK:         %[[P1:.*]] = llvm.load %[[S1]] : !llvm.ptr -> !llvm.ptr
// CHECK:         %[[S2:.*]] = llvm.getelementptr %[[ARGS]][2] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
// CHECK:         %[[P2:.*]] = llvm.load %[[S2]] : !llvm.ptr -> !llvm.ptr
// CHECK:         %[[N:.*]] = llvm.load %[[P2]] : !llvm.ptr -> i64
// CHECK:         llvm.call @_mlir_ciface_f(%[[P0]], %[[P1]], %[[N]]) : (!llvm.ptr, !llvm.ptr, i64) -> ()
// CHECK:         llvm.return
// Functions without a C interface get no entry.
// CHECK-NOT:   llvm.func @tmc_entry_helper
llvm.func @_mlir_ciface_f(%result: !llvm.ptr, %weight: !llvm.ptr {tmc.param = "w"}, %n: i64) {
  llvm.return
}
llvm.func @helper() {
  llvm.return
}

// -----

// The function a C wrapper calls with expanded descriptors becomes internal
// and always_inline: the call with thousands of scalar arguments disappears.
// CHECK-LABEL: llvm.func internal @g(
// CHECK-SAME:    always_inline
// CHECK-LABEL: llvm.func @_mlir_ciface_g(
// CHECK:         llvm.call @g(
llvm.func @g(%a: !llvm.ptr, %b: i64) {
  llvm.return
}
llvm.func @_mlir_ciface_g(%d: !llvm.ptr) {
  %c = llvm.mlir.constant(1 : i64) : i64
  llvm.call @g(%d, %c) : (!llvm.ptr, i64) -> ()
  llvm.return
}
