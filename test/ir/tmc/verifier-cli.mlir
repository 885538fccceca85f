// A verifier failure seen as a user of tmc-opt sees it: located, on stderr,
// with a failing exit code.
// RUN: not tmc-opt %s 2>&1 | FileCheck %s

func.func @features(%x: tensor<?x128xf32>, %w: tensor<64x176xf32>) -> tensor<?x64xf32> {
  // CHECK: verifier-cli.mlir:[[@LINE+1]]:8: error: 'tmc.linear' op input has 128 features but weight expects 176
  %y = tmc.linear %x, %w : (tensor<?x128xf32>, tensor<64x176xf32>) -> tensor<?x64xf32>
  return %y : tensor<?x64xf32>
}
