//===- MdlDialect.cpp - the model-definition dialect ------------*- C++ -*-===//
//
// Registers the mdl ops and `!mdl.value`, and checks the two layout
// attributes statements may carry.
//
//===----------------------------------------------------------------------===//

#include "ir/Mdl/MdlDialect.h"
#include "ir/Mdl/MdlOps.h"

#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace tmc::mdl;

#include "ir/Mdl/MdlDialect.cpp.inc"

#define GET_TYPEDEF_CLASSES
#include "ir/Mdl/MdlTypes.cpp.inc"

void MdlDialect::initialize() {
  addTypes<
#define GET_TYPEDEF_LIST
#include "ir/Mdl/MdlTypes.cpp.inc"
      >();
  addOperations<
#define GET_OP_LIST
#include "ir/Mdl/MdlOps.cpp.inc"
      >();
}

LogicalResult MdlDialect::verifyOperationAttribute(Operation *op,
                                                   NamedAttribute attr) {
  StringRef name = attr.getName().getValue();
  if (name == kTrailingCommentAttr) {
    auto text = dyn_cast<StringAttr>(attr.getValue());
    if (!text)
      return op->emitOpError("'") << name << "' must be a string";
    if (text.getValue().contains('\n'))
      return op->emitOpError("'") << name << "' must be a single line";
  } else if (name == kBlankLineAttr) {
    if (!isa<UnitAttr>(attr.getValue()))
      return op->emitOpError("'") << name << "' must be a unit attribute";
  } else {
    return op->emitOpError("unknown mdl attribute '") << name << "'";
  }
  if (!op->hasTrait<Statement>())
    return op->emitOpError("'") << name << "' only applies to statements";
  return success();
}
