// RUN: tmc-opt %s -tmc-cpu-block-products -tmc-linalg-to-blas | FileCheck %s

// A linear over an f32 weight: a prompt (16 rows or more) stays one sgemm;
// fewer rows (a decode step) get the row kernel of bf16 weights without the
// conversion: the weight's rows across the cores, 16 columns per load, four
// input rows per pass, each row prefetched 8 rows ahead.
// CHECK-LABEL: func.func @f32_weight(
// CHECK:         %[[ROWS:.*]] = memref.dim %{{.*}}, %c0{{.*}} : memref<?x8xf32>
// CHECK:         %[[PROMPT:.*]] = arith.cmpi uge, %[[ROWS]], %c16
// CHECK:         scf.if %[[PROMPT]] {
// CHECK:           func.call @cblas_sgemm(
// CHECK:         } else {
// CHECK:           scf.parallel
// CHECK:             scf.for {{.*}} -> (vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>)
// CHECK:               memref.prefetch %{{.*}} : memref<8x64xf32>
// CHECK:               vector.load %{{.*}} : memref<8x64xf32>, vector<16xf32>
// CHECK-NOT:           arith.extf
// CHECK:               vector.fma
// CHECK:           vector.reduction <add>
// CHECK-NOT:     linalg.matmul
func.func @f32_weight(%x: memref<?x64xf32>, %w: memref<8x64xf32>, %c: memref<?x8xf32>) {
  linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>] ins(%x, %w : memref<?x64xf32>, memref<8x64xf32>) outs(%c : memref<?x8xf32>)
  return
}
