//===- Lexer.cpp - tokens of a Python model file ----------------*- C++ -*-===//
//
// A hand-written Python tokenizer for the model-file subset. It follows
// CPython's tokenizer where model files need it (INDENT/DEDENT from a stack
// of indentation widths, no NEWLINE inside brackets, implicit line joining)
// and additionally keeps comments and blank lines, which CPython drops.
//
//===----------------------------------------------------------------------===//

#include "frontend/Lexer.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/ConvertUTF.h"

using namespace tmc::python;
using llvm::StringRef;

namespace {

/// Deeper nesting is certainly not a model file, and bounds the parser's
/// recursion.
constexpr size_t kMaxBracketDepth = 100;

class Lexer {
public:
  explicit Lexer(StringRef source) : src(source) {}
  std::vector<Token> run();

private:
  struct PendingComment {
    LocatedComment comment;
    bool blankBefore;
  };

  unsigned col() const { return pos - lineStart + 1; }
  char peek(size_t ahead = 0) const {
    return pos + ahead < src.size() ? src[pos + ahead] : '\0';
  }
  void newLine() {
    ++line;
    lineStart = pos;
  }
  Token &push(TokenKind kind, size_t begin, unsigned tokLine, unsigned tokCol);
  void fail(unsigned errLine, unsigned errCol, const llvm::Twine &message);

  void startLine();
  void startLogicalLine(unsigned indent, unsigned tokLine);
  void endLogicalLine();
  std::string readComment();
  void lexName();
  void lexNumber();
  void lexString(size_t begin, StringRef prefix);
  bool lexEscape(std::string &value, unsigned strLine, unsigned strCol);
  void lexOperator();

  StringRef src;
  size_t pos = 0, lineStart = 0;
  unsigned line = 1;
  std::vector<Token> tokens;
  std::vector<unsigned> indents{0};
  /// Open brackets, for implicit line joining and matching.
  std::string brackets;
  std::vector<std::pair<unsigned, unsigned>> bracketLocs;
  std::vector<PendingComment> pendingComments;
  std::vector<LocatedComment> innerComments;
  std::string trailingComment;
  bool hasTrailingComment = false;
  unsigned blankLines = 0;
  bool pendingBlank = false, lineHasTokens = false, failed = false;
};

} // namespace

Token &Lexer::push(TokenKind kind, size_t begin, unsigned tokLine,
                   unsigned tokCol) {
  Token &tok = tokens.emplace_back();
  tok.kind = kind;
  tok.text = src.slice(begin, pos);
  tok.line = tokLine;
  tok.col = tokCol;
  if (kind != TokenKind::Indent && kind != TokenKind::Dedent &&
      kind != TokenKind::Newline) {
    tok.blankBefore = pendingBlank;
    pendingBlank = false;
    lineHasTokens = true;
  }
  return tok;
}

void Lexer::fail(unsigned errLine, unsigned errCol,
                 const llvm::Twine &message) {
  Token &tok = tokens.emplace_back();
  tok.kind = TokenKind::Error;
  tok.line = errLine;
  tok.col = errCol;
  tok.value = message.str();
  failed = true;
}

std::vector<Token> Lexer::run() {
  startLine();
  while (!failed && pos < src.size()) {
    char c = peek();
    if (c == ' ' || c == '\t' || c == '\f' || c == '\r') {
      ++pos;
    } else if (c == '\n') {
      ++pos;
      newLine();
      if (brackets.empty()) {
        endLogicalLine();
        startLine();
      }
    } else if (c == '\\' &&
               (peek(1) == '\n' || (peek(1) == '\r' && peek(2) == '\n'))) {
      pos += peek(1) == '\n' ? 2 : 3;
      newLine();
      if (pos >= src.size())
        fail(line, 1, "unexpected end of file after a line continuation");
    } else if (c == '#') {
      LocatedComment comment{"", line, col()};
      comment.text = readComment();
      if (!brackets.empty()) {
        innerComments.push_back(std::move(comment));
      } else {
        trailingComment = std::move(comment.text);
        hasTrailingComment = true;
      }
    } else if (llvm::isAlpha(c) || c == '_') {
      lexName();
    } else if (llvm::isDigit(c) || (c == '.' && llvm::isDigit(peek(1)))) {
      lexNumber();
    } else if (c == '"' || c == '\'') {
      lexString(pos, "");
    } else {
      lexOperator();
    }
  }
  if (failed)
    return std::move(tokens);
  if (!brackets.empty()) {
    fail(bracketLocs.back().first, bracketLocs.back().second,
         llvm::Twine("'") + llvm::Twine(brackets.back()) +
             "' was never closed");
    return std::move(tokens);
  }
  endLogicalLine();
  // Comments at the end of the file belong to the outermost block they reach.
  startLogicalLine(0, line);
  if (!failed)
    push(TokenKind::Eof, pos, line, col());
  return std::move(tokens);
}

/// At the start of a physical line outside brackets: skips blank lines and
/// collects comment lines, then opens the next logical line.
void Lexer::startLine() {
  while (!failed) {
    unsigned indent = 0;
    for (; pos < src.size(); ++pos) {
      if (src[pos] == ' ')
        ++indent;
      else if (src[pos] == '\t') {
        fail(line, col(), "indentation uses a tab; indent with 4 spaces");
        return;
      } else if (src[pos] != '\f' && src[pos] != '\r')
        break;
    }
    if (pos >= src.size())
      return;
    if (src[pos] == '\n') {
      ++pos;
      newLine();
      ++blankLines;
      continue;
    }
    if (src[pos] == '#') {
      LocatedComment comment{"", line, col()};
      comment.text = readComment();
      pendingComments.push_back({std::move(comment), blankLines > 0});
      blankLines = 0;
      if (pos < src.size()) {
        ++pos;
        newLine();
      }
      continue;
    }
    startLogicalLine(indent, line);
    pendingBlank = blankLines > 0;
    blankLines = 0;
    return;
  }
}

/// Emits INDENT/DEDENT for a logical line indented by `indent`, with the
/// comment lines before it placed in the block their column belongs to.
void Lexer::startLogicalLine(unsigned indent, unsigned tokLine) {
  auto emitComment = [&](PendingComment &pending) {
    pendingBlank = pending.blankBefore;
    Token &tok = push(TokenKind::Comment, pos, pending.comment.line,
                      pending.comment.col);
    tok.value = std::move(pending.comment.text);
    // A comment line does not start a logical line of code.
    lineHasTokens = false;
  };
  if (indent > indents.back()) {
    push(TokenKind::Indent, pos, tokLine, indent + 1);
    indents.push_back(indent);
    for (PendingComment &pending : pendingComments)
      emitComment(pending);
  } else {
    for (PendingComment &pending : pendingComments) {
      while (pending.comment.col - 1 < indents.back() &&
             indents.back() > indent) {
        push(TokenKind::Dedent, pos, pending.comment.line, pending.comment.col);
        indents.pop_back();
      }
      emitComment(pending);
    }
    while (indents.back() > indent) {
      push(TokenKind::Dedent, pos, tokLine, indent + 1);
      indents.pop_back();
    }
    if (indents.back() != indent)
      fail(tokLine, indent + 1,
           "unindent does not match any outer indentation level");
  }
  pendingComments.clear();
}

void Lexer::endLogicalLine() {
  if (!lineHasTokens)
    return;
  Token &tok = push(TokenKind::Newline, pos, line, col());
  tok.trailingComment = std::move(trailingComment);
  tok.hasTrailingComment = hasTrailingComment;
  tok.innerComments = std::move(innerComments);
  trailingComment.clear();
  hasTrailingComment = false;
  innerComments.clear();
  lineHasTokens = false;
}

/// Reads `# text` up to the end of the line; returns the text after '#'
/// without trailing whitespace.
std::string Lexer::readComment() {
  size_t begin = ++pos;
  while (pos < src.size() && src[pos] != '\n')
    ++pos;
  return src.slice(begin, pos).rtrim(" \t\r\f").str();
}

void Lexer::lexName() {
  size_t begin = pos;
  unsigned tokCol = col();
  while (pos < src.size() && (llvm::isAlnum(src[pos]) || src[pos] == '_'))
    ++pos;
  StringRef name = src.slice(begin, pos);
  if ((peek() == '"' || peek() == '\'') && name.size() <= 2 &&
      llvm::all_of(name.lower(),
                   [](char c) { return StringRef("rbuf").contains(c); })) {
    lexString(begin, name);
    return;
  }
  push(TokenKind::Name, begin, line, tokCol);
}

void Lexer::lexNumber() {
  size_t begin = pos;
  unsigned tokCol = col();
  auto digits = [&](auto isDigit) {
    size_t start = pos;
    while (pos < src.size() && (isDigit(src[pos]) || src[pos] == '_'))
      ++pos;
    return pos > start;
  };
  bool isFloat = false;
  unsigned radix = 10;
  if (peek() == '0' && StringRef("xXoObB").contains(peek(1)) && peek(1)) {
    char kind = llvm::toLower(peek(1));
    radix = kind == 'x' ? 16 : kind == 'o' ? 8 : 2;
    pos += 2;
    digits([&](char c) { return llvm::isHexDigit(c); });
  } else {
    digits(llvm::isDigit);
    if (peek() == '.') {
      ++pos;
      isFloat = true;
      digits(llvm::isDigit);
    }
    if (peek() == 'e' || peek() == 'E') {
      size_t save = pos++;
      if (peek() == '+' || peek() == '-')
        ++pos;
      if (digits(llvm::isDigit))
        isFloat = true;
      else
        pos = save;
    }
  }
  if (peek() == 'j' || peek() == 'J')
    return fail(
        line, tokCol,
        "a complex literal is not supported in model files; use real numbers");
  // `1.5.real` is an attribute of a float; `1.real` is not valid Python.
  if (llvm::isAlnum(peek()) || peek() == '_' || (peek() == '.' && !isFloat))
    return fail(line, tokCol, "invalid number literal");
  Token &tok =
      push(isFloat ? TokenKind::Float : TokenKind::Int, begin, line, tokCol);
  std::string spelling = tok.text.str();
  llvm::erase(spelling, '_');
  if (isFloat) {
    tok.value = spelling;
    return;
  }
  llvm::APInt value;
  StringRef body =
      radix == 10 ? StringRef(spelling) : StringRef(spelling).drop_front(2);
  if (body.empty() || body.getAsInteger(radix, value))
    return fail(line, tokCol, "invalid number literal");
  tok.value = llvm::toString(value, 10, /*Signed=*/false);
}

/// Decodes one escape after a backslash (at `pos`) into `value`.
bool Lexer::lexEscape(std::string &value, unsigned strLine, unsigned strCol) {
  char c = peek(1);
  pos += 2;
  auto hex = [&](unsigned count) -> bool {
    unsigned code = 0;
    for (unsigned i = 0; i < count; ++i, ++pos) {
      if (!llvm::isHexDigit(peek())) {
        fail(strLine, strCol, "invalid \\x, \\u or \\U escape in string");
        return false;
      }
      code = code * 16 + llvm::hexDigitValue(peek());
    }
    char buffer[8];
    char *out = buffer;
    if (code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF) ||
        !llvm::ConvertCodePointToUTF8(code, out)) {
      fail(strLine, strCol, "escape is not a valid Unicode character");
      return false;
    }
    value.append(buffer, out);
    return true;
  };
  switch (c) {
  case '\n':
    newLine();
    return true;
  case 'n':
    value += '\n';
    return true;
  case 't':
    value += '\t';
    return true;
  case 'r':
    value += '\r';
    return true;
  case 'a':
    value += '\a';
    return true;
  case 'b':
    value += '\b';
    return true;
  case 'f':
    value += '\f';
    return true;
  case 'v':
    value += '\v';
    return true;
  case '\\':
  case '\'':
  case '"':
    value += c;
    return true;
  case 'x':
    return hex(2);
  case 'u':
    return hex(4);
  case 'U':
    return hex(8);
  case 'N':
    fail(strLine, strCol,
         "a \\N{...} escape is not supported in model files; "
         "write the character itself");
    return false;
  default:
    if (c >= '0' && c <= '7') {
      unsigned code = c - '0';
      for (int i = 0; i < 2 && peek() >= '0' && peek() <= '7'; ++i, ++pos)
        code = code * 8 + (peek() - '0');
      char buffer[8];
      char *out = buffer;
      llvm::ConvertCodePointToUTF8(code, out);
      value.append(buffer, out);
      return true;
    }
    if (c == '\0' && pos > src.size()) {
      fail(strLine, strCol, "unterminated string literal");
      return false;
    }
    // Python keeps unknown escapes as written.
    value += '\\';
    value += c;
    return true;
  }
}

void Lexer::lexString(size_t begin, StringRef prefix) {
  unsigned strLine = line, strCol = begin - lineStart + 1;
  std::string lowered = prefix.lower();
  if (StringRef(lowered).contains('b'))
    return fail(strLine, strCol,
                "a bytes literal is not supported in model "
                "files; use a str literal");
  bool raw = StringRef(lowered).contains('r');
  bool format = StringRef(lowered).contains('f');
  char quote = peek();
  bool triple = peek(1) == quote && peek(2) == quote;
  pos += triple ? 3 : 1;
  std::string value;
  while (true) {
    if (pos >= src.size())
      return fail(strLine, strCol, "unterminated string literal");
    char c = src[pos];
    if (c == '\\') {
      if (raw) {
        value += c;
        if (pos + 1 < src.size())
          value += src[pos + 1];
        if (peek(1) == '\n') {
          pos += 2;
          newLine();
        } else {
          pos += 2;
        }
        continue;
      }
      if (!lexEscape(value, strLine, strCol))
        return;
      continue;
    }
    if (c == '\n' && !triple)
      return fail(strLine, strCol,
                  "unterminated string literal; use a "
                  "triple-quoted string for several lines");
    if (c == quote && (!triple || (peek(1) == quote && peek(2) == quote))) {
      pos += triple ? 3 : 1;
      break;
    }
    ++pos;
    if (c == '\n')
      newLine();
    value += c;
  }
  if (format) {
    std::string plain;
    for (size_t i = 0; i < value.size(); ++i) {
      char c = value[i];
      if ((c == '{' || c == '}') && i + 1 < value.size() && value[i + 1] == c) {
        plain += c;
        ++i;
        continue;
      }
      if (c == '{' || c == '}')
        return fail(strLine, strCol,
                    "an f-string with placeholders is not supported in model "
                    "files; build the string with + and str()");
      plain += c;
    }
    value = std::move(plain);
  }
  Token &tok = push(TokenKind::String, begin, strLine, strCol);
  tok.value = std::move(value);
}

void Lexer::lexOperator() {
  static const char *const kOperators[] = {
      "**=", "//=", ">>=", "<<=", "...", "->", "**", "//", "<<", ">>",
      "<=",  ">=",  "==",  "!=",  "+=",  "-=", "*=", "/=", "%=", "&=",
      "|=",  "^=",  "@=",  ":=",  "+",   "-",  "*",  "/",  "%",  "@",
      "&",   "|",   "^",   "~",   "<",   ">",  "(",  ")",  "[",  "]",
      "{",   "}",   ",",   ":",   ".",   ";",  "="};
  size_t begin = pos;
  unsigned tokCol = col();
  StringRef rest = src.substr(pos);
  for (StringRef op : kOperators) {
    if (!rest.starts_with(op))
      continue;
    char c = op[0];
    if (op.size() == 1 && StringRef("([{").contains(c)) {
      if (brackets.size() >= kMaxBracketDepth)
        return fail(line, tokCol, "brackets nested too deeply");
      brackets.push_back(c);
      bracketLocs.push_back({line, tokCol});
    } else if (op.size() == 1 && StringRef(")]}").contains(c)) {
      char open = c == ')' ? '(' : c == ']' ? '[' : '{';
      if (brackets.empty())
        return fail(line, tokCol,
                    llvm::Twine("unmatched '") + llvm::Twine(c) + "'");
      if (brackets.back() != open)
        return fail(line, tokCol,
                    llvm::Twine("closing '") + llvm::Twine(c) +
                        "' does not match opening '" +
                        llvm::Twine(brackets.back()) + "'");
      brackets.pop_back();
      bracketLocs.pop_back();
    }
    pos += op.size();
    push(TokenKind::Op, begin, line, tokCol);
    return;
  }
  if (static_cast<unsigned char>(rest[0]) >= 0x80)
    return fail(line, tokCol,
                "non-ASCII character outside a string or comment");
  if (!llvm::isPrint(rest[0]))
    return fail(line, tokCol,
                "unexpected byte 0x" + llvm::utohexstr(rest[0] & 0xff));
  fail(line, tokCol,
       llvm::Twine("unexpected character '") + llvm::Twine(rest[0]) + "'");
}

std::vector<Token> tmc::python::lex(StringRef source) {
  return Lexer(source).run();
}
