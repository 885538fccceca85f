// RUN: tmc-opt %s -tmc-cuda-fuse-elementwise -split-input-file | FileCheck %s

// x * x + eps: the square feeds the add in one generic, and the splat
// epsilon becomes a constant in its body instead of an operand (a buffer).
// CHECK-LABEL: func.func @square_plus_eps(
// CHECK-DAG:     %[[EPS:.*]] = arith.constant 9.99999997E-7 : f32
// CHECK:         linalg.generic
// CHECK-SAME:      ins(%{{.*}} : tensor<?x64xf32>)
// CHECK:           %[[SQ:.*]] = arith.mulf
// CHECK:           arith.addf %[[SQ]], %[[EPS]]
// CHECK-NOT:     linalg.generic
#id = affine_map<(i, j) -> (i, j)>
#scalar = affine_map<(i, j) -> ()>
func.func @square_plus_eps(%x: tensor<?x64xf32>) -> tensor<?x64xf32> {
  %c0 = arith.constant 0 : index
  %eps = arith.constant dense<9.99999997E-7> : tensor<f32>
  %n = tensor.dim %x, %c0 : tensor<?x64xf32>
  %e = tensor.empty(%n) : tensor<?x64xf32>
  %sq = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<?x64xf32>) outs(%e : tensor<?x64xf32>) {
  ^bb0(%a: f32, %o: f32):
    %m = arith.mulf %a, %a : f32
    linalg.yield %m : f32
  } -> tensor<?x64xf32>
  %r = linalg.generic {indexing_maps = [#id, #scalar, #id], iterator_types = ["parallel", "parallel"]}
      ins(%sq, %eps : tensor<?x64xf32>, tensor<f32>) outs(%e : tensor<?x64xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %s = arith.addf %a, %b : f32
    linalg.yield %s : f32
  } -> tensor<?x64xf32>
  return %r : tensor<?x64xf32>
}

// -----

// A marked head contraction stays whole for cuBLASLt: the scaling that
// feeds it is not fused in.
// CHECK-LABEL: func.func @scores(
// CHECK:         linalg.generic
// CHECK:           arith.mulf
// CHECK:         linalg.generic
// CHECK-SAME:      tmc.head_contraction = #tmc.head_contraction<transpose_b = true, group = 1>
#q4 = affine_map<(b, h, i, k) -> (b, h, i, k)>
#q = affine_map<(b, h, i, j, k) -> (b, h, i, k)>
#k = affine_map<(b, h, i, j, k) -> (b, h, j, k)>
#o = affine_map<(b, h, i, j, k) -> (b, h, i, j)>
func.func @scores(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %s: tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %scale = arith.constant 0.5 : f32
  %e = tensor.empty() : tensor<1x2x4x8xf32>
  %qs = linalg.generic {indexing_maps = [#q4, #q4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%q : tensor<1x2x4x8xf32>) outs(%e : tensor<1x2x4x8xf32>) {
  ^bb0(%a: f32, %o: f32):
    %m = arith.mulf %a, %scale : f32
    linalg.yield %m : f32
  } -> tensor<1x2x4x8xf32>
  %r = linalg.generic {indexing_maps = [#q, #k, #o], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
      ins(%qs, %k : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) outs(%s : tensor<1x2x4x4xf32>)
      attrs = {tmc.head_contraction = #tmc.head_contraction<transpose_b = true, group = 1>} {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %t = arith.addf %acc, %p : f32
    linalg.yield %t : f32
  } -> tensor<1x2x4x4xf32>
  return %r : tensor<1x2x4x4xf32>
}
