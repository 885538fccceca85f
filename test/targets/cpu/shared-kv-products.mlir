// RUN: tmc-opt %s -tmc-cpu-shared-kv-products -split-input-file | FileCheck %s

// The scores of the 2 query heads that share one kv head (32-wide heads):
// 16 keys at a time, the keys 32 ahead prefetched a cache line at a time;
// each row's 16 dot products (two vectors of q against each key) summed
// across lanes by 4 levels of shuffles (15 pairs of them) into 16 scores,
// added to C. The keys past the last 16 one at a time.
#q = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d4)>
#k = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1 floordiv 2, d3, d4)>
#s = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3)>
// CHECK-LABEL: func.func @scores(
// CHECK-SAME:      %[[Q:.*]]: memref<1x2x?x32xf32>, %[[K:.*]]: memref<1x1x?x32xf32, strided<[?, ?, 32, 1], offset: ?>>, %[[S:.*]]: memref<1x2x?x?xf32>)
// CHECK-NOT:     linalg.generic
// CHECK:         %[[ROWS:.*]] = memref.dim %[[S]], %c2
// CHECK:         %[[N:.*]] = memref.dim %[[S]], %c3
// CHECK:         %[[REST:.*]] = arith.remui %[[N]], %c16
// CHECK:         %[[WHOLE:.*]] = arith.subi %[[N]], %[[REST]]
// CHECK:         scf.for %[[J:.*]] = %c0 to %[[WHOLE]] step %c16 {
// CHECK-COUNT-32:  memref.prefetch %[[K]]
// CHECK:           scf.for %[[I:.*]] = %c0 to %[[ROWS]] step %c1 {
// CHECK:             vector.load %[[Q]][%c0, %c0{{.*}}, %[[I]], %c0{{.*}}] : memref<1x2x?x32xf32>, vector<16xf32>
// CHECK-COUNT-16:    vector.fma
// CHECK:             vector.load %[[Q]][%c0, %c0{{.*}}, %[[I]], %c16{{.*}}]
// CHECK-COUNT-16:    vector.fma
// CHECK-COUNT-30:    vector.shuffle
// CHECK:             %[[OLD:.*]] = vector.load %[[S]][%c0, %c0{{.*}}, %[[I]], %[[J]]]
// CHECK:             %[[NEW:.*]] = arith.addf %[[OLD]], %{{.*}} : vector<16xf32>
// CHECK:             vector.store %[[NEW]], %[[S]][%c0, %c0{{.*}}, %[[I]], %[[J]]]
// The second head's rows, the same way.
// CHECK:           scf.for
// CHECK-COUNT-30:    vector.shuffle
// CHECK:         scf.for %[[J1:.*]] = %[[WHOLE]] to %[[N]] step %c1 {
// CHECK:           vector.reduction <add>, %{{.*}} fastmath<reassoc>
// CHECK:           memref.store %{{.*}}, %[[S]][%c0, %c0{{.*}}, %{{.*}}, %[[J1]]]
func.func @scores(%q: memref<1x2x?x32xf32>, %k: memref<1x1x?x32xf32, strided<[?, ?, 32, 1], offset: ?>>, %s: memref<1x2x?x?xf32>) {
  linalg.generic {indexing_maps = [#q, #k, #s], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
      ins(%q, %k : memref<1x2x?x32xf32>, memref<1x1x?x32xf32, strided<[?, ?, 32, 1], offset: ?>>) outs(%s : memref<1x2x?x?xf32>)
      attrs = {tmc.head_contraction = #tmc.head_contraction<transpose_b = true, group = 2>, tmc.head_rows_at_most = 4 : i64} {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %p = arith.mulf %a, %b : f32
    %r = arith.addf %c, %p : f32
    linalg.yield %r : f32
  }
  return
}

// -----

// Keys from an f16 cache (--kv-cache-dtype float16): each load of 16 keys is
// widened in registers, and a 64-byte line holds 32 of a key's values, so
// one prefetch per key.
#q = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d4)>
#k = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1 floordiv 2, d3, d4)>
#s = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3)>
// CHECK-LABEL: func.func @f16_scores(
// CHECK-SAME:      %[[Q:.*]]: memref<1x2x?x32xf32>, %[[K:.*]]: memref<1x1x?x32xf16>, %[[S:.*]]: memref<1x2x?x?xf32>)
// CHECK-NOT:     linalg.generic
// CHECK:         scf.for %[[J:.*]] = %c0 to %{{.*}} step %c16 {
// CHECK-COUNT-16:  memref.prefetch %[[K]]
// CHECK-NOT:       memref.prefetch
// CHECK:           scf.for %[[I:.*]] = %c0 to %{{.*}} step %c1 {
// CHECK:             %[[KEY:.*]] = vector.load %[[K]][{{.*}}] : memref<1x1x?x32xf16>, vector<16xf16>
// CHECK:             %[[WIDE:.*]] = arith.extf %[[KEY]] : vector<16xf16> to vector<16xf32>
// CHECK:             vector.fma %{{.*}}, %[[WIDE]], %{{.*}} : vector<16xf32>
// CHECK-NOT:     linalg.generic
func.func @f16_scores(%q: memref<1x2x?x32xf32>, %k: memref<1x1x?x32xf16>, %s: memref<1x2x?x?xf32>) {
  linalg.generic {indexing_maps = [#q, #k, #s], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
      ins(%q, %k : memref<1x2x?x32xf32>, memref<1x1x?x32xf16>) outs(%s : memref<1x2x?x?xf32>)
      attrs = {tmc.head_contraction = #tmc.head_contraction<transpose_b = true, group = 2>, tmc.head_rows_at_most = 4 : i64} {
  ^bb0(%a: f32, %b: f16, %c: f32):
    %w = arith.extf %b : f16 to f32
    %p = arith.mulf %a, %w : f32
    %r = arith.addf %c, %p : f32
    linalg.yield %r : f32
  }
  return
}

// -----

// Values from a bf16 cache: each value row's two vectors widened.
#q = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d4)>
#v = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1 floordiv 2, d4, d3)>
#s = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3)>
// CHECK-LABEL: func.func @bf16_values(
// CHECK-SAME:      %[[P:.*]]: memref<1x2x?x?xf32>, %[[V:.*]]: memref<1x1x?x32xbf16>, %[[O:.*]]: memref<1x2x?x32xf32>)
// CHECK:           scf.for %[[J:.*]] = %c0 to %{{.*}} step %c1 iter_args
// CHECK-COUNT-1:     memref.prefetch %[[V]]
// CHECK-NOT:         memref.prefetch
// CHECK:             %[[V0:.*]] = vector.load %[[V]][%c0, %c0, %[[J]], %c0{{.*}}] : memref<1x1x?x32xbf16>, vector<16xbf16>
// CHECK:             arith.extf %[[V0]] : vector<16xbf16> to vector<16xf32>
// CHECK:             %[[V1:.*]] = vector.load %[[V]][%c0, %c0, %[[J]], %c16{{.*}}] : memref<1x1x?x32xbf16>, vector<16xbf16>
// CHECK:             arith.extf %[[V1]] : vector<16xbf16> to vector<16xf32>
func.func @bf16_values(%p: memref<1x2x?x?xf32>, %v: memref<1x1x?x32xbf16>, %o: memref<1x2x?x32xf32>) {
  linalg.generic {indexing_maps = [#q, #v, #s], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
      ins(%p, %v : memref<1x2x?x?xf32>, memref<1x1x?x32xbf16>) outs(%o : memref<1x2x?x32xf32>)
      attrs = {tmc.head_contraction = #tmc.head_contraction<transpose_b = false, group = 2>, tmc.head_rows_at_most = 4 : i64} {
  ^bb0(%a: f32, %b: bf16, %c: f32):
    %w = arith.extf %b : bf16 to f32
    %x = arith.mulf %a, %w : f32
    %r = arith.addf %c, %x : f32
    linalg.yield %r : f32
  }
  return
}

// -----

// The weighted values: one value row (two vectors) at a time, each head's
// weight broadcast into its two accumulators, added to C after the keys.
#q = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d4)>
#v = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1 floordiv 2, d4, d3)>
#s = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3)>
// CHECK-LABEL: func.func @values(
// CHECK-SAME:      %[[P:.*]]: memref<1x2x?x?xf32>, %[[V:.*]]: memref<1x1x?x32xf32>, %[[O:.*]]: memref<1x2x?x32xf32>)
// CHECK:         scf.for %[[I:.*]] = %c0 to %{{.*}} step %c1 {
// CHECK:           %[[ACC:.*]]:4 = scf.for %[[J:.*]] = %c0 to %{{.*}} step %c1 iter_args(%[[A0:.*]] = %{{.*}}, %[[A1:.*]] = %{{.*}}, %[[A2:.*]] = %{{.*}}, %[[A3:.*]] = %{{.*}}) -> (vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>) {
// CHECK-COUNT-2:     memref.prefetch %[[V]]
// CHECK:             %[[V0:.*]] = vector.load %[[V]][%c0, %c0, %[[J]], %c0{{.*}}]
// CHECK:             %[[V1:.*]] = vector.load %[[V]][%c0, %c0, %[[J]], %c16{{.*}}]
// CHECK:             %[[W0:.*]] = memref.load %[[P]][%c0, %c0{{.*}}, %[[I]], %[[J]]]
// CHECK:             %[[B0:.*]] = vector.broadcast %[[W0]]
// CHECK:             vector.fma %[[B0]], %[[V0]], %[[A0]]
// CHECK:             vector.fma %[[B0]], %[[V1]], %[[A1]]
// CHECK:             %[[W1:.*]] = memref.load %[[P]][%c0, %c1{{.*}}, %[[I]], %[[J]]]
// CHECK:             %[[B1:.*]] = vector.broadcast %[[W1]]
// CHECK:             vector.fma %[[B1]], %[[V0]], %[[A2]]
// CHECK:             vector.fma %[[B1]], %[[V1]], %[[A3]]
// CHECK:           arith.addf %{{.*}}, %[[ACC]]#0
// CHECK:           arith.addf %{{.*}}, %[[ACC]]#3
func.func @values(%p: memref<1x2x?x?xf32>, %v: memref<1x1x?x32xf32>, %o: memref<1x2x?x32xf32>) {
  linalg.generic {indexing_maps = [#q, #v, #s], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
      ins(%p, %v : memref<1x2x?x?xf32>, memref<1x1x?x32xf32>) outs(%o : memref<1x2x?x32xf32>)
      attrs = {tmc.head_contraction = #tmc.head_contraction<transpose_b = false, group = 2>, tmc.head_rows_at_most = 4 : i64} {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %m = arith.mulf %a, %b : f32
    %r = arith.addf %c, %m : f32
    linalg.yield %r : f32
  }
  return
}

// -----

// Left for tmc-linalg-to-blas: a prompt's row block (no
// tmc.head_rows_at_most) and a head dim that is not whole vectors.
#q = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d4)>
#k = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1 floordiv 2, d3, d4)>
#s = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3)>
// CHECK-LABEL: func.func @row_block(
// CHECK:         linalg.generic
// CHECK-LABEL: func.func @narrow_heads(
// CHECK:         linalg.generic
func.func @row_block(%q: memref<1x2x?x32xf32>, %k: memref<1x1x?x32xf32>, %s: memref<1x2x?x?xf32>) {
  linalg.generic {indexing_maps = [#q, #k, #s], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
      ins(%q, %k : memref<1x2x?x32xf32>, memref<1x1x?x32xf32>) outs(%s : memref<1x2x?x?xf32>)
      attrs = {tmc.head_contraction = #tmc.head_contraction<transpose_b = true, group = 2>} {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %p = arith.mulf %a, %b : f32
    %r = arith.addf %c, %p : f32
    linalg.yield %r : f32
  }
  return
}
func.func @narrow_heads(%q: memref<1x2x?x24xf32>, %k: memref<1x1x?x24xf32>, %s: memref<1x2x?x?xf32>) {
  linalg.generic {indexing_maps = [#q, #k, #s], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
      ins(%q, %k : memref<1x2x?x24xf32>, memref<1x1x?x24xf32>) outs(%s : memref<1x2x?x?xf32>)
      attrs = {tmc.head_contraction = #tmc.head_contraction<transpose_b = true, group = 2>, tmc.head_rows_at_most = 4 : i64} {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %p = arith.mulf %a, %b : f32
    %r = arith.addf %c, %p : f32
    linalg.yield %r : f32
  }
  return
}
