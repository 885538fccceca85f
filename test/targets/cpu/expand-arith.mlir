// RUN: tmc-opt %s -split-input-file -tmc-cpu-expand-arith | FileCheck %s

// maximumf and minimumf stay, for arith-to-llvm's llvm.maximum/minimum,
// whose reductions LLVM vectorizes (upstream arith-expand would make each a
// compare and a select).
// CHECK-LABEL: func.func @keeps_max_min(
// CHECK:         arith.maximumf %{{.*}}, %{{.*}} : f32
// CHECK:         arith.minimumf %{{.*}}, %{{.*}} : vector<16xf32>
// CHECK-NOT:     arith.cmpf
// CHECK-NOT:     arith.select
func.func @keeps_max_min(%a: f32, %b: f32, %v: vector<16xf32>, %w: vector<16xf32>) -> (f32, vector<16xf32>) {
  %m = arith.maximumf %a, %b : f32
  %n = arith.minimumf %v, %w : vector<16xf32>
  return %m, %n : f32, vector<16xf32>
}

// -----

// What LLVM has no lowering for is expanded: ceil/floor divisions, and bf16
// conversions as integer arithmetic (no compiler-rt call).
// CHECK-LABEL: func.func @expands_the_rest(
// CHECK-NOT:     arith.ceildivsi
// CHECK-NOT:     arith.floordivsi
// CHECK-NOT:     arith.extf
// CHECK-NOT:     arith.truncf
// CHECK:         arith.shli
// CHECK:         return
func.func @expands_the_rest(%i: index, %j: index, %h: bf16, %f: f32) -> (index, index, f32, bf16) {
  %c = arith.ceildivsi %i, %j : index
  %d = arith.floordivsi %i, %j : index
  %e = arith.extf %h : bf16 to f32
  %t = arith.truncf %f : f32 to bf16
  return %c, %d, %e, %t : index, index, f32, bf16
}
