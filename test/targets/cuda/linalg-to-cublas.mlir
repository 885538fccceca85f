// RUN: tmc-opt %s -tmc-cuda-linalg-to-cublas -canonicalize -split-input-file | FileCheck %s

// C += A B^T with B in checkpoint layout: one call, a batch of one.
// Arguments: dtype, c_dtype, transpose_b, accumulate, m, n, k, a, lda, stride_a, b, ldb, stride_b,
// c, ldc, stride_c, batch.
// CHECK-DAG: func.func private @tmc_cuda_gemm(i32, i32, i32, i32, i64, i64, i64, !llvm.ptr, i64, i64, !llvm.ptr, i64, i64, !llvm.ptr, i64, i64, i64)
// CHECK-LABEL: func.func @linear(
// CHECK-DAG:     %[[ONE:.*]] = arith.constant 1 : i64
// CHECK-DAG:     %[[ZERO:.*]] = arith.constant 0 : i64
// CHECK-DAG:     %[[K:.*]] = arith.constant 64 : i64
// CHECK-DAG:     %[[N:.*]] = arith.constant 176 : i64
// CHECK-DAG:     %[[F32:.*]] = arith.constant 0 : i32
// CHECK-DAG:     %[[TRANS:.*]] = arith.constant 1 : i32
// CHECK:         %[[M:.*]] = arith.index_cast %{{.*}} : index to i64
// CHECK:         call @tmc_cuda_gemm(%[[F32]], %[[F32]], %[[TRANS]], %[[TRANS]], %[[M]], %[[N]], %[[K]], %{{.*}}, %[[K]], %[[ZERO]], %{{.*}}, %[[K]], %[[ZERO]], %{{.*}}, %[[N]], %[[ZERO]], %[[ONE]])
// CHECK-NOT:     linalg.matmul
func.func @linear(%a: memref<?x64xf32>, %b: memref<176x64xf32>, %c: memref<?x176xf32>) {
  linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
      ins(%a, %b : memref<?x64xf32>, memref<176x64xf32>) outs(%c : memref<?x176xf32>)
  return
}

// -----

// A bf16 model's linear: bf16 inputs (dtype 1) summed into an f32 C
// (c_dtype 0), which cuBLASLt writes without rounding to bf16 first.
// CHECK-LABEL: func.func @bf16_linear_f32_sum(
// CHECK-DAG:     %[[F32:.*]] = arith.constant 0 : i32
// CHECK-DAG:     %[[BF16:.*]] = arith.constant 1 : i32
// CHECK:         call @tmc_cuda_gemm(%[[BF16]], %[[F32]], %[[BF16]], {{.*}})
// CHECK-NOT:     linalg.matmul
func.func @bf16_linear_f32_sum(%a: memref<?x64xbf16>, %b: memref<176x64xbf16>, %c: memref<?x176xf32>) {
  linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
      ins(%a, %b : memref<?x64xbf16>, memref<176x64xbf16>) outs(%c : memref<?x176xf32>)
  return
}

// -----

// C freshly filled with zeros: the GEMM overwrites it (accumulate 0) and
// the fill goes. A C written since its fill keeps both.
// CHECK-LABEL: func.func @overwrites_zeros(
// CHECK-DAG:     %[[F32:.*]] = arith.constant 0 : i32
// CHECK-DAG:     %[[TRANS:.*]] = arith.constant 1 : i32
// CHECK-NOT:     linalg.fill
// CHECK:         call @tmc_cuda_gemm(%[[F32]], %[[F32]], %[[TRANS]], %[[F32]], {{.*}})
// CHECK:         linalg.fill
// CHECK:         memref.store
// CHECK:         call @tmc_cuda_gemm(%[[F32]], %[[F32]], %[[TRANS]], %[[TRANS]], {{.*}})
func.func @overwrites_zeros(%a: memref<?x64xf32>, %b: memref<176x64xf32>, %c: memref<?x176xf32>,
                            %d: memref<?x176xf32>) {
  %zero = arith.constant 0.0 : f32
  %i = arith.constant 0 : index
  linalg.fill ins(%zero : f32) outs(%c : memref<?x176xf32>)
  linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
      ins(%a, %b : memref<?x64xf32>, memref<176x64xf32>) outs(%c : memref<?x176xf32>)
  linalg.fill ins(%zero : f32) outs(%d : memref<?x176xf32>)
  memref.store %zero, %d[%i, %i] : memref<?x176xf32>
  linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
      ins(%a, %b : memref<?x64xf32>, memref<176x64xf32>) outs(%d : memref<?x176xf32>)
  return
}

// -----

// A bf16 linear whose f32 sums only get rounded back to bf16: the GEMM
// writes the rounded buffer itself (c_dtype bf16, accumulate 0), so neither
// the fill nor the rounding kernel remains, and the f32 buffer, written by
// nothing now, folds away. When anything else reads the f32 sums, both stay.
// CHECK-LABEL: func.func @rounded_linear(
// CHECK-DAG:     %[[ZERO:.*]] = arith.constant 0 : i32
// CHECK-DAG:     %[[BF16:.*]] = arith.constant 1 : i32
// CHECK-NOT:     memref<?x176xf32>
// CHECK:         %[[OUT:.*]] = memref.alloc(%{{.*}}) : memref<?x176xbf16>
// CHECK:         memref.extract_aligned_pointer_as_index %[[OUT]]
// CHECK:         call @tmc_cuda_gemm(%[[BF16]], %[[BF16]], %[[BF16]], %[[ZERO]], {{.*}})
// CHECK-NOT:     linalg.generic
// CHECK-NOT:     linalg.fill
// CHECK:         return %[[OUT]]
func.func @rounded_linear(%a: memref<?x64xbf16>, %b: memref<176x64xbf16>) -> memref<?x176xbf16> {
  %zero = arith.constant 0.0 : f32
  %c0 = arith.constant 0 : index
  %m = memref.dim %a, %c0 : memref<?x64xbf16>
  %sums = memref.alloc(%m) : memref<?x176xf32>
  linalg.fill ins(%zero : f32) outs(%sums : memref<?x176xf32>)
  linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
      ins(%a, %b : memref<?x64xbf16>, memref<176x64xbf16>) outs(%sums : memref<?x176xf32>)
  %out = memref.alloc(%m) : memref<?x176xbf16>
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%sums : memref<?x176xf32>) outs(%out : memref<?x176xbf16>) {
  ^bb0(%x: f32, %o: bf16):
    %r = arith.truncf %x : f32 to bf16
    linalg.yield %r : bf16
  }
  memref.dealloc %sums : memref<?x176xf32>
  return %out : memref<?x176xbf16>
}

// CHECK-LABEL: func.func @sums_read_twice(
// CHECK:         call @tmc_cuda_gemm(%{{.*}}, %[[F32:.*]], %{{.*}}, %[[F32]], {{.*}})
// CHECK:         linalg.generic
// CHECK:         arith.truncf
// CHECK:         memref.load
func.func @sums_read_twice(%a: memref<?x64xbf16>, %b: memref<176x64xbf16>, %out: memref<?x176xbf16>) -> f32 {
  %zero = arith.constant 0.0 : f32
  %c0 = arith.constant 0 : index
  %m = memref.dim %a, %c0 : memref<?x64xbf16>
  %sums = memref.alloc(%m) : memref<?x176xf32>
  linalg.fill ins(%zero : f32) outs(%sums : memref<?x176xf32>)
  linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
      ins(%a, %b : memref<?x64xbf16>, memref<176x64xbf16>) outs(%sums : memref<?x176xf32>)
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%sums : memref<?x176xf32>) outs(%out : memref<?x176xbf16>) {
  ^bb0(%x: f32, %o: bf16):
    %r = arith.truncf %x : f32 to bf16
    linalg.yield %r : bf16
  }
  %first = memref.load %sums[%c0, %c0] : memref<?x176xf32>
  return %first : f32
}

// -----

// bf16 is dtype 1; a batched matmul is one strided-batched call over dim 0.
// CHECK-LABEL: func.func @batched(
// CHECK-DAG:     %[[BF16:.*]] = arith.constant 1 : i32
// CHECK-DAG:     %[[NO_TRANS:.*]] = arith.constant 0 : i32
// CHECK:         %[[BATCH:.*]] = memref.dim %{{.*}}, %c0 : memref<?x?x?xbf16>
// CHECK:         %[[COUNT:.*]] = arith.index_cast %[[BATCH]] : index to i64
// CHECK:         call @tmc_cuda_gemm(%[[BF16]], %[[BF16]], %[[NO_TRANS]], %[[BF16]], {{.*}}, %[[COUNT]])
// CHECK-NOT:     linalg.batch_matmul
func.func @batched(%a: memref<?x?x16xbf16>, %b: memref<?x16x?xbf16>, %c: memref<?x?x?xbf16>) {
  linalg.batch_matmul ins(%a, %b : memref<?x?x16xbf16>, memref<?x16x?xbf16>) outs(%c : memref<?x?x?xbf16>)
  return
}

// -----

// Head contractions: one call per (batch, key/value head) batching the two
// query heads of its GQA group, with B's stride 0 so the shared K or V head
// is read in place. The query head of the group's first matrix is kv * 2.
// CHECK-LABEL: func.func @attention(
// CHECK-DAG:     %[[GROUP_I64:.*]] = arith.constant 2 : i64
// CHECK-DAG:     %[[ZERO:.*]] = arith.constant 0 : i64
// CHECK-DAG:     %[[HEAD_DIM:.*]] = arith.constant 8 : i64
// CHECK-DAG:     %[[NO_TRANS:.*]] = arith.constant 0 : i32
// CHECK-DAG:     %[[TRANS:.*]] = arith.constant 1 : i32
// CHECK-DAG:     %[[GROUP:.*]] = arith.constant 2 : index
// CHECK:         scf.for %[[B:.*]] = %{{.*}} to %{{.*}} step %{{.*}} {
// CHECK:           scf.for %[[KV:.*]] = %{{.*}} to %{{.*}} step %{{.*}} {
// CHECK:             %[[HEAD:.*]] = arith.muli %[[KV]], %[[GROUP]] : index
// CHECK:             arith.muli %[[HEAD]], %{{.*}}#1 : index
// CHECK:             arith.muli %[[KV]], %{{.*}}#1 : index
// CHECK:             func.call @tmc_cuda_gemm(%{{.*}}, %{{.*}}, %[[TRANS]], %{{.*}}, %{{.*}}, %{{.*}}, %[[HEAD_DIM]], %{{.*}}, %[[HEAD_DIM]], %{{.*}}, %{{.*}}, %[[HEAD_DIM]], %[[ZERO]], %{{.*}}, %{{.*}}, %{{.*}}, %[[GROUP_I64]])
// CHECK:         scf.for
// CHECK:           scf.for
// CHECK:             func.call @tmc_cuda_gemm(%{{.*}}, %{{.*}}, %[[NO_TRANS]], {{.*}}, %[[ZERO]], {{.*}}, %[[GROUP_I64]])
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

// Not cuBLAS's business: f64, inputs of two types, and a view whose innermost stride is not 1 stay for the kernels.
// CHECK-LABEL: func.func @left_alone(
// CHECK-NOT:     tmc_cuda_gemm
// CHECK:         linalg.matmul ins(%{{.*}}, %{{.*}} : memref<4x4xf64>, memref<4x4xf64>)
// CHECK:         linalg.matmul ins(%{{.*}}, %{{.*}} : memref<4x4xbf16>, memref<4x4xf16>) outs(%{{.*}} : memref<4x4xf32>)
// CHECK:         linalg.matmul ins(%{{.*}}, %{{.*}} : memref<4x4xf32, strided<[1, 4]>>, memref<4x4xf32>)
func.func @left_alone(%a: memref<4x4xf64>, %c: memref<4x4xf64>, %h: memref<4x4xbf16>, %f: memref<4x4xf32>,
                      %g: memref<4x4xf16>, %t: memref<4x4xf32, strided<[1, 4]>>, %d: memref<4x4xf32>) {
  linalg.matmul ins(%a, %a : memref<4x4xf64>, memref<4x4xf64>) outs(%c : memref<4x4xf64>)
  linalg.matmul ins(%h, %g : memref<4x4xbf16>, memref<4x4xf16>) outs(%f : memref<4x4xf32>)
  linalg.matmul ins(%t, %d : memref<4x4xf32, strided<[1, 4]>>, memref<4x4xf32>) outs(%d : memref<4x4xf32>)
  return
}
