//===- MdlDialect.td - the model-definition dialect --------*- tablegen -*-===//
//
// mdl holds a model file as a program: classes, methods, statements and
// expressions, with names, docstrings and comments kept so the printer can
// reproduce readable Python. Modular expansion is a pass over this dialect.
//
//===----------------------------------------------------------------------===//

#ifndef TMC_IR_MDL_DIALECT_TD
#define TMC_IR_MDL_DIALECT_TD

include "mlir/IR/OpBase.td"

def Mdl_Dialect : Dialect {
  let name = "mdl";
  let summary = "Model definitions: the Python-subset program of a model file";
  let description = [{
    A model file (`modular_glm.py` or `modeling_glm.py`) parsed into ops: one
    `mdl.class` per class, one `mdl.def` per method or function, statements
    inside. Expansion (`tmc-expand-modular`) rewrites this program; printing it
    gives the modeling file.
  }];
  let cppNamespace = "::tmc::mdl";
}

class Mdl_Op<string mnemonic, list<Trait> traits = []>
    : Op<Mdl_Dialect, mnemonic, traits>;

#endif // TMC_IR_MDL_DIALECT_TD
