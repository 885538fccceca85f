// RUN: tmc-opt %s -tmc-cuda-warp-reductions -split-input-file | FileCheck %s
// RUN: tmc-opt %s -tmc-cuda-warp-reductions="block-size=64" -split-input-file | FileCheck %s --check-prefix=SMALL
// RUN: not tmc-opt %s -tmc-cuda-warp-reductions="block-size=48" 2>&1 | FileCheck %s --check-prefix=BAD

// RMSNorm's sum of squares over the last dim, rows [?, 3] of 4096: one warp
// per row, 8 rows per block of 256; lane l reads elements l, l + 32, ...
// (the square fused into the loop), five xor shuffles 16..1 add the lanes,
// and lane 0 adds the sum to the output's initial value.
// CHECK-LABEL: func.func @sum_of_squares(
// CHECK-SAME:      %[[X:.*]]: memref<?x3x4096xf32>, %[[OUT:.*]]: memref<?x3xf32>
// CHECK:         %[[ROWS:.*]] = arith.muli %{{.*}}, %c3
// CHECK:         %[[THREADS:.*]] = arith.constant 256 : index
// CHECK:         %[[BLOCKS:.*]] = arith.ceildivui %[[ROWS]], %c8
// CHECK:         gpu.launch blocks(%[[BX:.*]], %{{.*}}, %{{.*}}) in (%{{.*}} = %[[BLOCKS]], %{{.*}} = %{{.*}}, %{{.*}} = %{{.*}}) threads(%[[TX:.*]], %{{.*}}, %{{.*}}) in (%{{.*}} = %[[THREADS]],
// CHECK:           %[[LANE:.*]] = arith.remui %[[TX]], %c32
// CHECK:           %[[WARP:.*]] = arith.divui %[[TX]], %c32
// CHECK:           %[[FIRST:.*]] = arith.muli %[[BX]], %c8
// CHECK:           %[[ROW:.*]] = arith.addi %[[FIRST]], %[[WARP]]
// CHECK:           %[[INSIDE:.*]] = arith.cmpi ult, %[[ROW]], %[[ROWS]]
// CHECK:           scf.if %[[INSIDE]] {
// CHECK:             %[[J:.*]] = arith.remui %[[ROW]], %c3
// CHECK:             %[[I:.*]] = arith.divui %[[ROW]], %c3
// CHECK:             %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK:             %[[PARTIAL:.*]] = scf.for %[[K:.*]] = %[[LANE]] to %c4096 step %c32 iter_args(%[[ACC:.*]] = %[[ZERO]]) -> (f32) {
// CHECK:               %[[V:.*]] = memref.load %[[X]][{{.*}}]
// CHECK:               %[[SQ:.*]] = arith.mulf %[[V]], %[[V]]
// CHECK:               %[[NEXT:.*]] = arith.addf %[[SQ]], %[[ACC]]
// CHECK:               scf.yield %[[NEXT]]
// CHECK:             gpu.shuffle  xor %[[PARTIAL]], %c16_i32, %c32_i32 : f32
// CHECK:             gpu.shuffle  xor %{{.*}}, %c8_i32, %c32_i32 : f32
// CHECK:             gpu.shuffle  xor %{{.*}}, %c4_i32, %c32_i32 : f32
// CHECK:             gpu.shuffle  xor %{{.*}}, %c2_i32, %c32_i32 : f32
// CHECK:             %[[LAST:.*]], %{{.*}} = gpu.shuffle  xor %{{.*}}, %c1_i32, %c32_i32 : f32
// CHECK:             %[[TOTAL:.*]] = arith.addf %{{.*}}, %[[LAST]]
// CHECK:             %[[LANE0:.*]] = arith.cmpi eq, %[[LANE]], %c0
// CHECK:             scf.if %[[LANE0]] {
// CHECK:               %[[INIT:.*]] = memref.load %[[OUT]][{{.*}}]
// CHECK:               %[[SUM:.*]] = arith.addf %[[TOTAL]], %[[INIT]]
// CHECK:               memref.store %[[SUM]], %[[OUT]][{{.*}}]
// CHECK:           gpu.terminator
// CHECK-NOT:     linalg.generic
// SMALL-LABEL:   func.func @sum_of_squares(
// SMALL:           arith.constant 64 : index
// SMALL:           arith.ceildivui %{{.*}}, %c2
// BAD:           error: block-size 48 is not a multiple of 32 in [32, 1024]
func.func @sum_of_squares(%x: memref<?x3x4096xf32>, %out: memref<?x3xf32>) {
  linalg.generic {indexing_maps = [affine_map<(i, j, k) -> (i, j, k)>, affine_map<(i, j, k) -> (i, j)>],
                  iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x : memref<?x3x4096xf32>) outs(%out : memref<?x3xf32>) {
  ^bb0(%v: f32, %acc: f32):
    %sq = arith.mulf %v, %v : f32
    %sum = arith.addf %sq, %acc : f32
    linalg.yield %sum : f32
  }
  return
}

// -----

// Softmax's running maximum, with a keepdim output ([.., 1], the map's
// constant 0) and a scalar input: maximumf starts each lane at -inf.
// CHECK-LABEL: func.func @row_max(
// CHECK:         gpu.launch
// CHECK:           %[[NEG:.*]] = arith.constant 0xFF800000 : f32
// CHECK:           scf.for {{.*}} iter_args(%{{.*}} = %[[NEG]]) -> (f32)
// CHECK:             arith.mulf
// CHECK:             arith.maximumf
// CHECK:           gpu.shuffle  xor
// CHECK:           arith.maximumf
// CHECK:           scf.if
// CHECK:             memref.load %{{.*}}[%{{.*}}, %{{.*}}] : memref<4x1xf32>
func.func @row_max(%x: memref<4x?xf32>, %scale: f32, %out: memref<4x1xf32>) {
  linalg.generic {indexing_maps = [affine_map<(i, k) -> (i, k)>, affine_map<(i, k) -> ()>, affine_map<(i, k) -> (i, 0)>],
                  iterator_types = ["parallel", "reduction"]}
      ins(%x, %scale : memref<4x?xf32>, f32) outs(%out : memref<4x1xf32>) {
  ^bb0(%v: f32, %s: f32, %acc: f32):
    %scaled = arith.mulf %v, %s : f32
    %max = arith.maximumf %scaled, %acc : f32
    linalg.yield %max : f32
  }
  return
}

// -----

// Left to the loop lowering: a reduction over an outer dimension, a bf16
// accumulator (a shuffle moves 32 bits), and an elementwise op.
// CHECK-LABEL: func.func @not_rows(
// CHECK-NOT:     gpu.launch
// CHECK-COUNT-3: linalg.generic
func.func @not_rows(%x: memref<8x16xf32>, %y: memref<16xf32>, %h: memref<8x16xbf16>, %hy: memref<8xbf16>) {
  linalg.generic {indexing_maps = [affine_map<(k, j) -> (k, j)>, affine_map<(k, j) -> (j)>],
                  iterator_types = ["reduction", "parallel"]}
      ins(%x : memref<8x16xf32>) outs(%y : memref<16xf32>) {
  ^bb0(%v: f32, %acc: f32):
    %sum = arith.addf %v, %acc : f32
    linalg.yield %sum : f32
  }
  linalg.generic {indexing_maps = [affine_map<(i, k) -> (i, k)>, affine_map<(i, k) -> (i)>],
                  iterator_types = ["parallel", "reduction"]}
      ins(%h : memref<8x16xbf16>) outs(%hy : memref<8xbf16>) {
  ^bb0(%v: bf16, %acc: bf16):
    %sum = arith.addf %v, %acc : bf16
    linalg.yield %sum : bf16
  }
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%x : memref<8x16xf32>) outs(%x : memref<8x16xf32>) {
  ^bb0(%v: f32, %o: f32):
    %twice = arith.addf %v, %v : f32
    linalg.yield %twice : f32
  }
  return
}
