//===- MdlOps.td - mdl operations --------------------------*- tablegen -*-===//
//
// All mdl ops: statements (MdlStatements.td) and expressions
// (MdlExpressions.td), generated into one op list.
//
//===----------------------------------------------------------------------===//

#ifndef TMC_IR_MDL_OPS_TD
#define TMC_IR_MDL_OPS_TD

include "ir/Mdl/MdlStatements.td"
include "ir/Mdl/MdlExpressions.td"

#endif // TMC_IR_MDL_OPS_TD
