// RUN: tmc-opt %s -tmc-cpu-block-products -tmc-linalg-to-blas | FileCheck %s
// RUN: tmc-opt %s -tmc-cpu-block-products='float-row-prefetch=0' | FileCheck %s --check-prefix=NO-PREFETCH

// A linear over an f32 weight: a prompt (16 rows or more) stays one sgemm;
// fewer rows (a decode step) get the row kernel of bf16 weights without the
// conversion: the weight's rows across the cores, 16 columns per load, four
// input rows per pass, each row prefetched 8 rows ahead into L2 (locality 2,
// prefetcht1).
// CHECK-LABEL: func.func @f32_weight(
// CHECK:         %[[ROWS:.*]] = memref.dim %{{.*}}, %c0{{.*}} : memref<?x8xf32>
// CHECK:         %[[PROMPT:.*]] = arith.cmpi uge, %[[ROWS]], %c16
// CHECK:         scf.if %[[PROMPT]] {
// CHECK:           func.call @cblas_sgemm(
// CHECK:         } else {
// CHECK:           scf.parallel
// CHECK:             scf.for {{.*}} -> (vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>)
// CHECK:               memref.prefetch %{{.*}}, read, locality<2>, data : memref<8x64xf32>
// CHECK:               vector.load %{{.*}} : memref<8x64xf32>, vector<16xf32>
// CHECK-NOT:           arith.extf
// CHECK:               vector.fma
// CHECK:           vector.reduction <add>
// CHECK-NOT:     linalg.matmul
// Without float-row-prefetch (the host's prefetchers stream the rows), the
// same kernel with no prefetch.
// NO-PREFETCH-LABEL: func.func @f32_weight(
// NO-PREFETCH:         scf.parallel
// NO-PREFETCH-NOT:       memref.prefetch
// NO-PREFETCH:           vector.fma
// NO-PREFETCH-LABEL: func.func @bf16_inputs_decode(
// NO-PREFETCH-NOT:     memref.prefetch
// NO-PREFETCH:         x86vector.avx512.dot
func.func @f32_weight(%x: memref<?x64xf32>, %w: memref<8x64xf32>, %c: memref<?x8xf32>) {
  linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>] ins(%x, %w : memref<?x64xf32>, memref<8x64xf32>) outs(%c : memref<?x8xf32>)
  return
}

// Bf16 inputs over a bf16 weight, a decode step (2 rows): the inputs are
// rounded to bf16 once, into a bf16 buffer the row kernel reads, not again
// for every row of the weight inside it. The kernel steps a whole cache line
// of the 2-byte weight, 32 columns, with one prefetch, and multiplies it
// with the line of inputs in one vdpbf16ps (16 sums of pairs) per row.
// CHECK-LABEL: func.func @bf16_inputs_decode(
// CHECK:         %[[ROUNDED:.*]] = memref.alloc(%{{.*}}) {alignment = 64 : i64} : memref<?x64xbf16>
// CHECK:         scf.for
// CHECK:           scf.for
// CHECK:             %[[BF16:.*]] = arith.truncf %{{.*}} : vector<16xf32> to vector<16xbf16>
// CHECK-NEXT:        vector.store %[[BF16]], %[[ROUNDED]]
// CHECK:         scf.parallel
// CHECK-NOT:       arith.truncf
// CHECK:           scf.for %{{.*}} = %{{.*}} to %c64 step %c32 iter_args({{.*}}) -> (vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>)
// CHECK-COUNT-1:     memref.prefetch
// CHECK-NEXT:        %[[W:.*]] = vector.load %{{.*}} : memref<32x64xbf16>, vector<32xbf16>
// CHECK-NEXT:        %[[X:.*]] = vector.load %[[ROUNDED]]{{.*}} : memref<?x64xbf16>, vector<32xbf16>
// CHECK-NEXT:        x86vector.avx512.dot %{{.*}}, %[[X]], %[[W]] : vector<32xbf16> -> vector<16xf32>
// CHECK-NOT:         arith.extf
// CHECK:           scf.reduce
// CHECK-NEXT:    }
// CHECK-NEXT:    memref.dealloc %[[ROUNDED]]
func.func @bf16_inputs_decode(%x: memref<2x64xf32>, %w: memref<32x64xbf16>, %c: memref<2x32xf32>) {
  linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>] ins(%x, %w : memref<2x64xf32>, memref<32x64xbf16>) outs(%c : memref<2x32xf32>) {tmc.activations = "bfloat16"}
  return
}
