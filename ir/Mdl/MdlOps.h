//===- MdlOps.h - mdl operations --------------------------------*- C++ -*-===//
#ifndef TMC_IR_MDL_MDLOPS_H
#define TMC_IR_MDL_MDLOPS_H

#include "ir/Mdl/MdlDialect.h"
#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/IR/SymbolTable.h"

#define GET_OP_CLASSES
#include "ir/Mdl/MdlOps.h.inc"

namespace tmc::mdl {
/// True for a Python identifier that is not a keyword (`hidden_size`, `_x1`).
bool isPythonIdentifier(llvm::StringRef name);
} // namespace tmc::mdl

#endif // TMC_IR_MDL_MDLOPS_H
