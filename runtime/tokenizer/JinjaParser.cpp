//===- JinjaParser.cpp - chat template text to a tree ---------------------===//
//
// The lexer follows jinja2's (lexer.py) with transformers' settings,
// trim_blocks and lstrip_blocks: a block or comment tag eats the newline
// after it, and the spaces before it when only spaces precede it on its
// line; `{%-`/`-%}` strip all whitespace on that side, `{%+`/`+%}` keep it;
// one trailing newline of the template is dropped. The parser is jinja2's
// recursive descent (parser.py) with the same operator precedence, limited to
// the constructs Jinja.h lists: anything else is an error at its line and
// column naming the construct.
//
//===----------------------------------------------------------------------===//

#include "runtime/tokenizer/JinjaAst.h"

#include "runtime/Error.h"
#include "runtime/tokenizer/Utf8.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/ADT/StringExtras.h"

#include <functional>

namespace tmc::tok::jinja {

namespace {

/// Deeper nesting (blocks, parentheses, operators in a row) is refused, so
/// that a hostile template cannot overflow the stack of the recursive
/// descent, of rendering or of destroying the tree.
constexpr unsigned kMaxDepth = 256;

struct Token {
  enum class Kind {
    Data,          // text between tags
    VariableBegin, // {{
    VariableEnd,   // }}
    BlockBegin,    // {%
    BlockEnd,      // %}
    Name,
    String,  // `text` holds the unescaped value
    Integer, // `integer`
    Operator,
    End, // of the template
  };
  Kind kind;
  std::string text;
  int64_t integer = 0;
  size_t offset = 0;
};

bool isSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

llvm::StringRef rstrip(llvm::StringRef text) { return text.rtrim(" \t\n\r\f\v"); }

size_t skipSpace(llvm::StringRef source, size_t pos) {
  while (pos < source.size() && isSpace(source[pos]))
    ++pos;
  return pos;
}

/// Python's unicode-escape of a string literal's body, as jinja2 applies it.
llvm::Expected<std::string> unescape(llvm::StringRef body,
                                     const std::function<llvm::Error(const llvm::Twine &)> &fail) {
  std::string out;
  for (size_t i = 0; i < body.size(); ++i) {
    if (body[i] != '\\' || i + 1 == body.size()) {
      out += body[i];
      continue;
    }
    char c = body[++i];
    auto hex = [&](size_t digits) -> llvm::Error {
      uint32_t code = 0;
      for (size_t k = 1; k <= digits; ++k) {
        if (i + k >= body.size() || !llvm::isHexDigit(body[i + k]))
          return fail("truncated \\" + llvm::Twine(c) + " escape in a string literal");
        code = code * 16 + llvm::hexDigitValue(body[i + k]);
      }
      if (code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF))
        return fail("escape \\" + llvm::Twine(c) + body.substr(i + 1, digits) +
                    " in a string literal is not a Unicode scalar value");
      appendUtf8(out, code);
      i += digits;
      return llvm::Error::success();
    };
    switch (c) {
    case '\n':
      break; // a line continuation
    case '\\':
      out += '\\';
      break;
    case '\'':
      out += '\'';
      break;
    case '"':
      out += '"';
      break;
    case 'a':
      out += '\a';
      break;
    case 'b':
      out += '\b';
      break;
    case 'f':
      out += '\f';
      break;
    case 'n':
      out += '\n';
      break;
    case 'r':
      out += '\r';
      break;
    case 't':
      out += '\t';
      break;
    case 'v':
      out += '\v';
      break;
    case 'x':
    case 'u':
    case 'U':
      if (llvm::Error error = hex(c == 'x' ? 2 : c == 'u' ? 4 : 8))
        return std::move(error);
      break;
    case 'N':
      return fail("\\N{...} escapes in string literals are not supported");
    default:
      if (c >= '0' && c <= '7') {
        uint32_t code = c - '0';
        for (int k = 0; k < 2 && i + 1 < body.size() && body[i + 1] >= '0' && body[i + 1] <= '7';
             ++k)
          code = code * 8 + (body[++i] - '0');
        appendUtf8(out, code);
      } else {
        out += '\\'; // Python keeps an unknown escape as it is
        out += c;
      }
    }
  }
  return out;
}

class Lexer {
public:
  Lexer(llvm::StringRef source, const std::function<llvm::Error(size_t, const llvm::Twine &)> &fail)
      : source(source), fail(fail) {}

  llvm::Expected<std::vector<Token>> run() {
    size_t pos = 0;
    bool lineStarting = true;
    while (pos < source.size()) {
      size_t tag = findTagStart(pos);
      llvm::StringRef text = source.slice(pos, tag);
      if (tag == source.size()) {
        addData(text, tag);
        break;
      }
      char kind = source[tag + 1];
      size_t inside = tag + 2;
      char sign = inside < source.size() && (source[inside] == '-' || source[inside] == '+')
                      ? source[inside]
                      : 0;
      if (sign)
        ++inside;
      if (sign == '-') {
        text = rstrip(text);
      } else if (sign != '+' && kind != '{') {
        // lstrip_blocks: the spaces between the line's start and the tag.
        size_t lineStart = text.rfind('\n') + 1; // 0 when there is no newline
        llvm::StringRef tail = text.drop_front(lineStart);
        if ((lineStart > 0 || lineStarting) && !tail.empty() && rstrip(tail).empty())
          text = text.take_front(lineStart);
      }
      addData(text, pos);
      llvm::Expected<size_t> end =
          kind == '#' ? comment(tag, inside) : tagTokens(kind, tag, inside);
      if (!end)
        return end.takeError();
      lineStarting = source[*end - 1] == '\n';
      pos = *end;
    }
    tokens.push_back({Token::Kind::End, "", 0, source.size()});
    return std::move(tokens);
  }

private:
  size_t findTagStart(size_t pos) const {
    for (size_t i = pos; i + 1 < source.size(); ++i)
      if (source[i] == '{' &&
          (source[i + 1] == '{' || source[i + 1] == '%' || source[i + 1] == '#'))
        return i;
    return source.size();
  }

  void addData(llvm::StringRef text, size_t offset) {
    if (!text.empty())
      tokens.push_back({Token::Kind::Data, text.str(), 0, offset});
  }

  /// The end of `{# ... #}` (with the whitespace its `-#}` or trim_blocks eats).
  llvm::Expected<size_t> comment(size_t tag, size_t inside) {
    size_t close = source.find("#}", inside);
    if (close == llvm::StringRef::npos)
      return fail(tag, "comment '{#' is never closed with '#}'");
    char sign = close > inside ? source[close - 1] : 0;
    return closeTag(sign, close + 2, /*trimNewline=*/true);
  }

  /// Past a tag's end: `-` strips all whitespace after it, trim_blocks one
  /// newline unless `+` says not to.
  size_t closeTag(char sign, size_t after, bool trimNewline) const {
    if (sign == '-')
      return skipSpace(source, after);
    if (sign != '+' && trimNewline && after < source.size() && source[after] == '\n')
      return after + 1;
    return after;
  }

  /// The tokens of a `{{ ... }}` or `{% ... %}` tag; returns where it ends.
  llvm::Expected<size_t> tagTokens(char kind, size_t tag, size_t pos) {
    bool block = kind == '%';
    tokens.push_back({block ? Token::Kind::BlockBegin : Token::Kind::VariableBegin, "", 0, tag});
    std::vector<char> brackets;
    while (true) {
      pos = skipSpace(source, pos);
      if (pos >= source.size())
        return fail(tag, llvm::Twine(block ? "block tag '{%'" : "expression '{{'") +
                             " is never closed with '" + (block ? "%}" : "}}") + "'");
      llvm::StringRef rest = source.drop_front(pos);
      if (brackets.empty()) {
        llvm::StringRef close = block ? "%}" : "}}";
        size_t sign = rest.starts_with("-") || (block && rest.starts_with("+")) ? 1 : 0;
        if (rest.drop_front(sign).starts_with(close)) {
          tokens.push_back({block ? Token::Kind::BlockEnd : Token::Kind::VariableEnd, "", 0, pos});
          return closeTag(sign ? rest[0] : 0, pos + sign + 2, /*trimNewline=*/block);
        }
      }
      char c = rest[0];
      if (c == '\'' || c == '"') {
        size_t end = 1;
        while (end < rest.size() && rest[end] != c)
          end += rest[end] == '\\' ? 2 : 1;
        if (end >= rest.size())
          return fail(pos, "string literal is never closed");
        auto value = unescape(rest.slice(1, end),
                              [&](const llvm::Twine &message) { return fail(pos, message); });
        if (!value)
          return value.takeError();
        tokens.push_back({Token::Kind::String, std::move(*value), 0, pos});
        pos += end + 1;
      } else if (llvm::isDigit(c)) {
        size_t end = 0;
        while (end < rest.size() && (llvm::isDigit(rest[end]) || rest[end] == '_'))
          ++end;
        if (end < rest.size() && (rest[end] == '.' || rest[end] == 'e' || rest[end] == 'E' ||
                                  rest[end] == 'x' || rest[end] == 'o' || rest[end] == 'b'))
          return fail(pos, "only decimal integer literals are supported (not floats, hex, octal "
                           "or binary)");
        std::string digits = rest.take_front(end).str();
        llvm::erase(digits, '_');
        int64_t value;
        if (llvm::StringRef(digits).getAsInteger(10, value))
          return fail(pos, "integer literal '" + rest.take_front(end) + "' is too large");
        tokens.push_back({Token::Kind::Integer, rest.take_front(end).str(), value, pos});
        pos += end;
      } else if (llvm::isAlpha(c) || c == '_') {
        size_t end = 0;
        while (end < rest.size() && (llvm::isAlnum(rest[end]) || rest[end] == '_'))
          ++end;
        tokens.push_back({Token::Kind::Name, rest.take_front(end).str(), 0, pos});
        pos += end;
      } else {
        static const char *const operators[] = {"//", "**", "==", "!=", "<=", ">=", "+", "-", "*",
                                                "/",  "%",  "~",  "[",  "]",  "(",  ")", "{", "}",
                                                "<",  ">",  "=",  ".",  ":",  "|",  ",", ";"};
        llvm::StringRef op;
        for (llvm::StringRef candidate : operators)
          if (rest.starts_with(candidate)) {
            op = candidate;
            break;
          }
        if (op.empty())
          return fail(pos, "unexpected character '" + rest.take_front(1) + "'");
        if (op == "(" || op == "[" || op == "{")
          brackets.push_back(op == "(" ? ')' : op == "[" ? ']' : '}');
        else if (op == ")" || op == "]" || op == "}") {
          if (brackets.empty() || brackets.back() != op[0])
            return fail(pos, "unexpected '" + op + "'" +
                                 (brackets.empty()
                                      ? std::string()
                                      : ", expected '" + std::string(1, brackets.back()) + "'"));
          brackets.pop_back();
        }
        tokens.push_back({Token::Kind::Operator, op.str(), 0, pos});
        pos += op.size();
      }
    }
  }

  llvm::StringRef source;
  const std::function<llvm::Error(size_t, const llvm::Twine &)> &fail;
  std::vector<Token> tokens;
};

using ExprPtr = std::unique_ptr<Expr>;

class Parser {
public:
  Parser(std::vector<Token> tokens,
         const std::function<llvm::Error(size_t, const llvm::Twine &)> &fail,
         const std::function<Location(size_t)> &locate)
      : tokens(std::move(tokens)), fail(fail), locate(locate) {}

  llvm::Expected<std::vector<Node>> parseTemplate() { return parseBody({}); }

private:
  const Token &peek(size_t ahead = 0) const {
    return tokens[std::min(pos + ahead, tokens.size() - 1)];
  }
  const Token &next() {
    const Token &token = peek();
    if (pos + 1 < tokens.size())
      ++pos;
    return token;
  }
  bool isOperator(llvm::StringRef op, size_t ahead = 0) const {
    return peek(ahead).kind == Token::Kind::Operator && peek(ahead).text == op;
  }
  bool isName(llvm::StringRef name, size_t ahead = 0) const {
    return peek(ahead).kind == Token::Kind::Name && peek(ahead).text == name;
  }
  std::string describe(const Token &token) const {
    switch (token.kind) {
    case Token::Kind::End:
      return "the end of the template";
    case Token::Kind::VariableEnd:
      return "'}}'";
    case Token::Kind::BlockEnd:
      return "'%}'";
    case Token::Kind::String:
      return "a string";
    default:
      return "'" + token.text + "'";
    }
  }
  llvm::Error expectOperator(llvm::StringRef op) {
    if (!isOperator(op))
      return fail(peek().offset, "expected '" + op + "', got " + describe(peek()));
    next();
    return llvm::Error::success();
  }
  llvm::Error expectBlockEnd(llvm::StringRef tag) {
    if (peek().kind != Token::Kind::BlockEnd)
      return fail(peek().offset, "expected '%}' to end '" + tag + "', got " + describe(peek()));
    next();
    return llvm::Error::success();
  }
  ExprPtr make(Expr::Kind kind, size_t offset, std::string name = "") {
    auto expr = std::make_unique<Expr>();
    expr->kind = kind;
    expr->location = locate(offset);
    expr->name = std::move(name);
    return expr;
  }

  /// One more level of nesting for the lifetime of the guard; the caller
  /// checks tooDeep() right after making it.
  struct Nested {
    unsigned &depth;
    explicit Nested(unsigned &counter) : depth(++counter) {}
    ~Nested() { --depth; }
  };
  llvm::Error tooDeep() {
    if (depth <= kMaxDepth)
      return llvm::Error::success();
    return fail(peek().offset, "the template nests blocks, parentheses or operators more than " +
                                   llvm::Twine(kMaxDepth) + " deep");
  }

  /// Nodes up to a block tag named in `ends` (left unconsumed: the caller
  /// reads it), or the end of the template when `ends` is empty.
  llvm::Expected<std::vector<Node>> parseBody(llvm::ArrayRef<llvm::StringRef> ends) {
    Nested nested(depth);
    if (llvm::Error error = tooDeep())
      return std::move(error);
    std::vector<Node> body;
    while (true) {
      const Token &token = peek();
      if (token.kind == Token::Kind::End) {
        if (!ends.empty())
          return fail(opened.back(), "'" + openedTag.back() + "' is never closed (no 'end" +
                                         openedTag.back() + "' before the end of the template)");
        break;
      }
      if (token.kind == Token::Kind::Data) {
        Node node{Node::Kind::Text, locate(token.offset), token.text, nullptr, {}, {}};
        body.push_back(std::move(node));
        next();
        continue;
      }
      if (token.kind == Token::Kind::VariableBegin) {
        size_t offset = next().offset;
        auto expr = parseExpression();
        if (!expr)
          return expr.takeError();
        if (peek().kind != Token::Kind::VariableEnd)
          return fail(peek().offset,
                      "expected '}}' to end the expression, got " + describe(peek()));
        next();
        body.push_back({Node::Kind::Output, locate(offset), "", std::move(*expr), {}, {}});
        continue;
      }
      // A block tag: the end of this body, or a statement.
      const Token &tag = peek(1);
      if (tag.kind != Token::Kind::Name)
        return fail(tag.offset, "expected a tag name after '{%', got " + describe(tag));
      if (llvm::is_contained(ends, tag.text))
        break;
      if (llvm::is_contained({"endif", "endfor", "elif", "else"}, tag.text)) {
        if (ends.empty())
          return fail(tag.offset, "'" + tag.text + "' without a block to close");
        Location at = locate(opened.back());
        return fail(tag.offset, "'" + tag.text + "' inside '" + openedTag.back() + "' (line " +
                                    llvm::Twine(at.line) + ", column " + llvm::Twine(at.column) +
                                    "), which ends with 'end" + openedTag.back() + "'");
      }
      std::string name = tag.text;
      size_t nameOffset = tag.offset;
      size_t offset = next().offset;
      next();
      llvm::Expected<Node> node =
          name == "if"    ? parseIf(offset)
          : name == "for" ? parseFor(offset)
          : name == "set"
              ? parseSet(offset)
              : llvm::Expected<Node>(fail(nameOffset, "unknown tag '" + name +
                                                          "' (supported: if, elif, else, "
                                                          "endif, for, endfor, set)"));
      if (!node)
        return node.takeError();
      body.push_back(std::move(*node));
    }
    return body;
  }

  /// The name of the block tag the parser stands on ({% NAME ...), consumed.
  std::string takeTag() {
    next();
    return next().text;
  }

  llvm::Expected<Node> parseIf(size_t offset) {
    Node node{Node::Kind::If, locate(offset), "", nullptr, {}, {}};
    opened.push_back(offset);
    openedTag.push_back("if");
    std::string tag = "if";
    while (true) {
      ExprPtr condition;
      if (tag != "else") {
        auto parsed = parseExpression();
        if (!parsed)
          return parsed.takeError();
        condition = std::move(*parsed);
      }
      if (llvm::Error error = expectBlockEnd(tag))
        return std::move(error);
      auto body = tag == "else" ? parseBody({"endif"}) : parseBody({"elif", "else", "endif"});
      if (!body)
        return body.takeError();
      node.branches.push_back({std::move(condition), std::move(*body)});
      tag = takeTag();
      if (tag == "endif")
        break;
    }
    if (llvm::Error error = expectBlockEnd("endif"))
      return std::move(error);
    opened.pop_back();
    openedTag.pop_back();
    return node;
  }

  llvm::Expected<Node> parseFor(size_t offset) {
    Node node{Node::Kind::For, locate(offset), "", nullptr, {}, {}};
    if (peek().kind != Token::Kind::Name)
      return fail(peek().offset, "expected a loop variable after 'for', got " + describe(peek()));
    node.text = next().text;
    if (isOperator(","))
      return fail(peek().offset, "unpacking several loop variables is not supported");
    if (!isName("in"))
      return fail(peek().offset,
                  "expected 'in' after 'for " + node.text + "', got " + describe(peek()));
    next();
    auto iterable = parseExpression(/*allowConditional=*/false);
    if (!iterable)
      return iterable.takeError();
    node.expr = std::move(*iterable);
    if (isName("if") || isName("recursive"))
      return fail(peek().offset, "'for ... " + peek().text + "' is not supported");
    if (llvm::Error error = expectBlockEnd("for"))
      return std::move(error);
    opened.push_back(offset);
    openedTag.push_back("for");
    auto body = parseBody({"endfor", "else"});
    if (!body)
      return body.takeError();
    node.body = std::move(*body);
    if (isName("else", 1))
      return fail(peek(1).offset, "'for ... else' is not supported");
    takeTag();
    if (llvm::Error error = expectBlockEnd("endfor"))
      return std::move(error);
    opened.pop_back();
    openedTag.pop_back();
    return node;
  }

  llvm::Expected<Node> parseSet(size_t offset) {
    Node node{Node::Kind::Set, locate(offset), "", nullptr, {}, {}};
    if (peek().kind != Token::Kind::Name)
      return fail(peek().offset, "expected a variable name after 'set', got " + describe(peek()));
    node.text = next().text;
    if (isOperator(".") || isOperator("["))
      return fail(peek().offset, "assigning to an attribute or item (namespace) is not supported");
    if (isOperator(","))
      return fail(peek().offset, "unpacking into several variables is not supported");
    if (peek().kind == Token::Kind::BlockEnd)
      return fail(peek().offset,
                  "block assignments ({% set x %}...{% endset %}) are not supported");
    if (llvm::Error error = expectOperator("="))
      return std::move(error);
    auto value = parseExpression();
    if (!value)
      return value.takeError();
    node.expr = std::move(*value);
    if (llvm::Error error = expectBlockEnd("set"))
      return std::move(error);
    return node;
  }

  // Expressions, lowest precedence first (jinja2's parser.py).
  llvm::Expected<ExprPtr> parseExpression(bool allowConditional = true) {
    Nested nested(depth);
    if (llvm::Error error = tooDeep())
      return std::move(error);
    auto expr = parseOr();
    while (expr && allowConditional && isName("if")) {
      ExprPtr conditional = make(Expr::Kind::Conditional, next().offset);
      auto condition = parseOr();
      if (!condition)
        return condition.takeError();
      ExprPtr otherwise;
      if (isName("else")) {
        next();
        auto parsed = parseOr();
        if (!parsed)
          return parsed.takeError();
        otherwise = std::move(*parsed);
      }
      conditional->operands.push_back(std::move(*expr));
      conditional->operands.push_back(std::move(*condition));
      conditional->operands.push_back(std::move(otherwise));
      *expr = std::move(conditional);
    }
    return expr;
  }

  using Level = llvm::Expected<ExprPtr> (Parser::*)();
  /// `operand (op operand)*`, left associative, for the binary operators `ops`.
  llvm::Expected<ExprPtr> parseBinary(Level operand, llvm::ArrayRef<llvm::StringRef> ops,
                                      bool names) {
    auto lhs = (this->*operand)();
    unsigned chained = 0; // each operator in a row deepens the tree
    llvm::scope_exit restore([&] { depth -= chained; });
    while (lhs) {
      ++depth, ++chained;
      if (llvm::Error error = tooDeep())
        return std::move(error);
      const Token &token = peek();
      bool matches =
          (names ? token.kind == Token::Kind::Name : token.kind == Token::Kind::Operator) &&
          llvm::is_contained(ops, token.text);
      if (!matches)
        break;
      ExprPtr binary = make(Expr::Kind::Binary, token.offset, token.text);
      next();
      auto rhs = (this->*operand)();
      if (!rhs)
        return rhs.takeError();
      binary->operands.push_back(std::move(*lhs));
      binary->operands.push_back(std::move(*rhs));
      *lhs = std::move(binary);
    }
    return lhs;
  }
  llvm::Expected<ExprPtr> parseOr() { return parseBinary(&Parser::parseAnd, {"or"}, true); }
  llvm::Expected<ExprPtr> parseAnd() { return parseBinary(&Parser::parseNot, {"and"}, true); }
  llvm::Expected<ExprPtr> parseNot() {
    if (!isName("not"))
      return parseCompare();
    Nested nested(depth);
    if (llvm::Error error = tooDeep())
      return std::move(error);
    ExprPtr expr = make(Expr::Kind::Not, next().offset);
    auto operand = parseNot();
    if (!operand)
      return operand.takeError();
    expr->operands.push_back(std::move(*operand));
    return expr;
  }
  llvm::Expected<ExprPtr> parseCompare() {
    auto lhs = parseMath1();
    if (!lhs)
      return lhs;
    auto compareOp = [&]() -> std::string {
      if (peek().kind == Token::Kind::Operator &&
          llvm::is_contained({"==", "!=", "<", "<=", ">", ">="}, peek().text))
        return peek().text;
      if (isName("in"))
        return "in";
      if (isName("not") && isName("in", 1))
        return "not in";
      return "";
    };
    std::string op = compareOp();
    if (op.empty())
      return lhs;
    ExprPtr binary = make(Expr::Kind::Binary, peek().offset, op);
    next();
    if (op == "not in")
      next();
    auto rhs = parseMath1();
    if (!rhs)
      return rhs.takeError();
    if (!compareOp().empty())
      return fail(peek().offset, "chained comparisons ('a < b < c') are not supported");
    binary->operands.push_back(std::move(*lhs));
    binary->operands.push_back(std::move(*rhs));
    return binary;
  }
  llvm::Expected<ExprPtr> parseMath1() {
    return parseBinary(&Parser::parseConcat, {"+", "-"}, false);
  }
  llvm::Expected<ExprPtr> parseConcat() { return parseBinary(&Parser::parseMath2, {"~"}, false); }
  llvm::Expected<ExprPtr> parseMath2() {
    auto expr = parseBinary(&Parser::parseUnary, {"*", "//", "%"}, false);
    if (expr && (isOperator("/") || isOperator("**")))
      return fail(peek().offset,
                  "operator '" + peek().text + "' is not supported (integers only: + - * // %)");
    return expr;
  }
  /// jinja2's parse_unary: `-x | f` filters the negation, `-x.y` negates the
  /// attribute.
  llvm::Expected<ExprPtr> parseUnary() { return parseUnaryFiltered(/*withFilters=*/true); }
  llvm::Expected<ExprPtr> parseUnaryFiltered(bool withFilters) {
    Nested nested(depth);
    if (llvm::Error error = tooDeep())
      return std::move(error);
    llvm::Expected<ExprPtr> expr = nullptr;
    unsigned chained = 0; // postfix operators and filters in a row
    llvm::scope_exit restore([&] { depth -= chained; });
    if (isOperator("-") || isOperator("+")) {
      bool negate = peek().text == "-";
      ExprPtr unary = make(Expr::Kind::Negate, next().offset);
      expr = parseUnaryFiltered(/*withFilters=*/false);
      if (!expr)
        return expr;
      if (negate) {
        unary->operands.push_back(std::move(*expr));
        *expr = std::move(unary);
      }
    } else {
      expr = parsePrimary();
      if (!expr)
        return expr;
      if (llvm::Error error = parsePostfix(*expr, chained))
        return std::move(error);
    }
    if (withFilters)
      if (llvm::Error error = parseFilters(*expr, chained))
        return std::move(error);
    return expr;
  }

  llvm::Expected<ExprPtr> parsePrimary() {
    const Token &token = peek();
    switch (token.kind) {
    case Token::Kind::String: {
      std::string text;
      size_t offset = token.offset;
      while (peek().kind == Token::Kind::String) // adjacent literals concatenate
        text += next().text;
      ExprPtr expr = make(Expr::Kind::Literal, offset);
      expr->literal = Value::of(std::move(text));
      return expr;
    }
    case Token::Kind::Integer: {
      ExprPtr expr = make(Expr::Kind::Literal, token.offset);
      expr->literal = Value::of(token.integer);
      next();
      return expr;
    }
    case Token::Kind::Name: {
      ExprPtr expr = make(Expr::Kind::Literal, token.offset);
      llvm::StringRef name = token.text;
      if (name == "true" || name == "True" || name == "false" || name == "False")
        expr->literal = Value::of(name == "true" || name == "True");
      else if (name == "none" || name == "None")
        expr->literal = Value::none();
      else
        expr = make(Expr::Kind::Name, token.offset, token.text);
      next();
      return expr;
    }
    case Token::Kind::Operator:
      if (token.text == "(") {
        next();
        auto inner = parseExpression();
        if (!inner)
          return inner;
        if (isOperator(","))
          return fail(peek().offset, "tuples are not supported");
        if (llvm::Error error = expectOperator(")"))
          return std::move(error);
        return inner;
      }
      if (token.text == "[" || token.text == "{") {
        bool list = token.text == "[";
        ExprPtr expr = make(list ? Expr::Kind::List : Expr::Kind::Dict, next().offset);
        llvm::StringRef close = list ? "]" : "}";
        while (!isOperator(close)) {
          if (!expr->operands.empty())
            if (llvm::Error error = expectOperator(","))
              return std::move(error);
          if (isOperator(close)) // a trailing comma
            break;
          auto item = parseExpression();
          if (!item)
            return item;
          expr->operands.push_back(std::move(*item));
          if (!list) {
            if (llvm::Error error = expectOperator(":"))
              return std::move(error);
            auto value = parseExpression();
            if (!value)
              return value;
            expr->operands.push_back(std::move(*value));
          }
        }
        next();
        return expr;
      }
      break;
    default:
      break;
    }
    return fail(token.offset, "expected an expression, got " + describe(token));
  }

  /// `.name`, `[index]`, `[a:b:c]` and calls after a primary expression.
  llvm::Error parsePostfix(ExprPtr &expr, unsigned &chained) {
    while (true) {
      ++depth, ++chained;
      if (llvm::Error error = tooDeep())
        return error;
      if (isOperator(".")) {
        size_t offset = next().offset;
        if (peek().kind != Token::Kind::Name)
          return fail(peek().offset,
                      "expected an attribute name after '.', got " + describe(peek()));
        ExprPtr attribute = make(Expr::Kind::Attribute, offset, next().text);
        attribute->operands.push_back(std::move(expr));
        expr = std::move(attribute);
      } else if (isOperator("[")) {
        size_t offset = next().offset;
        std::vector<ExprPtr> parts(1);
        while (true) {
          if (!isOperator(":") && !isOperator("]")) {
            auto part = parseExpression();
            if (!part)
              return part.takeError();
            parts.back() = std::move(*part);
          }
          if (!isOperator(":"))
            break;
          if (parts.size() == 3)
            return fail(peek().offset, "a slice has at most 3 parts");
          next();
          parts.emplace_back();
        }
        if (llvm::Error error = expectOperator("]"))
          return error;
        if (parts.size() == 1 && !parts[0])
          return fail(offset, "empty subscript '[]'");
        ExprPtr subscript =
            make(parts.size() == 1 ? Expr::Kind::Subscript : Expr::Kind::Slice, offset);
        subscript->operands.push_back(std::move(expr));
        parts.resize(parts.size() == 1 ? 1 : 3);
        for (ExprPtr &part : parts)
          subscript->operands.push_back(std::move(part));
        expr = std::move(subscript);
      } else if (isOperator("(")) {
        if (expr->kind == Expr::Kind::Attribute)
          return fail(peek().offset, "method calls ('." + expr->name + "()') are not supported");
        if (expr->kind != Expr::Kind::Name || expr->name != "raise_exception")
          return fail(peek().offset,
                      llvm::Twine("function ") +
                          (expr->kind == Expr::Kind::Name ? "'" + expr->name + "' " : "") +
                          "is not supported (supported: raise_exception)");
        next();
        auto call = std::make_unique<Expr>();
        call->kind = Expr::Kind::Call;
        call->location = expr->location;
        call->name = expr->name;
        while (!isOperator(")")) {
          if (!call->operands.empty())
            if (llvm::Error error = expectOperator(","))
              return error;
          if (peek().kind == Token::Kind::Name && isOperator("=", 1))
            return fail(peek().offset, "keyword arguments are not supported");
          auto argument = parseExpression();
          if (!argument)
            return argument.takeError();
          call->operands.push_back(std::move(*argument));
        }
        next();
        if (call->operands.size() != 1)
          return fail(peek().offset, "raise_exception takes one argument, the message");
        expr = std::move(call);
      } else {
        return llvm::Error::success();
      }
    }
  }

  /// `| filter` and `is [not] test` after an operand.
  llvm::Error parseFilters(ExprPtr &expr, unsigned &chained) {
    while (true) {
      ++depth, ++chained;
      if (llvm::Error error = tooDeep())
        return error;
      if (isOperator("|")) {
        next();
        if (peek().kind != Token::Kind::Name)
          return fail(peek().offset, "expected a filter name after '|', got " + describe(peek()));
        const Token &name = next();
        if (!llvm::is_contained({"trim", "length", "count", "string"}, name.text))
          return fail(name.offset, "unknown filter '" + name.text +
                                       "' (supported: trim, length, "
                                       "count, string)");
        if (isOperator("("))
          return fail(peek().offset,
                      "filter arguments ('" + name.text + "(...)') are not supported");
        ExprPtr filter = make(Expr::Kind::Filter, name.offset, name.text);
        filter->operands.push_back(std::move(expr));
        expr = std::move(filter);
      } else if (isName("is")) {
        next();
        bool negated = isName("not");
        if (negated)
          next();
        if (peek().kind != Token::Kind::Name)
          return fail(peek().offset, "expected a test name after 'is', got " + describe(peek()));
        const Token &name = next();
        if (!llvm::is_contained({"defined", "undefined", "none", "string"}, name.text))
          return fail(name.offset, "unknown test '" + name.text +
                                       "' (supported: defined, undefined, "
                                       "none, string)");
        ExprPtr test = make(Expr::Kind::Test, name.offset, name.text);
        test->negated = negated;
        test->operands.push_back(std::move(expr));
        expr = std::move(test);
      } else {
        return llvm::Error::success();
      }
    }
  }

  std::vector<Token> tokens;
  size_t pos = 0;
  unsigned depth = 0;
  /// Where each open block began, and its tag, for "never closed".
  std::vector<size_t> opened;
  std::vector<std::string> openedTag;
  const std::function<llvm::Error(size_t, const llvm::Twine &)> &fail;
  const std::function<Location(size_t)> &locate;
};

} // namespace

Template::Template() = default;
Template::Template(Template &&) = default;
Template &Template::operator=(Template &&) = default;
Template::~Template() = default;

llvm::Expected<Template> Template::parse(llvm::StringRef text, llvm::StringRef name) {
  // jinja2 reads \r\n and \r as \n, and drops one trailing newline.
  std::string source;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r') {
      source += '\n';
      if (i + 1 < text.size() && text[i + 1] == '\n')
        ++i;
    } else {
      source += text[i];
    }
  }
  if (llvm::StringRef(source).ends_with("\n"))
    source.pop_back();
  if (auto bad = firstInvalidByte(source))
    return rt::makeError(name + ": the template is not valid UTF-8 (byte " + llvm::Twine(*bad) +
                         ")");
  std::function<Location(size_t)> locate = [&](size_t offset) {
    llvm::StringRef before = llvm::StringRef(source).take_front(offset);
    size_t lineStart = before.rfind('\n') + 1;
    return Location{unsigned(1 + before.count('\n')),
                    unsigned(1 + countCodePoints(before.drop_front(lineStart)))};
  };
  std::function<llvm::Error(size_t, const llvm::Twine &)> fail = [&](size_t offset,
                                                                     const llvm::Twine &message) {
    Location at = locate(offset);
    return rt::makeError(name + ":" + llvm::Twine(at.line) + ":" + llvm::Twine(at.column) + ": " +
                         message);
  };
  auto tokens = Lexer(source, fail).run();
  if (!tokens)
    return tokens.takeError();
  auto body = Parser(std::move(*tokens), fail, locate).parseTemplate();
  if (!body)
    return body.takeError();
  Template parsed;
  parsed.name = name.str();
  parsed.body = std::make_unique<std::vector<Node>>(std::move(*body));
  return parsed;
}

} // namespace tmc::tok::jinja
