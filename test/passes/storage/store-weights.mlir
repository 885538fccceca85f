// RUN: tmc-opt %s -split-input-file -tmc-store-weights="dtype=q4_1" | FileCheck %s
// RUN: tmc-opt %s -split-input-file -tmc-store-weights="dtype=bfloat16" | FileCheck %s --check-prefix=BF16
// RUN: not tmc-opt %s -split-input-file -tmc-store-weights="dtype=q5_k" 2>&1 | FileCheck %s --check-prefix=BAD

// BAD: tmc-store-weights: dtype 'q5_k' is not one of: float32, bfloat16, float16, q8_0, q4_0, q4_1

// A layer's weights reach its linears through a call: the callee's argument
// takes the stored type and decodes at its entry. 64 columns are 2 blocks;
// 48 are not whole blocks and stay; a norm weight is no matrix and stays.
// CHECK-DAG:   tmc.param @w {tmc.storage = "q4_1"} : tensor<8x2x10xi16>
// CHECK-DAG:   tmc.param @odd : tensor<8x48xf32>
// CHECK-DAG:   tmc.param @norm : tensor<8xf32>
// CHECK-DAG:   tmc.param @table {tmc.storage = "q4_1"} : tensor<16x2x10xi16>
// CHECK-LABEL: func.func @forward(
// CHECK:         %[[W:.*]] = tmc.get_param @w : tensor<8x2x10xi16>
// CHECK:         %[[T:.*]] = tmc.get_param @table : tensor<16x2x10xi16>
// CHECK:         %[[TD:.*]] = tmc.dequantize %[[T]] "q4_1" : tensor<16x2x10xi16> -> tensor<16x64xf32>
// CHECK:         tmc.embedding %{{.*}}, %[[TD]]
// CHECK:         call @layer(%{{.*}}, %[[W]]) : (tensor<?x64xf32>, tensor<8x2x10xi16>) -> tensor<?x8xf32>
// CHECK-LABEL: func.func private @layer(
// CHECK-SAME:      %[[ARG:[a-z0-9]+]]: tensor<8x2x10xi16>
// CHECK:         %[[D:.*]] = tmc.dequantize %[[ARG]] "q4_1" : tensor<8x2x10xi16> -> tensor<8x64xf32>
// CHECK:         tmc.linear %{{.*}}, %[[D]]
// BF16-DAG:    tmc.param @w {tmc.storage = "bfloat16"} : tensor<8x64xbf16>
// BF16-DAG:    tmc.param @odd {tmc.storage = "bfloat16"} : tensor<8x48xbf16>
// BF16-DAG:    tmc.param @norm : tensor<8xf32>
// BF16-LABEL:  func.func private @layer(
// BF16:          tmc.cast %{{.*}} : tensor<8x64xbf16> -> tensor<8x64xf32>
module {
  tmc.param @w : tensor<8x64xf32>
  tmc.param @odd : tensor<8x48xf32>
  tmc.param @norm : tensor<8xf32>
  tmc.param @table : tensor<16x64xf32>
  func.func @forward(%ids: tensor<?xi64>, %y: tensor<?x48xf32>) -> (tensor<?x8xf32>, tensor<?x8xf32>) {
    %w = tmc.get_param @w : tensor<8x64xf32>
    %t = tmc.get_param @table : tensor<16x64xf32>
    %odd = tmc.get_param @odd : tensor<8x48xf32>
    %norm = tmc.get_param @norm : tensor<8xf32>
    %x = tmc.embedding %ids, %t : (tensor<?xi64>, tensor<16x64xf32>) -> tensor<?x64xf32>
    %a = call @layer(%x, %w) : (tensor<?x64xf32>, tensor<8x64xf32>) -> tensor<?x8xf32>
    %b = tmc.linear %y, %odd : (tensor<?x48xf32>, tensor<8x48xf32>) -> tensor<?x8xf32>
    %c = tmc.mul %b, %norm : (tensor<?x8xf32>, tensor<8xf32>) -> tensor<?x8xf32>
    return %a, %c : tensor<?x8xf32>, tensor<?x8xf32>
  }
  func.func private @layer(%x: tensor<?x64xf32>, %w: tensor<8x64xf32>) -> tensor<?x8xf32> {
    %y = tmc.linear %x, %w : (tensor<?x64xf32>, tensor<8x64xf32>) -> tensor<?x8xf32>
    return %y : tensor<?x8xf32>
  }
}

// -----

// One layer function serves two layers whose checkpoints store a weight
// differently (a q4_1 preset from --weight-dtype as-checkpoint next to an
// fp32 one): the argument has one type, so both keep their storage. A
// weight read by an op that is not a linear or an embedding stays too.
// CHECK-DAG:   tmc.param @layer0 : tensor<8x64xf32>
// CHECK-DAG:   tmc.param @layer1 : tensor<8x64xf32>
// CHECK-DAG:   tmc.param @other : tensor<8x64xf32>
// CHECK-NOT:   tmc.dequantize
module {
  tmc.param @layer0 {tmc.storage = "q4_1"} : tensor<8x64xf32>
  tmc.param @layer1 {tmc.storage = "float32"} : tensor<8x64xf32>
  tmc.param @other : tensor<8x64xf32>
  func.func @forward(%x: tensor<?x64xf32>) -> (tensor<?x8xf32>, tensor<8x64xf32>) {
    %w0 = tmc.get_param @layer0 : tensor<8x64xf32>
    %w1 = tmc.get_param @layer1 : tensor<8x64xf32>
    %o = tmc.get_param @other : tensor<8x64xf32>
    %a = call @layer(%x, %w0) : (tensor<?x64xf32>, tensor<8x64xf32>) -> tensor<?x8xf32>
    %b = call @layer(%x, %w1) : (tensor<?x64xf32>, tensor<8x64xf32>) -> tensor<?x8xf32>
    %e = tmc.exp %o : tensor<8x64xf32>
    return %a, %e : tensor<?x8xf32>, tensor<8x64xf32>
  }
  func.func private @layer(%x: tensor<?x64xf32>, %w: tensor<8x64xf32>) -> tensor<?x8xf32> {
    %y = tmc.linear %x, %w : (tensor<?x64xf32>, tensor<8x64xf32>) -> tensor<?x8xf32>
    return %y : tensor<?x8xf32>
  }
}
