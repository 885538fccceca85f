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
