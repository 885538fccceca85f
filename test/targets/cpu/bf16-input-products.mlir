// RUN: tmc-opt %s -tmc-cpu-block-products | FileCheck %s --check-prefix=DOTS
// RUN: tmc-opt %s -tmc-cpu-block-products='amx-bf16=1' | FileCheck %s --check-prefix=TILES
// RUN: tmc-opt %s --tmc-cpu-to-llvm="amx-bf16=0" | FileCheck %s --check-prefix=LLVM

// A prompt's product over a bf16 weight with its inputs rounded to bf16
// (`--activation-dtype bfloat16`, 16 rows or more). By default, AVX-512 BF16
// dot products: the inputs rounded once into a bf16 buffer of their rows
// (no padding), then per core 32 weight rows repacked into pairs (columns 2r
// and 2r + 1 of 16 weight rows per vector) and 8 rows of inputs at a time
// with their 16 sums carried through K, each pair of inputs broadcast to
// every lane; the rows past the last 8 one at a time.
// DOTS-LABEL: func.func @bf16_inputs_prompt(
// DOTS:         scf.if
// DOTS:           %[[INPUTS:.*]] = memref.alloc(%[[ROWS:.*]]) {alignment = 64 : i64} : memref<?x64xbf16>
// DOTS:           scf.for %[[M:.*]] = %{{.*}} to %[[ROWS]]
// DOTS:             scf.for %[[K:.*]] = %{{.*}} to %c64 step %c16
// DOTS-NEXT:          vector.load %{{.*}}[%[[M]], %[[K]]] : memref<?x64xf32>, vector<16xf32>
// DOTS-NEXT:          arith.truncf %{{.*}} : vector<16xf32> to vector<16xbf16>
// DOTS-NEXT:          vector.store %{{.*}}, %[[INPUTS]][%[[M]], %[[K]]] : memref<?x64xbf16>, vector<16xbf16>
// DOTS-NOT:       vector<16xbf16>
// DOTS:           scf.parallel (%[[FIRST:.*]]) = (%{{.*}}) to (%{{.*}}) step (%c32)
// DOTS:             %[[PAIRS:.*]] = memref.alloc() {alignment = 64 : i64} : memref<64x32xbf16>
// DOTS:             vector.store %{{.*}}, %[[PAIRS]]{{.*}} : memref<64x32xbf16>, vector<2xbf16>
// DOTS:             scf.for %{{.*}} step %c8{{.*}} {
// DOTS:               %{{.*}}:16 = scf.for %[[PAIR:.*]] = %{{.*}} to %c32{{.*}} step %c1{{.*}} iter_args
// DOTS:                 vector.load %[[PAIRS]][%[[PAIR]], %{{.*}}] : memref<64x32xbf16>, vector<32xbf16>
// DOTS:                 vector.load %[[PAIRS]][%{{.*}}, %{{.*}}] : memref<64x32xbf16>, vector<32xbf16>
// DOTS:                 vector.load %[[INPUTS]]{{.*}} : memref<?x64xbf16>, vector<2xbf16>
// DOTS-NEXT:            vector.bitcast %{{.*}} : vector<2xbf16> to vector<1xi32>
// DOTS-NEXT:            vector.broadcast %{{.*}} : vector<1xi32> to vector<16xi32>
// DOTS-NEXT:            vector.bitcast %{{.*}} : vector<16xi32> to vector<32xbf16>
// DOTS-COUNT-2:         x86vector.avx512.dot
// DOTS-COUNT-14:        x86vector.avx512.dot
// DOTS:                 scf.yield
// DOTS-COUNT-16:      arith.addf %{{.*}} : vector<16xf32>
// DOTS:             scf.for
// DOTS:               scf.for {{.*}} iter_args(%{{.*}} = %{{.*}}, %{{.*}} = %{{.*}}) -> (vector<16xf32>, vector<16xf32>)
// DOTS-COUNT-2:         x86vector.avx512.dot
// DOTS:             memref.dealloc %[[PAIRS]]
// DOTS:             scf.reduce
// DOTS:           memref.dealloc %[[INPUTS]]
// DOTS-NOT:       amx.

// With amx-bf16 (the host has AMX tiles), the same product on tiles: the
// inputs padded with zero rows to 32, four 16 x 16 tiles of sums per block
// (fewer rows, a decode step, go to the row kernel's dot products either way).
// TILES-LABEL: func.func @bf16_inputs_prompt(
// TILES:         memref.alloc(%{{.*}}) {alignment = 64 : i64} : memref<?x64xbf16>
// TILES:         %cst = arith.constant dense<0.000000e+00> : vector<16xbf16>
// TILES-NOT:     x86vector.
// TILES:         scf.parallel
// TILES:           amx.tile_zero
// TILES-COUNT-8:   amx.tile_mulf
// TILES-NOT:     x86vector.
// TILES:         } else {

// The dot products become vdpbf16ps's intrinsic (amx-bf16=0: the pipeline
// defaults to the host's tiles).
// LLVM-LABEL: llvm.func internal @bf16_inputs_prompt(
// LLVM:         llvm.call_intrinsic "llvm.x86.avx512bf16.dpbf16ps.512"({{.*}}) : (vector<16xf32>, vector<32xbf16>, vector<32xbf16>) -> vector<16xf32>
func.func @bf16_inputs_prompt(%x: memref<?x64xf32>, %w: memref<32x64xbf16>, %c: memref<?x32xf32>) {
  linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>] ins(%x, %w : memref<?x64xf32>, memref<32x64xbf16>) outs(%c : memref<?x32xf32>) {tmc.activations = "bfloat16"}
  return
}
