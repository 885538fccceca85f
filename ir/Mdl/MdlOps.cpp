//===- MdlOps.cpp - mdl operations ------------------------------*- C++ -*-===//
//
// Verifiers and custom assembly of the mdl ops. The rules checked here are the
// ones Python itself enforces, so that a printed module is always valid Python.
//
//===----------------------------------------------------------------------===//

#include "ir/Mdl/MdlOps.h"

#include "mlir/IR/Builders.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/ADT/StringSwitch.h"

using namespace mlir;
using namespace tmc::mdl;

bool tmc::mdl::isPythonIdentifier(llvm::StringRef name) {
  if (name.empty() || !(llvm::isAlpha(name[0]) || name[0] == '_'))
    return false;
  if (!llvm::all_of(name, [](char c) { return llvm::isAlnum(c) || c == '_'; }))
    return false;
  return !llvm::StringSwitch<bool>(name)
              .Cases({"False", "None", "True", "and", "as", "assert", "async",
                      "await", "break", "class", "continue", "def", "del"},
                     true)
              .Cases({"elif", "else", "except", "finally", "for", "from",
                      "global", "if", "import", "in", "is", "lambda"},
                     true)
              .Cases({"nonlocal", "not", "or", "pass", "raise", "return", "try",
                      "while", "with", "yield"},
                     true)
              .Default(false);
}

/// A module or base class may be qualified (`nn.Module`): each dotted part is
/// a name.
static bool isDottedName(llvm::StringRef name) {
  llvm::SmallVector<llvm::StringRef> parts;
  name.split(parts, '.');
  return llvm::all_of(parts, isPythonIdentifier);
}

LogicalResult tmc::mdl::verifyExpression(Operation *op) {
  Value result = op->getResult(0);
  if (!result.hasOneUse())
    return op->emitOpError("result must have exactly one use (the statement or "
                           "expression it belongs to), found ")
           << std::distance(result.use_begin(), result.use_end());
  Operation *user = *result.user_begin();
  if (user->getBlock() != op->getBlock())
    return op->emitOpError("must be in the same block as its user");
  return success();
}

void tmc::mdl::eraseStatement(Operation *stmt) {
  // Operands first feed the statement, then become dead; erase users before
  // definitions so that no use dangles.
  SmallVector<Operation *> worklist{stmt};
  while (!worklist.empty()) {
    Operation *op = worklist.pop_back_val();
    SmallVector<Operation *> defs;
    for (Value operand : op->getOperands())
      if (Operation *def = operand.getDefiningOp();
          def && def->hasTrait<Expression>())
        defs.push_back(def);
    op->erase();
    llvm::append_range(worklist, defs);
  }
}

bool tmc::mdl::isCodeStatement(Operation &op) {
  return op.hasTrait<Statement>() && !isa<CommentOp>(op);
}

/// What a body may hold: mdl statements and the expressions they use.
static bool isStatementOrExpression(Operation &op) {
  return op.hasTrait<Statement>() || op.hasTrait<Expression>();
}

static bool hasStatement(Block &block) {
  return llvm::any_of(block, isCodeStatement);
}

/// Checks that every string in `names` is a Python identifier.
static LogicalResult verifyIdentifiers(Operation *op, StringRef what,
                                       ArrayRef<StringRef> names) {
  for (StringRef name : names)
    if (!isPythonIdentifier(name))
      return op->emitOpError()
             << what << " '" << name << "' is not a Python identifier";
  return success();
}

//===----------------------------------------------------------------------===//
// Expressions
//===----------------------------------------------------------------------===//

LogicalResult NameOp::verify() {
  return verifyIdentifiers(*this, "name", getId());
}

double FloatOp::getValue() {
  double value = 0;
  std::string digits = getSpelling().str();
  llvm::erase(digits, '_');
  (void)llvm::StringRef(digits).getAsDouble(value);
  return value;
}

LogicalResult FloatOp::verify() {
  std::string digits = getSpelling().str();
  llvm::erase(digits, '_');
  double value;
  if (digits.empty() ||
      (!llvm::isDigit(digits.back()) && digits.back() != '.') ||
      llvm::StringRef(digits).getAsDouble(value))
    return emitOpError("'") << getSpelling() << "' is not a float literal";
  return success();
}

LogicalResult AttrOp::verify() {
  return verifyIdentifiers(*this, "attribute", getName());
}

LogicalResult SliceOp::verify() {
  // `x[a:b]` or `x[a:b, c]`: the index itself, or an element of it.
  Value index = getResult();
  Operation *user = *index.user_begin();
  if (isa<TupleOp>(user) && user->hasOneUse()) {
    index = user->getResult(0);
    user = *index.user_begin();
  }
  auto subscript = dyn_cast<SubscriptOp>(user);
  if (!subscript || subscript.getIndex() != index)
    return emitOpError("a slice can only appear inside a subscript");
  return success();
}

StringRef CallOp::getArgName(unsigned i) {
  return getNames().empty() ? StringRef()
                            : cast<StringAttr>(getNames()[i]).getValue();
}

LogicalResult CallOp::verify() {
  if (!getNames().empty() && getNames().size() != getArgs().size())
    return emitOpError("has ") << getArgs().size() << " arguments but "
                               << getNames().size() << " names";
  bool seenKeyword = false, seenDoubleStar = false;
  llvm::StringSet<> keywords;
  for (unsigned i = 0, e = getArgs().size(); i < e; ++i) {
    StringRef name = getArgName(i);
    if (name.empty()) {
      if (seenKeyword || seenDoubleStar)
        return emitOpError("positional argument follows keyword argument");
    } else if (name == "*") {
      if (seenDoubleStar)
        return emitOpError("'*' argument follows '**' argument");
    } else if (name == "**") {
      seenDoubleStar = true;
    } else {
      if (!isPythonIdentifier(name))
        return emitOpError("keyword '")
               << name << "' is not a Python identifier";
      if (!keywords.insert(name).second)
        return emitOpError("keyword argument '") << name << "' repeated";
      seenKeyword = true;
    }
  }
  return success();
}

LogicalResult BinaryOp::verify() {
  if (!llvm::is_contained(
          {"+", "-", "*", "/", "//", "%", "**", "@", "&", "|", "^", "<<", ">>"},
          getOp()))
    return emitOpError("unknown binary operator '") << getOp() << "'";
  return success();
}

LogicalResult UnaryOp::verify() {
  if (!llvm::is_contained({"-", "+", "~", "not"}, getOp()))
    return emitOpError("unknown unary operator '") << getOp() << "'";
  return success();
}

LogicalResult CompareOp::verify() {
  if (getOps().empty() || getOperands().size() != getOps().size() + 1)
    return emitOpError("needs one more operand than operators");
  for (StringRef op : getOps().getAsValueRange<StringAttr>())
    if (!llvm::is_contained(
            {"==", "!=", "<", "<=", ">", ">=", "is", "is not", "in", "not in"},
            op))
      return emitOpError("unknown comparison '") << op << "'";
  return success();
}

LogicalResult LogicalOp::verify() {
  if (getOp() != "and" && getOp() != "or")
    return emitOpError("operator must be 'and' or 'or', not '")
           << getOp() << "'";
  if (getOperands().size() < 2)
    return emitOpError("needs at least two operands");
  return success();
}

LogicalResult StarredOp::verify() {
  if (!isa<TupleOp, ListOp>(*(*this)->user_begin()))
    return emitOpError(
        "'*' unpacking can only appear in a tuple or list display");
  return success();
}

LogicalResult DictOp::verify() {
  if (getEntries().size() % 2)
    return emitOpError("needs a value for every key");
  return success();
}

/// A valid target of an assignment, `for` or `del`: a name, attribute or
/// subscript, or (when `allowUnpack`) a tuple or list of valid targets.
static bool isTarget(Value value, bool allowUnpack) {
  Operation *def = value.getDefiningOp();
  if (isa_and_nonnull<NameOp, AttrOp, SubscriptOp>(def))
    return true;
  if (!allowUnpack || !isa_and_nonnull<TupleOp, ListOp>(def))
    return false;
  return llvm::all_of(def->getOperands(), [](Value v) {
    return isTarget(v, /*allowUnpack=*/true);
  });
}

LogicalResult ListCompOp::verify() {
  if (!isTarget(getTarget(), /*allowUnpack=*/true))
    return emitOpError(
        "comprehension target must be names, attributes or subscripts");
  return success();
}

//===----------------------------------------------------------------------===//
// Statements
//===----------------------------------------------------------------------===//

LogicalResult ImportOp::verify() {
  if (!isDottedName(getModule()))
    return emitOpError("'") << getModule() << "' is not a module name";
  if (getAlias() && !isPythonIdentifier(*getAlias()))
    return emitOpError("alias '")
           << *getAlias() << "' is not a Python identifier";
  return success();
}

LogicalResult FromImportOp::verify() {
  StringRef module = getModule().ltrim('.');
  if (!(module.empty() ? getModule().size() > 0 : isDottedName(module)))
    return emitOpError("'") << getModule() << "' is not a module name";
  if (getNames().empty())
    return emitOpError("imports no names");
  if (!getAliases().empty() && getAliases().size() != getNames().size())
    return emitOpError("needs one alias per name (\"\" for none)");
  for (auto [i, name] :
       llvm::enumerate(getNames().getAsValueRange<StringAttr>())) {
    if (!isPythonIdentifier(name))
      return emitOpError("name '") << name << "' is not a Python identifier";
    if (getAliases().empty())
      continue;
    StringRef alias = cast<StringAttr>(getAliases()[i]).getValue();
    if (!alias.empty() && !isPythonIdentifier(alias))
      return emitOpError("alias '") << alias << "' is not a Python identifier";
  }
  return success();
}

LogicalResult ClassOp::verify() {
  StringRef name = getSymName();
  if (!isPythonIdentifier(name))
    return emitOpError("class name '")
           << name << "' is not a Python identifier";
  llvm::StringSet<> seen;
  for (auto base : getBases().getAsRange<FlatSymbolRefAttr>()) {
    StringRef baseName = base.getValue();
    if (!isDottedName(baseName))
      return emitOpError("base '") << baseName << "' is not a Python name";
    if (baseName == name)
      return emitOpError("class '") << name << "' cannot inherit from itself";
    if (!seen.insert(baseName).second)
      return emitOpError("base '")
             << baseName
             << "' is listed twice (Python rejects duplicate bases)";
  }
  Block &body = getBody().front();
  for (Operation &op : body)
    if (!isStatementOrExpression(op) ||
        isa<ReturnOp, ImportOp, FromImportOp, ClassOp>(op))
      return op.emitOpError("is not allowed in a class body");
  if (!hasStatement(body))
    return emitOpError("body of class '")
           << name
           << "' is empty; Python needs at least one statement (use mdl.pass)";
  return success();
}

bool DefOp::isMethod() {
  return isa_and_nonnull<ClassOp>((*this)->getParentOp());
}

/// Where `index` sits in `indices`, as an operand position, or -1.
static int positionOf(ArrayRef<int64_t> indices, int64_t index) {
  const int64_t *it = llvm::find(indices, index);
  return it == indices.end() ? -1 : it - indices.begin();
}

Value DefOp::getAnnotation(unsigned i) {
  int pos = positionOf(getAnnotated(), i);
  return pos < 0 ? Value() : getAnnotations()[pos];
}

Value DefOp::getDefault(unsigned i) {
  int pos = positionOf(getDefaulted(), i);
  return pos < 0 ? Value() : getDefaults()[pos];
}

LogicalResult DefOp::verify() {
  StringRef name = getSymName();
  if (!isPythonIdentifier(name))
    return emitOpError("function name '")
           << name << "' is not a Python identifier";
  if (getAnnotated().size() != getAnnotations().size() ||
      getDefaulted().size() != getDefaults().size())
    return emitOpError("needs one parameter index per annotation and default");
  for (ArrayRef<int64_t> indices : {getAnnotated(), getDefaulted()})
    for (auto [i, index] : llvm::enumerate(indices))
      if (index < 0 || index >= (int64_t)getParams().size() ||
          (i > 0 && index <= indices[i - 1]))
        return emitOpError("parameter indices must be increasing and in range");

  llvm::StringSet<> seen;
  bool keywordOnly = false, seenDefault = false, seenDoubleStar = false;
  for (auto [i, param] :
       llvm::enumerate(getParams().getAsValueRange<StringAttr>())) {
    if (seenDoubleStar)
      return emitOpError("parameter '") << param << "' follows '**' parameter";
    if (param.starts_with("*") && !param.starts_with("**")) {
      if (keywordOnly)
        return emitOpError("'*' appears twice in '") << name << "'";
      keywordOnly = true;
      if (param == "*" &&
          (i + 1 == getParams().size() ||
           cast<StringAttr>(getParams()[i + 1]).getValue().starts_with("**")))
        return emitOpError("named parameters must follow a bare '*'");
      if (getDefault(i))
        return emitOpError("'") << param << "' cannot have a default";
      if (param == "*")
        continue;
    }
    if (param.starts_with("**")) {
      seenDoubleStar = true;
      if (getDefault(i))
        return emitOpError("'") << param << "' cannot have a default";
    }
    StringRef bare = param.ltrim('*');
    if (!isPythonIdentifier(bare))
      return emitOpError("parameter '")
             << bare << "' is not a Python identifier";
    if (!seen.insert(bare).second)
      return emitOpError("parameter '")
             << bare << "' appears twice in '" << name << "'";
    if (keywordOnly || param.starts_with("*"))
      continue;
    if (getDefault(i))
      seenDefault = true;
    else if (seenDefault)
      return emitOpError("parameter '")
             << bare
             << "' without a default follows a parameter with a default";
  }
  if (isMethod() && getDecorators().empty() &&
      (getParams().empty() ||
       cast<StringAttr>(getParams()[0]).getValue() != "self"))
    return emitOpError("method '")
           << name << "' must take 'self' as its first parameter";
  Block &body = getBody().front();
  for (Operation &op : body)
    if (!isStatementOrExpression(op) ||
        isa<ImportOp, FromImportOp, ClassOp, DefOp>(op))
      return op.emitOpError("is not allowed in a function body");
  if (!hasStatement(body))
    return emitOpError("body of '")
           << name
           << "' is empty; Python needs at least one statement (use mdl.pass)";
  return success();
}

/// Parses `(self, x: %0, y = %1, *, z: %2 = %3, **kwargs)`.
static ParseResult
parseParams(OpAsmParser &parser, ArrayAttr &params,
            SmallVectorImpl<OpAsmParser::UnresolvedOperand> &annotations,
            SmallVectorImpl<OpAsmParser::UnresolvedOperand> &defaults,
            DenseI64ArrayAttr &annotated, DenseI64ArrayAttr &defaulted) {
  SmallVector<Attribute> names;
  SmallVector<int64_t> annotatedIdx, defaultedIdx;
  auto parseOne = [&]() -> ParseResult {
    std::string name;
    if (parser.parseOptionalStar().succeeded())
      name = parser.parseOptionalStar().succeeded() ? "**" : "*";
    std::string bare;
    if (name != "*" || !parser.parseOptionalKeywordOrString(&bare).failed())
      if (bare.empty() && parser.parseKeywordOrString(&bare))
        return failure();
    name += bare;
    int64_t index = names.size();
    names.push_back(parser.getBuilder().getStringAttr(name));
    if (parser.parseOptionalColon().succeeded()) {
      if (parser.parseOperand(annotations.emplace_back()))
        return failure();
      annotatedIdx.push_back(index);
    }
    if (parser.parseOptionalEqual().succeeded()) {
      if (parser.parseOperand(defaults.emplace_back()))
        return failure();
      defaultedIdx.push_back(index);
    }
    return success();
  };
  if (parser.parseCommaSeparatedList(OpAsmParser::Delimiter::Paren, parseOne))
    return failure();
  params = parser.getBuilder().getArrayAttr(names);
  annotated = parser.getBuilder().getDenseI64ArrayAttr(annotatedIdx);
  defaulted = parser.getBuilder().getDenseI64ArrayAttr(defaultedIdx);
  return success();
}

static void printParams(OpAsmPrinter &printer, DefOp op, ArrayAttr params,
                        OperandRange, OperandRange, DenseI64ArrayAttr,
                        DenseI64ArrayAttr) {
  printer << '(';
  llvm::interleaveComma(llvm::enumerate(params.getAsValueRange<StringAttr>()),
                        printer, [&](auto indexed) {
                          StringRef name = indexed.value();
                          StringRef bare = name.ltrim('*');
                          printer << name.take_front(name.size() - bare.size());
                          if (!bare.empty())
                            printer.printKeywordOrString(bare);
                          if (Value annotation =
                                  op.getAnnotation(indexed.index()))
                            printer << ": " << annotation;
                          if (Value value = op.getDefault(indexed.index()))
                            printer << " = " << value;
                        });
  printer << ')';
}

/// Parses `%k0 : %v0, %k1 : %v1` (possibly empty) into alternating operands.
static ParseResult
parseDictEntries(OpAsmParser &parser,
                 SmallVectorImpl<OpAsmParser::UnresolvedOperand> &entries) {
  OpAsmParser::UnresolvedOperand key;
  OptionalParseResult first = parser.parseOptionalOperand(key);
  if (!first.has_value())
    return success();
  if (failed(*first))
    return failure();
  do {
    if (entries.size())
      if (parser.parseOperand(key))
        return failure();
    entries.push_back(key);
    if (parser.parseColon() || parser.parseOperand(entries.emplace_back()))
      return failure();
  } while (parser.parseOptionalComma().succeeded());
  return success();
}

static void printDictEntries(OpAsmPrinter &printer, DictOp op, OperandRange) {
  for (unsigned i = 0, e = op.getNumEntries(); i < e; ++i)
    printer << (i ? ", " : "") << op.getKey(i) << " : " << op.getValue(i);
}

LogicalResult AssignOp::verify() {
  if (!getAnnotation() && !getValue())
    return emitOpError("needs a value or an annotation");
  bool isAnnotated = static_cast<bool>(getAnnotation());
  if (!isTarget(getTarget(), /*allowUnpack=*/!isAnnotated))
    return emitOpError(isAnnotated ? "an annotated target must be a name, "
                                     "attribute or subscript"
                                   : "cannot assign to this expression");
  return success();
}

LogicalResult AugAssignOp::verify() {
  if (!llvm::is_contained({"+=", "-=", "*=", "/=", "//=", "%=", "**=", "@=",
                           "&=", "|=", "^=", "<<=", ">>="},
                          getOp()))
    return emitOpError("unknown augmented assignment '") << getOp() << "'";
  if (!isTarget(getTarget(), /*allowUnpack=*/false))
    return emitOpError("target must be a name, attribute or subscript");
  return success();
}

LogicalResult ReturnOp::verify() {
  if (!(*this)->getParentOfType<DefOp>())
    return emitOpError("'return' outside a function");
  return success();
}

LogicalResult DelOp::verify() {
  if (getTargets().empty())
    return emitOpError("needs at least one target");
  for (Value target : getTargets())
    if (!isTarget(target, /*allowUnpack=*/true))
      return emitOpError("cannot delete this expression");
  return success();
}

LogicalResult CommentOp::verify() {
  if (getText().contains('\n') || getText().contains('\r'))
    return emitOpError("comment must be a single line");
  return success();
}

/// The statements of a compound statement's block must not be definitions:
/// model files define classes and functions at the top level only.
static LogicalResult verifyNestedBlock(Operation *op, Block &block) {
  for (Operation &nested : block)
    if (!isStatementOrExpression(nested) ||
        isa<ClassOp, DefOp, ImportOp, FromImportOp>(nested))
      return nested.emitOpError("is not allowed inside '")
             << op->getName() << "'";
  if (!hasStatement(block))
    return op->emitOpError("has an empty body; Python needs at least one "
                           "statement (use mdl.pass)");
  return success();
}

IfOp IfOp::getElif() {
  if (getElseRegion().empty())
    return {};
  IfOp elif;
  for (Operation &op : getElseRegion().front()) {
    if (op.hasTrait<Expression>())
      continue;
    if (elif || !isa<IfOp>(op))
      return {};
    elif = cast<IfOp>(op);
  }
  return elif;
}

LogicalResult IfOp::verify() {
  if (failed(verifyNestedBlock(*this, getThenRegion().front())))
    return failure();
  if (!getElseRegion().empty())
    return verifyNestedBlock(*this, getElseRegion().front());
  return success();
}

LogicalResult ForOp::verify() {
  if (!isTarget(getTarget(), /*allowUnpack=*/true))
    return emitOpError("loop target must be names, attributes or subscripts");
  return verifyNestedBlock(*this, getBody().front());
}

#define GET_OP_CLASSES
#include "ir/Mdl/MdlOps.cpp.inc"
