//===- TmcDialect.h - the tensor-graph dialect ------------------*- C++ -*-===//
#ifndef TMC_IR_TMC_TMCDIALECT_H
#define TMC_IR_TMC_TMCDIALECT_H

#include "mlir/IR/Dialect.h"

#include "ir/Tmc/TmcDialect.h.inc"

#endif // TMC_IR_TMC_TMCDIALECT_H
