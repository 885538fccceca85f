//===- Parser.h - the model-file parser (private) ---------------*- C++ -*-===//
//
// The recursive-descent parser shared by ParseStatements.cpp and
// ParseExpressions.cpp: statements are built at the end of the current block,
// the expression ops they use just before them. Only the frontend includes
// this header; the public entry point is tmc::parsePython (Python.h).
//
//===----------------------------------------------------------------------===//

#ifndef TMC_FRONTEND_PARSER_H
#define TMC_FRONTEND_PARSER_H

#include "frontend/Lexer.h"
#include "ir/Mdl/MdlOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"

namespace tmc::python {

using llvm::ArrayRef;
using llvm::SmallVectorImpl;
using llvm::StringRef;
using llvm::Twine;
using mlir::Block;
using mlir::failure;
using mlir::FailureOr;
using mlir::FileLineColLoc;
using mlir::Location;
using mlir::LogicalResult;
using mlir::ModuleOp;
using mlir::OpBuilder;
using mlir::Operation;
using mlir::StringAttr;
using mlir::success;
using mlir::Value;

/// Where a statement is: what it may define and whether `return` is legal.
enum class Scope { Module, Class, Function };

/// Bounds the depth of statements and expression trees (`- - - ... x`,
/// `a + b + ... + z`), so that no input can exhaust the stack of the parser,
/// the verifier or the printer.
constexpr unsigned kMaxDepth = 400;

class Parser {
public:
  Parser(std::vector<Token> tokens, StringAttr file, ModuleOp module)
      : tokens(std::move(tokens)), file(file), builder(module.getContext()),
        module(module) {}

  LogicalResult parseFile();

private:
  //===--------------------------------------------------------------------===//
  // Tokens and errors
  //===--------------------------------------------------------------------===//

  const Token &tok(size_t ahead = 0) const {
    return tokens[std::min(index + ahead, tokens.size() - 1)];
  }
  const Token &consume() {
    const Token &current = tok();
    if (index + 1 < tokens.size())
      ++index;
    return current;
  }
  bool consumeIf(StringRef op) {
    if (!tok().isOp(op))
      return false;
    consume();
    return true;
  }
  bool consumeKeyword(StringRef keyword) {
    if (!tok().isKeyword(keyword))
      return false;
    consume();
    return true;
  }
  Location loc(const Token &t) {
    return FileLineColLoc::get(file, t.line, t.col);
  }

  /// Reports `message` at `t` (only the first error of a parse).
  LogicalResult error(const Token &t, const Twine &message) {
    if (!hadError)
      emitError(loc(t)) << message;
    hadError = true;
    return failure();
  }
  LogicalResult unsupported(const Token &t, const Twine &construct,
                            StringRef instead) {
    return error(t, construct + " is not supported in model files; " + instead);
  }
  /// The same, for expression parsers, which return a null Value on error.
  Value errorValue(const Token &t, const Twine &message) {
    (void)error(t, message);
    return {};
  }
  Value unsupportedValue(const Token &t, const Twine &construct,
                         StringRef instead) {
    (void)unsupported(t, construct, instead);
    return {};
  }
  /// How `t` reads in an error message.
  static std::string describe(const Token &t);
  LogicalResult expect(StringRef op, StringRef where) {
    if (consumeIf(op))
      return success();
    return error(tok(), "expected '" + op + "' " + where + ", found " +
                            describe(tok()));
  }
  FailureOr<std::string> expectName(StringRef what);
  /// `name.name...`, as in `torch.nn.functional` or `nn.Module`.
  FailureOr<std::string> parseDottedName(StringRef what);

  //===--------------------------------------------------------------------===//
  // Statements
  //===--------------------------------------------------------------------===//

  LogicalResult parseBlockStatements(Block &block, Scope scope, bool nested);
  LogicalResult parseStatement(Scope scope, bool nested);
  /// Parses `: body`; the comment ending the header line goes to `header`
  /// when there is one.
  LogicalResult parseSuite(Block &block, Scope scope, bool nested,
                           Operation *header);
  LogicalResult parseSimpleLine(Scope scope, bool nested);
  LogicalResult parseSimpleStatement(Scope scope, bool nested);
  LogicalResult parseImport();
  LogicalResult parseFromImport();
  LogicalResult parseDecorated(Scope scope, bool nested);
  LogicalResult parseDef(Scope scope, bool nested, ArrayRef<Value> decorators,
                         bool blankBefore);
  LogicalResult parseClass(Scope scope, bool nested, ArrayRef<Value> decorators,
                           bool blankBefore);
  LogicalResult parseIf(Scope scope, bool nested);
  LogicalResult parseFor(Scope scope, bool nested);
  LogicalResult parseAssignmentOrExpression(const Token &start);
  void addComments(ArrayRef<tmc::python::LocatedComment> comments);
  void moveDocstring(Operation *owner, Block &body);
  /// The body of a class or function: its block, then its docstring.
  LogicalResult parseDefinitionBody(Operation *definition, Scope scope,
                                    bool blankBefore);

  //===--------------------------------------------------------------------===//
  // Expressions: each returns null after reporting an error.
  //===--------------------------------------------------------------------===//

  /// An element of a tuple or list: an expression or `*iterable`.
  Value parseElement();
  Value parseExprList();
  Value parseTargetList();
  Value parseTest();
  Value parseOr() { return parseLogical("or"); }
  Value parseLogical(StringRef keyword);
  Value parseNot();
  Value parseComparison();
  Value parseBinary(unsigned level);
  Value parseFactor();
  Value parsePower();
  Value parsePrimary();
  Value parseAtom();
  Value parseParenthesized(const Token &open);
  Value parseListDisplay(const Token &open);
  /// Parses `, element, ...` after a display's first element, then `close`.
  LogicalResult parseMoreElements(StringRef close, StringRef where,
                                  SmallVectorImpl<Value> &elements);
  Value parseDictDisplay(const Token &open);
  Value parseCall(const Token &start, Value callee);
  Value parseSubscript(const Token &start, Value base);
  Value parseSliceItem();
  /// Checks that `target` can be assigned (or deleted) and reports it if not.
  LogicalResult checkTarget(const Token &at, Value target, bool allowUnpack);

  template <typename OpT, typename... Args>
  Value makeExpr(const Token &at, Args &&...args) {
    return OpT::create(builder, loc(at), builder.getType<mdl::ValueType>(),
                       std::forward<Args>(args)...);
  }
  template <typename OpT, typename... Args>
  OpT makeStmt(const Token &at, Args &&...args) {
    return OpT::create(builder, loc(at), std::forward<Args>(args)...);
  }

  /// Counts nesting on the recursive paths that brackets do not bound.
  struct DepthGuard {
    explicit DepthGuard(unsigned &depth) : depth(++depth) {}
    ~DepthGuard() { --depth; }
    unsigned &depth;
  };
  bool tooDeep() {
    if (depth <= kMaxDepth)
      return false;
    (void)error(tok(), "expression or block nested too deeply; split it into "
                       "several statements");
    return true;
  }

  std::vector<Token> tokens;
  size_t index = 0;
  StringAttr file;
  OpBuilder builder;
  ModuleOp module;
  unsigned depth = 0;
  bool hadError = false;
};

} // namespace tmc::python

#endif // TMC_FRONTEND_PARSER_H
