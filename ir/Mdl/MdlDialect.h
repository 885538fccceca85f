//===- MdlDialect.h - the model-definition dialect --------------*- C++ -*-===//
#ifndef TMC_IR_MDL_MDLDIALECT_H
#define TMC_IR_MDL_MDLDIALECT_H

#include "mlir/IR/Dialect.h"

#include "ir/Mdl/MdlDialect.h.inc"

#endif // TMC_IR_MDL_MDLDIALECT_H
