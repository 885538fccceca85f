// RUN: tmc-opt %s -tmc-cpu-lower-attention -split-input-file -verify-diagnostics | FileCheck %s

// sdpa: a loop over blocks of 64 keys carries the running max, the running
// sum and the partial output; scores exist only for one block at a time.
// CHECK-LABEL: func.func @sdpa(
// CHECK-SAME:      %[[Q:.*]]: tensor<?x4x?x16xf32>, %[[K:.*]]: tensor<?x2x?x16xf32>, %[[V:.*]]: tensor<?x2x?x16xf32>, %[[M:.*]]: tensor<?x?xi64>)
// CHECK:         %[[MAX0:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<?x4x?x1xf32>)
// CHECK:         %[[SUM0:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<?x4x?x1xf32>)
// CHECK:         %[[OUT0:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<?x4x?x16xf32>)
// CHECK:         %[[LOOP:.*]]:3 = scf.for %[[START:.*]] = %{{.*}} to %{{.*}} step %c64 iter_args(%[[MAX:.*]] = %[[MAX0]], %[[SUM:.*]] = %[[SUM0]], %[[OUT:.*]] = %[[OUT0]])
// CHECK:           %[[SIZE:.*]] = arith.minsi %c64, %{{.*}} : index
// CHECK:           tensor.extract_slice %[[M]][0, %[[START]]] [%{{.*}}, %[[SIZE]]] [1, 1]
// CHECK:           %[[KB:.*]] = tensor.extract_slice %[[K]][0, 0, %[[START]], 0] [%{{.*}}, 2, %[[SIZE]], 16] [1, 1, 1, 1]
// CHECK:           linalg.generic {{.*}} ins(%[[Q]], %[[KB]] : tensor<?x4x?x16xf32>, tensor<?x2x?x16xf32>) outs(%{{.*}} : tensor<?x4x?x?xf32>)
// The mask uses absolute key positions: block index + start.
// CHECK:             %[[J:.*]] = linalg.index 3 : index
// CHECK:             arith.addi %[[J]], %[[START]] : index
// CHECK:           %[[BMAX:.*]] = linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "parallel", "reduction"]
// CHECK:           %[[NEWMAX:.*]] = linalg.generic {{.*}} ins(%[[MAX]], %[[BMAX]] :
// CHECK:             arith.maximumf
// CHECK:           %[[CORR:.*]] = linalg.generic {{.*}} ins(%[[MAX]], %[[NEWMAX]] :
// CHECK:             math.exp
// CHECK:           %[[P:.*]] = linalg.generic {{.*}} ins(%{{.*}}, %[[NEWMAX]] :
// CHECK:           %[[NEWSUM:.*]] = linalg.generic {{.*}} ins(%[[SUM]], %[[CORR]], %{{.*}} :
// CHECK:           %[[VB:.*]] = tensor.extract_slice %[[V]][0, 0, %[[START]], 0]
// CHECK:           %[[PV:.*]] = linalg.generic {{.*}} ins(%[[P]], %[[VB]] :
// CHECK:           %[[NEWOUT:.*]] = linalg.generic {{.*}} ins(%[[OUT]], %[[CORR]], %[[PV]] :
// CHECK:           scf.yield %[[NEWMAX]], %[[NEWSUM]], %[[NEWOUT]]
// CHECK:         linalg.generic {{.*}} ins(%[[LOOP]]#2, %[[LOOP]]#1 :
// CHECK:           arith.divf
func.func @sdpa(%q: tensor<?x4x?x16xf32>, %k: tensor<?x2x?x16xf32>, %v: tensor<?x2x?x16xf32>, %m: tensor<?x?xi64>) -> tensor<?x4x?x16xf32> {
  %o = tmc.attention %q, %k, %v mask %m scale = 0.25 causal backend = "sdpa"
      : (tensor<?x4x?x16xf32>, tensor<?x2x?x16xf32>, tensor<?x2x?x16xf32>, tensor<?x?xi64>) -> tensor<?x4x?x16xf32>
  return %o : tensor<?x4x?x16xf32>
}

// -----

// Sliding and chunked layers on sdpa: the same score step in every key block.
// Each row's leading padding, where chunks start, is reduced once over the
// whole key mask before the loop, and every block's mask reads it.
// CHECK-LABEL: func.func @sdpa_chunked(
// CHECK-SAME:      %{{.*}}: tensor<?x4x?x16xf32>, %{{.*}}: tensor<?x2x?x16xf32>, %{{.*}}: tensor<?x2x?x16xf32>, %[[M:.*]]: tensor<?x?xi64>)
// CHECK:         %[[PAD:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]} ins(%[[M]] : tensor<?x?xi64>) outs(%{{.*}} : tensor<?xindex>)
// CHECK:         scf.for %[[START:.*]] = %{{.*}} to %{{.*}} step %c64
// CHECK:           linalg.generic {{.*}} ins(%{{.*}}, %[[PAD]] : tensor<?x?xi64>, tensor<?xindex>) outs(%{{.*}} : tensor<?x4x?x?xf32>)
// CHECK:             arith.addi %{{.*}}, %[[START]] : index
// CHECK:             arith.floordivsi %{{.*}}, %c8
// CHECK:             arith.floordivsi %{{.*}}, %c8
// CHECK-LABEL: func.func @sdpa_sliding(
// CHECK:         scf.for %[[START:.*]] = %{{.*}} to %{{.*}} step %c64
// CHECK:             arith.cmpi sle
func.func @sdpa_chunked(%q: tensor<?x4x?x16xf32>, %k: tensor<?x2x?x16xf32>, %v: tensor<?x2x?x16xf32>, %m: tensor<?x?xi64>) -> tensor<?x4x?x16xf32> {
  %o = tmc.attention %q, %k, %v mask %m scale = 0.25 causal chunk_size = 8 backend = "sdpa"
      : (tensor<?x4x?x16xf32>, tensor<?x2x?x16xf32>, tensor<?x2x?x16xf32>, tensor<?x?xi64>) -> tensor<?x4x?x16xf32>
  return %o : tensor<?x4x?x16xf32>
}
func.func @sdpa_sliding(%q: tensor<?x4x?x16xf32>, %k: tensor<?x2x?x16xf32>, %v: tensor<?x2x?x16xf32>, %m: tensor<?x?xi64>) -> tensor<?x4x?x16xf32> {
  %o = tmc.attention %q, %k, %v mask %m scale = 0.25 causal sliding_window = 8 backend = "sdpa"
      : (tensor<?x4x?x16xf32>, tensor<?x2x?x16xf32>, tensor<?x2x?x16xf32>, tensor<?x?xi64>) -> tensor<?x4x?x16xf32>
  return %o : tensor<?x4x?x16xf32>
}

// -----

// A backend nobody registered cannot be lowered.
func.func @unknown(%q: tensor<1x4x8x16xf32>) -> tensor<1x4x8x16xf32> {
  // expected-error @+1 {{attention backend 'flash' has no CPU lowering (and is not registered); the CPU target lowers: eager, sdpa}}
  %o = tmc.attention %q, %q, %q scale = 0.25 causal backend = "flash"
      : (tensor<1x4x8x16xf32>, tensor<1x4x8x16xf32>, tensor<1x4x8x16xf32>) -> tensor<1x4x8x16xf32>
  return %o : tensor<1x4x8x16xf32>
}
