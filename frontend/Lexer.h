//===- Lexer.h - tokens of a Python model file ------------------*- C++ -*-===//
//
// Splits a model file into Python tokens, with INDENT/DEDENT for blocks and
// the comments and blank lines a reader sees, so the parser can keep them in
// the IR. Errors (an unterminated string, a tab in an indent, an f-string with
// placeholders) become one Error token with a location and a message.
//
//===----------------------------------------------------------------------===//

#ifndef TMC_FRONTEND_LEXER_H
#define TMC_FRONTEND_LEXER_H

#include "llvm/ADT/StringRef.h"

#include <string>
#include <vector>

namespace tmc::python {

enum class TokenKind {
  Name,    ///< identifiers and keywords
  Int,     ///< `value` holds the decimal digits
  Float,   ///< `value` holds the spelling without underscores
  String,  ///< `value` holds the decoded text; adjacent literals stay separate
  Op,      ///< punctuation and operators, `text` is the spelling
  Newline, ///< end of a logical line; carries the line's comments
  Indent,
  Dedent,
  Comment, ///< a comment on a line of its own; `value` is the text after '#'
  Eof,
  Error, ///< `value` is the message
};

/// A comment and where it starts.
struct LocatedComment {
  std::string text;
  unsigned line, col;
};

struct Token {
  TokenKind kind;
  llvm::StringRef text;
  unsigned line = 0, col = 0;
  std::string value;
  /// On the first token of a line: one or more blank lines came before it.
  bool blankBefore = false;
  /// On Newline: the comment that ends the line, and comments written inside
  /// brackets on the logical line (they cannot stay where they were).
  std::string trailingComment;
  bool hasTrailingComment = false;
  std::vector<LocatedComment> innerComments;

  bool is(TokenKind k, llvm::StringRef spelling) const {
    return kind == k && text == spelling;
  }
  bool isOp(llvm::StringRef spelling) const {
    return is(TokenKind::Op, spelling);
  }
  bool isKeyword(llvm::StringRef spelling) const {
    return is(TokenKind::Name, spelling);
  }
};

/// Tokenizes `source`. The result always ends with Eof, or with an Error
/// token when the text is not a sequence of Python tokens.
std::vector<Token> lex(llvm::StringRef source);

} // namespace tmc::python

#endif // TMC_FRONTEND_LEXER_H
