//===- ParseStatements.cpp - model-file statements to mdl -------*- C++ -*-===//
//
// The statement half of the parser: blocks and indentation, imports,
// classes and functions with their decorators and docstrings, `if`/`for`,
// simple statements, comments and blank lines, and the entry point
// tmc::parsePython. The grammar is Python's, restricted to the model-file
// subset (docs/LANGUAGE.md); every construct outside it stops the parse with
// `file:line:col: error: <construct> is not supported in model files; <what
// to write instead>`.
//
//===----------------------------------------------------------------------===//

#include "frontend/Parser.h"
#include "frontend/Python.h"

#include "mlir/IR/Verifier.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/VirtualFileSystem.h"

using namespace mlir;
using namespace tmc::mdl;
using namespace tmc::python;

/// Removes the indentation shared by the second and later lines of a
/// docstring, so the printer can re-indent it wherever the text ends up.
static std::string dedentDocstring(StringRef text) {
  SmallVector<StringRef> lines;
  text.split(lines, '\n');
  size_t common = std::string::npos;
  for (StringRef line : llvm::drop_begin(lines))
    if (!line.trim().empty())
      common = std::min(common, line.size() - line.ltrim(' ').size());
  std::string result = lines.front().str();
  for (StringRef line : llvm::drop_begin(lines)) {
    result += '\n';
    if (!line.trim().empty())
      result += line.drop_front(common).str();
  }
  return result;
}

std::string Parser::describe(const Token &t) {
  switch (t.kind) {
  case TokenKind::Newline:
    return "the end of the line";
  case TokenKind::Eof:
    return "the end of the file";
  case TokenKind::Indent:
  case TokenKind::Dedent:
    return "a change of indentation";
  case TokenKind::Comment:
    return "a comment";
  case TokenKind::String:
    return "a string";
  default:
    return "'" + t.text.str() + "'";
  }
}

FailureOr<std::string> Parser::parseDottedName(StringRef what) {
  std::string dotted;
  do {
    FailureOr<std::string> part = expectName(what);
    if (failed(part))
      return failure();
    dotted += (dotted.empty() ? "" : ".") + *part;
  } while (consumeIf("."));
  return dotted;
}

FailureOr<std::string> Parser::expectName(StringRef what) {
  const Token &t = tok();
  if (t.kind != TokenKind::Name || !isPythonIdentifier(t.text)) {
    (void)error(t, "expected " + what + ", found " + describe(t));
    return failure();
  }
  consume();
  return t.text.str();
}

//===----------------------------------------------------------------------===//
// Statements
//===----------------------------------------------------------------------===//

LogicalResult Parser::parseFile() {
  if (tokens.back().kind == TokenKind::Error)
    return error(tokens.back(), tokens.back().value);
  Block &body = module.getBodyRegion().front();
  builder.setInsertionPointToEnd(&body);
  while (tok().kind != TokenKind::Eof)
    if (failed(parseStatement(Scope::Module, /*nested=*/false)))
      return failure();
  return success();
}

LogicalResult Parser::parseBlockStatements(Block &block, Scope scope,
                                           bool nested) {
  OpBuilder::InsertionGuard guard(builder);
  builder.setInsertionPointToEnd(&block);
  while (tok().kind != TokenKind::Dedent && tok().kind != TokenKind::Eof)
    if (failed(parseStatement(scope, nested)))
      return failure();
  consume();
  return success();
}

LogicalResult Parser::parseStatement(Scope scope, bool nested) {
  DepthGuard guard(depth);
  if (tooDeep())
    return failure();
  const Token &t = tok();
  switch (t.kind) {
  case TokenKind::Comment: {
    consume();
    auto comment = makeStmt<CommentOp>(t, t.value);
    if (t.blankBefore)
      comment->setAttr(kBlankLineAttr, builder.getUnitAttr());
    return success();
  }
  case TokenKind::Indent:
    return error(t, "unexpected indentation");
  case TokenKind::Op:
    if (t.isOp("@"))
      return parseDecorated(scope, nested);
    break;
  case TokenKind::Name:
    if (t.text == "def")
      return parseDef(scope, nested, {}, t.blankBefore);
    if (t.text == "class")
      return parseClass(scope, nested, {}, t.blankBefore);
    if (t.text == "if")
      return parseIf(scope, nested);
    if (t.text == "for")
      return parseFor(scope, nested);
    if (t.text == "while")
      return unsupported(t, "a 'while' loop", "use a for loop over range(n)");
    if (t.text == "try")
      return unsupported(
          t, "a 'try' statement",
          "remove the error handling; model files cannot catch exceptions");
    if (t.text == "with")
      return unsupported(t, "a 'with' statement",
                         "call what the block does directly");
    if (t.text == "async")
      return unsupported(t, "async code", "write plain def functions");
    break;
  default:
    break;
  }
  return parseSimpleLine(scope, nested);
}

/// Adds comments written inside brackets, as comment lines at the insertion
/// point: they cannot stay inside a printed expression.
void Parser::addComments(ArrayRef<tmc::python::LocatedComment> comments) {
  for (const auto &comment : comments)
    CommentOp::create(builder,
                      FileLineColLoc::get(file, comment.line, comment.col),
                      comment.text);
}

LogicalResult Parser::parseSimpleLine(Scope scope, bool nested) {
  Block *block = builder.getInsertionBlock();
  Operation *before = block->empty() ? nullptr : &block->back();
  bool blankBefore = tok().blankBefore;
  do {
    if (failed(parseSimpleStatement(scope, nested)))
      return failure();
  } while (consumeIf(";") && tok().kind != TokenKind::Newline);
  if (tok().kind != TokenKind::Newline)
    return error(tok(),
                 "expected the end of the statement, found " + describe(tok()));
  const Token &newline = consume();
  Operation *last = &block->back();
  if (newline.hasTrailingComment)
    last->setAttr(kTrailingCommentAttr,
                  builder.getStringAttr(newline.trailingComment));

  auto first = before ? std::next(before->getIterator()) : block->begin();
  if (!newline.innerComments.empty()) {
    OpBuilder::InsertionGuard guard(builder);
    builder.setInsertionPoint(block, first);
    addComments(newline.innerComments);
    first = before ? std::next(before->getIterator()) : block->begin();
  }
  if (blankBefore) {
    auto stmt =
        llvm::find_if(llvm::make_range(first, block->end()),
                      [](Operation &op) { return op.hasTrait<Statement>(); });
    stmt->setAttr(kBlankLineAttr, builder.getUnitAttr());
  }
  return success();
}

LogicalResult Parser::parseSimpleStatement(Scope scope, bool nested) {
  const Token &t = tok();
  if (t.kind != TokenKind::Name)
    return parseAssignmentOrExpression(t);
  StringRef word = t.text;
  if (word == "pass") {
    consume();
    makeStmt<PassOp>(t);
    return success();
  }
  if (word == "del") {
    consume();
    SmallVector<Value> targets;
    do {
      const Token &at = tok();
      Value target = parseBinary(0);
      if (!target || failed(checkTarget(at, target, /*allowUnpack=*/true)))
        return failure();
      targets.push_back(target);
    } while (consumeIf(",") && tok().kind != TokenKind::Newline);
    makeStmt<DelOp>(t, targets);
    return success();
  }
  if (word == "return") {
    if (scope != Scope::Function)
      return error(t, "'return' outside a function");
    consume();
    Value value;
    if (tok().kind != TokenKind::Newline && !tok().isOp(";"))
      if (!(value = parseExprList()))
        return failure();
    makeStmt<ReturnOp>(t, value);
    return success();
  }
  if (word == "assert") {
    consume();
    Value test = parseTest(), message;
    if (!test)
      return failure();
    if (consumeIf(",") && !(message = parseTest()))
      return failure();
    makeStmt<AssertOp>(t, test, message);
    return success();
  }
  if (word == "import" || word == "from") {
    if (scope != Scope::Module || nested)
      return unsupported(t, "an import inside a function, class or block",
                         "import at the top level of the file");
    return word == "import" ? parseImport() : parseFromImport();
  }
  if (word == "global" || word == "nonlocal")
    return unsupported(t, "a '" + word.str() + "' statement",
                       "pass the value as an argument or keep it on self");
  if (word == "raise")
    return unsupported(t, "a 'raise' statement",
                       "check the condition with assert and a message");
  if (word == "break" || word == "continue")
    return unsupported(
        t, "'break' or 'continue'",
        "loops are unrolled at compile time; guard the loop body with if");
  for (StringRef compound :
       {"def", "class", "if", "for", "while", "try", "with"})
    if (word == compound)
      return error(t, "'" + compound + "' must start its own line");
  return parseAssignmentOrExpression(t);
}

LogicalResult Parser::parseAssignmentOrExpression(const Token &start) {
  Value target = parseExprList();
  if (!target)
    return failure();
  const Token &op = tok();
  if (op.isOp("=")) {
    consume();
    if (failed(checkTarget(start, target, /*allowUnpack=*/true)))
      return failure();
    Value value = parseExprList();
    if (!value)
      return failure();
    if (tok().isOp("="))
      return unsupported(tok(), "a chained assignment (a = b = c)",
                         "write one assignment per line");
    makeStmt<AssignOp>(op, target, Value(), value);
    return success();
  }
  if (op.isOp(":")) {
    consume();
    if (failed(checkTarget(start, target, /*allowUnpack=*/false)))
      return failure();
    Value annotation = parseTest(), value;
    if (!annotation)
      return failure();
    if (consumeIf("=") && !(value = parseExprList()))
      return failure();
    makeStmt<AssignOp>(op, target, annotation, value);
    return success();
  }
  if (op.kind == TokenKind::Op && op.text.size() >= 2 &&
      op.text.ends_with("=") &&
      !llvm::is_contained({"==", "!=", "<=", ">=", ":="}, op.text)) {
    consume();
    if (failed(checkTarget(start, target, /*allowUnpack=*/false)))
      return failure();
    Value value = parseExprList();
    if (!value)
      return failure();
    makeStmt<AugAssignOp>(op, target, op.text, value);
    return success();
  }
  // A string on a line of its own is a docstring: store it without the
  // indentation of its lines (the printer indents it again).
  if (auto str = target.getDefiningOp<StrOp>())
    str.setValue(dedentDocstring(str.getValue()));
  makeStmt<ExprStmtOp>(start, target);
  return success();
}

LogicalResult Parser::parseImport() {
  const Token &start = consume();
  do {
    FailureOr<std::string> module = parseDottedName("a module name");
    if (failed(module))
      return failure();
    StringAttr alias;
    if (consumeKeyword("as")) {
      FailureOr<std::string> name = expectName("a name after 'as'");
      if (failed(name))
        return failure();
      alias = builder.getStringAttr(*name);
    }
    makeStmt<ImportOp>(start, *module, alias);
  } while (consumeIf(","));
  return success();
}

LogicalResult Parser::parseFromImport() {
  const Token &start = consume();
  std::string module;
  while (tok().isOp(".") || tok().isOp("..."))
    module += consume().text.str();
  if (tok().kind == TokenKind::Name && !tok().isKeyword("import")) {
    FailureOr<std::string> dotted = parseDottedName("a module name");
    if (failed(dotted))
      return failure();
    module += *dotted;
  }
  if (module.empty())
    return error(tok(), "expected a module name after 'from'");
  if (!consumeKeyword("import"))
    return error(tok(), "expected 'import', found " + describe(tok()));
  if (tok().isOp("*"))
    return unsupported(tok(), "'from ... import *'",
                       "import the names you use");
  bool parenthesized = consumeIf("(");
  SmallVector<Attribute> names, aliases;
  bool anyAlias = false;
  do {
    if (parenthesized && tok().isOp(")"))
      break;
    FailureOr<std::string> name = expectName("a name to import");
    if (failed(name))
      return failure();
    names.push_back(builder.getStringAttr(*name));
    std::string alias;
    if (consumeKeyword("as")) {
      FailureOr<std::string> asName = expectName("a name after 'as'");
      if (failed(asName))
        return failure();
      alias = *asName;
      anyAlias = true;
    }
    aliases.push_back(builder.getStringAttr(alias));
  } while (consumeIf(","));
  if (parenthesized && failed(expect(")", "after the imported names")))
    return failure();
  makeStmt<FromImportOp>(
      start, module, builder.getArrayAttr(names),
      builder.getArrayAttr(anyAlias ? aliases : ArrayRef<Attribute>()));
  return success();
}

LogicalResult Parser::parseSuite(Block &block, Scope scope, bool nested,
                                 Operation *header) {
  if (failed(expect(":", "to start the block")))
    return failure();
  OpBuilder::InsertionGuard guard(builder);
  builder.setInsertionPointToEnd(&block);
  if (tok().kind != TokenKind::Newline) {
    // `if x: return y` keeps its statement in the block.
    if (tok().kind == TokenKind::Comment || tok().kind == TokenKind::Eof)
      return error(tok(), "expected a statement after ':'");
    return parseSimpleLine(scope, nested);
  }
  const Token &newline = consume();
  if (newline.hasTrailingComment && header)
    header->setAttr(kTrailingCommentAttr,
                    builder.getStringAttr(newline.trailingComment));
  addComments(newline.innerComments);
  // Comment lines between the header and the body belong to the body.
  while (tok().kind == TokenKind::Comment)
    if (failed(parseStatement(scope, nested)))
      return failure();
  if (tok().kind != TokenKind::Indent)
    return error(tok(), "expected an indented block");
  consume();
  return parseBlockStatements(block, scope, nested);
}

LogicalResult Parser::parseDecorated(Scope scope, bool nested) {
  bool blankBefore = tok().blankBefore;
  SmallVector<Value> decorators;
  while (tok().isOp("@")) {
    consume();
    Value decorator = parseTest();
    if (!decorator)
      return failure();
    decorators.push_back(decorator);
    if (tok().kind != TokenKind::Newline)
      return error(tok(),
                   "expected the end of the line after the decorator, found " +
                       describe(tok()));
    const Token &newline = consume();
    addComments(newline.innerComments);
    if (newline.hasTrailingComment)
      CommentOp::create(builder, loc(newline), newline.trailingComment);
    while (tok().kind == TokenKind::Comment)
      if (failed(parseStatement(scope, nested)))
        return failure();
  }
  if (tok().isKeyword("def"))
    return parseDef(scope, nested, decorators, blankBefore);
  if (tok().isKeyword("class"))
    return parseClass(scope, nested, decorators, blankBefore);
  return error(tok(), "expected 'def' or 'class' after decorators, found " +
                          describe(tok()));
}

/// Makes the leading string statement of a class or function body its
/// docstring, unless it is the whole body (Python needs a statement there).
void Parser::moveDocstring(Operation *owner, Block &body) {
  auto first = llvm::find_if(body, isCodeStatement);
  if (first == body.end())
    return;
  auto stmt = dyn_cast<ExprStmtOp>(*first);
  if (!stmt)
    return;
  auto str = stmt.getValue().getDefiningOp<StrOp>();
  bool onlyStatement = llvm::count_if(body, isCodeStatement) == 1;
  if (!str || onlyStatement)
    return;
  owner->setAttr("doc", str.getValueAttr());
  if (auto comment = stmt->getAttrOfType<StringAttr>(kTrailingCommentAttr)) {
    OpBuilder::InsertionGuard guard(builder);
    builder.setInsertionPoint(stmt);
    CommentOp::create(builder, stmt.getLoc(), comment);
  }
  eraseStatement(stmt);
}

LogicalResult Parser::parseDefinitionBody(Operation *definition, Scope scope,
                                          bool blankBefore) {
  if (blankBefore)
    definition->setAttr(kBlankLineAttr, builder.getUnitAttr());
  Block &body = definition->getRegion(0).emplaceBlock();
  if (failed(parseSuite(body, scope, /*nested=*/false, definition)))
    return failure();
  moveDocstring(definition, body);
  return success();
}

LogicalResult Parser::parseDef(Scope scope, bool nested,
                               ArrayRef<Value> decorators, bool blankBefore) {
  const Token &start = tok();
  if (scope == Scope::Function)
    return unsupported(start, "a nested function",
                       "define the function at module level");
  if (nested)
    return unsupported(start, "a function defined inside an if/for block",
                       "define the function at module level");
  consume();
  FailureOr<std::string> name = expectName("a function name");
  if (failed(name) || failed(expect("(", "after the function name")))
    return failure();
  SmallVector<Attribute> params;
  SmallVector<Value> annotations, defaults;
  SmallVector<int64_t> annotated, defaulted;
  llvm::StringSet<> seen;
  bool seenDefault = false, keywordOnly = false;
  while (!tok().isOp(")")) {
    const Token &at = tok();
    if (at.isOp("/"))
      return unsupported(at, "a positional-only parameter marker ('/')",
                         "remove the '/'");
    std::string stars;
    if (consumeIf("**"))
      stars = "**";
    else if (consumeIf("*"))
      stars = "*";
    int64_t position = params.size();
    if (stars == "*" && (tok().isOp(",") || tok().isOp(")"))) {
      if (keywordOnly)
        return error(at, "'*' may appear only once among the parameters");
      keywordOnly = true;
      params.push_back(builder.getStringAttr("*"));
    } else {
      FailureOr<std::string> param = expectName("a parameter name");
      if (failed(param))
        return failure();
      if (!seen.insert(*param).second)
        return error(at, "duplicate parameter '" + *param + "'");
      params.push_back(builder.getStringAttr(stars + *param));
      keywordOnly |= stars == "*";
      if (consumeIf(":")) {
        Value annotation = parseTest();
        if (!annotation)
          return failure();
        annotations.push_back(annotation);
        annotated.push_back(position);
      }
      if (tok().isOp("=")) {
        if (!stars.empty())
          return error(tok(),
                       "'" + stars + "' parameters cannot have a default");
        consume();
        Value value = parseTest();
        if (!value)
          return failure();
        defaults.push_back(value);
        defaulted.push_back(position);
        seenDefault = true;
      } else if (seenDefault && stars.empty() && !keywordOnly) {
        return error(
            at,
            "parameter without a default follows a parameter with a default");
      }
    }
    if (!consumeIf(",")) {
      if (!tok().isOp(")"))
        return error(tok(),
                     "expected ',' or ')' in the parameter list, found " +
                         describe(tok()));
      break;
    }
    if (stars == "**" && !tok().isOp(")"))
      return error(
          tok(), "no parameter may follow '**" +
                     cast<StringAttr>(params.back()).getValue().drop_front(2) +
                     "'");
  }
  consume();
  Value returns;
  if (consumeIf("->") && !(returns = parseTest()))
    return failure();
  auto def = makeStmt<DefOp>(start, *name, builder.getArrayAttr(params),
                             annotated, defaulted, StringAttr(), annotations,
                             defaults, returns, decorators);
  return parseDefinitionBody(def, Scope::Function, blankBefore);
}

LogicalResult Parser::parseClass(Scope scope, bool nested,
                                 ArrayRef<Value> decorators, bool blankBefore) {
  const Token &start = tok();
  if (scope != Scope::Module || nested)
    return unsupported(start, "a class inside a function, class or block",
                       "define the class at module level");
  consume();
  FailureOr<std::string> name = expectName("a class name");
  if (failed(name))
    return failure();
  SmallVector<Attribute> bases;
  llvm::StringSet<> seen;
  if (consumeIf("(")) {
    while (!tok().isOp(")")) {
      const Token &at = tok();
      if (at.kind == TokenKind::Name && tok(1).isOp("="))
        return unsupported(
            at, "a class keyword such as metaclass=", "list only base classes");
      FailureOr<std::string> dotted = parseDottedName("a base class name");
      if (failed(dotted))
        return failure();
      std::string base = *dotted;
      if (!tok().isOp(",") && !tok().isOp(")"))
        return unsupported(tok(), "a base class other than a plain name",
                           "inherit from a class name such as nn.Module");
      if (base == *name)
        return error(at, "class '" + base + "' cannot inherit from itself");
      if (!seen.insert(base).second)
        return error(at, "duplicate base class '" + base + "'");
      bases.push_back(FlatSymbolRefAttr::get(builder.getContext(), base));
      if (!consumeIf(","))
        break;
    }
    if (failed(expect(")", "after the base classes")))
      return failure();
  }
  auto cls = makeStmt<ClassOp>(start, *name, builder.getArrayAttr(bases),
                               StringAttr(), decorators);
  return parseDefinitionBody(cls, Scope::Class, blankBefore);
}

LogicalResult Parser::parseIf(Scope scope, bool nested) {
  const Token &start = consume();
  Value cond = parseTest();
  if (!cond)
    return failure();
  auto ifOp = makeStmt<IfOp>(start, cond);
  if (start.isKeyword("if") && start.blankBefore)
    ifOp->setAttr(kBlankLineAttr, builder.getUnitAttr());
  Block &thenBlock = ifOp.getThenRegion().emplaceBlock();
  if (failed(parseSuite(thenBlock, scope, /*nested=*/true, ifOp)))
    return failure();

  // Comment lines before `elif`/`else` stay with the branch above them.
  size_t next = index;
  while (tokens[next].kind == TokenKind::Comment)
    ++next;
  if (!tokens[next].isKeyword("elif") && !tokens[next].isKeyword("else"))
    return success();
  {
    OpBuilder::InsertionGuard guard(builder);
    builder.setInsertionPointToEnd(&thenBlock);
    while (tok().kind == TokenKind::Comment) {
      const Token &comment = consume();
      makeStmt<CommentOp>(comment, comment.value);
    }
  }
  OpBuilder::InsertionGuard guard(builder);
  Block &elseBlock = ifOp.getElseRegion().emplaceBlock();
  builder.setInsertionPointToEnd(&elseBlock);
  if (tok().isKeyword("elif"))
    return parseIf(scope, nested);
  const Token &elseTok = consume();
  if (!tok().isOp(":"))
    return error(tok(), "expected ':' after 'else', found " + describe(tok()));
  // `else:` has no op of its own; its comment opens the else block.
  if (tok(1).kind == TokenKind::Newline && tok(1).hasTrailingComment)
    makeStmt<CommentOp>(elseTok, tok(1).trailingComment);
  return parseSuite(elseBlock, scope, /*nested=*/true, /*header=*/nullptr);
}

LogicalResult Parser::parseFor(Scope scope, bool nested) {
  const Token &start = consume();
  Value target = parseTargetList();
  if (!target || failed(checkTarget(start, target, /*allowUnpack=*/true)))
    return failure();
  if (!consumeKeyword("in"))
    return error(tok(), "expected 'in' in the for statement, found " +
                            describe(tok()));
  Value iter = parseExprList();
  if (!iter)
    return failure();
  auto forOp = makeStmt<ForOp>(start, target, iter);
  if (start.blankBefore)
    forOp->setAttr(kBlankLineAttr, builder.getUnitAttr());
  if (failed(parseSuite(forOp.getBody().emplaceBlock(), scope, /*nested=*/true,
                        forOp)))
    return failure();
  size_t next = index;
  while (tokens[next].kind == TokenKind::Comment)
    ++next;
  if (tokens[next].isKeyword("else"))
    return unsupported(tokens[next], "'for ... else'",
                       "move the else block after the loop");
  return success();
}

//===----------------------------------------------------------------------===//
// Entry point
//===----------------------------------------------------------------------===//

OwningOpRef<ModuleOp> tmc::parsePython(llvm::SourceMgr &sourceMgr,
                                       MLIRContext *context) {
  context->loadDialect<MdlDialect>();
  const llvm::MemoryBuffer *buffer =
      sourceMgr.getMemoryBuffer(sourceMgr.getMainFileID());
  StringAttr file = StringAttr::get(context, buffer->getBufferIdentifier());
  // A bound on what one file can make tmc do: the largest transformers
  // modeling file is about 300 KB; a 50 MB file took minutes and gigabytes.
  constexpr size_t kMaxModelFileBytes = 8 << 20;
  if (buffer->getBufferSize() > kMaxModelFileBytes) {
    emitError(FileLineColLoc::get(file, 1, 1))
        << "model file of " << buffer->getBufferSize()
        << " bytes; tmc reads model files of at most 8 MiB (8388608 bytes)";
    return nullptr;
  }
  OwningOpRef<ModuleOp> module =
      ModuleOp::create(FileLineColLoc::get(file, 1, 1));
  Parser parser(python::lex(buffer->getBuffer()), file, *module);
  if (failed(parser.parseFile()) || failed(verify(*module)))
    return nullptr;
  return module;
}

OwningOpRef<ModuleOp> tmc::parsePythonFile(llvm::StringRef path, MLIRContext *context,
                                           llvm::vfs::FileSystem &fs) {
  auto buffer = fs.getBufferForFile(path);
  if (!buffer) {
    emitError(UnknownLoc::get(context))
        << path << ": cannot read (" << buffer.getError().message() << ")";
    return nullptr;
  }
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(std::move(*buffer), llvm::SMLoc());
  return parsePython(sourceMgr, context);
}
