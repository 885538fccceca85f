//===- Passes.td - modular expansion -----------------------*- tablegen -*-===//
#ifndef TMC_PASSES_MODULAR_PASSES_TD
#define TMC_PASSES_MODULAR_PASSES_TD

include "mlir/Pass/PassBase.td"

def ExpandModular : Pass<"tmc-expand-modular", "mlir::ModuleOp"> {
  let summary = "Expands a modular model file into a self-contained modeling file";
  let description = [{
    Implements the modular expansion rules of DESIGN.md §3 on an mdl module
    parsed from `modular_<name>.py`: `from ..llama.modeling_llama import X`
    loads `<models-dir>/llama/modeling_llama.py` (once per module); a class
    inheriting a parent model's class starts from the parent's whole class,
    renamed (`Llama`/`llama`/`LLAMA` -> the child's prefix, where no lowercase
    letter or digit precedes the match), with the parent's bases renamed; a
    body of only `pass` keeps the parent's body; a method the child defines
    replaces the parent's (keeping the parent's docstring when the child has
    none); a top-level `super().<same method>(...)` statement (or `return
    super()...`) is replaced by the parent's body, and in `__init__` a child
    assignment to a target the parent assigns replaces it in place while
    `del self.x` removes it; a method whose last parameter is
    `**super_kwargs` takes the parent's signature (the child's parameters
    replace or extend it); `field = AttributeError()` removes the parent's
    class attribute, `__init__` parameter and `self.field` assignments;
    classes, functions, constants and imports the result uses are pulled
    from the parent's file, renamed, unless the modular file defines them.
    A parent must be an expanded modeling file (chains are expanded parents
    first). The result imports no other model.
  }];
  let options = [
    Option<"modelsDir", "models-dir", "std::string", /*default=*/"\"models\"",
           "Directory holding <name>/modeling_<name>.py for relative model imports">,
  ];
  let dependentDialects = ["::tmc::mdl::MdlDialect"];
}

#endif // TMC_PASSES_MODULAR_PASSES_TD
