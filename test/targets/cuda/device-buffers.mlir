// RUN: tmc-opt %s -tmc-cuda-device-buffers -split-input-file -verify-diagnostics | FileCheck %s

// A buffer a kernel writes is device memory, allocated and freed in stream
// order; a shape only the host fills and memref.reshape reads stays host
// memory.
// CHECK-LABEL: func.func @placed(
// CHECK:         %[[START:.*]] = gpu.wait async
// CHECK:         %[[BUF:.*]], %[[DONE:.*]] = gpu.alloc async [%[[START]]] (%{{.*}}) : memref<?xf32>
// CHECK:         gpu.wait [%[[DONE]]]
// CHECK:         %[[SHAPE:.*]] = memref.alloc() : memref<2xindex>
// CHECK:         memref.store %{{.*}}, %[[SHAPE]][%{{.*}}] : memref<2xindex>
// CHECK:         gpu.launch
// CHECK:           memref.store %{{.*}}, %[[BUF]]
// CHECK:         memref.reshape %[[BUF]](%[[SHAPE]])
// CHECK:         memref.dealloc %[[SHAPE]] : memref<2xindex>
// CHECK:         %[[FREE:.*]] = gpu.wait async
// CHECK:         %[[FREED:.*]] = gpu.dealloc async [%[[FREE]]] %[[BUF]] : memref<?xf32>
// CHECK:         gpu.wait [%[[FREED]]]
func.func @placed(%n: index, %v: f32) -> index {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %buf = memref.alloc(%n) : memref<?xf32>
  %shape = memref.alloc() : memref<2xindex>
  memref.store %c2, %shape[%c0] : memref<2xindex>
  memref.store %c2, %shape[%c1] : memref<2xindex>
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c1, %sy = %c1, %sz = %c1) {
    memref.store %v, %buf[%tx] : memref<?xf32>
    gpu.terminator
  }
  %view = memref.reshape %buf(%shape) : (memref<?xf32>, memref<2xindex>) -> memref<?x?xf32>
  %d = memref.dim %view, %c0 : memref<?x?xf32>
  memref.dealloc %shape : memref<2xindex>
  memref.dealloc %buf : memref<?xf32>
  return %d : index
}

// -----

// A buffer handed to a function or returned is device memory; a private
// function called only with host buffers (the deallocation helper's
// pointer tables) reads them on the host.
// CHECK-LABEL: func.func private @helper(
// CHECK:         memref.load
// CHECK-LABEL: func.func @results(
// CHECK:         gpu.alloc async
// CHECK:         memref.alloc() : memref<1xindex>
// CHECK:         call @helper
// CHECK:         return
func.func private @helper(%table: memref<1xindex>) -> index {
  %c0 = arith.constant 0 : index
  %v = memref.load %table[%c0] : memref<1xindex>
  return %v : index
}
func.func @results(%n: index) -> (memref<?xf32>, index) {
  %c0 = arith.constant 0 : index
  %out = memref.alloc(%n) : memref<?xf32>
  %table = memref.alloc() : memref<1xindex>
  memref.store %n, %table[%c0] : memref<1xindex>
  %r = call @helper(%table) : (memref<1xindex>) -> index
  memref.dealloc %table : memref<1xindex>
  return %out, %r : memref<?xf32>, index
}

// -----

// The host must not read an argument: it is device memory at run time.
func.func @host_read(%x: memref<4xf32>) -> f32 {
  %c0 = arith.constant 0 : index
  // expected-error @+1 {{runs on the host but its buffer is in device memory}}
  %v = memref.load %x[%c0] : memref<4xf32>
  return %v : f32
}

// -----

// Nor a global in a kernel: globals live in host memory.
memref.global "private" constant @table : memref<2xf32> = dense<[1.0, 2.0]>
func.func @global_in_kernel(%out: memref<2xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %g = memref.get_global @table : memref<2xf32>
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c1, %sy = %c1, %sz = %c1) {
    // expected-error @+1 {{reads the constant @table in a kernel}}
    %v = memref.load %g[%tx] : memref<2xf32>
    memref.store %v, %out[%tx] : memref<2xf32>
    gpu.terminator
  }
  return
}
