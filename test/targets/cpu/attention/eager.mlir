// RUN: tmc-opt %s -tmc-cpu-lower-attention -convert-tmc-to-linalg -split-input-file | FileCheck %s

// Eager attention with GQA (4 query heads read 2 kv heads through
// `h floordiv 2`), softcap, causal + sliding-window + padding masks.
// CHECK-DAG: #[[Q:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d4)>
// CHECK-DAG: #[[K:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1 floordiv 2, d3, d4)>
// CHECK-DAG: #[[S:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3)>
// CHECK-DAG: #[[V:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1 floordiv 2, d4, d3)>
// CHECK-DAG: #[[PAD:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d3)>
// CHECK-LABEL: func.func @attention(
// CHECK-SAME:      %[[QA:.*]]: tensor<?x4x?x16xf32>, %[[KA:.*]]: tensor<?x2x?x16xf32>, %[[VA:.*]]: tensor<?x2x?x16xf32>, %[[MASK:.*]]: tensor<?x?xi64>)
// The queries are the last seq_q positions: query i sees keys up to i + seq_kv - seq_q.
// CHECK:         %[[PAST:.*]] = arith.subi %{{.*}}, %{{.*}} : index
// CHECK:         %[[SCORES:.*]] = linalg.generic {indexing_maps = [#[[Q]], #[[K]], #[[S]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%[[QA]], %[[KA]] :
// CHECK:         %[[MASKED:.*]] = linalg.generic {indexing_maps = [#{{.*}}, #[[PAD]], #{{.*}}]{{.*}} ins(%[[SCORES]], %[[MASK]] :
// CHECK:           arith.mulf %{{.*}}, %{{.*}} : f32
// CHECK:           arith.divf
// CHECK:           math.tanh
// CHECK:           %[[I:.*]] = linalg.index 2
// CHECK:           %[[J0:.*]] = linalg.index 3
// CHECK:           %[[J:.*]] = arith.addi %[[J0]], %{{.*}} : index
// CHECK:           %[[LAST:.*]] = arith.addi %[[I]], %[[PAST]]
// CHECK:           %[[FUTURE:.*]] = arith.cmpi sgt, %[[J]], %[[LAST]]
// CHECK:           %[[FIRST:.*]] = arith.subi %[[LAST]], %{{.*}}
// CHECK:           %[[OLD:.*]] = arith.cmpi sle, %[[J]], %[[FIRST]]
// CHECK:           arith.cmpi eq, %{{.*}}, %{{.*}} : i64
// CHECK:           arith.select %{{.*}}, %{{.*}}, %{{.*}} : f32
// Softmax over keys; a row with no visible key yields zeros.
// CHECK:         %[[MAX:.*]] = linalg.generic {{.*}} ins(%[[MASKED]] : tensor<?x4x?x?xf32>) outs(%{{.*}} : tensor<?x4x?x1xf32>)
// CHECK:           arith.maximumf
// CHECK:         linalg.generic {{.*}} ins(%[[MASKED]], %[[MAX]] :
// CHECK:           arith.cmpf oeq
// CHECK:           math.exp
// CHECK:         linalg.generic
// CHECK:           arith.addf
// CHECK:         %[[PROBS:.*]] = linalg.generic
// CHECK:           arith.divf
// CHECK:         %[[OUT:.*]] = linalg.generic {indexing_maps = [#[[Q]], #[[V]], #[[S]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%[[PROBS]], %[[VA]] :
// CHECK:         return %[[OUT]]
func.func @attention(%q: tensor<?x4x?x16xf32>, %k: tensor<?x2x?x16xf32>, %v: tensor<?x2x?x16xf32>, %m: tensor<?x?xi64>) -> tensor<?x4x?x16xf32> {
  %o = tmc.attention %q, %k, %v mask %m scale = 0.25 causal sliding_window = 4 softcap = 50.0
      : (tensor<?x4x?x16xf32>, tensor<?x2x?x16xf32>, tensor<?x2x?x16xf32>, tensor<?x?xi64>) -> tensor<?x4x?x16xf32>
  return %o : tensor<?x4x?x16xf32>
}

// -----

// A chunked layer (Llama 4): each row's chunks start at its first attended
// key, the count of leading zeros in the key mask, reduced once per call.
// CHECK-DAG: #[[ROW:.*]] = affine_map<(d0, d1, d2, d3) -> (d0)>
// CHECK-LABEL: func.func @chunked(
// CHECK-SAME:      %{{.*}}: tensor<?x4x?x16xf32>, %{{.*}}: tensor<?x2x?x16xf32>, %{{.*}}: tensor<?x2x?x16xf32>, %[[MASK:.*]]: tensor<?x?xi64>)
// CHECK:         %[[PADINIT:.*]] = linalg.fill ins(%{{.*}} : index) outs(%{{.*}} : tensor<?xindex>)
// CHECK:         %[[PAD:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]} ins(%[[MASK]] : tensor<?x?xi64>) outs(%[[PADINIT]] : tensor<?xindex>)
// CHECK:           arith.cmpi ne
// CHECK:           linalg.index 1
// CHECK:           arith.minsi
// CHECK:         linalg.generic {indexing_maps = [#{{.*}}, #{{.*}}, #[[ROW]], #{{.*}}]{{.*}} ins(%{{.*}}, %[[MASK]], %[[PAD]] :
// CHECK:           %[[LAST:.*]] = arith.addi %{{.*}}, %{{.*}} : index
// CHECK:           arith.cmpi sgt
// CHECK:           %[[KEYCHUNK:.*]] = arith.floordivsi %{{.*}}, %c64
// CHECK:           %[[QUERYCHUNK:.*]] = arith.floordivsi %{{.*}}, %c64
// CHECK:           arith.cmpi ne, %[[KEYCHUNK]], %[[QUERYCHUNK]]
func.func @chunked(%q: tensor<?x4x?x16xf32>, %k: tensor<?x2x?x16xf32>, %v: tensor<?x2x?x16xf32>, %m: tensor<?x?xi64>) -> tensor<?x4x?x16xf32> {
  %o = tmc.attention %q, %k, %v mask %m scale = 0.25 causal chunk_size = 64
      : (tensor<?x4x?x16xf32>, tensor<?x2x?x16xf32>, tensor<?x2x?x16xf32>, tensor<?x?xi64>) -> tensor<?x4x?x16xf32>
  return %o : tensor<?x4x?x16xf32>
}

// -----

// Bidirectional attention has no position mask at all.
// CHECK-LABEL: func.func @bidirectional(
// CHECK-NOT:     arith.cmpi sgt
// CHECK-NOT:     math.tanh
// CHECK:         math.exp
func.func @bidirectional(%q: tensor<2x4x8x16xf32>, %k: tensor<2x4x8x16xf32>, %v: tensor<2x4x8x16xf32>) -> tensor<2x4x8x16xf32> {
  %o = tmc.attention %q, %k, %v scale = 0.25
      : (tensor<2x4x8x16xf32>, tensor<2x4x8x16xf32>, tensor<2x4x8x16xf32>) -> tensor<2x4x8x16xf32>
  return %o : tensor<2x4x8x16xf32>
}

// -----

// rope: a cos/sin table over (position, d), shared by all heads, with angles
// in f32 from theta ** (2i / rotary_dim); then the rotation over (b, h, s, d),
// where rotate_half pairs d with d +- rotary_dim/2 and features past
// rotary_dim pass through.
// CHECK-DAG: #[[POS:.*]] = affine_map<(d0, d1) -> (d0)>
// CHECK-DAG: #[[TABLE:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[X4:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-DAG: #[[SD:.*]] = affine_map<(d0, d1, d2, d3) -> (d2, d3)>
// CHECK-LABEL: func.func @rope_partial(
// CHECK-SAME:      %[[X:.*]]: tensor<?x4x?x16xf32>, %[[P:.*]]: tensor<?xi64>)
// CHECK:         %[[TAB:.*]]:2 = linalg.generic {indexing_maps = [#[[POS]], #[[TABLE]], #[[TABLE]]]{{.*}} ins(%[[P]] : tensor<?xi64>) outs(%{{.*}}, %{{.*}} : tensor<?x16xf32>, tensor<?x16xf32>)
// CHECK:           %[[TD:.*]] = linalg.index 1
// CHECK:           arith.remui %[[TD]], %c4
// CHECK:           math.powf %{{.*}}, %{{.*}} : f32
// CHECK:           %[[COS:.*]] = math.cos
// CHECK:           %[[SIN:.*]] = math.sin
// CHECK:           linalg.yield %[[COS]], %[[SIN]]
// CHECK:         linalg.generic {indexing_maps = [#[[X4]], #[[SD]], #[[SD]], #[[X4]]]{{.*}} ins(%[[X]], %[[TAB]]#0, %[[TAB]]#1 :
// CHECK:           %[[D:.*]] = linalg.index 3
// CHECK:           %[[ROTATED:.*]] = arith.cmpi slt, %[[D]], %c8
// CHECK-NOT:       math.powf
// CHECK:           tensor.extract %[[X]]
// CHECK:           arith.select %[[ROTATED]]
func.func @rope_partial(%x: tensor<?x4x?x16xf32>, %p: tensor<?xi64>) -> tensor<?x4x?x16xf32> {
  %y = tmc.rope %x, %p theta = 1.0e+04 rotary_dim = 8 : (tensor<?x4x?x16xf32>, tensor<?xi64>) -> tensor<?x4x?x16xf32>
  return %y : tensor<?x4x?x16xf32>
}

// -----

// The interleaved form pairs 2i with 2i+1 and positions may be per batch:
// the table is [batch, seq, d].
// CHECK-DAG: #[[BPOS:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-DAG: #[[BSD:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d2, d3)>
// CHECK-LABEL: func.func @rope_interleaved(
// CHECK:         %[[TAB:.*]]:2 = linalg.generic {indexing_maps = [#[[BPOS]], #{{.*}}, #{{.*}}]
// CHECK:           arith.divui %{{.*}}, %c2
// CHECK:           math.powf
// CHECK:         linalg.generic {indexing_maps = [#{{.*}}, #[[BSD]], #[[BSD]], #{{.*}}]{{.*}} ins(%{{.*}}, %[[TAB]]#0, %[[TAB]]#1 :
// CHECK:           arith.remui %{{.*}}, %c2
func.func @rope_interleaved(%x: tensor<?x4x?x16xf32>, %p: tensor<?x?xi64>) -> tensor<?x4x?x16xf32> {
  %y = tmc.rope %x, %p theta = 1.0e+04 rotary_dim = 16 interleaved : (tensor<?x4x?x16xf32>, tensor<?x?xi64>) -> tensor<?x4x?x16xf32>
  return %y : tensor<?x4x?x16xf32>
}
