//===- JinjaAst.h - parsed chat templates -----------------------*- C++ -*-===//
//
// The tree JinjaParser.cpp builds and JinjaRender.cpp walks. Each node keeps
// its line and column so that a failure while rendering (an undefined
// value, a type error, raise_exception) names the place in the template.
//
//===----------------------------------------------------------------------===//

#ifndef TMC_RUNTIME_TOKENIZER_JINJAAST_H
#define TMC_RUNTIME_TOKENIZER_JINJAAST_H

#include "runtime/tokenizer/Jinja.h"

namespace tmc::tok::jinja {

struct Location {
  unsigned line = 1, column = 1;
};

struct Expr {
  enum class Kind {
    Literal,     // `literal`
    Name,        // `name`
    List,        // operands: the items
    Dict,        // operands: key, value, key, value, ...
    Attribute,   // operands[0].name
    Subscript,   // operands[0][operands[1]]
    Slice,       // operands[0][operands[1]:operands[2]:operands[3]], each may be null
    Call,        // name(operands...): only raise_exception
    Filter,      // operands[0] | name
    Test,        // operands[0] is [not] name
    Not,         // not operands[0]
    Negate,      // -operands[0]
    Binary,      // operands[0] name operands[1]; name is the operator ("+", "in", "and", ...)
    Conditional, // operands[0] if operands[1] else operands[2] (may be null)
  };
  Kind kind;
  Location location;
  Value literal;
  std::string name;
  bool negated = false; // `is not`
  std::vector<std::unique_ptr<Expr>> operands;
};

struct Node;

/// One `if`/`elif`/`else` arm; `condition` is null for `else`.
struct Branch {
  std::unique_ptr<Expr> condition;
  std::vector<Node> body;
};

struct Node {
  enum class Kind {
    Text,   // `text`, after whitespace control
    Output, // {{ expr }}
    If,     // branches
    For,    // {% for text in expr %} body
    Set,    // {% set text = expr %}
  };
  Kind kind;
  Location location;
  std::string text;
  std::unique_ptr<Expr> expr;
  std::vector<Branch> branches;
  std::vector<Node> body;
};

} // namespace tmc::tok::jinja

#endif // TMC_RUNTIME_TOKENIZER_JINJAAST_H
