// RUN: tmc-opt %s -tmc-cpu-lower-trace-points -canonicalize | FileCheck %s

// Each tmc.trace becomes tmc_trace(id, layer, data, dims, rank, dtype) on
// contiguous buffers (addresses as i64), numbered in walk order; the table
// of ids goes on the module for the manifest.
// CHECK:       module attributes {tmc.trace_points = [{index = 0 : i64, module = "", output = false}, {index = 1 : i64, module = "model.layers.*.mlp", output = true}]}
// CHECK-LABEL: func.func @f(
// CHECK-SAME:      %[[X:.*]]: tensor<?x8xf32>, %[[IDS:.*]]: tensor<2xi64>, %[[L:.*]]: index)
// CHECK-DAG:     %[[ID0:.*]] = arith.constant 0 : i64
// CHECK-DAG:     %[[NONE:.*]] = arith.constant -1 : i64
// The sizes of a static shape fold to a constant, a dynamic one's are built.
// CHECK:         %[[DIMS:.*]] = arith.constant dense<2> : tensor<1xi64>
// CHECK:         bufferization.to_buffer %[[DIMS]] read_only : tensor<1xi64> to memref<1xi64>
// CHECK:         bufferization.to_buffer %[[IDS]] read_only : tensor<2xi64> to memref<2xi64>
// CHECK:         call @tmc_trace(%[[ID0]], %[[NONE]], %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}) : (i64, i64, i64, i64, i64, i64) -> ()
// CHECK:         tensor.from_elements %{{.*}}, %{{.*}} : tensor<2xi64>
// CHECK:         %[[LAYER:.*]] = arith.index_cast %[[L]] : index to i64
// CHECK:         bufferization.to_buffer %[[X]] read_only : tensor<?x8xf32> to memref<?x8xf32>
// CHECK:         call @tmc_trace(%{{.*}}, %[[LAYER]], %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}) : (i64, i64, i64, i64, i64, i64) -> ()
// CHECK-NOT:     tmc.trace
// CHECK:       func.func private @tmc_trace(i64, i64, i64, i64, i64, i64)
module {
  func.func @f(%x: tensor<?x8xf32>, %ids: tensor<2xi64>, %l: index) {
    tmc.trace %ids, input 0 of "" : tensor<2xi64>
    tmc.trace %x, output 1 of "model.layers.*.mlp" layer %l : tensor<?x8xf32>
    return
  }
}
