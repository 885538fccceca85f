// RUN: tmc-opt %s -split-input-file -tmc-cpu-approximate-exp | FileCheck %s

// An f32 exp becomes arithmetic: a multiply by log2(e), a floor, the
// polynomial's fused multiply-adds and the exponent shifted into the bits;
// no libm call is left for the loop vectorizer to call per element.
// CHECK-LABEL: func.func @exp_f32(
// CHECK-NOT:     math.exp
// CHECK:         arith.constant 1.44269502 : f32
// CHECK:         math.floor
// CHECK:         math.fma
// CHECK:         arith.shli
// CHECK:         arith.bitcast %{{.*}} : i32 to f32
// CHECK-NOT:     math.exp
func.func @exp_f32(%x: f32) -> f32 {
  %e = math.exp %x : f32
  return %e : f32
}

// -----

// The vector forms too (the row kernels' exp).
// CHECK-LABEL: func.func @exp_vector(
// CHECK-NOT:     math.exp
// CHECK:         math.fma {{.*}} : vector<16xf32>
func.func @exp_vector(%x: vector<16xf32>) -> vector<16xf32> {
  %e = math.exp %x : vector<16xf32>
  return %e : vector<16xf32>
}

// -----

// Only exp: the other math ops keep their LLVM intrinsics or libm calls.
// CHECK-LABEL: func.func @others_stay(
// CHECK:         math.tanh
// CHECK:         math.log
func.func @others_stay(%x: f32) -> (f32, f32) {
  %t = math.tanh %x : f32
  %l = math.log %x : f32
  return %t, %l : f32, f32
}
