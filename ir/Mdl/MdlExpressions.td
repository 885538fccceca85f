//===- MdlExpressions.td - mdl expression ops --------------*- tablegen -*-===//
//
// Python expressions: each op produces one `!mdl.value` used exactly once, so
// the ops before a statement spell out the expression tree of its line.
// Operators are kept as their Python spelling ("+", "not in") so that the
// printer and a later interpreter share one table.
//
//===----------------------------------------------------------------------===//

#ifndef TMC_IR_MDL_EXPRESSIONS_TD
#define TMC_IR_MDL_EXPRESSIONS_TD

include "ir/Mdl/MdlTypes.td"

class Mdl_ExprOp<string mnemonic, list<Trait> traits = []>
    : Mdl_Op<mnemonic, !listconcat([Mdl_Expression], traits)> {
  let results = (outs Mdl_ValueType:$result);
}

//===----------------------------------------------------------------------===//
// Atoms
//===----------------------------------------------------------------------===//

def Mdl_NameOp : Mdl_ExprOp<"name"> {
  let summary = "A Python name: a variable, parameter, module or builtin";
  let description = [{
    The same op reads and writes: as an assignment or `for` target it names
    the variable bound.

    ```mlir
    %0 = mdl.name "hidden_states"
    ```
  }];
  let arguments = (ins StrAttr:$id);
  let assemblyFormat = "$id attr-dict";
  let hasVerifier = 1;
}

def Mdl_IntOp : Mdl_ExprOp<"int"> {
  let summary = "An integer literal";
  let description = [{
    ```mlir
    %0 = mdl.int 4096
    ```
  }];
  let arguments = (ins I64Attr:$value);
  let assemblyFormat = "$value attr-dict";
}

def Mdl_FloatOp : Mdl_ExprOp<"float"> {
  let summary = "A float literal, kept as written";
  let description = [{
    The spelling is kept (`1e-6`, `10000.0`) so the printed file reads like
    the source; the verifier checks that it is a Python float literal.

    ```mlir
    %0 = mdl.float "1e-6"
    ```
  }];
  let arguments = (ins StrAttr:$spelling);
  let assemblyFormat = "$spelling attr-dict";
  let extraClassDeclaration = [{
    /// The literal's value.
    double getValue();
  }];
  let hasVerifier = 1;
}

def Mdl_StrOp : Mdl_ExprOp<"str"> {
  let summary = "A string literal (its value, escapes resolved)";
  let description = [{
    ```mlir
    %0 = mdl.str "layers.*.self_attn.q_proj"
    ```
  }];
  let arguments = (ins StrAttr:$value);
  let assemblyFormat = "$value attr-dict";
}

def Mdl_BoolOp : Mdl_ExprOp<"bool"> {
  let summary = "`True` or `False`";
  let description = [{
    ```mlir
    %0 = mdl.bool true
    ```
  }];
  let arguments = (ins BoolAttr:$value);
  let assemblyFormat = "$value attr-dict";
}

def Mdl_NoneOp : Mdl_ExprOp<"none"> {
  let summary = "`None`";
  let description = [{
    ```mlir
    %0 = mdl.none
    ```
  }];
  let assemblyFormat = "attr-dict";
}

def Mdl_EllipsisOp : Mdl_ExprOp<"ellipsis"> {
  let summary = "`...`, as in `x[..., 0]`";
  let description = [{
    ```mlir
    %0 = mdl.ellipsis
    ```
  }];
  let assemblyFormat = "attr-dict";
}

//===----------------------------------------------------------------------===//
// Access and calls
//===----------------------------------------------------------------------===//

def Mdl_AttrOp : Mdl_ExprOp<"attr"> {
  let summary = "Attribute access `base.name`";
  let description = [{
    ```mlir
    %0 = mdl.name "self"
    %1 = mdl.attr %0 "q_proj"
    ```
  }];
  let arguments = (ins Mdl_ValueType:$base, StrAttr:$name);
  let assemblyFormat = "$base $name attr-dict";
  let hasVerifier = 1;
}

def Mdl_SubscriptOp : Mdl_ExprOp<"subscript"> {
  let summary = "Subscript `base[index]`";
  let description = [{
    Several indices (`x[..., None, :]`) are one `mdl.tuple` index, as in
    Python; slices are `mdl.slice`.

    ```mlir
    %2 = mdl.subscript %0[%1]
    ```
  }];
  let arguments = (ins Mdl_ValueType:$base, Mdl_ValueType:$index);
  let assemblyFormat = "$base `[` $index `]` attr-dict";
}

def Mdl_SliceOp : Mdl_ExprOp<"slice", [AttrSizedOperandSegments]> {
  let summary = "A slice `lower:upper:step` inside a subscript";
  let description = [{
    Each bound is optional; `step` present means the source had two colons.

    ```mlir
    %2 = mdl.slice upper %1       // :half
    %3 = mdl.slice step %0        // ::2
    ```
  }];
  let arguments = (ins Optional<Mdl_ValueType>:$lower,
                       Optional<Mdl_ValueType>:$upper,
                       Optional<Mdl_ValueType>:$step);
  let assemblyFormat = [{
    (`lower` $lower^)? (`upper` $upper^)? (`step` $step^)? attr-dict
  }];
  let hasVerifier = 1;
}

def Mdl_CallOp : Mdl_ExprOp<"call"> {
  let summary = "A call `callee(args, key=value, *rest, **kw)`";
  let description = [{
    `names` gives each argument's kind, one entry per argument: `""` for a
    positional argument, the keyword for `key=value`, `"*"` for `*args` and
    `"**"` for `**kwargs`. It is omitted when every argument is positional.
    The verifier applies Python's ordering rules.

    ```mlir
    %3 = mdl.call %0(%1, %2) names ["", "dim"]   // torch.softmax(x, dim=-1)
    ```
  }];
  let arguments = (ins Mdl_ValueType:$callee, Variadic<Mdl_ValueType>:$args,
                       DefaultValuedAttr<StrArrayAttr, "{}">:$names);
  let assemblyFormat = [{
    $callee `(` $args `)` (`names` $names^)? attr-dict
  }];
  let extraClassDeclaration = [{
    /// The kind of argument `i`: "" (positional), a keyword, "*" or "**".
    llvm::StringRef getArgName(unsigned i);
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Operators
//===----------------------------------------------------------------------===//

def Mdl_BinaryOp : Mdl_ExprOp<"binary"> {
  let summary = "An arithmetic or bitwise operator: + - * / // % ** @ & | ^ << >>";
  let description = [{
    ```mlir
    %2 = mdl.binary "//" %0, %1
    ```
  }];
  let arguments = (ins StrAttr:$op, Mdl_ValueType:$lhs, Mdl_ValueType:$rhs);
  let assemblyFormat = "$op $lhs `,` $rhs attr-dict";
  let hasVerifier = 1;
}

def Mdl_UnaryOp : Mdl_ExprOp<"unary"> {
  let summary = "A unary operator: - + ~ not";
  let description = [{
    ```mlir
    %1 = mdl.unary "-" %0
    ```
  }];
  let arguments = (ins StrAttr:$op, Mdl_ValueType:$operand);
  let assemblyFormat = "$op $operand attr-dict";
  let hasVerifier = 1;
}

def Mdl_CompareOp : Mdl_ExprOp<"compare"> {
  let summary = "A comparison, possibly chained: `a < b <= c`";
  let description = [{
    `ops` holds one operator per link (== != < <= > >= is "is not" in
    "not in"); there is one more operand than operators.

    ```mlir
    %2 = mdl.compare ["is"] %0, %1   // attention_mask is None
    ```
  }];
  let arguments = (ins StrArrayAttr:$ops, Variadic<Mdl_ValueType>:$operands);
  let assemblyFormat = "$ops $operands attr-dict";
  let hasVerifier = 1;
}

def Mdl_LogicalOp : Mdl_ExprOp<"logical"> {
  let summary = "`and` / `or` over two or more operands";
  let description = [{
    ```mlir
    %3 = mdl.logical "and" %0, %1, %2
    ```
  }];
  let arguments = (ins StrAttr:$op, Variadic<Mdl_ValueType>:$operands);
  let assemblyFormat = "$op $operands attr-dict";
  let hasVerifier = 1;
}

def Mdl_IfExpOp : Mdl_ExprOp<"if_exp"> {
  let summary = "A conditional expression `a if cond else b`";
  let description = [{
    ```mlir
    %3 = mdl.if_exp %1 if %0 else %2
    ```
  }];
  let arguments = (ins Mdl_ValueType:$then_value, Mdl_ValueType:$cond,
                       Mdl_ValueType:$else_value);
  let assemblyFormat = "$then_value `if` $cond `else` $else_value attr-dict";
}

//===----------------------------------------------------------------------===//
// Displays
//===----------------------------------------------------------------------===//

def Mdl_ListOp : Mdl_ExprOp<"list"> {
  let summary = "A list display `[a, b]`";
  let description = [{
    ```mlir
    %2 = mdl.list [%0, %1]
    ```
  }];
  let arguments = (ins Variadic<Mdl_ValueType>:$elements);
  let assemblyFormat = "` ` `[` $elements `]` attr-dict";
}

def Mdl_TupleOp : Mdl_ExprOp<"tuple"> {
  let summary = "A tuple `(a, b)`, also the target of tuple unpacking";
  let description = [{
    ```mlir
    %2 = mdl.tuple (%0, %1)
    ```
  }];
  let arguments = (ins Variadic<Mdl_ValueType>:$elements);
  let assemblyFormat = "` ` `(` $elements `)` attr-dict";
}

def Mdl_StarredOp : Mdl_ExprOp<"starred"> {
  let summary = "An unpacked element `*x` of a tuple or list display";
  let description = [{
    As in `hidden_shape = (*input_shape, -1, self.head_dim)`. Unpacking in a
    call is the call's `"*"` argument kind instead.

    ```mlir
    %1 = mdl.starred %0
    %3 = mdl.tuple (%1, %2)
    ```
  }];
  let arguments = (ins Mdl_ValueType:$value);
  let assemblyFormat = "$value attr-dict";
  let hasVerifier = 1;
}

def Mdl_DictOp : Mdl_ExprOp<"dict"> {
  let summary = "A dict display `{k: v, ...}` (a config's tp_plan)";
  let description = [{
    Operands alternate key, value, in source order.

    ```mlir
    %2 = mdl.dict {%0 : %1}
    ```
  }];
  let arguments = (ins Variadic<Mdl_ValueType>:$entries);
  let assemblyFormat = "` ` `{` custom<DictEntries>($entries) `}` attr-dict";
  let extraClassDeclaration = [{
    unsigned getNumEntries() { return getEntries().size() / 2; }
    mlir::Value getKey(unsigned i) { return getEntries()[2 * i]; }
    mlir::Value getValue(unsigned i) { return getEntries()[2 * i + 1]; }
  }];
  let hasVerifier = 1;
}

def Mdl_ListCompOp : Mdl_ExprOp<"list_comp"> {
  let summary = "A list comprehension `[element for target in iter if cond]`";
  let description = [{
    One `for` clause and any number of `if` conditions, all combined with
    `and`. `target` is a name or a tuple of names, bound by the loop.

    ```mlir
    %4 = mdl.list_comp %0 for %1 in %2 if %3
    ```
  }];
  let arguments = (ins Mdl_ValueType:$element, Mdl_ValueType:$target,
                       Mdl_ValueType:$iter, Variadic<Mdl_ValueType>:$conds);
  let assemblyFormat = [{
    $element `for` $target `in` $iter (`if` $conds^)? attr-dict
  }];
  let hasVerifier = 1;
}

#endif // TMC_IR_MDL_EXPRESSIONS_TD
