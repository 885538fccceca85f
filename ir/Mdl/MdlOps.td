//===- MdlOps.td - mdl operations --------------------------*- tablegen -*-===//
//
// Classes, functions and statements of a model file.
//
//===----------------------------------------------------------------------===//

#ifndef TMC_IR_MDL_OPS_TD
#define TMC_IR_MDL_OPS_TD

include "ir/Mdl/MdlDialect.td"
include "mlir/IR/SymbolInterfaces.td"
include "mlir/IR/OpAsmInterface.td"

def Mdl_ClassOp : Mdl_Op<"class", [
    Symbol, SymbolTable, NoTerminator, SingleBlock, NoRegionArguments,
    IsolatedFromAbove]> {
  let summary = "A Python class of a model file";
  let description = [{
    One `class Name(Base, ...):` definition. `bases` lists the base classes in
    source order, as written (`@LlamaAttention`, `@"nn.Module"`); `doc` is the
    class docstring. The body holds the class's methods and statements.

    ```mlir
    mdl.class @GlmMLP bases [@Phi3MLP] doc "The feed-forward block." {
      mdl.def @forward(self, hidden_states) {
        mdl.pass
      }
    }
    ```
  }];
  let arguments = (ins
    SymbolNameAttr:$sym_name,
    DefaultValuedAttr<TypedArrayAttrBase<FlatSymbolRefAttr, "base classes">,
                      "{}">:$bases,
    OptionalAttr<StrAttr>:$doc);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = [{
    $sym_name (`bases` $bases^)? (`doc` $doc^)? attr-dict-with-keyword $body
  }];
  let hasVerifier = 1;
}

def Mdl_DefOp : Mdl_Op<"def", [
    Symbol, NoTerminator, SingleBlock, NoRegionArguments]> {
  let summary = "A Python function or method";
  let description = [{
    `def name(params):` at module level or inside an `mdl.class`. Parameter
    names are kept in order; a method's first parameter is `self`. The body
    holds the statements and is never empty (Python needs at least `pass`).

    ```mlir
    mdl.def @rotate_half(x) doc "Rotates half the hidden dims." {
      mdl.pass
    }
    ```
  }];
  let arguments = (ins
    SymbolNameAttr:$sym_name,
    StrArrayAttr:$params,
    OptionalAttr<StrAttr>:$doc);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = [{
    $sym_name `` custom<ParamList>($params) (`doc` $doc^)? attr-dict-with-keyword
    $body
  }];
  let extraClassDeclaration = [{
    /// True when this function is a method of an `mdl.class`.
    bool isMethod();
  }];
  let hasVerifier = 1;
}

def Mdl_PassOp : Mdl_Op<"pass", []> {
  let summary = "The `pass` statement";
  let description = [{
    An empty statement. A class whose body is only `pass` inherits its parent's
    body unchanged during modular expansion.
  }];
  let assemblyFormat = "attr-dict";
}

#endif // TMC_IR_MDL_OPS_TD
