// RUN: tmc-translate --mdl-to-python %s | FileCheck %s --match-full-lines --strict-whitespace

// mdl written by hand (as a pass would build it) prints as canonical Python:
// parentheses from precedence, blank lines from the layout rules, comments.

// CHECK:from torch import nn
// CHECK-EMPTY:
// CHECK-EMPTY:
// CHECK-NEXT:# The norm.
// CHECK-NEXT:class GlmRMSNorm(nn.Module):
// CHECK-NEXT:    """Root-mean-square norm."""
// CHECK-EMPTY:
// CHECK-NEXT:    def forward(self, x, eps=1e-6):
// CHECK-NEXT:        y = (x + 1) * -x**2  # shape (b, s, h)
// CHECK-EMPTY:
// CHECK-NEXT:        if y is not None:
// CHECK-NEXT:            return y[..., :2]
// CHECK-NEXT:        return x.weight
mdl.from_import "torch" ["nn"]
mdl.comment " The norm."
mdl.class @GlmRMSNorm bases [@nn.Module] doc "Root-mean-square norm." {
  %eps = mdl.float "1e-6"
  mdl.def @forward(self, x, eps = %eps) {
    %y = mdl.name "y"
    %x0 = mdl.name "x"
    %one = mdl.int 1
    %sum = mdl.binary "+" %x0, %one
    %x1 = mdl.name "x"
    %two = mdl.int 2
    %pow = mdl.binary "**" %x1, %two
    %neg = mdl.unary "-" %pow
    %prod = mdl.binary "*" %sum, %neg
    mdl.assign %y = %prod {mdl.trailing_comment = " shape (b, s, h)"}
    %y1 = mdl.name "y"
    %none = mdl.none
    %cmp = mdl.compare ["is not"] %y1, %none
    mdl.if %cmp {
      %y2 = mdl.name "y"
      %ell = mdl.ellipsis
      %hi = mdl.int 2
      %sl = mdl.slice upper %hi
      %idx = mdl.tuple (%ell, %sl)
      %sub = mdl.subscript %y2[%idx]
      mdl.return %sub
    } {mdl.blank_line}
    %x2 = mdl.name "x"
    %w = mdl.attr %x2 "weight"
    mdl.return %w
  }
}
