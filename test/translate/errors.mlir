// RUN: not tmc-translate --mdl-to-python %s 2>&1 | FileCheck %s

// Only mdl statements print as Python; anything else is a located error.

mdl.pass
// CHECK: errors.mlir:[[@LINE+1]]:1: error: 'builtin.module' op cannot be printed as Python
module {
}
