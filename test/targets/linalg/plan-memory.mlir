// RUN: tmc-opt %s -tmc-plan-memory -split-input-file | FileCheck %s
// RUN: tmc-opt %s -tmc-plan-memory="batch=4" -split-input-file | FileCheck %s --check-prefix=BATCH4
// RUN: tmc-opt %s -tmc-plan-memory="batch=0" -split-input-file | FileCheck %s --check-prefix=NONE
// RUN: tmc-opt %s -tmc-plan-memory="max-slot-bytes=64" -split-input-file | FileCheck %s --check-prefix=SMALL

// Static buffers: %a dies before %b is made, so %b takes its offset; %c
// lives with %b and goes above it (32 floats = 128 bytes). The arena is the
// entry's last argument, its size the entry point's arena_bytes, and the
// frees of planned buffers go.
// CHECK: arena_bytes = 192
// CHECK-LABEL: func.func @static_reuse(
// CHECK-SAME:      %[[X:.*]]: memref<16xf32>, %[[ARENA:.*]]: memref<?xi8> {tmc.arena})
// CHECK:         %[[A:.*]] = memref.view %[[ARENA]][%c0{{.*}}][] : memref<?xi8> to memref<16xf32>
// CHECK:         memref.copy %[[A]], %[[X]]
// CHECK:         %[[B:.*]] = memref.view %[[ARENA]][%c0{{.*}}][] : memref<?xi8> to memref<32xf32>
// CHECK:         %[[C:.*]] = memref.view %[[ARENA]][%c128][] : memref<?xi8> to memref<8xf32>
// CHECK-NOT:     memref.alloc
// CHECK-NOT:     memref.dealloc
// CHECK:         return
// NONE-LABEL: func.func @static_reuse(%{{.*}}: memref<16xf32>)
// NONE-COUNT-3:  memref.alloc()
// With slots of at most 64 bytes, the static 128 bytes of %b stay a heap
// buffer.
// SMALL: arena_bytes = 64
// SMALL-LABEL: func.func @static_reuse(
// SMALL:         memref.alloc() {alignment = 64 : i64} : memref<32xf32>
module attributes {tmc.entry_points = [#tmc.entry_point<name = "static_reuse", inputs = [#tmc.tensor<"x" : tensor<16xf32>>], params = [], results = [], in_place = []>]} {
  func.func @static_reuse(%x: memref<16xf32>) {
    %c0 = arith.constant 0 : index
    %f = arith.constant 1.0 : f32
    %a = memref.alloc() {alignment = 64 : i64} : memref<16xf32>
    memref.copy %x, %a : memref<16xf32> to memref<16xf32>
    memref.copy %a, %x : memref<16xf32> to memref<16xf32>
    %b = memref.alloc() {alignment = 64 : i64} : memref<32xf32>
    %c = memref.alloc() {alignment = 64 : i64} : memref<8xf32>
    memref.store %f, %b[%c0] : memref<32xf32>
    memref.store %f, %c[%c0] : memref<8xf32>
    %v = memref.load %b[%c0] : memref<32xf32>
    memref.store %v, %x[%c0] : memref<16xf32>
    memref.dealloc %a : memref<16xf32>
    memref.dealloc %b : memref<32xf32>
    memref.dealloc %c : memref<8xf32>
    return
  }
}

// -----

// A layer function: its scratch %t goes in its frame, its result %y in a
// region its caller passes. Sizes are bounded by the plan's shape: batch
// rows (dim 0 of the entry's input) by max_seq_len = 4 positions by 8
// floats, 128 bytes (512 with batch=4). A buffer larger at run time comes
// from the heap, and only then is it freed. The caller holds each result
// from its call to its last use: h1 and h2 overlap at the second call. The
// entry's own result is the runtime's: an empty region, so the heap.
// CHECK: arena_bytes = 384
// BATCH4: arena_bytes = 1536
// SMALL: arena_bytes = 192
// SMALL: arith.cmpi ule, %{{.*}}, %c64
// CHECK-LABEL: func.func private @layer(
// CHECK-SAME:      %[[X:.*]]: memref<?x?x8xf32>, %[[FRAME:.*]]: memref<?xi8>, %[[RESULT:.*]]: memref<?xi8>) -> memref<?x?x8xf32>
// CHECK:         %[[FITS:.*]] = arith.cmpi ule, %{{.*}}, %c128
// BATCH4:        arith.cmpi ule, %{{.*}}, %c512
// CHECK:         %[[T:.*]] = scf.if %[[FITS]] -> (memref<?x?x8xf32>) {
// CHECK:           memref.view %[[FRAME]][%c0{{.*}}][%{{.*}}, %{{.*}}] : memref<?xi8> to memref<?x?x8xf32>
// CHECK:         } else {
// CHECK:           memref.alloc(
// CHECK:         %[[ON_HEAP:.*]] = arith.xori %[[FITS]], %true
// CHECK:         %[[ROOM:.*]] = memref.dim %[[RESULT]], %c0
// CHECK:         %[[FITS_RESULT:.*]] = arith.cmpi ule, %{{.*}}, %[[ROOM]]
// CHECK:         %[[Y:.*]] = scf.if %[[FITS_RESULT]] -> (memref<?x?x8xf32>) {
// CHECK:           memref.view %[[RESULT]][%c0{{.*}}][%{{.*}}, %{{.*}}] : memref<?xi8> to memref<?x?x8xf32>
// CHECK:         scf.if %[[ON_HEAP]] {
// CHECK-NEXT:      memref.dealloc %[[T]]
// CHECK:         return %[[Y]]
// CHECK-LABEL: func.func @layers(
// CHECK-SAME:      %{{.*}}: memref<?x?x8xf32>, %[[ARENA:.*]]: memref<?xi8> {tmc.arena})
// CHECK:         %[[NOTHING:.*]] = memref.alloca() : memref<0xi8>
// CHECK:         %[[EMPTY:.*]] = memref.cast %[[NOTHING]]
// CHECK:         %[[F1:.*]] = memref.view %[[ARENA]][%c0{{.*}}][%c128{{.*}}]
// CHECK:         %[[R1:.*]] = memref.view %[[ARENA]][%c128{{.*}}][%c128{{.*}}]
// CHECK:         %[[H1:.*]] = call @layer(%{{.*}}, %[[F1]], %[[R1]])
// CHECK:         %[[R2:.*]] = memref.view %[[ARENA]][%c256][%c128{{.*}}]
// CHECK:         %[[H2:.*]] = call @layer(%[[H1]], %{{.*}}, %[[R2]])
// CHECK:         %[[P1:.*]] = memref.extract_aligned_pointer_as_index %[[H1]]
// CHECK:         %[[START1:.*]] = memref.extract_aligned_pointer_as_index %[[R1]]
// CHECK:         %[[MOVED:.*]] = arith.cmpi ne, %[[P1]], %[[START1]]
// CHECK:         scf.if %[[MOVED]] {
// CHECK-NEXT:      memref.dealloc %[[H1]]
// CHECK:         call @layer(%[[H2]], %{{.*}}, %[[EMPTY]])
module attributes {tmc.entry_points = [#tmc.entry_point<name = "layers", inputs = [#tmc.tensor<"x" : tensor<?x?x8xf32>>], params = [], results = [#tmc.tensor<"result0" : tensor<?x?x8xf32>>], in_place = [], max_seq_len = 4>]} {
  func.func private @layer(%x: memref<?x?x8xf32>) -> memref<?x?x8xf32> {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %b = memref.dim %x, %c0 : memref<?x?x8xf32>
    %s = memref.dim %x, %c1 : memref<?x?x8xf32>
    %t = memref.alloc(%b, %s) {alignment = 64 : i64} : memref<?x?x8xf32>
    memref.copy %x, %t : memref<?x?x8xf32> to memref<?x?x8xf32>
    %y = memref.alloc(%b, %s) {alignment = 64 : i64} : memref<?x?x8xf32>
    memref.copy %t, %y : memref<?x?x8xf32> to memref<?x?x8xf32>
    memref.dealloc %t : memref<?x?x8xf32>
    return %y : memref<?x?x8xf32>
  }
  func.func @layers(%x: memref<?x?x8xf32>) -> memref<?x?x8xf32> {
    %h1 = call @layer(%x) : (memref<?x?x8xf32>) -> memref<?x?x8xf32>
    %h2 = call @layer(%h1) : (memref<?x?x8xf32>) -> memref<?x?x8xf32>
    memref.dealloc %h1 : memref<?x?x8xf32>
    %h3 = call @layer(%h2) : (memref<?x?x8xf32>) -> memref<?x?x8xf32>
    memref.dealloc %h2 : memref<?x?x8xf32>
    return %h3 : memref<?x?x8xf32>
  }
}

// -----

// What stays on the heap: a size read from memory (no bound), and a buffer
// made in a loop and carried to the next iteration (a slot per loop would
// be overwritten while the carried one is read).
// CHECK-LABEL: func.func @heap(
// CHECK-SAME:      %{{.*}}: memref<?xi64>, %{{.*}}: memref<8xf32>)
// CHECK:         memref.alloc(%{{.*}}) {alignment = 64 : i64} : memref<?xf32>
// CHECK:         scf.for
// CHECK:           memref.alloc() {alignment = 64 : i64} : memref<8xf32>
module attributes {tmc.entry_points = [#tmc.entry_point<name = "heap", inputs = [#tmc.tensor<"n" : tensor<?xi64>>, #tmc.tensor<"x" : tensor<8xf32>>], params = [], results = [], in_place = [], max_seq_len = 4>]} {
  func.func @heap(%n: memref<?xi64>, %x: memref<8xf32>) {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c4 = arith.constant 4 : index
    %count = memref.load %n[%c0] : memref<?xi64>
    %size = arith.index_cast %count : i64 to index
    %a = memref.alloc(%size) {alignment = 64 : i64} : memref<?xf32>
    %f = memref.load %x[%c0] : memref<8xf32>
    memref.store %f, %a[%c0] : memref<?xf32>
    memref.dealloc %a : memref<?xf32>
    %last = scf.for %i = %c0 to %c4 step %c1 iter_args(%carried = %x) -> (memref<8xf32>) {
      %next = memref.alloc() {alignment = 64 : i64} : memref<8xf32>
      memref.copy %carried, %next : memref<8xf32> to memref<8xf32>
      scf.yield %next : memref<8xf32>
    }
    memref.copy %last, %x : memref<8xf32> to memref<8xf32>
    return
  }
}

// -----

// A buffer whose address a runtime call reads (a collective) lives until that
// call: %b, made after the address was taken, does not take %a's offset. The
// comparison the deallocation pipeline makes does not keep %a live.
// CHECK-LABEL: func.func @pointer_to_call(
// CHECK:         memref.view %{{.*}}[%c0{{.*}}][] : memref<?xi8> to memref<16xf32>
// CHECK:         memref.view %{{.*}}[%c64{{.*}}][] : memref<?xi8> to memref<16xf32>
// CHECK:         call @tmc_collective_all_reduce_sum
module attributes {tmc.entry_points = [#tmc.entry_point<name = "pointer_to_call", inputs = [#tmc.tensor<"x" : tensor<16xf32>>], params = [], results = [], in_place = []>]} {
  func.func private @tmc_collective_all_reduce_sum(i64, i64, i64, i64)
  func.func @pointer_to_call(%x: memref<16xf32>) {
    %c0 = arith.constant 0 : i64
    %a = memref.alloc() {alignment = 64 : i64} : memref<16xf32>
    memref.copy %x, %a : memref<16xf32> to memref<16xf32>
    %intptr = memref.extract_aligned_pointer_as_index %a : memref<16xf32> -> index
    %address = arith.index_cast %intptr : index to i64
    %b = memref.alloc() {alignment = 64 : i64} : memref<16xf32>
    memref.copy %x, %b : memref<16xf32> to memref<16xf32>
    call @tmc_collective_all_reduce_sum(%address, %address, %c0, %c0) : (i64, i64, i64, i64) -> ()
    memref.copy %b, %x : memref<16xf32> to memref<16xf32>
    %other = memref.extract_aligned_pointer_as_index %b : memref<16xf32> -> index
    %same = arith.cmpi eq, %intptr, %other : index
    memref.dealloc %a : memref<16xf32>
    memref.dealloc %b : memref<16xf32>
    return
  }
}

// -----

// A buffer made inside a parallel loop belongs to one iteration, and the
// iterations run at once: it stays a heap buffer, as one slot would be
// shared by the threads. The buffer made before the loop is planned.
// CHECK: arena_bytes = 64
// CHECK-LABEL: func.func @parallel_iterations(
// CHECK:         memref.view %{{.*}}[%c0{{.*}}][] : memref<?xi8> to memref<16xf32>
// CHECK:         scf.forall
// CHECK:           %[[MINE:.*]] = memref.alloc() {alignment = 64 : i64} : memref<16xf32>
// CHECK:           memref.dealloc %[[MINE]]
module attributes {tmc.entry_points = [#tmc.entry_point<name = "parallel_iterations", inputs = [#tmc.tensor<"x" : tensor<4x16xf32>>], params = [], results = [], in_place = []>]} {
  func.func @parallel_iterations(%x: memref<4x16xf32>) {
    %f = arith.constant 1.0 : f32
    %before = memref.alloc() {alignment = 64 : i64} : memref<16xf32>
    linalg.fill ins(%f : f32) outs(%before : memref<16xf32>)
    scf.forall (%i) in (4) {
      %mine = memref.alloc() {alignment = 64 : i64} : memref<16xf32>
      memref.copy %before, %mine : memref<16xf32> to memref<16xf32>
      %row = memref.subview %x[%i, 0] [1, 16] [1, 1] : memref<4x16xf32> to memref<16xf32, strided<[1], offset: ?>>
      memref.copy %mine, %row : memref<16xf32> to memref<16xf32, strided<[1], offset: ?>>
      memref.dealloc %mine : memref<16xf32>
    }
    memref.dealloc %before : memref<16xf32>
    return
  }
}

// -----

// A size chosen by an arith.select is bounded by the larger choice: here
// batch 1 x max_seq_len 1000 positions, in chunks of 64 or of 128 (16 or 8
// chunks), so 16 floats at most.
// (Unbounded, it would be a plain heap buffer, with no slot.)
// CHECK: arena_bytes = 64
// CHECK-LABEL: func.func @select_bound(
// CHECK:         arith.cmpi ule, %{{.*}}, %c64
// CHECK:         memref.view %{{.*}}[%c0{{.*}}][%{{.*}}] : memref<?xi8> to memref<?xf32>
module attributes {tmc.entry_points = [#tmc.entry_point<name = "select_bound", inputs = [#tmc.tensor<"x" : tensor<1x?xf32>>], params = [], results = [], in_place = [], max_seq_len = 1000>]} {
  func.func @select_bound(%x: memref<1x?xf32>) {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c64 = arith.constant 64 : index
    %c128 = arith.constant 128 : index
    %c512 = arith.constant 512 : index
    %n = memref.dim %x, %c1 : memref<1x?xf32>
    %short = arith.cmpi ult, %n, %c512 : index
    %few = arith.ceildivui %n, %c128 : index
    %many = arith.ceildivui %n, %c64 : index
    %chunks = arith.select %short, %many, %few : index
    %a = memref.alloc(%chunks) {alignment = 64 : i64} : memref<?xf32>
    %f = memref.load %x[%c0, %c0] : memref<1x?xf32>
    memref.store %f, %a[%c0] : memref<?xf32>
    %g = memref.load %a[%c0] : memref<?xf32>
    memref.store %g, %x[%c0, %c0] : memref<1x?xf32>
    memref.dealloc %a : memref<?xf32>
    return
  }
}
