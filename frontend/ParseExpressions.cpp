//===- ParseExpressions.cpp - model-file expressions to mdl -----*- C++ -*-===//
//
// The expression half of the parser: Python's precedence levels from
// conditional expressions down to atoms, displays, comprehensions, calls and
// subscripts, and the checks on assignment targets. Each function returns a
// null Value after reporting an error; nesting is bounded (kMaxDepth).
//
//===----------------------------------------------------------------------===//

#include "frontend/Parser.h"

#include "llvm/ADT/ScopeExit.h"
#include "llvm/ADT/StringSet.h"

using namespace mlir;
using namespace tmc::mdl;
using namespace tmc::python;

//===----------------------------------------------------------------------===//
// Expressions
//===----------------------------------------------------------------------===//

LogicalResult Parser::checkTarget(const Token &at, Value target,
                                  bool allowUnpack) {
  Operation *def = target.getDefiningOp();
  if (isa<NameOp, AttrOp, SubscriptOp>(def))
    return success();
  if (isa<StarredOp>(def))
    return unsupported(at, "'*' unpacking in an assignment target",
                       "index the sequence explicitly");
  if (allowUnpack && isa<TupleOp, ListOp>(def)) {
    for (Value element : def->getOperands())
      if (failed(checkTarget(at, element, allowUnpack)))
        return failure();
    return success();
  }
  return error(at, allowUnpack
                       ? "cannot assign to this expression; assign to a name, "
                         "attribute, subscript or a tuple of them"
                       : "this target must be a name, attribute or subscript");
}

/// True where an expression list ends: after a trailing comma.
static bool endsExprList(const Token &t) {
  if (t.kind != TokenKind::Op)
    return t.kind == TokenKind::Newline || t.kind == TokenKind::Eof ||
           t.isKeyword("in");
  return llvm::is_contained({")", "]", "}", "=", ":", ";"}, t.text) ||
         (t.text.size() >= 2 && t.text.ends_with("=") &&
          !llvm::is_contained({"==", "!=", "<=", ">="}, t.text));
}

Value Parser::parseElement() {
  const Token &star = tok();
  if (!consumeIf("*"))
    return parseTest();
  Value value = parseBinary(0);
  if (!value)
    return {};
  return makeExpr<StarredOp>(star, value);
}

Value Parser::parseExprList() {
  const Token &start = tok();
  Value first = parseElement();
  if (!first)
    return {};
  if (!tok().isOp(",")) {
    if (first.getDefiningOp<StarredOp>())
      return errorValue(
          start, "'*' unpacking needs a tuple here; add a trailing comma");
    return first;
  }
  SmallVector<Value> elements{first};
  while (consumeIf(",") && !endsExprList(tok())) {
    Value element = parseElement();
    if (!element)
      return {};
    elements.push_back(element);
  }
  return makeExpr<TupleOp>(start, elements);
}

Value Parser::parseTargetList() {
  const Token &start = tok();
  // Targets stop before `in`, so they are parsed below comparisons.
  Value first = parseBinary(0);
  if (!first || !tok().isOp(","))
    return first;
  SmallVector<Value> elements{first};
  while (consumeIf(",") && !tok().isKeyword("in")) {
    Value element = parseBinary(0);
    if (!element)
      return {};
    elements.push_back(element);
  }
  return makeExpr<TupleOp>(start, elements);
}

Value Parser::parseTest() {
  DepthGuard guard(depth);
  if (tooDeep())
    return {};
  const Token &start = tok();
  if (start.isKeyword("lambda"))
    return unsupportedValue(start, "'lambda'", "define a function with def");
  if (start.isKeyword("yield"))
    return unsupportedValue(start, "'yield'", "build and return a list");
  Value value = parseOr();
  if (!value)
    return {};
  if (tok().isOp(":="))
    return unsupportedValue(tok(), "an assignment expression (':=')",
                            "assign on a line of its own first");
  if (!tok().isKeyword("if"))
    return value;
  consume();
  Value cond = parseOr();
  if (!cond)
    return {};
  if (!consumeKeyword("else"))
    return errorValue(tok(),
                      "expected 'else' in the conditional expression, found " +
                          describe(tok()));
  Value other = parseTest();
  if (!other)
    return {};
  return makeExpr<IfExpOp>(start, value, cond, other);
}

/// `or` binds looser than `and`, which binds looser than `not`.
Value Parser::parseLogical(StringRef keyword) {
  auto next = [&] {
    return keyword == "or" ? parseLogical("and") : parseNot();
  };
  const Token &start = tok();
  Value first = next();
  if (!first || !tok().isKeyword(keyword))
    return first;
  SmallVector<Value> operands{first};
  while (consumeKeyword(keyword)) {
    Value operand = next();
    if (!operand)
      return {};
    operands.push_back(operand);
  }
  return makeExpr<LogicalOp>(start, keyword, operands);
}

Value Parser::parseNot() {
  DepthGuard guard(depth);
  if (tooDeep())
    return {};
  const Token &start = tok();
  if (!consumeKeyword("not"))
    return parseComparison();
  Value operand = parseNot();
  if (!operand)
    return {};
  return makeExpr<UnaryOp>(start, "not", operand);
}

Value Parser::parseComparison() {
  const Token &start = tok();
  Value first = parseBinary(0);
  if (!first)
    return {};
  SmallVector<Value> operands{first};
  SmallVector<StringRef> ops;
  while (true) {
    const Token &t = tok();
    StringRef op;
    if (t.kind == TokenKind::Op &&
        llvm::is_contained({"<", ">", "==", ">=", "<=", "!="}, t.text)) {
      op = t.text;
      consume();
    } else if (t.isKeyword("in")) {
      op = "in";
      consume();
    } else if (t.isKeyword("not") && tok(1).isKeyword("in")) {
      op = "not in";
      consume();
      consume();
    } else if (t.isKeyword("is")) {
      consume();
      op = consumeKeyword("not") ? "is not" : "is";
    } else {
      break;
    }
    Value next = parseBinary(0);
    if (!next)
      return {};
    ops.push_back(op);
    operands.push_back(next);
  }
  if (ops.empty())
    return first;
  return makeExpr<CompareOp>(start, builder.getStrArrayAttr(ops), operands);
}

/// Binary operator levels, loosest first; all associate to the left.
static const std::vector<std::vector<StringRef>> kBinaryLevels = {
    {"|"}, {"^"}, {"&"}, {"<<", ">>"}, {"+", "-"}, {"*", "/", "//", "%", "@"}};

Value Parser::parseBinary(unsigned level) {
  if (level == kBinaryLevels.size())
    return parseFactor();
  const Token &start = tok();
  Value lhs = parseBinary(level + 1);
  // Each operator of a chain nests the tree one level deeper.
  unsigned outerDepth = depth;
  llvm::scope_exit restore([&] { depth = outerDepth; });
  while (lhs && tok().kind == TokenKind::Op &&
         llvm::is_contained(kBinaryLevels[level], tok().text)) {
    if (++depth, tooDeep())
      return {};
    StringRef op = consume().text;
    Value rhs = parseBinary(level + 1);
    if (!rhs)
      return {};
    lhs = makeExpr<BinaryOp>(start, op, lhs, rhs);
  }
  return lhs;
}

Value Parser::parseFactor() {
  DepthGuard guard(depth);
  if (tooDeep())
    return {};
  const Token &start = tok();
  if (start.isOp("-") || start.isOp("+") || start.isOp("~")) {
    consume();
    Value operand = parseFactor();
    if (!operand)
      return {};
    return makeExpr<UnaryOp>(start, start.text, operand);
  }
  return parsePower();
}

Value Parser::parsePower() {
  const Token &start = tok();
  if (start.isKeyword("await"))
    return unsupportedValue(start, "'await'", "write plain synchronous code");
  Value base = parsePrimary();
  if (!base || !consumeIf("**"))
    return base;
  Value exponent = parseFactor();
  if (!exponent)
    return {};
  return makeExpr<BinaryOp>(start, "**", base, exponent);
}

Value Parser::parsePrimary() {
  const Token &start = tok();
  Value value = parseAtom();
  // Each trailer (`.x`, `(...)`, `[...]`) nests the tree one level deeper.
  unsigned outerDepth = depth;
  llvm::scope_exit restore([&] { depth = outerDepth; });
  while (value) {
    if (++depth, tooDeep())
      return {};
    if (consumeIf(".")) {
      FailureOr<std::string> name = expectName("an attribute name after '.'");
      if (failed(name))
        return {};
      value = makeExpr<AttrOp>(start, value, *name);
    } else if (consumeIf("(")) {
      value = parseCall(start, value);
    } else if (consumeIf("[")) {
      value = parseSubscript(start, value);
    } else {
      break;
    }
  }
  return value;
}

Value Parser::parseAtom() {
  const Token &t = tok();
  switch (t.kind) {
  case TokenKind::Name: {
    consume();
    if (t.text == "True" || t.text == "False")
      return makeExpr<tmc::mdl::BoolOp>(t, t.text == "True");
    if (t.text == "None")
      return makeExpr<NoneOp>(t);
    if (t.text == "lambda" || t.text == "yield" || t.text == "await") {
      --index;
      return parseTest();
    }
    if (!isPythonIdentifier(t.text))
      return errorValue(t, "expected an expression, found keyword '" + t.text +
                               "'");
    return makeExpr<NameOp>(t, t.text);
  }
  case TokenKind::Int: {
    consume();
    int64_t value;
    if (StringRef(t.value).getAsInteger(10, value))
      return errorValue(t, "integer literal does not fit in 64 bits");
    return makeExpr<IntOp>(t, value);
  }
  case TokenKind::Float:
    consume();
    return makeExpr<FloatOp>(t, t.value);
  case TokenKind::String: {
    // Adjacent literals are one string, as in Python.
    std::string value;
    while (tok().kind == TokenKind::String)
      value += consume().value;
    return makeExpr<StrOp>(t, value);
  }
  case TokenKind::Op:
    if (consumeIf("..."))
      return makeExpr<EllipsisOp>(t);
    if (consumeIf("("))
      return parseParenthesized(t);
    if (consumeIf("["))
      return parseListDisplay(t);
    if (consumeIf("{"))
      return parseDictDisplay(t);
    break;
  default:
    break;
  }
  return errorValue(t, "expected an expression, found " + describe(t));
}

Value Parser::parseParenthesized(const Token &open) {
  if (consumeIf(")"))
    return makeExpr<TupleOp>(open, ValueRange());
  const Token &start = tok();
  Value first = parseElement();
  if (!first)
    return {};
  if (tok().isKeyword("for") || tok().isKeyword("async"))
    return unsupportedValue(tok(), "a generator expression",
                            "use a list comprehension [...]");
  if (tok().isOp(")") && first.getDefiningOp<StarredOp>())
    return errorValue(start,
                      "'*' unpacking needs a tuple here; add a trailing comma");
  if (consumeIf(")"))
    return first;
  SmallVector<Value> elements{first};
  if (failed(parseMoreElements(")", "to close the parenthesis", elements)))
    return {};
  return makeExpr<TupleOp>(open, elements);
}

LogicalResult Parser::parseMoreElements(StringRef close, StringRef where,
                                        SmallVectorImpl<Value> &elements) {
  while (consumeIf(",") && !tok().isOp(close)) {
    Value element = parseElement();
    if (!element)
      return failure();
    elements.push_back(element);
  }
  return expect(close, where);
}

Value Parser::parseListDisplay(const Token &open) {
  SmallVector<Value> elements;
  if (!tok().isOp("]")) {
    Value first = parseElement();
    if (!first)
      return {};
    if (tok().isKeyword("for") && first.getDefiningOp<StarredOp>())
      return errorValue(
          open, "'*' unpacking cannot be the element of a comprehension");
    if (consumeKeyword("for")) {
      Value target = parseTargetList();
      if (!target || failed(checkTarget(open, target, /*allowUnpack=*/true)))
        return {};
      if (!consumeKeyword("in"))
        return errorValue(tok(), "expected 'in' in the comprehension, found " +
                                     describe(tok()));
      Value iter = parseOr();
      if (!iter)
        return {};
      SmallVector<Value> conds;
      while (consumeKeyword("if")) {
        Value cond = parseOr();
        if (!cond)
          return {};
        conds.push_back(cond);
      }
      if (tok().isKeyword("for") || tok().isKeyword("async"))
        return unsupportedValue(tok(),
                                "a comprehension with several 'for' clauses",
                                "nest two comprehensions or use a for loop");
      if (failed(expect("]", "to close the list comprehension")))
        return {};
      return makeExpr<ListCompOp>(open, first, target, iter, conds);
    }
    elements.push_back(first);
    if (failed(parseMoreElements("]", "to close the list", elements)))
      return {};
  } else {
    consume();
  }
  return makeExpr<ListOp>(open, elements);
}

Value Parser::parseDictDisplay(const Token &open) {
  SmallVector<Value> entries;
  while (!tok().isOp("}")) {
    if (tok().isOp("**"))
      return unsupportedValue(tok(), "'**' in a dict display",
                              "write the entries out");
    Value key = parseTest();
    if (!key)
      return {};
    if (!tok().isOp(":"))
      return unsupportedValue(tok(), "a set display or comprehension",
                              "use a list");
    consume();
    Value value = parseTest();
    if (!value)
      return {};
    if (tok().isKeyword("for"))
      return unsupportedValue(tok(), "a dict comprehension",
                              "write the entries out");
    entries.push_back(key);
    entries.push_back(value);
    if (!consumeIf(","))
      break;
  }
  if (failed(expect("}", "to close the dict")))
    return {};
  return makeExpr<DictOp>(open, entries);
}

Value Parser::parseCall(const Token &start, Value callee) {
  SmallVector<Value> args;
  SmallVector<StringRef> names;
  llvm::StringSet<> keywords;
  bool seenKeyword = false, seenDoubleStar = false;
  while (!tok().isOp(")")) {
    const Token &at = tok();
    StringRef name;
    if (consumeIf("**")) {
      name = "**";
      seenDoubleStar = true;
    } else if (consumeIf("*")) {
      if (seenDoubleStar)
        return errorValue(at, "'*' argument follows '**' argument");
      name = "*";
    } else if (at.kind == TokenKind::Name && tok(1).isOp("=")) {
      if (!isPythonIdentifier(at.text))
        return errorValue(at, "expected an argument, found keyword '" +
                                  at.text + "'");
      if (!keywords.insert(at.text).second)
        return errorValue(at, "keyword argument '" + at.text + "' repeated");
      name = at.text;
      seenKeyword = true;
      consume();
      consume();
    } else if (seenKeyword || seenDoubleStar) {
      return errorValue(at, "positional argument follows keyword argument");
    }
    Value arg = parseTest();
    if (!arg)
      return {};
    if (tok().isKeyword("for") || tok().isKeyword("async"))
      return unsupportedValue(tok(), "a generator expression",
                              "use a list comprehension [...]");
    args.push_back(arg);
    names.push_back(name);
    if (!consumeIf(","))
      break;
  }
  if (failed(expect(")", "to close the call")))
    return {};
  bool allPositional =
      llvm::all_of(names, [](StringRef n) { return n.empty(); });
  return makeExpr<CallOp>(start, callee, args,
                          builder.getStrArrayAttr(allPositional
                                                      ? ArrayRef<StringRef>()
                                                      : ArrayRef(names)));
}

Value Parser::parseSliceItem() {
  const Token &start = tok();
  Value lower, upper, step;
  if (!tok().isOp(":")) {
    if (tok().isOp("*"))
      return unsupportedValue(tok(), "a starred expression",
                              "index the sequence explicitly");
    if (!(lower = parseTest()) || !tok().isOp(":"))
      return lower;
  }
  consume();
  auto atEnd = [&] { return tok().isOp("]") || tok().isOp(","); };
  if (!atEnd() && !tok().isOp(":") && !(upper = parseTest()))
    return {};
  if (consumeIf(":") && !atEnd() && !(step = parseTest()))
    return {};
  return makeExpr<SliceOp>(start, lower, upper, step);
}

Value Parser::parseSubscript(const Token &start, Value base) {
  const Token &open = tok();
  SmallVector<Value> items;
  bool trailingComma = false;
  while (!tok().isOp("]")) {
    Value item = parseSliceItem();
    if (!item)
      return {};
    items.push_back(item);
    trailingComma = consumeIf(",");
    if (!trailingComma)
      break;
  }
  if (items.empty())
    return errorValue(tok(), "expected an index inside '[]'");
  if (failed(expect("]", "to close the subscript")))
    return {};
  Value index = items.size() == 1 && !trailingComma
                    ? items.front()
                    : makeExpr<TupleOp>(open, items);
  return makeExpr<SubscriptOp>(start, base, index);
}
