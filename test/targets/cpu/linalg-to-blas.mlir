// RUN: tmc-opt %s -tmc-linalg-to-blas -split-input-file | FileCheck %s

// C += A B^T with B in checkpoint layout: one sgemm, row-major, B transposed,
// beta = 1 so linalg's accumulate semantics hold; lda/ldb/ldc are the leading strides.
// One row (a decode step) is sgemv instead: c (176) += B (176 x 64, untransposed) a.
// CHECK-DAG: func.func private @cblas_sgemm(i32, i32, i32, i32, i32, i32, f32, !llvm.ptr, i32, !llvm.ptr, i32, f32, !llvm.ptr, i32)
// CHECK-DAG: func.func private @cblas_sgemv(i32, i32, i32, i32, f32, !llvm.ptr, i32, !llvm.ptr, i32, f32, !llvm.ptr, i32)
// CHECK-LABEL: func.func @linear(
// CHECK-SAME:      %[[A:.*]]: memref<?x64xf32>, %[[B:.*]]: memref<176x64xf32>, %[[C:.*]]: memref<?x176xf32>)
// CHECK:         %[[M:.*]] = memref.dim %[[C]], %c0
// CHECK:         memref.extract_aligned_pointer_as_index %[[A]]
// CHECK:         %[[APTR:.*]] = llvm.inttoptr
// CHECK:         %[[BPTR:.*]] = llvm.inttoptr
// CHECK:         %[[LDB:.*]] = arith.index_cast %{{.*}} : index to i32
// CHECK:         %[[CPTR:.*]] = llvm.inttoptr
// CHECK:         %[[ROW:.*]] = arith.cmpi eq, %[[M]], %c1
// CHECK:         scf.if %[[ROW]] {
// CHECK-DAG:       %[[ONE:.*]] = arith.constant 1.000000e+00 : f32
// CHECK-DAG:       %[[BETA:.*]] = arith.constant 1.000000e+00 : f32
// CHECK-DAG:       %[[ROW_MAJOR:.*]] = arith.constant 101 : i32
// CHECK-DAG:       %[[NO_TRANS:.*]] = arith.constant 111 : i32
// CHECK-DAG:       %[[INC:.*]] = arith.constant 1 : i32
// CHECK:           func.call @cblas_sgemv(%[[ROW_MAJOR]], %[[NO_TRANS]], %{{.*}}, %{{.*}}, %[[ONE]], %[[BPTR]], %[[LDB]], %[[APTR]], %[[INC]], %[[BETA]], %[[CPTR]], %{{.*}})
// CHECK:         } else {
// CHECK-DAG:       %[[ONE:.*]] = arith.constant 1.000000e+00 : f32
// CHECK-DAG:       %[[BETA:.*]] = arith.constant 1.000000e+00 : f32
// CHECK-DAG:       %[[ROW_MAJOR:.*]] = arith.constant 101 : i32
// CHECK-DAG:       %[[NO_TRANS:.*]] = arith.constant 111 : i32
// CHECK-DAG:       %[[TRANS:.*]] = arith.constant 112 : i32
// CHECK:           func.call @cblas_sgemm(%[[ROW_MAJOR]], %[[NO_TRANS]], %[[TRANS]], %{{.*}}, %{{.*}}, %{{.*}}, %[[ONE]], %[[APTR]], %{{.*}}, %[[BPTR]], %[[LDB]], %[[BETA]], %[[CPTR]], %{{.*}})
// CHECK-NOT:     linalg.matmul
func.func @linear(%a: memref<?x64xf32>, %b: memref<176x64xf32>, %c: memref<?x176xf32>) {
  linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
      ins(%a, %b : memref<?x64xf32>, memref<176x64xf32>) outs(%c : memref<?x176xf32>)
  return
}

// -----

// A product onto zeros just filled in C writes C with beta = 0, and the fill
// goes. A fill with a store between it and the product, of another buffer,
// or of a value other than zero stays, and its product accumulates.
// CHECK-LABEL: func.func @zero_fill(
// CHECK-SAME:      %[[A:.*]]: memref<8x64xf32>, %[[B:.*]]: memref<176x64xf32>, %[[C:.*]]: memref<8x176xf32>, %[[D:.*]]: memref<8x176xf32>)
// CHECK-NOT:     linalg.fill
// CHECK:         memref.dim %[[C]]
// CHECK-NOT:     linalg.fill
// CHECK:         %[[BETA0:.*]] = arith.constant 0.000000e+00 : f32
// CHECK:         func.call @cblas_sgemm({{.*}}, %[[BETA0]], %{{[^,]+}}, %{{[^,]+}})
// CHECK:         linalg.fill ins(%{{.*}} : f32) outs(%[[C]]
// CHECK:         memref.store
// CHECK:         arith.constant 1.000000e+00 : f32
// CHECK-NEXT:    %[[BETA1:.*]] = arith.constant 1.000000e+00 : f32
// CHECK:         func.call @cblas_sgemm({{.*}}, %[[BETA1]], %{{[^,]+}}, %{{[^,]+}})
// CHECK:         linalg.fill ins(%{{.*}} : f32) outs(%[[D]]
// CHECK:         arith.constant 1.000000e+00 : f32
// CHECK-NEXT:    %[[BETA2:.*]] = arith.constant 1.000000e+00 : f32
// CHECK:         func.call @cblas_sgemm({{.*}}, %[[BETA2]], %{{[^,]+}}, %{{[^,]+}})
// CHECK:         linalg.fill ins(%{{.*}} : f32) outs(%[[C]]
// CHECK:         arith.constant 1.000000e+00 : f32
// CHECK-NEXT:    %[[BETA3:.*]] = arith.constant 1.000000e+00 : f32
// CHECK:         func.call @cblas_sgemm({{.*}}, %[[BETA3]], %{{[^,]+}}, %{{[^,]+}})
#lhs = affine_map<(m, n, k) -> (m, k)>
#rhs = affine_map<(m, n, k) -> (n, k)>
#res = affine_map<(m, n, k) -> (m, n)>
func.func @zero_fill(%a: memref<8x64xf32>, %b: memref<176x64xf32>, %c: memref<8x176xf32>, %d: memref<8x176xf32>) {
  %zero = arith.constant 0.0 : f32
  %two = arith.constant 2.0 : f32
  %i = arith.constant 0 : index
  linalg.fill ins(%zero : f32) outs(%c : memref<8x176xf32>)
  linalg.matmul indexing_maps = [#lhs, #rhs, #res] ins(%a, %b : memref<8x64xf32>, memref<176x64xf32>) outs(%c : memref<8x176xf32>)
  linalg.fill ins(%zero : f32) outs(%c : memref<8x176xf32>)
  memref.store %two, %c[%i, %i] : memref<8x176xf32>
  linalg.matmul indexing_maps = [#lhs, #rhs, #res] ins(%a, %b : memref<8x64xf32>, memref<176x64xf32>) outs(%c : memref<8x176xf32>)
  linalg.fill ins(%zero : f32) outs(%d : memref<8x176xf32>)
  linalg.matmul indexing_maps = [#lhs, #rhs, #res] ins(%a, %b : memref<8x64xf32>, memref<176x64xf32>) outs(%c : memref<8x176xf32>)
  linalg.fill ins(%two : f32) outs(%c : memref<8x176xf32>)
  linalg.matmul indexing_maps = [#lhs, #rhs, #res] ins(%a, %b : memref<8x64xf32>, memref<176x64xf32>) outs(%c : memref<8x176xf32>)
  return
}

// -----

// batch_matmul: one sgemm per batch in an scf.for, pointers advanced by the
// batch stride.
// CHECK-LABEL: func.func @batched(
// CHECK:         scf.for %[[I:.*]] = %{{.*}} to %{{.*}} step %{{.*}} {
// CHECK:           arith.muli %[[I]], %{{.*}} : index
// CHECK:           llvm.getelementptr %{{.*}}[%{{.*}}] : (!llvm.ptr, i64) -> !llvm.ptr, f32
// CHECK:           func.call @cblas_sgemm
// CHECK:         }
// CHECK-NOT:     linalg.batch_matmul
func.func @batched(%a: memref<?x?x16xf32>, %b: memref<?x16x?xf32>, %c: memref<?x?x?xf32>) {
  linalg.batch_matmul ins(%a, %b : memref<?x?x16xf32>, memref<?x16x?xf32>) outs(%c : memref<?x?x?xf32>)
  return
}

// -----

// Not sgemm's business: f64, and a view whose innermost stride is not 1.
// CHECK-LABEL: func.func @left_alone(
// CHECK-NOT:     cblas_sgemm
// CHECK:         linalg.matmul ins(%{{.*}}, %{{.*}} : memref<4x4xf64>, memref<4x4xf64>)
// CHECK:         linalg.matmul ins(%{{.*}}, %{{.*}} : memref<4x4xf32, strided<[1, 4]>>, memref<4x4xf32>)
func.func @left_alone(%a: memref<4x4xf64>, %c: memref<4x4xf64>, %t: memref<4x4xf32, strided<[1, 4]>>, %d: memref<4x4xf32>) {
  linalg.matmul ins(%a, %a : memref<4x4xf64>, memref<4x4xf64>) outs(%c : memref<4x4xf64>)
  linalg.matmul ins(%t, %d : memref<4x4xf32, strided<[1, 4]>>, memref<4x4xf32>) outs(%d : memref<4x4xf32>)
  return
}

// -----

// The attention contractions the CPU attention lowering marked
// tmc.head_contraction: one sgemm per (batch, head), the (batch, head)
// pairs across the cores (scf.parallel), with the kv head h floordiv group
// (GQA, group 2 here). Scores contract q and
// k over head_dim (B transposed); the weighted sum contracts probs and v over
// keys (B as is). lda/ldb/ldc are dim-2 strides of the rank-4 views.
// CHECK-LABEL: func.func @attention(
// CHECK:         arith.constant 0 : index
// CHECK:         arith.constant 1 : index
// CHECK:         %[[GROUP:.*]] = arith.constant 2 : index
// One row of queries (a decode step) is an sgemv per head, chosen before
// the parallel loop so that its body stays one block.
// CHECK:         %[[ONE_ROW:.*]] = arith.cmpi eq
// CHECK:         scf.if %[[ONE_ROW]] {
// CHECK:           scf.parallel (%[[B:.*]], %[[H:.*]]) = (%{{.*}}, %{{.*}}) to (%{{.*}}, %{{.*}}) step (%{{.*}}, %{{.*}}) {
// CHECK:             %[[KV:.*]] = arith.divui %[[H]], %[[GROUP]] : index
// CHECK:             arith.muli %[[KV]], %{{.*}} : index
// CHECK-NOT:         scf.if
// CHECK:             func.call @cblas_sgemv(
// CHECK:         } else {
// CHECK:           scf.parallel
// CHECK:             arith.constant 111 : i32
// CHECK:             %[[TRANS:.*]] = arith.constant 112 : i32
// CHECK-NOT:         scf.if
// CHECK:             func.call @cblas_sgemm(%{{.*}}, %{{.*}}, %[[TRANS]],
// CHECK:         scf.if
// CHECK:           scf.parallel
// CHECK:             arith.divui
// CHECK:             func.call @cblas_sgemv(
// CHECK:           scf.parallel
// CHECK:             arith.constant 111 : i32
// CHECK:             %[[NO_TRANS:.*]] = arith.constant 111 : i32
// CHECK:             func.call @cblas_sgemm(%{{.*}}, %{{.*}}, %[[NO_TRANS]],
// CHECK-NOT:     linalg.generic
#q = affine_map<(b, h, i, j, k) -> (b, h, i, k)>
#k = affine_map<(b, h, i, j, k) -> (b, h floordiv 2, j, k)>
#v = affine_map<(b, h, i, e, j) -> (b, h floordiv 2, j, e)>
#o = affine_map<(b, h, i, j, k) -> (b, h, i, j)>
func.func @attention(%q: memref<?x4x?x8xf32>, %k: memref<?x2x?x8xf32>, %v: memref<?x2x?x8xf32, strided<[?, ?, ?, 1], offset: ?>>,
                     %s: memref<?x4x?x?xf32>, %out: memref<?x4x?x8xf32>) {
  linalg.generic {indexing_maps = [#q, #k, #o], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
      ins(%q, %k : memref<?x4x?x8xf32>, memref<?x2x?x8xf32>) outs(%s : memref<?x4x?x?xf32>)
      attrs = {tmc.head_contraction = #tmc.head_contraction<transpose_b = true, group = 2>} {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %r = arith.addf %acc, %p : f32
    linalg.yield %r : f32
  }
  linalg.generic {indexing_maps = [#q, #v, #o], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
      ins(%s, %v : memref<?x4x?x?xf32>, memref<?x2x?x8xf32, strided<[?, ?, ?, 1], offset: ?>>) outs(%out : memref<?x4x?x8xf32>)
      attrs = {tmc.head_contraction = #tmc.head_contraction<transpose_b = false, group = 2>} {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %r = arith.addf %acc, %p : f32
    linalg.yield %r : f32
  }
  return
}

// -----

// A block of attention rows (one batch row, one head: an iteration of the
// attention's own parallel loop) is one call, with no loop over heads.
// CHECK-LABEL: func.func @one_head(
// CHECK-NOT:     scf.parallel
// CHECK:         func.call @cblas_sgemv(
// CHECK-NOT:     scf.parallel
// CHECK:         func.call @cblas_sgemm(
#q3 = affine_map<(b, h, i, j, k) -> (b, h, i, k)>
#k3 = affine_map<(b, h, i, j, k) -> (b, h, j, k)>
#o3 = affine_map<(b, h, i, j, k) -> (b, h, i, j)>
func.func @one_head(%q: memref<1x1x?x8xf32>, %k: memref<1x1x?x8xf32>, %s: memref<1x1x?x?xf32>) {
  linalg.generic {indexing_maps = [#q3, #k3, #o3], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
      ins(%q, %k : memref<1x1x?x8xf32>, memref<1x1x?x8xf32>) outs(%s : memref<1x1x?x?xf32>)
      attrs = {tmc.head_contraction = #tmc.head_contraction<transpose_b = true, group = 1>} {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %r = arith.addf %acc, %p : f32
    linalg.yield %r : f32
  }
  return
}

// -----

// A generic nobody marked stays a generic, whatever its shape: the pass
// trusts the lowering's mark, not a pattern match of the body.
// CHECK-LABEL: func.func @unmarked(
// CHECK-NOT:     cblas_sgemm
// CHECK:         linalg.generic
#q2 = affine_map<(b, h, i, j, k) -> (b, h, i, k)>
#k2 = affine_map<(b, h, i, j, k) -> (b, h, j, k)>
#o2 = affine_map<(b, h, i, j, k) -> (b, h, i, j)>
func.func @unmarked(%q: memref<?x4x?x8xf32>, %k: memref<?x4x?x8xf32>, %s: memref<?x4x?x?xf32>) {
  linalg.generic {indexing_maps = [#q2, #k2, #o2], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
      ins(%q, %k : memref<?x4x?x8xf32>, memref<?x4x?x8xf32>) outs(%s : memref<?x4x?x?xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %r = arith.addf %acc, %p : f32
    linalg.yield %r : f32
  }
  return
}
