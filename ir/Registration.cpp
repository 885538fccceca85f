//===- Registration.cpp - register the tmc dialects -------------*- C++ -*-===//
#include "ir/Registration.h"

#include "ir/Mdl/MdlDialect.h"
#include "ir/Tmc/TmcDialect.h"
#include "mlir/IR/DialectRegistry.h"

void tmc::registerDialects(mlir::DialectRegistry &registry) {
  registry.insert<mdl::MdlDialect, TmcDialect>();
}
