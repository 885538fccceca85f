//===- TmcDialect.h - the tensor-graph dialect ------------------*- C++ -*-===//
#ifndef TMC_IR_TMC_TMCDIALECT_H
#define TMC_IR_TMC_TMCDIALECT_H

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/Operation.h"

#include "ir/Tmc/TmcDialect.h.inc"

#endif // TMC_IR_TMC_TMCDIALECT_H
