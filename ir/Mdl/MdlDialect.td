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

    Statements are ops, in source order, in the block of their module, class,
    function, `if` or `for`. Expressions are ops producing `!mdl.value`,
    placed in the same block just before the statement that uses them; each
    result has exactly one use, so a statement and the expression ops before it
    form a tree that the printer turns back into one source line. Names are
    string attributes: there is no scoping in the IR, only in the source.

    Two discardable attributes keep the layout a reader cares about:
    `mdl.trailing_comment = "text"` on a statement is its `# text` at the end
    of the line, and `mdl.blank_line` says a blank line preceded it.
  }];
  let cppNamespace = "::tmc::mdl";
  let useDefaultTypePrinterParser = 1;
  // `mdl.trailing_comment` and `mdl.blank_line` (see MdlDialect.cpp).
  let hasOperationAttrVerify = 1;
}

class Mdl_Op<string mnemonic, list<Trait> traits = []>
    : Op<Mdl_Dialect, mnemonic, traits>;

// An op that computes a Python value; its one result has exactly one use, in
// the same block (verified by tmc::mdl::Expression).
def Mdl_Expression : NativeOpTrait<"Expression"> {
  let cppNamespace = "::tmc::mdl";
}

// An op that is one Python statement (a line, or a compound statement).
def Mdl_Statement : NativeOpTrait<"Statement"> {
  let cppNamespace = "::tmc::mdl";
}

#endif // TMC_IR_MDL_DIALECT_TD
