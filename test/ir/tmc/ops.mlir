// Every tmc op prints and parses back to itself, with its module path.
// RUN: tmc-opt %s | FileCheck %s
// RUN: tmc-opt %s | tmc-opt | FileCheck %s
// RUN: tmc-opt %s --mlir-print-op-generic | tmc-opt | FileCheck %s

// CHECK-LABEL: func.func @decoder_ops(
func.func @decoder_ops(%ids: tensor<?x?xi64>, %table: tensor<256x64xf32>, %norm: tensor<64xf32>,
                       %q: tensor<?x4x?x16xf32>, %k: tensor<?x2x?x16xf32>, %v: tensor<?x2x?x16xf32>,
                       %mask: tensor<?x?xi64>, %start: index, %len: index) {
  // CHECK: tmc.embedding %{{.*}}, %{{.*}} at "model.embed_tokens" : (tensor<?x?xi64>, tensor<256x64xf32>) -> tensor<?x?x64xf32>
  %h = tmc.embedding %ids, %table at "model.embed_tokens" : (tensor<?x?xi64>, tensor<256x64xf32>) -> tensor<?x?x64xf32>
  // RMSNorm as instantiation emits it: x * rsqrt(mean(x^2) + eps) * w (Llama),
  // or times (1 + w) (Gemma); LayerNorm centers first and adds a bias.
  // CHECK: %[[EPS:.*]] = arith.constant dense<9.99999997E-7> : tensor<f32>
  %eps = arith.constant dense<9.99999997E-7> : tensor<f32>
  // CHECK: %[[SQ:.*]] = tmc.pow %[[H:.*]] exponent = 2.000000e+00 at "model.norm" : tensor<?x?x64xf32>
  %sq = tmc.pow %h exponent = 2.000000e+00 at "model.norm" : tensor<?x?x64xf32>
  // CHECK: %[[VAR:.*]] = tmc.mean %[[SQ]] dims = [2] keepdim at "model.norm" : tensor<?x?x64xf32> -> tensor<?x?x1xf32>
  %var = tmc.mean %sq dims = [2] keepdim at "model.norm" : tensor<?x?x64xf32> -> tensor<?x?x1xf32>
  // CHECK: %[[VE:.*]] = tmc.add %[[VAR]], %[[EPS]] at "model.norm" : (tensor<?x?x1xf32>, tensor<f32>) -> tensor<?x?x1xf32>
  %ve = tmc.add %var, %eps at "model.norm" : (tensor<?x?x1xf32>, tensor<f32>) -> tensor<?x?x1xf32>
  // CHECK: %[[INV:.*]] = tmc.rsqrt %[[VE]] at "model.norm" : tensor<?x?x1xf32>
  %inv = tmc.rsqrt %ve at "model.norm" : tensor<?x?x1xf32>
  // CHECK: %[[XN:.*]] = tmc.mul %[[H]], %[[INV]] at "model.norm" : (tensor<?x?x64xf32>, tensor<?x?x1xf32>) -> tensor<?x?x64xf32>
  %xn = tmc.mul %h, %inv at "model.norm" : (tensor<?x?x64xf32>, tensor<?x?x1xf32>) -> tensor<?x?x64xf32>
  // CHECK: tmc.mul %[[NORM:.*]], %[[XN]] at "model.norm" : (tensor<64xf32>, tensor<?x?x64xf32>) -> tensor<?x?x64xf32>
  %n = tmc.mul %norm, %xn at "model.norm" : (tensor<64xf32>, tensor<?x?x64xf32>) -> tensor<?x?x64xf32>
  // CHECK: %[[ONE:.*]] = arith.constant dense<1.000000e+00> : tensor<f32>
  %one = arith.constant dense<1.000000e+00> : tensor<f32>
  // CHECK: %[[SCALE:.*]] = tmc.add %[[ONE]], %[[NORM]] : (tensor<f32>, tensor<64xf32>) -> tensor<64xf32>
  %scale = tmc.add %one, %norm : (tensor<f32>, tensor<64xf32>) -> tensor<64xf32>
  // CHECK: tmc.mul %[[XN]], %[[SCALE]] : (tensor<?x?x64xf32>, tensor<64xf32>) -> tensor<?x?x64xf32>
  %g = tmc.mul %xn, %scale : (tensor<?x?x64xf32>, tensor<64xf32>) -> tensor<?x?x64xf32>
  // CHECK: %[[MEAN:.*]] = tmc.mean %[[H]] dims = [2] keepdim : tensor<?x?x64xf32> -> tensor<?x?x1xf32>
  %mean = tmc.mean %h dims = [2] keepdim : tensor<?x?x64xf32> -> tensor<?x?x1xf32>
  // CHECK: %[[C:.*]] = tmc.sub %[[H]], %[[MEAN]] : (tensor<?x?x64xf32>, tensor<?x?x1xf32>) -> tensor<?x?x64xf32>
  %c = tmc.sub %h, %mean : (tensor<?x?x64xf32>, tensor<?x?x1xf32>) -> tensor<?x?x64xf32>
  // CHECK: tmc.add %[[C]], %[[NORM]] : (tensor<?x?x64xf32>, tensor<64xf32>) -> tensor<?x?x64xf32>
  %l = tmc.add %c, %norm : (tensor<?x?x64xf32>, tensor<64xf32>) -> tensor<?x?x64xf32>
  // CHECK: tmc.arange %{{.*}}, %{{.*}} : tensor<?xi64>
  %pos = tmc.arange %start, %len : tensor<?xi64>
  // CHECK: tmc.rope %{{.*}}, %{{.*}} theta = 1.000000e+04 rotary_dim = 8 scaling_factor = 2.000000e+00 interleaved at "model.layers.0.self_attn"
  %r = tmc.rope %q, %pos theta = 1.0e4 rotary_dim = 8 scaling_factor = 2.0 interleaved at "model.layers.0.self_attn" : (tensor<?x4x?x16xf32>, tensor<?xi64>) -> tensor<?x4x?x16xf32>
  // CHECK: tmc.attention %{{.*}}, %{{.*}}, %{{.*}} mask %{{.*}} scale = 2.500000e-01 causal sliding_window = 4 softcap = 5.000000e+01 :
  %a = tmc.attention %r, %k, %v mask %mask scale = 0.25 causal sliding_window = 4 softcap = 50.0 : (tensor<?x4x?x16xf32>, tensor<?x2x?x16xf32>, tensor<?x2x?x16xf32>, tensor<?x?xi64>) -> tensor<?x4x?x16xf32>
  // CHECK: tmc.softmax %{{.*}} dim = -1 : tensor<?x4x?x16xf32>
  %s = tmc.softmax %a dim = -1 : tensor<?x4x?x16xf32>
  return
}

// CHECK-LABEL: func.func @elementwise_ops(
func.func @elementwise_ops(%x: tensor<?x8xf32>, %y: tensor<8xf32>, %b: tensor<?x8xbf16>) {
  // CHECK: tmc.add %{{.*}}, %{{.*}} : (tensor<?x8xf32>, tensor<8xf32>) -> tensor<?x8xf32>
  %0 = tmc.add %x, %y : (tensor<?x8xf32>, tensor<8xf32>) -> tensor<?x8xf32>
  // CHECK: tmc.sub
  %1 = tmc.sub %0, %y : (tensor<?x8xf32>, tensor<8xf32>) -> tensor<?x8xf32>
  // CHECK: tmc.mul
  %2 = tmc.mul %1, %x : (tensor<?x8xf32>, tensor<?x8xf32>) -> tensor<?x8xf32>
  // CHECK: tmc.div
  %3 = tmc.div %2, %x : (tensor<?x8xf32>, tensor<?x8xf32>) -> tensor<?x8xf32>
  // CHECK: tmc.neg %{{.*}} : tensor<?x8xf32>
  %4 = tmc.neg %3 : tensor<?x8xf32>
  // CHECK: tmc.exp
  %5 = tmc.exp %4 : tensor<?x8xf32>
  // CHECK: tmc.tanh
  %6 = tmc.tanh %5 : tensor<?x8xf32>
  // CHECK: tmc.rsqrt
  %7 = tmc.rsqrt %6 : tensor<?x8xf32>
  // CHECK: tmc.sigmoid
  %8 = tmc.sigmoid %7 : tensor<?x8xf32>
  // CHECK: tmc.relu
  %9 = tmc.relu %8 : tensor<?x8xf32>
  // CHECK: tmc.silu %{{.*}} at "model.layers.0.mlp.act_fn"
  %10 = tmc.silu %9 at "model.layers.0.mlp.act_fn" : tensor<?x8xf32>
  // CHECK: tmc.gelu
  %11 = tmc.gelu %10 : tensor<?x8xf32>
  // CHECK: tmc.gelu_tanh
  %12 = tmc.gelu_tanh %11 : tensor<?x8xf32>
  // CHECK: tmc.pow %{{.*}} exponent = 2.000000e+00 : tensor<?x8xf32>
  %13 = tmc.pow %12 exponent = 2.0 : tensor<?x8xf32>
  // CHECK: tmc.cast %{{.*}} : tensor<?x8xbf16> -> tensor<?x8xf32>
  %14 = tmc.cast %b : tensor<?x8xbf16> -> tensor<?x8xf32>
  // CHECK: tmc.sum %{{.*}} dims = [1] keepdim : tensor<?x8xf32> -> tensor<?x1xf32>
  %15 = tmc.sum %14 dims = [1] keepdim : tensor<?x8xf32> -> tensor<?x1xf32>
  // CHECK: tmc.mean %{{.*}} dims = [-1] : tensor<?x8xf32> -> tensor<?xf32>
  %16 = tmc.mean %14 dims = [-1] : tensor<?x8xf32> -> tensor<?xf32>
  // CHECK: tmc.max %{{.*}} dims = [0, 1] : tensor<?x8xf32> -> tensor<f32>
  %17 = tmc.max %14 dims = [0, 1] : tensor<?x8xf32> -> tensor<f32>
  return
}

// CHECK-LABEL: func.func @shape_ops(
func.func @shape_ops(%x: tensor<?x?x64xf32>, %b: index, %s: index) {
  // CHECK: tmc.reshape %{{.*}} sizes[%{{.*}}, %{{.*}}] : tensor<?x?x64xf32> -> tensor<?x?x4x16xf32>
  %0 = tmc.reshape %x sizes [%b, %s] : tensor<?x?x64xf32> -> tensor<?x?x4x16xf32>
  // CHECK: tmc.transpose %{{.*}} permutation = [0, 2, 1, 3] : tensor<?x?x4x16xf32> -> tensor<?x4x?x16xf32>
  %1 = tmc.transpose %0 permutation = [0, 2, 1, 3] : tensor<?x?x4x16xf32> -> tensor<?x4x?x16xf32>
  // CHECK: tmc.concat %{{.*}}, %{{.*}} dim = 2 : (tensor<?x?x64xf32>, tensor<?x?x64xf32>) -> tensor<?x?x128xf32>
  %2 = tmc.concat %x, %x dim = 2 : (tensor<?x?x64xf32>, tensor<?x?x64xf32>) -> tensor<?x?x128xf32>
  // CHECK: tmc.slice %{{.*}} dim = 2 start = 0 end = 64 step = 2 : tensor<?x?x128xf32> -> tensor<?x?x32xf32>
  %3 = tmc.slice %2 dim = 2 start = 0 end = 64 step = 2 : tensor<?x?x128xf32> -> tensor<?x?x32xf32>
  // CHECK: tmc.split %{{.*}} dim = -1 sizes = [32, 96] : tensor<?x?x128xf32> -> tensor<?x?x32xf32>, tensor<?x?x96xf32>
  %4:2 = tmc.split %2 dim = -1 sizes = [32, 96] : tensor<?x?x128xf32> -> tensor<?x?x32xf32>, tensor<?x?x96xf32>
  return
}

// CHECK-LABEL: func.func @matmul(
// CHECK: tmc.matmul %{{.*}}, %{{.*}} at "model.layers.0.self_attn" : (tensor<?x4x?x16xf32>, tensor<?x4x16x?xf32>) -> tensor<?x4x?x?xf32>
func.func @matmul(%a: tensor<?x4x?x16xf32>, %b: tensor<?x4x16x?xf32>) -> tensor<?x4x?x?xf32> {
  %y = tmc.matmul %a, %b at "model.layers.0.self_attn" : (tensor<?x4x?x16xf32>, tensor<?x4x16x?xf32>) -> tensor<?x4x?x?xf32>
  return %y : tensor<?x4x?x?xf32>
}
