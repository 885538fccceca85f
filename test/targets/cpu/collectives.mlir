// RUN: tmc-opt %s -tmc-cpu-lower-collectives -canonicalize | FileCheck %s

// The collectives of @tp become calls of the collective runtime on
// contiguous buffers (addresses as i64); all_slice is the rank's slice.
// CHECK-NOT:   shard.grid
// CHECK-LABEL: func.func @collectives(
// CHECK:         %[[IN:.*]] = bufferization.to_buffer %{{.*}} read_only : tensor<?x8xf32> to memref<?x8xf32>
// CHECK:         %[[OUT:.*]] = memref.alloc(%{{.*}}) : memref<?x8xf32>
// CHECK:         call @tmc_collective_all_reduce_sum(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}) : (i64, i64, i64, i64) -> ()
// CHECK:         bufferization.to_tensor %[[OUT]] restrict writable
// CHECK:         memref.alloc(%{{.*}}) : memref<?x16xf32>
// CHECK:         call @tmc_collective_all_gather(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}) : (i64, i64, i64, i64, i64) -> ()
// CHECK:         %[[RANK:.*]] = call @tmc_collective_rank() : () -> i64
// CHECK:         %[[R:.*]] = arith.index_cast %[[RANK]] : i64 to index
// CHECK:         %[[OFF:.*]] = arith.muli %[[R]], %{{.*}} : index
// CHECK:         tensor.extract_slice %{{.*}}[0, %[[OFF]]] [%{{.*}}, 4] [1, 1] : tensor<?x8xf32> to tensor<?x4xf32>
// CHECK:       func.func private @tmc_collective_all_reduce_sum(i64, i64, i64, i64)
module {
  shard.grid @tp(shape = 2)
  func.func @collectives(%x: tensor<?x8xf32>) -> (tensor<?x8xf32>, tensor<?x16xf32>, tensor<?x4xf32>) {
    %r = shard.all_reduce %x on @tp grid_axes = [0] : tensor<?x8xf32> -> tensor<?x8xf32>
    %g = shard.all_gather %x on @tp grid_axes = [0] gather_axis = 1 : tensor<?x8xf32> -> tensor<?x16xf32>
    %s = shard.all_slice %x on @tp grid_axes = [0] slice_axis = 1 : tensor<?x8xf32> -> tensor<?x4xf32>
    return %r, %g, %s : tensor<?x8xf32>, tensor<?x16xf32>, tensor<?x4xf32>
  }
}
