// RUN: tmc-opt %s -tmc-cpu-lower-attention -convert-tmc-to-linalg -split-input-file | FileCheck %s
// RUN: tmc-opt %s -tmc-cpu-lower-attention -convert-tmc-to-linalg -canonicalize -split-input-file | FileCheck %s --check-prefix=CANON

// A decode step (one query row per head): an scf.forall over (batch, kv head,
// chunk of keys). A block is the 2 query heads of one kv head against its
// chunk: q heads [2 kvh, 2 kvh + 2), one key and value head, both
// contractions marked #tmc.head_rows_at_most. Its scores, max and exp sum go
// into one scratch buffer (max and sum of chunk c in columns 2c and 2c + 1,
// the scores after 2 * chunks columns); its unnormalized weighted values,
// max and sum into its chunk's 18 columns of the loop's result.
// CHECK-DAG: #[[KEY:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1 floordiv 2, d3, d4)>
// CHECK-DAG: #[[MAXOF:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3, 16)>
// CHECK-DAG: #[[SUMOF:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3, 17)>
// CHECK-DAG: #[[VALUEOF:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3, d4)>
// CHECK-LABEL: func.func @decode(
// CHECK-SAME:      %[[Q:.*]]: tensor<?x4x1x16xf32>, %[[K:.*]]: tensor<?x2x?x16xf32>, %[[V:.*]]: tensor<?x2x?x16xf32>, %[[MASK:.*]]: tensor<?x?xi64>)
// CHECK:         %[[SEQKV:.*]] = tensor.dim %[[K]], %c2
// CHECK:         %[[PAST:.*]] = arith.subi %[[SEQKV]], %c1
// The sliding window of 4 hides the keys before past - 3 from the row.
// CHECK:         %[[OLDEST:.*]] = arith.subi %[[PAST]], %c3
// CHECK:         %[[ATLEAST0:.*]] = arith.maxsi %[[OLDEST]], %c0
// CHECK:         %[[KEY0:.*]] = arith.minsi %[[ATLEAST0]], %[[SEQKV]]
// CHECK:         %[[KEYS:.*]] = arith.subi %[[SEQKV]], %[[KEY0]]
// Chunks of 64 keys below 512 keys, else of 128.
// CHECK:         %[[SHORT:.*]] = arith.cmpi ult, %[[KEYS]], %c512
// CHECK:         %[[PERBYLENGTH:.*]] = arith.select %[[SHORT]], %c64, %c128
// CHECK:         %[[SHORTCHUNKS:.*]] = arith.ceildivui %[[KEYS]], %c64
// CHECK:         %[[LONGCHUNKS:.*]] = arith.ceildivui %[[KEYS]], %c128
// CHECK:         %[[BYLENGTH:.*]] = arith.select %[[SHORT]], %[[SHORTCHUNKS]], %[[LONGCHUNKS]]
// On one thread, one chunk of every key.
// CHECK:         %[[CALL:.*]] = call @omp_get_max_threads() : () -> i32
// CHECK:         %[[THREADS:.*]] = arith.index_castui %[[CALL]] : i32 to index
// CHECK:         %[[SINGLE:.*]] = arith.cmpi ule, %[[THREADS]], %c1
// CHECK:         %[[ALL:.*]] = arith.maxui %[[KEYS]], %c1
// CHECK:         %[[PER:.*]] = arith.select %[[SINGLE]], %[[ALL]], %[[PERBYLENGTH]]
// CHECK:         %[[ONE:.*]] = arith.minui %[[KEYS]], %c1
// CHECK:         %[[CHUNKS:.*]] = arith.select %[[SINGLE]], %[[ONE]], %[[BYLENGTH]]
// CHECK:         %[[ROWVALUES:.*]] = arith.muli %[[CHUNKS]], %c2
// CHECK:         %[[WIDTH:.*]] = arith.addi %[[ROWVALUES]], %[[KEYS]]
// CHECK:         %[[SCRATCH:.*]] = memref.alloc(%{{.*}}, %[[WIDTH]]) {alignment = 64 : i64} : memref<?x4x1x?xf32>
// CHECK:         %[[PARTIALCOLUMNS:.*]] = arith.muli %[[CHUNKS]], %c18
// CHECK:         %[[PARTIALS:.*]] = scf.forall (%[[B:.*]], %[[KVH:.*]], %[[C:.*]]) in (%{{.*}}, 2, %[[CHUNKS]]) shared_outs(%[[OUT:.*]] = %{{.*}}) -> (tensor<?x4x1x?xf32>) {
// CHECK:           %[[COLUMN:.*]] = arith.muli %[[C]], %[[PER]]
// CHECK:           %[[START:.*]] = arith.addi %[[KEY0]], %[[COLUMN]]
// CHECK:           %[[LEFT:.*]] = arith.subi %[[SEQKV]], %[[START]]
// CHECK:           %[[N:.*]] = arith.minui %[[PER]], %[[LEFT]]
// CHECK:           %[[HEAD0:.*]] = arith.muli %[[KVH]], %c2
// CHECK:           %[[QB:.*]] = tensor.extract_slice %[[Q]][%[[B]], %[[HEAD0]], 0, 0] [1, 2, 1, 16] [1, 1, 1, 1]
// CHECK:           %[[KB:.*]] = tensor.extract_slice %[[K]][%[[B]], %[[KVH]], %[[START]], 0] [1, 1, %[[N]], 16] [1, 1, 1, 1]
// CHECK:           %[[VB:.*]] = tensor.extract_slice %[[V]][%[[B]], %[[KVH]], %[[START]], 0] [1, 1, %[[N]], 16] [1, 1, 1, 1]
// CHECK:           memref.subview %[[SCRATCH]][%[[B]], %[[HEAD:.*]], 0, %{{.*}}] [1, 2, 1, %[[N]]]
// CHECK:           %[[SCORES:.*]] = linalg.generic {{.*}} ins(%[[QB]], %[[KB]] : tensor<1x2x1x16xf32>, tensor<1x1x?x16xf32>) {{.*}} attrs = {tmc.head_contraction = #tmc.head_contraction<transpose_b = true, group = 2>, tmc.head_rows_at_most = 4 : i64}
// The mask sees each key at its position in the whole sequence.
// CHECK:           linalg.generic {{.*}} outs(%[[SCORES]] : tensor<1x2x1x?xf32>)
// CHECK:             linalg.index 3
// CHECK:             arith.addi %{{.*}}, %[[START]]
// CHECK:           %[[MAX:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "reduction"]
// CHECK:             arith.maximumf
// CHECK:           %[[EXP:.*]] = linalg.generic {{.*}} ins(%[[MAX]] : tensor<1x2x1x1xf32>)
// CHECK:             math.exp
// CHECK:           %[[SUM:.*]] = linalg.generic {{.*}} ins(%[[EXP]] : tensor<1x2x1x?xf32>)
// CHECK:             arith.addf
// Unnormalized: no division before the chunks combine.
// CHECK-NOT:         arith.divf
// CHECK:           %[[O:.*]] = linalg.generic {{.*}} ins(%[[EXP]], %[[VB]] : tensor<1x2x1x?xf32>, tensor<1x1x?x16xf32>) {{.*}} attrs = {tmc.head_contraction = #tmc.head_contraction<transpose_b = false, group = 2>, tmc.head_rows_at_most = 4 : i64}
// CHECK:           scf.forall.in_parallel {
// CHECK-NEXT:        tensor.parallel_insert_slice %[[O]] into %[[OUT]][%[[B]], %[[HEAD]], 0, %{{.*}}] [1, 2, 1, 16]
// CHECK-NEXT:        tensor.parallel_insert_slice %[[MAX]] into %[[OUT]][%[[B]], %[[HEAD]], 0, %{{.*}}] [1, 2, 1, 1]
// CHECK-NEXT:        tensor.parallel_insert_slice %[[SUM]] into %[[OUT]][%[[B]], %[[HEAD]], 0, %{{.*}}] [1, 2, 1, 1]
// The chunks combine: M = max_c m_c, w_c = exp(m_c - M),
// out = sum_c w_c o_c / sum_c w_c l_c (0 where no chunk saw a key).
// CHECK:         %[[BYCHUNK:.*]] = tensor.expand_shape %[[PARTIALS]] {{\[\[}}0], [1], [2], [3, 4]] output_shape [%{{.*}}, 4, 1, %[[CHUNKS]], 18]
// CHECK:         %[[M:.*]] = linalg.generic {indexing_maps = [#[[MAXOF]], #{{.*}}], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%[[BYCHUNK]]
// CHECK:           arith.maximumf
// CHECK:         %[[W:.*]] = linalg.generic {indexing_maps = [#[[MAXOF]], {{.*}} ins(%[[BYCHUNK]], %[[M]]
// CHECK:           math.exp
// CHECK:         %[[DEN:.*]] = linalg.generic {indexing_maps = [#{{.*}}, #[[SUMOF]], #{{.*}}]{{.*}} ins(%[[W]], %[[BYCHUNK]]
// CHECK:         %[[VALUES:.*]] = tensor.extract_slice %[[BYCHUNK]][0, 0, 0, 0, 0] [%{{.*}}, 4, 1, %[[CHUNKS]], 16]
// CHECK:         %[[NUM:.*]] = linalg.generic {indexing_maps = [#{{.*}}, #[[VALUEOF]], #{{.*}}], iterator_types = ["parallel", "parallel", "parallel", "reduction", "parallel"]} ins(%[[W]], %[[VALUES]]
// CHECK:         %[[RESULT:.*]] = linalg.generic {{.*}} ins(%[[DEN]] : tensor<?x4x1xf32>) outs(%[[NUM]] : tensor<?x4x1x16xf32>)
// CHECK:           arith.divf
// CHECK:         return %[[RESULT]]
func.func @decode(%q: tensor<?x4x1x16xf32>, %k: tensor<?x2x?x16xf32>, %v: tensor<?x2x?x16xf32>, %m: tensor<?x?xi64>) -> tensor<?x4x1x16xf32> {
  %o = tmc.attention %q, %k, %v mask %m scale = 0.25 causal sliding_window = 4
      : (tensor<?x4x1x16xf32>, tensor<?x2x?x16xf32>, tensor<?x2x?x16xf32>, tensor<?x?xi64>) -> tensor<?x4x1x16xf32>
  return %o : tensor<?x4x1x16xf32>
}

// -----

// Five query rows take the row blocks, and a value dim only known at run
// time keeps them at any row count (a chunk's columns are laid out by it).
// CHECK-LABEL: func.func @five_rows(
// CHECK-NOT:     tmc.head_rows_at_most
// CHECK:         arith.ceildivui %{{.*}}, %c64
// CHECK-NOT:     tmc.head_rows_at_most
// CHECK-LABEL: func.func @dynamic_value_dim(
// CHECK-NOT:     scf.if
// CHECK-NOT:     tmc.head_rows_at_most
// CHECK:         return
func.func @five_rows(%q: tensor<1x4x5x16xf32>, %k: tensor<1x2x9x16xf32>, %v: tensor<1x2x9x16xf32>) -> tensor<1x4x5x16xf32> {
  %o = tmc.attention %q, %k, %v scale = 0.25 causal
      : (tensor<1x4x5x16xf32>, tensor<1x2x9x16xf32>, tensor<1x2x9x16xf32>) -> tensor<1x4x5x16xf32>
  return %o : tensor<1x4x5x16xf32>
}
func.func @dynamic_value_dim(%q: tensor<1x4x?x16xf32>, %k: tensor<1x2x?x16xf32>, %v: tensor<1x2x?x?xf32>) -> tensor<1x4x?x?xf32> {
  %o = tmc.attention %q, %k, %v scale = 0.25 causal
      : (tensor<1x4x?x16xf32>, tensor<1x2x?x16xf32>, tensor<1x2x?x?xf32>) -> tensor<1x4x?x?xf32>
  return %o : tensor<1x4x?x?xf32>
}

// -----

// Keys and values from an f16 cache (--kv-cache-dtype float16): the key
// chunks slice the cache itself and widen its elements in the contractions,
// so no f32 copy of the cache is made. With a query length known only at run
// time, the widening moves into the row blocks' branch.
// CHECK-LABEL: func.func @f16_cache(
// CHECK-SAME:      %[[Q:.*]]: tensor<?x4x?x16xf32>, %[[K:.*]]: tensor<?x2x?x16xf16>, %[[V:.*]]: tensor<?x2x?x16xf16>
// CHECK:         scf.if
// CHECK:           scf.forall
// CHECK:             %[[KB:.*]] = tensor.extract_slice %[[K]]{{.*}} to tensor<1x1x?x16xf16>
// CHECK:             %[[VB:.*]] = tensor.extract_slice %[[V]]{{.*}} to tensor<1x1x?x16xf16>
// CHECK:             linalg.generic {{.*}} ins(%{{.*}}, %[[KB]] : tensor<1x2x?x16xf32>, tensor<1x1x?x16xf16>)
// CHECK:               arith.extf %{{.*}} : f16 to f32
// CHECK:             linalg.generic {{.*}} ins(%{{.*}}, %[[VB]] : tensor<1x2x?x?xf32>, tensor<1x1x?x16xf16>)
// CHECK:               arith.extf %{{.*}} : f16 to f32
// CHECK:         } else {
// CHECK:           linalg.generic {{.*}} ins(%[[K]] : tensor<?x2x?x16xf16>)
// CHECK:             arith.extf
// CHECK:           linalg.generic {{.*}} ins(%[[V]] : tensor<?x2x?x16xf16>)
// CHECK:             arith.extf
// CHECK:           scf.forall
// CHECK:         }
// Once the dead casts are gone, nothing widens the cache before the branch.
// CANON-LABEL: func.func @f16_cache(
// CANON-NOT:     arith.extf
// CANON:         scf.if
func.func @f16_cache(%q: tensor<?x4x?x16xf32>, %kc: tensor<?x2x?x16xf16>, %vc: tensor<?x2x?x16xf16>) -> tensor<?x4x?x16xf32> {
  %k = tmc.cast %kc : tensor<?x2x?x16xf16> -> tensor<?x2x?x16xf32>
  %v = tmc.cast %vc : tensor<?x2x?x16xf16> -> tensor<?x2x?x16xf32>
  %o = tmc.attention %q, %k, %v scale = 0.25 causal
      : (tensor<?x4x?x16xf32>, tensor<?x2x?x16xf32>, tensor<?x2x?x16xf32>) -> tensor<?x4x?x16xf32>
  return %o : tensor<?x4x?x16xf32>
}
