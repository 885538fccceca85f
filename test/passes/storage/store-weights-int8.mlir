// RUN: tmc-opt %s -split-input-file -tmc-store-weights="dtype=q4_1 activations=int8" | FileCheck %s
// RUN: tmc-opt %s -split-input-file -tmc-store-weights="dtype=q8_0 activations=int8" | FileCheck %s --check-prefix=Q8
// RUN: not tmc-opt %s -split-input-file -tmc-store-weights="dtype=q4_1 activations=int4" 2>&1 | FileCheck %s --check-prefix=BAD

// BAD: tmc-store-weights: activations 'int4' is not one of: float32, int8

// Int8 products put 16 weight rows in a vector's lanes: a weight of 32 rows
// is stored 16 rows at a time and its linear is marked; one of 8 rows keeps
// llama.cpp's layout and f32 inputs. An embedding reads interleaved rows
// too, unmarked: its gather decodes each row it reads.
// CHECK-DAG:   tmc.param @wide {tmc.storage = "q4_1x16"} : tensor<2x2x160xi16>
// CHECK-DAG:   tmc.param @narrow {tmc.storage = "q4_1"} : tensor<8x2x10xi16>
// CHECK-DAG:   tmc.param @table {tmc.storage = "q4_1x16"} : tensor<1x2x160xi16>
// CHECK-LABEL: func.func @forward(
// CHECK:         %[[T:.*]] = tmc.dequantize %{{.*}} "q4_1x16" : tensor<1x2x160xi16> -> tensor<16x64xf32>
// CHECK:         tmc.embedding %{{.*}}, %[[T]]
// CHECK-NOT:       tmc.activations
// CHECK:         %[[W:.*]] = tmc.dequantize %{{.*}} "q4_1x16" : tensor<2x2x160xi16> -> tensor<32x64xf32>
// CHECK:         tmc.linear %{{.*}}, %[[W]] {tmc.activations = "int8"}
// CHECK:         %[[N:.*]] = tmc.dequantize %{{.*}} "q4_1" : tensor<8x2x10xi16> -> tensor<8x64xf32>
// CHECK:         tmc.linear %{{.*}}, %[[N]] :
// Q8-DAG:      tmc.param @wide {tmc.storage = "q8_0x16"} : tensor<2x2x272xi16>
// Q8-DAG:      tmc.param @narrow {tmc.storage = "q8_0"} : tensor<8x2x17xi16>
module {
  tmc.param @wide : tensor<32x64xf32>
  tmc.param @narrow : tensor<8x64xf32>
  tmc.param @table : tensor<16x64xf32>
  func.func @forward(%ids: tensor<?xi64>) -> (tensor<?x32xf32>, tensor<?x8xf32>) {
    %t = tmc.get_param @table : tensor<16x64xf32>
    %x = tmc.embedding %ids, %t : (tensor<?xi64>, tensor<16x64xf32>) -> tensor<?x64xf32>
    %w = tmc.get_param @wide : tensor<32x64xf32>
    %a = tmc.linear %x, %w : (tensor<?x64xf32>, tensor<32x64xf32>) -> tensor<?x32xf32>
    %n = tmc.get_param @narrow : tensor<8x64xf32>
    %b = tmc.linear %x, %n : (tensor<?x64xf32>, tensor<8x64xf32>) -> tensor<?x8xf32>
    return %a, %b : tensor<?x32xf32>, tensor<?x8xf32>
  }
}
