//===- MdlDialect.cpp - the model-definition dialect ------------*- C++ -*-===//
#include "ir/Mdl/MdlDialect.h"
#include "ir/Mdl/MdlOps.h"

using namespace tmc::mdl;

#include "ir/Mdl/MdlDialect.cpp.inc"

void MdlDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "ir/Mdl/MdlOps.cpp.inc"
      >();
}
