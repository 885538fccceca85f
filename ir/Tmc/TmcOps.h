//===- TmcOps.h - tmc operations --------------------------------*- C++ -*-===//
#ifndef TMC_IR_TMC_TMCOPS_H
#define TMC_IR_TMC_TMCOPS_H

#include "ir/Tmc/TmcAttrs.h"
#include "ir/Tmc/TmcDialect.h"
#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#define GET_OP_CLASSES
#include "ir/Tmc/TmcOps.h.inc"

namespace tmc {
/// Whether `use` is a linear's weight or an embedding's table: the operands
/// through which a weight tmc-store-weights stores is read.
bool readsMatrixWeight(mlir::OpOperand &use);
} // namespace tmc

#endif // TMC_IR_TMC_TMCOPS_H
