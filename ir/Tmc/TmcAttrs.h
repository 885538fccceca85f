//===- TmcAttrs.h - tmc attributes ------------------------------*- C++ -*-===//
#ifndef TMC_IR_TMC_TMCATTRS_H
#define TMC_IR_TMC_TMCATTRS_H

#include "ir/Tmc/TmcDialect.h"

#include "mlir/IR/Attributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/DialectImplementation.h"

#define GET_ATTRDEF_CLASSES
#include "ir/Tmc/TmcAttrs.h.inc"

namespace tmc {
/// The tmc dialect of `ctx`, loaded, for its discardable-attribute helpers:
/// `tmcDialect(ctx)->getMaxSeqLenAttrHelper().getAttr(func)`.
TmcDialect *tmcDialect(mlir::MLIRContext *ctx);
} // namespace tmc

#endif // TMC_IR_TMC_TMCATTRS_H
