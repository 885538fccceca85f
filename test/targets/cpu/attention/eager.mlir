// RUN: tmc-opt %s -tmc-cpu-lower-attention -convert-tmc-to-linalg -split-input-file | FileCheck %s

// Eager attention on the CPU: where the query has at most 4 rows (a decode
// step; decided at run time here) each kv head's group of heads a chunk of
// keys at a time (key-chunks.mlir), else 64 query rows of one head at a
// time: an scf.forall over (batch, head, row block). GQA slices kv head h / 2; softcap,
// causal + sliding-window + padding masks. A block's scores, max and sum are
// written in place into its rows of one scratch buffer (to_tensor restrict
// writable), its output into the loop's shared output.
// CHECK-DAG: #[[Q:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d4)>
// CHECK-DAG: #[[K:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d3, d4)>
// CHECK-DAG: #[[S:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3)>
// CHECK-DAG: #[[V:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d4, d3)>
// CHECK-DAG: #[[PAD:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d3)>
// CHECK-DAG: #[[ROWOF:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, 0)>
// CHECK-LABEL: func.func @attention(
// CHECK-SAME:      %[[QA:.*]]: tensor<?x4x?x16xf32>, %[[KA:.*]]: tensor<?x2x?x16xf32>, %[[VA:.*]]: tensor<?x2x?x16xf32>, %[[MASK:.*]]: tensor<?x?xi64>)
// CHECK:         %[[ROWS0:.*]] = tensor.dim %[[QA]], %c2
// CHECK:         %[[FEW:.*]] = arith.cmpi ule, %[[ROWS0]], %c4
// CHECK:         %[[IF:.*]] = scf.if %[[FEW]] -> (tensor<?x4x?x16xf32>) {
// CHECK:           scf.forall
// CHECK:         } else {
// The queries are the last seq_q positions: query i sees keys up to i + seq_kv - seq_q.
// CHECK:         %[[SEQQ:.*]] = tensor.dim %[[QA]], %c2
// CHECK:         %[[SEQKV:.*]] = tensor.dim %[[KA]], %{{.*}}
// CHECK:         %[[PAST:.*]] = arith.subi %[[SEQKV]], %[[SEQQ]] : index
// A scratch row: max, sum, then the scores from column 16.
// CHECK:         %[[ROW:.*]] = arith.addi %c16, %[[SEQKV]] : index
// CHECK:         %[[SCRATCH:.*]] = memref.alloc(%{{.*}}, %[[SEQQ]], %[[ROW]]) {alignment = 64 : i64} : memref<?x4x?x?xf32>
// CHECK:         %[[BLOCKS:.*]] = arith.ceildivui %[[SEQQ]], %c64 : index
// CHECK:         %[[RESULT:.*]] = scf.forall (%[[B:.*]], %[[H:.*]], %[[BLK:.*]]) in (%{{.*}}, 4, %[[BLOCKS]]) shared_outs(%[[OUT:.*]] = %{{.*}}) -> (tensor<?x4x?x16xf32>) {
// CHECK:           %[[FIRST:.*]] = arith.muli %[[BLK]], %c64 : index
// CHECK:           %[[LEFT:.*]] = arith.subi %[[SEQQ]], %[[FIRST]] : index
// CHECK:           %[[ROWS:.*]] = arith.minui %c64, %[[LEFT]] : index
// Causal: no row of the block sees a key past its last row + past.
// CHECK:           %[[END:.*]] = arith.addi %[[FIRST]], %[[ROWS]] : index
// CHECK:           %[[SEEN:.*]] = arith.addi %[[END]], %[[PAST]] : index
// CHECK:           %[[KEYSEND:.*]] = arith.minsi %[[SEQKV]], %[[SEEN]] : index
// Sliding window of 4: nor one at or before its first row + past - 4; the
// block reads keys [KEY0, KEYSEND).
// CHECK:           %[[FROM:.*]] = arith.addi %[[FIRST]], %[[PAST]] : index
// CHECK:           %[[OLDEST:.*]] = arith.subi %[[FROM]], %c3 : index
// CHECK:           %[[ATLEAST0:.*]] = arith.maxsi %[[OLDEST]], %c0{{.*}} : index
// CHECK:           %[[KEY0:.*]] = arith.minsi %[[ATLEAST0]], %[[KEYSEND]] : index
// CHECK:           %[[KEYS:.*]] = arith.subi %[[KEYSEND]], %[[KEY0]] : index
// CHECK:           %[[KVH:.*]] = arith.divui %[[H]], %{{.*}} : index
// CHECK:           %[[QB:.*]] = tensor.extract_slice %[[QA]][%[[B]], %[[H]], %[[FIRST]], 0] [1, 1, %[[ROWS]], 16] [1, 1, 1, 1]
// CHECK:           %[[KB:.*]] = tensor.extract_slice %[[KA]][%[[B]], %[[KVH]], %[[KEY0]], 0] [1, 1, %[[KEYS]], 16] [1, 1, 1, 1]
// CHECK:           %[[VB:.*]] = tensor.extract_slice %[[VA]][%[[B]], %[[KVH]], %[[KEY0]], 0] [1, 1, %[[KEYS]], 16] [1, 1, 1, 1]
// CHECK:           %[[MB:.*]] = tensor.extract_slice %[[MASK]][%[[B]], %[[KEY0]]] [1, %[[KEYS]]] [1, 1]
// CHECK:           %[[BPAST:.*]] = arith.addi %[[PAST]], %[[FIRST]] : index
// CHECK:           %[[SV:.*]] = memref.subview %[[SCRATCH]][%[[B]], %[[H]], %[[FIRST]], %c16] [1, 1, %[[ROWS]], %[[KEYS]]] [1, 1, 1, 1]
// CHECK:           %[[ST:.*]] = bufferization.to_tensor %[[SV]] restrict writable
// CHECK:           %[[SZ:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%[[ST]] : tensor<1x1x?x?xf32>)
// CHECK:           %[[SCORES:.*]] = linalg.generic {indexing_maps = [#[[Q]], #[[K]], #[[S]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%[[QB]], %[[KB]] : tensor<1x1x?x16xf32>, tensor<1x1x?x16xf32>) outs(%[[SZ]] : tensor<1x1x?x?xf32>) attrs = {tmc.head_contraction = #tmc.head_contraction<transpose_b = true, group = 1>}
// The mask is applied in place, to the scores the generic writes.
// CHECK:           %[[MASKED:.*]] = linalg.generic {indexing_maps = [#[[PAD]], #{{.*}}]{{.*}} ins(%[[MB]] : tensor<1x?xi64>) outs(%[[SCORES]] : tensor<1x1x?x?xf32>)
// CHECK:             arith.mulf %{{.*}}, %{{.*}} : f32
// CHECK:             arith.divf
// CHECK:             math.tanh
// CHECK:             %[[I:.*]] = linalg.index 2
// CHECK:             %[[J0:.*]] = linalg.index 3
// CHECK:             %[[J:.*]] = arith.addi %[[J0]], %[[KEY0]] : index
// CHECK:             %[[LAST:.*]] = arith.addi %[[I]], %[[BPAST]]
// CHECK:             %[[FUTURE:.*]] = arith.cmpi sgt, %[[J]], %[[LAST]]
// CHECK:             %[[FIRSTKEY:.*]] = arith.subi %[[LAST]], %c4
// CHECK:             %[[OLD:.*]] = arith.cmpi sle, %[[J]], %[[FIRSTKEY]]
// CHECK:             arith.cmpi eq, %{{.*}}, %{{.*}} : i64
// CHECK:             arith.select %{{.*}}, %{{.*}}, %{{.*}} : f32
// Softmax over the block's keys; a row with no visible key yields zeros.
// CHECK:           memref.subview %[[SCRATCH]][%[[B]], %[[H]], %[[FIRST]], 0] [1, 1, %[[ROWS]], 1] [1, 1, 1, 1]
// CHECK:           %[[MAX:.*]] = linalg.generic {indexing_maps = [#{{.*}}, #[[ROWOF]]], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%[[MASKED]] : tensor<1x1x?x?xf32>) outs(%{{.*}} : tensor<1x1x?x1xf32>)
// CHECK:             arith.maximumf
// CHECK:           %[[EXP:.*]] = linalg.generic {indexing_maps = [#[[ROWOF]], #{{.*}}]{{.*}} ins(%[[MAX]] : tensor<1x1x?x1xf32>) outs(%[[MASKED]] : tensor<1x1x?x?xf32>)
// CHECK:             arith.cmpf oeq
// CHECK:             math.exp
// CHECK:           memref.subview %[[SCRATCH]][%[[B]], %[[H]], %[[FIRST]], 1] [1, 1, %[[ROWS]], 1] [1, 1, 1, 1]
// CHECK:           %[[SUM:.*]] = linalg.generic {{.*}} ins(%[[EXP]] : tensor<1x1x?x?xf32>)
// CHECK:             arith.addf
// CHECK:           %[[PROBS:.*]] = linalg.generic {{.*}} ins(%[[SUM]] : tensor<1x1x?x1xf32>) outs(%[[EXP]] : tensor<1x1x?x?xf32>)
// CHECK:             arith.divf
// CHECK:           %[[OB:.*]] = tensor.extract_slice %[[OUT]][%[[B]], %[[H]], %[[FIRST]], 0] [1, 1, %[[ROWS]], 16] [1, 1, 1, 1]
// CHECK:           %[[OZ:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%[[OB]] : tensor<1x1x?x16xf32>)
// CHECK:           %[[O:.*]] = linalg.generic {indexing_maps = [#[[Q]], #[[V]], #[[S]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%[[PROBS]], %[[VB]] : tensor<1x1x?x?xf32>, tensor<1x1x?x16xf32>) outs(%[[OZ]] : tensor<1x1x?x16xf32>)
// CHECK:           scf.forall.in_parallel {
// CHECK-NEXT:        tensor.parallel_insert_slice %[[O]] into %[[OUT]][%[[B]], %[[H]], %[[FIRST]], 0] [1, 1, %[[ROWS]], 16] [1, 1, 1, 1]
// CHECK:           scf.yield %[[RESULT]]
// CHECK:         return %[[IF]]
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
// CHECK:         scf.forall (%[[B:.*]], %{{.*}}, %{{.*}}) in
// CHECK:           %[[MB:.*]] = tensor.extract_slice %[[MASK]][%[[B]], 0]
// CHECK:           %[[PADB:.*]] = tensor.extract_slice %[[PAD]][%[[B]]] [1] [1] : tensor<?xindex> to tensor<1xindex>
// CHECK:           linalg.generic {indexing_maps = [#{{.*}}, #[[ROW]], #{{.*}}]{{.*}} ins(%[[MB]], %[[PADB]] : tensor<1x?xi64>, tensor<1xindex>)
// CHECK:             %[[LAST:.*]] = arith.addi %{{.*}}, %{{.*}} : index
// CHECK:             arith.cmpi sgt
// CHECK:             %[[KEYCHUNK:.*]] = arith.floordivsi %{{.*}}, %c64
// CHECK:             %[[QUERYCHUNK:.*]] = arith.floordivsi %{{.*}}, %c64
// CHECK:             arith.cmpi ne, %[[KEYCHUNK]], %[[QUERYCHUNK]]
func.func @chunked(%q: tensor<?x4x?x16xf32>, %k: tensor<?x2x?x16xf32>, %v: tensor<?x2x?x16xf32>, %m: tensor<?x?xi64>) -> tensor<?x4x?x16xf32> {
  %o = tmc.attention %q, %k, %v mask %m scale = 0.25 causal chunk_size = 64
      : (tensor<?x4x?x16xf32>, tensor<?x2x?x16xf32>, tensor<?x2x?x16xf32>, tensor<?x?xi64>) -> tensor<?x4x?x16xf32>
  return %o : tensor<?x4x?x16xf32>
}

// -----

// Bidirectional attention has no position mask at all, and every block
// reads all the keys (no minsi bounds them).
// CHECK-LABEL: func.func @bidirectional(
// CHECK-NOT:     arith.minsi
// CHECK-NOT:     arith.cmpi sgt
// CHECK-NOT:     math.tanh
// CHECK:         math.exp
func.func @bidirectional(%q: tensor<2x4x8x16xf32>, %k: tensor<2x4x8x16xf32>, %v: tensor<2x4x8x16xf32>) -> tensor<2x4x8x16xf32> {
  %o = tmc.attention %q, %k, %v scale = 0.25
      : (tensor<2x4x8x16xf32>, tensor<2x4x8x16xf32>, tensor<2x4x8x16xf32>) -> tensor<2x4x8x16xf32>
  return %o : tensor<2x4x8x16xf32>
}

// -----

// Attention in another element type keeps the whole-tensor form (the
// in-place blocks are written for f32), its softmax in f32.
// CHECK-LABEL: func.func @bf16_whole(
// CHECK-NOT:     scf.forall
// CHECK:         linalg.generic {{.*}} outs(%{{.*}} : tensor<2x4x8x8xbf16>) attrs = {tmc.head_contraction
// CHECK:         math.exp %{{.*}} : f32
func.func @bf16_whole(%q: tensor<2x4x8x16xbf16>, %k: tensor<2x4x8x16xbf16>, %v: tensor<2x4x8x16xbf16>) -> tensor<2x4x8x16xbf16> {
  %o = tmc.attention %q, %k, %v scale = 0.25 causal
      : (tensor<2x4x8x16xbf16>, tensor<2x4x8x16xbf16>, tensor<2x4x8x16xbf16>) -> tensor<2x4x8x16xbf16>
  return %o : tensor<2x4x8x16xbf16>
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
