//===- TmcAttrs.cpp - tmc attributes ----------------------------*- C++ -*-===//
#include "ir/Tmc/TmcAttrs.h"

#include "mlir/IR/Builders.h"

#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace tmc;

#define GET_ATTRDEF_CLASSES
#include "ir/Tmc/TmcAttrs.cpp.inc"

TmcDialect *tmc::tmcDialect(MLIRContext *ctx) { return ctx->getOrLoadDialect<TmcDialect>(); }

void TmcDialect::registerAttributes() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "ir/Tmc/TmcAttrs.cpp.inc"
      >();
}
