// RUN: tmc-opt %s | FileCheck %s
// RUN: tmc-opt %s | tmc-opt | FileCheck %s
// RUN: tmc-opt %s --mlir-print-op-generic | tmc-opt | FileCheck %s

// CHECK-LABEL: mdl.import "torch.nn.functional" as "F"
// CHECK-NEXT:  mdl.from_import "..llama.modeling_llama" ["LlamaAttention", "rotate_half"] as ["", "rh"]
mdl.import "torch.nn.functional" as "F"
mdl.from_import "..llama.modeling_llama" ["LlamaAttention", "rotate_half"] as ["", "rh"]

// CHECK-LABEL: mdl.class @GlmMLP bases [@Phi3MLP] doc "The feed-forward block." {
// CHECK-NEXT:    mdl.def @forward(self, hidden_states) {
// CHECK-NEXT:      mdl.pass
// CHECK-NEXT:    }
// CHECK-NEXT:  }
mdl.class @GlmMLP bases [@Phi3MLP] doc "The feed-forward block." {
  mdl.def @forward(self, hidden_states) {
    mdl.pass
  }
}

// A decorated class of only `pass`, with a qualified base.
// CHECK:       %[[DEC:.*]] = mdl.call
// CHECK:       mdl.class @LlamaRMSNorm bases [@nn.Module] decorators(%[[DEC]]) {
// CHECK-NEXT:    mdl.pass
%k = mdl.name "use_kernel_forward"
%n = mdl.str "RMSNorm"
%dec = mdl.call %k(%n)
mdl.class @LlamaRMSNorm bases [@nn.Module] decorators(%dec) {
  mdl.pass
}

// Annotations, defaults, keyword-only parameters, `**kwargs`, a return
// annotation; statements and expressions of every kind.
// CHECK:       mdl.def @f(x: %{{.*}}, y = %{{.*}}, *, z: %{{.*}} = %{{.*}}, **kwargs) -> %{{.*}} doc "Doc." {
// CHECK:         mdl.assign %{{.*}} : %{{.*}} = %{{.*}} {mdl.trailing_comment = " note"}
// CHECK:         mdl.aug_assign %{{.*}} "+=" %{{.*}}
// CHECK:         mdl.if %{{.*}} {
// CHECK:         } else {
// CHECK:         mdl.for %{{.*}} in %{{.*}} {
// CHECK:         mdl.del %{{.*}}, %{{.*}}
// CHECK:         mdl.assert %{{.*}}, %{{.*}}
// CHECK:         mdl.comment " (batch, seq)" {mdl.blank_line}
// CHECK:         mdl.return %{{.*}}
%tensor = mdl.name "Tensor"
%none = mdl.none
%int = mdl.name "int"
%one = mdl.int 1
%ret = mdl.name "Tensor"
mdl.def @f(x: %tensor, y = %none, *, z: %int = %one, **kwargs) -> %ret doc "Doc." {
  %a = mdl.name "a"
  %ann = mdl.name "float"
  %half = mdl.float "0.5"
  mdl.assign %a : %ann = %half {mdl.trailing_comment = " note"}
  %a2 = mdl.name "a"
  %two = mdl.int 2
  mdl.aug_assign %a2 "+=" %two
  %c = mdl.name "c"
  %t = mdl.bool true
  %and = mdl.logical "and" %c, %t
  mdl.if %and {
    mdl.pass
  } else {
    %s = mdl.str "x"
    mdl.expr %s
  }
  %i = mdl.name "i"
  %range = mdl.name "range"
  %three = mdl.int 3
  %call = mdl.call %range(%three)
  mdl.for %i in %call {
    %l = mdl.name "l"
    %zero = mdl.int 0
    %step = mdl.int 2
    %sl = mdl.slice lower %zero step %step
    %sub = mdl.subscript %l[%sl]
    %self = mdl.name "self"
    %attr = mdl.attr %self "x"
    mdl.del %sub, %attr
  }
  %e = mdl.name "e"
  %lt = mdl.name "lt"
  %one2 = mdl.int 1
  %cmp = mdl.compare ["<", "<="] %e, %lt, %one2
  %msg = mdl.str "ordered"
  mdl.assert %cmp, %msg
  mdl.comment " (batch, seq)" {mdl.blank_line}
  %v = mdl.name "v"
  %k2 = mdl.str "k"
  %d = mdl.dict {%k2 : %v}
  mdl.return %d
}

// CHECK-LABEL: mdl.def @displays()
// CHECK:         mdl.list [%{{.*}}, %{{.*}}]
// CHECK:         mdl.tuple ()
// CHECK:         mdl.dict {}
// CHECK:         mdl.list_comp %{{.*}} for %{{.*}} in %{{.*}} if %{{.*}}
// CHECK:         mdl.if_exp %{{.*}} if %{{.*}} else %{{.*}}
// CHECK:         mdl.starred %{{.*}}
mdl.def @displays() {
  %a = mdl.name "a"
  %b = mdl.ellipsis
  %l = mdl.list [%a, %b]
  %t = mdl.tuple ()
  %d = mdl.dict {}
  %x = mdl.name "x"
  %y = mdl.name "y"
  %xs = mdl.name "xs"
  %y2 = mdl.name "y"
  %c = mdl.unary "not" %y2
  %lc = mdl.list_comp %x for %y in %xs if %c
  %cond = mdl.name "cond"
  %if = mdl.if_exp %l if %cond else %t
  %shape = mdl.name "shape"
  %star = mdl.starred %shape
  %all = mdl.tuple (%if, %d, %lc, %star)
  mdl.return %all
}
