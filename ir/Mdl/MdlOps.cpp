//===- MdlOps.cpp - mdl operations ------------------------------*- C++ -*-===//
//
// Verifiers and custom assembly of the mdl ops. The rules checked here are the
// ones Python itself enforces, so that a printed module is always valid Python.
//
//===----------------------------------------------------------------------===//

#include "ir/Mdl/MdlOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"

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
              .Cases({"nonlocal", "not", "or", "pass", "raise", "return",
                      "try", "while", "with", "yield"},
                     true)
              .Default(false);
}

/// A base class may be qualified (`nn.Module`): each dotted part is a name.
static bool isDottedName(llvm::StringRef name) {
  llvm::SmallVector<llvm::StringRef> parts;
  name.split(parts, '.');
  return llvm::all_of(parts, isPythonIdentifier);
}

//===----------------------------------------------------------------------===//
// ClassOp
//===----------------------------------------------------------------------===//

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
             << baseName << "' is listed twice (Python rejects duplicate bases)";
  }
  for (Operation &op : getBody().front())
    if (!isa<DefOp, PassOp>(op))
      return op.emitOpError("is not allowed in a class body");
  return success();
}

//===----------------------------------------------------------------------===//
// DefOp
//===----------------------------------------------------------------------===//

bool DefOp::isMethod() { return isa_and_nonnull<ClassOp>((*this)->getParentOp()); }

LogicalResult DefOp::verify() {
  StringRef name = getSymName();
  if (!isPythonIdentifier(name))
    return emitOpError("function name '")
           << name << "' is not a Python identifier";
  llvm::StringSet<> seen;
  for (auto param : getParams().getAsValueRange<StringAttr>()) {
    if (!isPythonIdentifier(param))
      return emitOpError("parameter '") << param << "' is not a Python identifier";
    if (!seen.insert(param).second)
      return emitOpError("parameter '")
             << param << "' appears twice in '" << name << "'";
  }
  if (isMethod() && (getParams().empty() ||
                     cast<StringAttr>(getParams()[0]).getValue() != "self"))
    return emitOpError("method '")
           << name << "' must take 'self' as its first parameter";
  if (getBody().front().empty())
    return emitOpError("body of '")
           << name << "' is empty; Python needs at least one statement (use mdl.pass)";
  return success();
}

/// Parses `(self, hidden_states)` into an array of parameter names.
static ParseResult parseParamList(OpAsmParser &parser, ArrayAttr &params) {
  SmallVector<Attribute> names;
  auto parseOne = [&]() -> ParseResult {
    std::string name;
    if (parser.parseKeywordOrString(&name))
      return failure();
    names.push_back(parser.getBuilder().getStringAttr(name));
    return success();
  };
  if (parser.parseCommaSeparatedList(OpAsmParser::Delimiter::Paren, parseOne))
    return failure();
  params = parser.getBuilder().getArrayAttr(names);
  return success();
}

static void printParamList(OpAsmPrinter &printer, Operation *, ArrayAttr params) {
  printer << '(';
  llvm::interleaveComma(params.getAsValueRange<StringAttr>(), printer,
                        [&](StringRef name) { printer.printKeywordOrString(name); });
  printer << ')';
}

#define GET_OP_CLASSES
#include "ir/Mdl/MdlOps.cpp.inc"
