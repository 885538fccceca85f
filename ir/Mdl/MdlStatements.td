//===- MdlStatements.td - mdl statement ops ----------------*- tablegen -*-===//
//
// Python statements: module-level imports, classes and functions, and the
// statements of their bodies. Compound statements (`if`, `for`, `class`,
// `def`) hold their bodies in regions, so expansion rewrites a method or a
// line by replacing one op. Expression operands are defined just before the
// statement, in the same block.
//
//===----------------------------------------------------------------------===//

#ifndef TMC_IR_MDL_STATEMENTS_TD
#define TMC_IR_MDL_STATEMENTS_TD

include "ir/Mdl/MdlTypes.td"
include "mlir/IR/SymbolInterfaces.td"

class Mdl_StmtOp<string mnemonic, list<Trait> traits = []>
    : Mdl_Op<mnemonic, !listconcat([Mdl_Statement], traits)>;

//===----------------------------------------------------------------------===//
// Module level
//===----------------------------------------------------------------------===//

def Mdl_ImportOp : Mdl_StmtOp<"import"> {
  let summary = "`import module` or `import module as alias`";
  let description = [{
    ```mlir
    mdl.import "torch.nn.functional" as "F"
    ```
  }];
  let arguments = (ins StrAttr:$module, OptionalAttr<StrAttr>:$alias);
  let assemblyFormat = "$module (`as` $alias^)? attr-dict";
  let hasVerifier = 1;
}

def Mdl_FromImportOp : Mdl_StmtOp<"from_import"> {
  let summary = "`from module import name, other as alias`";
  let description = [{
    `module` keeps the leading dots of a relative import
    (`..llama.modeling_llama`). `aliases`, when present, has one entry per
    name, `""` where the name is not renamed.

    ```mlir
    mdl.from_import "..llama.modeling_llama" ["LlamaAttention", "rotate_half"]
    mdl.from_import "torch" ["nn"]
    ```
  }];
  let arguments = (ins StrAttr:$module, StrArrayAttr:$names,
                       DefaultValuedAttr<StrArrayAttr, "{}">:$aliases);
  let assemblyFormat = "$module $names (`as` $aliases^)? attr-dict";
  let hasVerifier = 1;
}

def Mdl_ClassOp : Mdl_StmtOp<"class", [
    Symbol, SymbolTable, NoTerminator, SingleBlock, NoRegionArguments,
    IsolatedFromAbove]> {
  let summary = "A Python class of a model file";
  let description = [{
    One `class Name(Base, ...):` definition. `bases` lists the base classes in
    source order, as written (`@LlamaAttention`, `@"nn.Module"`); `doc` is the
    class docstring (indentation removed); `decorators` are the `@...` lines
    above it, outermost first. The body holds methods and class attributes.

    ```mlir
    %0 = mdl.name "use_kernel_forward"
    %1 = mdl.str "RMSNorm"
    %2 = mdl.call %0(%1)
    mdl.class @LlamaRMSNorm bases [@nn.Module] decorators(%2) {
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
    OptionalAttr<StrAttr>:$doc,
    Variadic<Mdl_ValueType>:$decorators);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = [{
    $sym_name (`bases` $bases^)? (`decorators` `(` $decorators^ `)`)?
    (`doc` $doc^)? attr-dict-with-keyword $body
  }];
  let hasVerifier = 1;
}

def Mdl_DefOp : Mdl_StmtOp<"def", [
    Symbol, NoTerminator, SingleBlock, NoRegionArguments, IsolatedFromAbove,
    AttrSizedOperandSegments]> {
  let summary = "A Python function or method";
  let description = [{
    `def name(params) -> returns:` at module level or inside an `mdl.class`.
    `params` holds the parameter names in order: `*args` and `**kwargs` keep
    their stars and a lone `"*"` starts keyword-only parameters. A parameter
    may carry an annotation (`x: %0`) and a default (`= %1`), whose
    expressions precede the op. `doc` is the docstring (indentation removed);
    `decorators` are the `@...` lines, outermost first.

    ```mlir
    %0 = mdl.name "torch.Tensor"
    %1 = mdl.none
    mdl.def @forward(self, hidden_states: %0, mask = %1, **kwargs) doc "Runs it." {
      mdl.pass
    }
    ```
  }];
  let arguments = (ins
    SymbolNameAttr:$sym_name,
    StrArrayAttr:$params,
    DenseI64ArrayAttr:$annotated,
    DenseI64ArrayAttr:$defaulted,
    OptionalAttr<StrAttr>:$doc,
    Variadic<Mdl_ValueType>:$annotations,
    Variadic<Mdl_ValueType>:$defaults,
    Optional<Mdl_ValueType>:$returns,
    Variadic<Mdl_ValueType>:$decorators);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = [{
    $sym_name `` custom<Params>($params, $annotations, $defaults, $annotated,
                                $defaulted)
    (`->` $returns^)? (`decorators` `(` $decorators^ `)`)? (`doc` $doc^)?
    attr-dict-with-keyword $body
  }];
  let extraClassDeclaration = [{
    /// True when this function is a method of an `mdl.class`.
    bool isMethod();
    /// The annotation / default of parameter `i`, or null.
    mlir::Value getAnnotation(unsigned i);
    mlir::Value getDefault(unsigned i);
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Simple statements
//===----------------------------------------------------------------------===//

def Mdl_AssignOp : Mdl_StmtOp<"assign", [AttrSizedOperandSegments]> {
  let summary = "`target = value`, `target: annotation = value` or `target: annotation`";
  let description = [{
    `target` is a name, attribute, subscript, or a tuple/list of them
    (unpacking). At least one of `annotation` and `value` is present.

    ```mlir
    %0 = mdl.name "self"
    %1 = mdl.attr %0 "hidden_size"
    %2 = mdl.name "hidden_size"
    mdl.assign %1 = %2
    ```
  }];
  let arguments = (ins Mdl_ValueType:$target,
                       Optional<Mdl_ValueType>:$annotation,
                       Optional<Mdl_ValueType>:$value);
  let assemblyFormat = [{
    $target (`:` $annotation^)? (`=` $value^)? attr-dict
  }];
  let hasVerifier = 1;
}

def Mdl_AugAssignOp : Mdl_StmtOp<"aug_assign"> {
  let summary = "Augmented assignment `target op= value`";
  let description = [{
    ```mlir
    mdl.aug_assign %0 "+=" %1
    ```
  }];
  let arguments = (ins Mdl_ValueType:$target, StrAttr:$op,
                       Mdl_ValueType:$value);
  let assemblyFormat = "$target $op $value attr-dict";
  let hasVerifier = 1;
}

def Mdl_ExprStmtOp : Mdl_StmtOp<"expr"> {
  let summary = "An expression statement (a call, or a string: a docstring)";
  let description = [{
    ```mlir
    mdl.expr %2
    ```
  }];
  let arguments = (ins Mdl_ValueType:$value);
  let assemblyFormat = "$value attr-dict";
}

def Mdl_ReturnOp : Mdl_StmtOp<"return"> {
  let summary = "`return` or `return value`";
  let description = [{
    ```mlir
    mdl.return %0
    ```
  }];
  let arguments = (ins Optional<Mdl_ValueType>:$value);
  let assemblyFormat = "($value^)? attr-dict";
  let hasVerifier = 1;
}

def Mdl_PassOp : Mdl_StmtOp<"pass"> {
  let summary = "The `pass` statement";
  let description = [{
    An empty statement. A class whose body is only `pass` inherits its parent's
    body unchanged during modular expansion.

    ```mlir
    mdl.pass
    ```
  }];
  let assemblyFormat = "attr-dict";
}

def Mdl_DelOp : Mdl_StmtOp<"del"> {
  let summary = "`del target, ...`";
  let description = [{
    In a modular `__init__`, `del self.x` removes the parent's assignment.

    ```mlir
    mdl.del %1
    ```
  }];
  let arguments = (ins Variadic<Mdl_ValueType>:$targets);
  let assemblyFormat = "$targets attr-dict";
  let hasVerifier = 1;
}

def Mdl_AssertOp : Mdl_StmtOp<"assert"> {
  let summary = "`assert test` or `assert test, message`";
  let description = [{
    ```mlir
    mdl.assert %0, %1
    ```
  }];
  let arguments = (ins Mdl_ValueType:$test, Optional<Mdl_ValueType>:$message);
  let assemblyFormat = "$test (`,` $message^)? attr-dict";
}

def Mdl_CommentOp : Mdl_StmtOp<"comment"> {
  let summary = "A comment on a line of its own";
  let description = [{
    `text` is what follows the `#`. Comments at the end of a statement's line
    are the statement's `mdl.trailing_comment` attribute instead.

    ```mlir
    mdl.comment " (batch, heads, seq, head_dim)"
    ```
  }];
  let arguments = (ins StrAttr:$text);
  let assemblyFormat = "$text attr-dict";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Compound statements
//===----------------------------------------------------------------------===//

def Mdl_IfOp : Mdl_StmtOp<"if", [NoTerminator, NoRegionArguments]> {
  let summary = "`if cond: ... else: ...`";
  let description = [{
    The else region is empty when there is no `else`. An else region holding
    one `mdl.if` (and its condition) prints as `elif`.

    ```mlir
    %0 = mdl.name "attention_mask"
    mdl.if %0 {
      mdl.pass
    } else {
      mdl.pass
    }
    ```
  }];
  let arguments = (ins Mdl_ValueType:$cond);
  let regions = (region SizedRegion<1>:$then_region,
                        MaxSizedRegion<1>:$else_region);
  let assemblyFormat = [{
    $cond $then_region (`else` $else_region^)? attr-dict
  }];
  let extraClassDeclaration = [{
    /// The `mdl.if` the else region consists of (an `elif`), or null.
    IfOp getElif();
  }];
  let hasVerifier = 1;
}

def Mdl_ForOp : Mdl_StmtOp<"for", [NoTerminator, NoRegionArguments,
                                   SingleBlock]> {
  let summary = "`for target in iter: ...`, unrolled at instantiation";
  let description = [{
    ```mlir
    %0 = mdl.name "layer"
    %1 = mdl.name "self"
    %2 = mdl.attr %1 "layers"
    mdl.for %0 in %2 {
      mdl.pass
    }
    ```
  }];
  let arguments = (ins Mdl_ValueType:$target, Mdl_ValueType:$iter);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = "$target `in` $iter $body attr-dict";
  let hasVerifier = 1;
}

#endif // TMC_IR_MDL_STATEMENTS_TD
