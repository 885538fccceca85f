// RUN: tmc-opt %s -split-input-file -verify-diagnostics

// expected-error @+1 {{class name 'class' is not a Python identifier}}
mdl.class @class {
  mdl.pass
}

// -----

// expected-error @+1 {{class 'A' cannot inherit from itself}}
mdl.class @A bases [@A] {
  mdl.pass
}

// -----

// expected-error @+1 {{base 'Base' is listed twice (Python rejects duplicate bases)}}
mdl.class @A bases [@Base, @Base] {
  mdl.pass
}

// -----

// expected-error @+1 {{base 'nn..Module' is not a Python name}}
mdl.class @A bases [@"nn..Module"] {
  mdl.pass
}

// -----

mdl.class @A {
  // expected-error @+1 {{method 'forward' must take 'self' as its first parameter}}
  mdl.def @forward(x) {
    mdl.pass
  }
}

// -----

// expected-error @+1 {{parameter 'x' appears twice in 'f'}}
mdl.def @f(x, x) {
  mdl.pass
}

// -----

// expected-error @+1 {{parameter '2x' is not a Python identifier}}
mdl.def @f("2x") {
  mdl.pass
}

// -----

// expected-error @+1 {{body of 'f' is empty; Python needs at least one statement (use mdl.pass)}}
mdl.def @f(x) {
}

// -----

mdl.class @A {
  // expected-note @+1 {{see existing symbol definition here}}
  mdl.def @forward(self) {
    mdl.pass
  }
  // expected-error @+1 {{redefinition of symbol named 'forward'}}
  mdl.def @forward(self) {
    mdl.pass
  }
}

// -----

mdl.class @A {
  // expected-error @+1 {{'arith.constant' op is not allowed in a class body}}
  %0 = arith.constant 1 : i32
}

// -----

mdl.def @f() {
  // expected-error @+1 {{result must have exactly one use (the statement or expression it belongs to), found 2}}
  %x = mdl.name "x"
  mdl.del %x, %x
}

// -----

mdl.def @f() {
  %f = mdl.name "f"
  %a = mdl.int 1
  %b = mdl.int 2
  // expected-error @+1 {{positional argument follows keyword argument}}
  %c = mdl.call %f(%a, %b) names ["key", ""]
  mdl.expr %c
}

// -----

mdl.def @f() {
  %f = mdl.name "f"
  %a = mdl.int 1
  %b = mdl.int 2
  // expected-error @+1 {{keyword argument 'k' repeated}}
  %c = mdl.call %f(%a, %b) names ["k", "k"]
  mdl.expr %c
}

// -----

mdl.def @f() {
  %a = mdl.int 1
  %b = mdl.int 2
  // expected-error @+1 {{unknown binary operator '&&'}}
  %c = mdl.binary "&&" %a, %b
  mdl.expr %c
}

// -----

mdl.def @f() {
  %a = mdl.int 1
  %b = mdl.int 2
  // expected-error @+1 {{needs one more operand than operators}}
  %c = mdl.compare ["<", "<"] %a, %b
  mdl.expr %c
}

// -----

mdl.def @f() {
  %f = mdl.name "f"
  %c = mdl.call %f()
  %one = mdl.int 1
  // expected-error @+1 {{cannot assign to this expression}}
  mdl.assign %c = %one
}

// -----

%one = mdl.int 1
// expected-error @+1 {{'return' outside a function}}
mdl.return %one

// -----

mdl.def @f() {
  // expected-error @+1 {{'1e' is not a float literal}}
  %x = mdl.float "1e"
  mdl.expr %x
}

// -----

mdl.def @f() {
  %one = mdl.int 1
  // expected-error @+1 {{a slice can only appear inside a subscript}}
  %s = mdl.slice lower %one
  mdl.expr %s
}

// -----

%one = mdl.int 1
// expected-error @+1 {{parameter 'y' without a default follows a parameter with a default}}
mdl.def @f(x = %one, y) {
  mdl.pass
}

// -----

mdl.def @f() {
  // expected-error @+1 {{'mdl.pass' op 'mdl.trailing_comment' must be a single line}}
  mdl.pass {mdl.trailing_comment = "a\nb"}
}

// -----

mdl.def @f() {
  // expected-error @+1 {{'mdl.blank_line' only applies to statements}}
  %x = mdl.name "x" {mdl.blank_line}
  mdl.expr %x
}

// -----

mdl.def @f() {
  %c = mdl.bool true
  // expected-error @+1 {{'mdl.if' op has an empty body; Python needs at least one statement (use mdl.pass)}}
  mdl.if %c {
    mdl.comment " only a comment"
  }
}

// -----

%c = mdl.bool true
mdl.if %c {
  // expected-error @+1 {{'mdl.def' op is not allowed inside 'mdl.if'}}
  mdl.def @g() {
    mdl.pass
  }
}

// -----

mdl.def @f() {
  %x = mdl.name "x"
  // expected-error @+1 {{'*' unpacking can only appear in a tuple or list display}}
  %s = mdl.starred %x
  mdl.expr %s
}
