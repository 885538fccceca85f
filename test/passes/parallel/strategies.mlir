// RUN: tmc-opt %s -split-input-file -tmc-shard-tp=world-size=2 | FileCheck %s

// colwise then rowwise (an MLP): the up projection's weight and bias are
// split on the output dimension and its output stays split through the
// activation; the down projection's weight is split on its input dimension,
// its partial products are summed by one all-reduce and its bias is added
// once, after.
// CHECK-LABEL: shard.grid @tp(shape = 2)
// CHECK:       tmc.param @mlp.up_proj.weight {tmc.split = #tmc.split<dim = 0>} : tensor<4x4xf32>
// CHECK:       tmc.param @mlp.up_proj.bias {tmc.split = #tmc.split<dim = 0>} : tensor<4xf32>
// CHECK:       tmc.param @mlp.down_proj.weight {tmc.split = #tmc.split<dim = 1>} : tensor<4x4xf32>
// CHECK:       tmc.param @mlp.down_proj.bias : tensor<4xf32>
// CHECK-LABEL: func.func @mlp(
// CHECK:         %[[H:.*]] = tmc.linear %{{.*}}, %{{.*}}, %{{.*}} at "mlp.up_proj" : (tensor<?x4xf32>, tensor<4x4xf32>, tensor<4xf32>) -> tensor<?x4xf32>
// CHECK:         %[[A:.*]] = tmc.silu %[[H]] at "mlp" : tensor<?x4xf32>
// CHECK:         %[[P:.*]] = tmc.linear %[[A]], %{{.*}} at "mlp.down_proj" : (tensor<?x4xf32>, tensor<4x4xf32>) -> tensor<?x4xf32>
// CHECK:         %[[R:.*]] = shard.all_reduce %[[P]] on @tp grid_axes = [0] : tensor<?x4xf32> -> tensor<?x4xf32>
// CHECK:         %[[Y:.*]] = tmc.add %[[R]], %{{.*}} at "mlp.down_proj"
// CHECK:         return %[[Y]] : tensor<?x4xf32>
module attributes {tmc.tp_plan = {"mlp.up_proj" = "colwise", "mlp.down_proj" = "rowwise"}} {
  tmc.param @mlp.up_proj.weight : tensor<8x4xf32>
  tmc.param @mlp.up_proj.bias : tensor<8xf32>
  tmc.param @mlp.down_proj.weight : tensor<4x8xf32>
  tmc.param @mlp.down_proj.bias : tensor<4xf32>
  func.func @mlp(%x: tensor<?x4xf32> {tmc.name = "x"}) -> tensor<?x4xf32> {
    %w1 = tmc.get_param @mlp.up_proj.weight : tensor<8x4xf32>
    %b1 = tmc.get_param @mlp.up_proj.bias : tensor<8xf32>
    %w2 = tmc.get_param @mlp.down_proj.weight : tensor<4x8xf32>
    %b2 = tmc.get_param @mlp.down_proj.bias : tensor<4xf32>
    %h = tmc.linear %x, %w1, %b1 at "mlp.up_proj" : (tensor<?x4xf32>, tensor<8x4xf32>, tensor<8xf32>) -> tensor<?x8xf32>
    %a = tmc.silu %h at "mlp" : tensor<?x8xf32>
    %y = tmc.linear %a, %w2, %b2 at "mlp.down_proj" : (tensor<?x8xf32>, tensor<4x8xf32>, tensor<4xf32>) -> tensor<?x4xf32>
    return %y : tensor<?x4xf32>
  }
}

// -----

// colwise_gather_output then rowwise_split_input (Phi-3's fused MLP as
// transformers shards it): the output is gathered whole, the chunks are
// taken from the whole tensor, and the down projection slices its replicated
// input to the rank's part.
// CHECK-LABEL: func.func @gathered(
// CHECK:         %[[GU:.*]] = tmc.linear %{{.*}}, %{{.*}} at "mlp.gate_up_proj" : (tensor<?x4xf32>, tensor<8x4xf32>) -> tensor<?x8xf32>
// CHECK:         %[[W:.*]] = shard.all_gather %[[GU]] on @tp grid_axes = [0] gather_axis = 1 : tensor<?x8xf32> -> tensor<?x16xf32>
// CHECK:         tmc.split %[[W]] dim = 1 sizes = [8, 8] at "mlp" : tensor<?x16xf32> -> tensor<?x8xf32>, tensor<?x8xf32>
// CHECK:         %[[S:.*]] = shard.all_slice %{{.*}} on @tp grid_axes = [0] slice_axis = 1 : tensor<?x8xf32> -> tensor<?x4xf32>
// CHECK:         %[[P:.*]] = tmc.linear %[[S]], %{{.*}} at "mlp.down_proj" : (tensor<?x4xf32>, tensor<4x4xf32>) -> tensor<?x4xf32>
// CHECK:         shard.all_reduce %[[P]]
module attributes {tmc.tp_plan = {"mlp.gate_up_proj" = "colwise_gather_output", "mlp.down_proj" = "rowwise_split_input"}} {
  tmc.param @mlp.gate_up_proj.weight : tensor<16x4xf32>
  tmc.param @mlp.down_proj.weight : tensor<4x8xf32>
  func.func @gathered(%x: tensor<?x4xf32> {tmc.name = "x"}) -> tensor<?x4xf32> {
    %w1 = tmc.get_param @mlp.gate_up_proj.weight : tensor<16x4xf32>
    %w2 = tmc.get_param @mlp.down_proj.weight : tensor<4x8xf32>
    %gu = tmc.linear %x, %w1 at "mlp.gate_up_proj" : (tensor<?x4xf32>, tensor<16x4xf32>) -> tensor<?x16xf32>
    %g, %u = tmc.split %gu dim = 1 sizes = [8, 8] at "mlp" : tensor<?x16xf32> -> tensor<?x8xf32>, tensor<?x8xf32>
    %a = tmc.silu %g at "mlp" : tensor<?x8xf32>
    %m = tmc.mul %u, %a at "mlp" : (tensor<?x8xf32>, tensor<?x8xf32>) -> tensor<?x8xf32>
    %y = tmc.linear %m, %w2 at "mlp.down_proj" : (tensor<?x8xf32>, tensor<4x8xf32>) -> tensor<?x4xf32>
    return %y : tensor<?x4xf32>
  }
}

// -----

// packed_colwise then packed_rowwise: the fused [gate; up] weight is split
// block by block (blocks = 2), so each rank's output is [gate part, up part]
// and chunking it gives each rank its part of gate and of up; no collective
// until the row-parallel down projection.
// CHECK-LABEL: func.func @packed(
// CHECK:         tmc.linear %{{.*}}, %{{.*}} at "mlp.gate_up_proj" : (tensor<?x4xf32>, tensor<8x4xf32>) -> tensor<?x8xf32>
// CHECK-NOT:     shard.all_gather
// CHECK:         tmc.split %{{.*}} dim = 1 sizes = [4, 4] at "mlp" : tensor<?x8xf32> -> tensor<?x4xf32>, tensor<?x4xf32>
// CHECK:         %[[P:.*]] = tmc.linear %{{.*}}, %{{.*}} at "mlp.down_proj" : (tensor<?x4xf32>, tensor<4x4xf32>) -> tensor<?x4xf32>
// CHECK:         shard.all_reduce %[[P]]
module attributes {tmc.tp_plan = {"mlp.gate_up_proj" = "packed_colwise", "mlp.down_proj" = "rowwise"}} {
  tmc.param @mlp.gate_up_proj.weight : tensor<16x4xf32>
  tmc.param @mlp.down_proj.weight : tensor<4x8xf32>
  func.func @packed(%x: tensor<?x4xf32> {tmc.name = "x"}) -> tensor<?x4xf32> {
    %w1 = tmc.get_param @mlp.gate_up_proj.weight : tensor<16x4xf32>
    %w2 = tmc.get_param @mlp.down_proj.weight : tensor<4x8xf32>
    %gu = tmc.linear %x, %w1 at "mlp.gate_up_proj" : (tensor<?x4xf32>, tensor<16x4xf32>) -> tensor<?x16xf32>
    %g, %u = tmc.split %gu dim = 1 sizes = [8, 8] at "mlp" : tensor<?x16xf32> -> tensor<?x8xf32>, tensor<?x8xf32>
    %a = tmc.silu %g at "mlp" : tensor<?x8xf32>
    %m = tmc.mul %u, %a at "mlp" : (tensor<?x8xf32>, tensor<?x8xf32>) -> tensor<?x8xf32>
    %y = tmc.linear %m, %w2 at "mlp.down_proj" : (tensor<?x8xf32>, tensor<4x8xf32>) -> tensor<?x4xf32>
    return %y : tensor<?x4xf32>
  }
}

// -----

// A packed value that must be whole (an entry's result) is gathered block by
// block: viewed as [.., blocks, part], gathered on the part, viewed back.
// CHECK-LABEL: func.func @packed_result(
// CHECK:         %[[B:.*]] = tmc.reshape %{{.*}} sizes[%{{.*}}] : tensor<?x8xf32> -> tensor<?x2x4xf32>
// CHECK:         %[[G:.*]] = shard.all_gather %[[B]] on @tp grid_axes = [0] gather_axis = 2 : tensor<?x2x4xf32> -> tensor<?x2x8xf32>
// CHECK:         %[[W:.*]] = tmc.reshape %[[G]] sizes[%{{.*}}] : tensor<?x2x8xf32> -> tensor<?x16xf32>
// CHECK:         return %[[W]]
module attributes {tmc.tp_plan = {"mlp.gate_up_proj" = "packed_colwise"}} {
  tmc.param @mlp.gate_up_proj.weight : tensor<16x4xf32>
  func.func @packed_result(%x: tensor<?x4xf32> {tmc.name = "x"}) -> tensor<?x16xf32> {
    %w1 = tmc.get_param @mlp.gate_up_proj.weight : tensor<16x4xf32>
    %gu = tmc.linear %x, %w1 at "mlp.gate_up_proj" : (tensor<?x4xf32>, tensor<16x4xf32>) -> tensor<?x16xf32>
    return %gu : tensor<?x16xf32>
  }
}

// -----

// embedding_rowwise: each rank holds half the vocabulary, looks up the ids in
// its rows (offset by rank x rows; others read zeros) and the partial rows
// are summed.
// CHECK-LABEL: func.func @vocab(
// CHECK:         %[[RANK:.*]] = shard.process_linear_index on @tp : index
// CHECK:         %[[OFF:.*]] = arith.muli %[[RANK]], %{{.*}} : index
// CHECK:         %[[E:.*]] = tmc.embedding %{{.*}}, %{{.*}} offset %[[OFF]] at "embed_tokens" : (tensor<?x?xi64>, tensor<8x4xf32>, index) -> tensor<?x?x4xf32>
// CHECK:         %[[R:.*]] = shard.all_reduce %[[E]]
// CHECK:         return %[[R]]
module attributes {tmc.tp_plan = {"embed_tokens" = "embedding_rowwise"}} {
  tmc.param @embed_tokens.weight : tensor<16x4xf32>
  func.func @vocab(%ids: tensor<?x?xi64> {tmc.name = "input_ids"}) -> tensor<?x?x4xf32> {
    %t = tmc.get_param @embed_tokens.weight : tensor<16x4xf32>
    %e = tmc.embedding %ids, %t at "embed_tokens" : (tensor<?x?xi64>, tensor<16x4xf32>) -> tensor<?x?x4xf32>
    return %e : tensor<?x?x4xf32>
  }
}

// -----

// A tied head: lm_head has no weight of its own and reads the replicated
// embedding table, so the table is sliced where the head needs its rows,
// the head computes its part of the vocabulary, and the logits are gathered.
// CHECK-LABEL: func.func @tied(
// CHECK:         tmc.embedding %{{.*}}, %[[T:.*]] at "embed_tokens" : (tensor<?x?xi64>, tensor<16x4xf32>)
// CHECK:         %[[S:.*]] = shard.all_slice %[[T]] on @tp grid_axes = [0] slice_axis = 0 : tensor<16x4xf32> -> tensor<8x4xf32>
// CHECK:         %[[L:.*]] = tmc.linear %{{.*}}, %[[S]] at "lm_head" : (tensor<?x?x4xf32>, tensor<8x4xf32>) -> tensor<?x?x8xf32>
// CHECK:         %[[G:.*]] = shard.all_gather %[[L]] on @tp grid_axes = [0] gather_axis = 2 : tensor<?x?x8xf32> -> tensor<?x?x16xf32>
// CHECK:         return %[[G]]
module attributes {tmc.tp_plan = {"lm_head" = "colwise_gather_output"}} {
  tmc.param @embed_tokens.weight : tensor<16x4xf32>
  func.func @tied(%ids: tensor<?x?xi64> {tmc.name = "input_ids"}) -> tensor<?x?x16xf32> {
    %t = tmc.get_param @embed_tokens.weight : tensor<16x4xf32>
    %e = tmc.embedding %ids, %t at "embed_tokens" : (tensor<?x?xi64>, tensor<16x4xf32>) -> tensor<?x?x4xf32>
    %l = tmc.linear %e, %t at "lm_head" : (tensor<?x?x4xf32>, tensor<16x4xf32>) -> tensor<?x?x16xf32>
    return %l : tensor<?x?x16xf32>
  }
}

// -----

// A norm over a split dimension (OLMo-2's q_norm over the whole hidden size,
// were q_proj plain colwise): the elementwise square stays split, the mean
// over the split dimension gathers its input first, and the scaled q is
// gathered for the entry's result; the plan changes how much is sharded,
// never the result.
// CHECK-LABEL: func.func @norm_over_split(
// CHECK:         %[[Q:.*]] = tmc.linear %{{.*}}, %{{.*}} at "q_proj" : (tensor<?x4xf32>, tensor<4x4xf32>) -> tensor<?x4xf32>
// CHECK:         %[[P:.*]] = tmc.pow %[[Q]] exponent = 2.000000e+00 at "q_norm" : tensor<?x4xf32>
// CHECK:         %[[W:.*]] = shard.all_gather %[[P]] on @tp grid_axes = [0] gather_axis = 1 : tensor<?x4xf32> -> tensor<?x8xf32>
// CHECK:         tmc.mean %[[W]] dims = [1] keepdim at "q_norm" : tensor<?x8xf32> -> tensor<?x1xf32>
// CHECK:         %[[N:.*]] = tmc.mul %[[Q]], %{{.*}} at "q_norm" : (tensor<?x4xf32>, tensor<?x1xf32>) -> tensor<?x4xf32>
// CHECK:         %[[G:.*]] = shard.all_gather %[[N]] on @tp grid_axes = [0] gather_axis = 1 : tensor<?x4xf32> -> tensor<?x8xf32>
// CHECK:         return %[[G]]
module attributes {tmc.tp_plan = {"q_proj" = "colwise"}} {
  tmc.param @q_proj.weight : tensor<8x4xf32>
  func.func @norm_over_split(%x: tensor<?x4xf32> {tmc.name = "x"}) -> tensor<?x8xf32> {
    %w = tmc.get_param @q_proj.weight : tensor<8x4xf32>
    %q = tmc.linear %x, %w at "q_proj" : (tensor<?x4xf32>, tensor<8x4xf32>) -> tensor<?x8xf32>
    %p = tmc.pow %q exponent = 2.0 at "q_norm" : tensor<?x8xf32>
    %m = tmc.mean %p dims = [1] keepdim at "q_norm" : tensor<?x8xf32> -> tensor<?x1xf32>
    %r = tmc.rsqrt %m at "q_norm" : tensor<?x1xf32>
    %n = tmc.mul %q, %r at "q_norm" : (tensor<?x8xf32>, tensor<?x1xf32>) -> tensor<?x8xf32>
    return %n : tensor<?x8xf32>
  }
}

// -----

// replicated_with_grad_allreduce keeps the weight whole on every rank.
// CHECK-LABEL: func.func @replicated(
// CHECK-NOT:     shard.
// CHECK:         return
module attributes {tmc.tp_plan = {"proj" = "replicated_with_grad_allreduce"}} {
  tmc.param @proj.weight : tensor<8x4xf32>
  func.func @replicated(%x: tensor<?x4xf32> {tmc.name = "x"}) -> tensor<?x8xf32> {
    %w = tmc.get_param @proj.weight : tensor<8x4xf32>
    %y = tmc.linear %x, %w at "proj" : (tensor<?x4xf32>, tensor<8x4xf32>) -> tensor<?x8xf32>
    return %y : tensor<?x8xf32>
  }
}
