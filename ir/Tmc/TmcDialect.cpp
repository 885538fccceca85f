//===- TmcDialect.cpp - the tensor-graph dialect ----------------*- C++ -*-===//
#include "ir/Tmc/TmcDialect.h"
#include "ir/Tmc/TmcOps.h"

using namespace tmc;

#include "ir/Tmc/TmcDialect.cpp.inc"

void TmcDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "ir/Tmc/TmcOps.cpp.inc"
      >();
}
