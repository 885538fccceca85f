// RUN: tmc-opt %s -split-input-file -tmc-emit-packed-entry-points | FileCheck %s

// tmc_entry_f(args): args[i] is the i-th C-interface argument; descriptors are
// passed through as pointers, scalars are loaded. The C interface is inlined
// into the entry and removed; a function without one gets no entry and
// becomes internal. tmc.param names are dropped.
// CHECK-NOT:   _mlir_ciface_f
// CHECK:       llvm.func internal @helper()
// CHECK-NOT:   llvm.func @tmc_entry_helper
// CHECK-LABEL: llvm.func @tmc_entry_f(
// CHECK-SAME:      %[[ARGS:.*]]: !llvm.ptr) {
// CHECK:         %[[S0:.*]] = llvm.getelementptr %[[ARGS]][0] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
// CHECK:         %[[P0:.*]] = llvm.load %[[S0]] : !llvm.ptr -> !llvm.ptr
// CHECK:         %[[S1:.*]] = llvm.getelementptr %[[ARGS]][1] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
// CHECK:         %[[P1:.*]] = llvm.load %[[S1]] : !llvm.ptr -> !llvm.ptr
// CHECK:         %[[S2:.*]] = llvm.getelementptr %[[ARGS]][2] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
// CHECK:         %[[P2:.*]] = llvm.load %[[S2]] : !llvm.ptr -> !llvm.ptr
// CHECK:         %[[N:.*]] = llvm.load %[[P2]] : !llvm.ptr -> i64
// CHECK:         llvm.store %[[N]], %[[P0]] : i64, !llvm.ptr
// CHECK-NOT:     llvm.call
// CHECK:         llvm.return
// CHECK-NOT:   tmc.param
llvm.func @_mlir_ciface_f(%result: !llvm.ptr, %weight: !llvm.ptr {tmc.param = "w"}, %n: i64) {
  llvm.store %n, %result : i64, !llvm.ptr
  llvm.return
}
llvm.func @helper() {
  llvm.return
}

// -----

// The function a C wrapper calls with expanded descriptors is inlined too:
// the calls with hundreds (wrapper) and thousands (expanded) of arguments
// disappear, and only the packed entry stays public; a function the entry
// calls (a layer) stays a call, internal; declarations stay as they are.
// CHECK-LABEL: llvm.func @free(!llvm.ptr)
// CHECK-LABEL: llvm.func internal @layer(
// CHECK-NOT:   llvm.func {{.*}}@g(
// CHECK-NOT:   _mlir_ciface_g
// CHECK-LABEL: llvm.func @tmc_entry_g(
// CHECK:         %[[D:.*]] = llvm.load
// CHECK:         %[[C:.*]] = llvm.mlir.constant(1 : i64) : i64
// CHECK:         llvm.call @layer(%[[D]], %[[C]]) : (!llvm.ptr, i64) -> ()
// CHECK-NEXT:    llvm.return
llvm.func @free(!llvm.ptr)
llvm.func @layer(%a: !llvm.ptr, %b: i64) {
  llvm.return
}
llvm.func @g(%a: !llvm.ptr, %b: i64) {
  llvm.call @layer(%a, %b) : (!llvm.ptr, i64) -> ()
  llvm.return
}
llvm.func @_mlir_ciface_g(%d: !llvm.ptr) {
  %c = llvm.mlir.constant(1 : i64) : i64
  llvm.call @g(%d, %c) : (!llvm.ptr, i64) -> ()
  llvm.return
}
