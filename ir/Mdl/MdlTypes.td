//===- MdlTypes.td - mdl types -----------------------------*- tablegen -*-===//
//
// The one type of the mdl dialect: a Python value. Model files are untyped
// Python, so every expression produces a `!mdl.value`; types only appear after
// instantiation, in the tmc dialect.
//
//===----------------------------------------------------------------------===//

#ifndef TMC_IR_MDL_TYPES_TD
#define TMC_IR_MDL_TYPES_TD

include "ir/Mdl/MdlDialect.td"
include "mlir/IR/AttrTypeBase.td"

def Mdl_ValueType : TypeDef<Mdl_Dialect, "Value"> {
  let mnemonic = "value";
  let summary = "A Python value: the result of an expression";
  let description = [{
    Produced by expression ops and consumed by exactly one statement or
    expression, so that the SSA graph of a statement is the expression tree
    of its source line.

    ```mlir
    %0 = mdl.name "hidden_states"
    ```
  }];
}

#endif // TMC_IR_MDL_TYPES_TD
