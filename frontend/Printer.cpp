//===- Printer.cpp - the mdl dialect as canonical Python --------*- C++ -*-===//
//
// Prints a module of mdl ops as one Python file in a single canonical format,
// so that expanded modeling files can be compared byte for byte:
//   - 4-space indents; two blank lines around top-level classes and functions
//     (with the comment lines directly above them), one between methods, and
//     elsewhere one blank line where the source had one or more;
//   - strings in double quotes, docstrings triple-quoted and re-indented;
//   - operators spaced, parentheses only where precedence needs them;
//   - a statement longer than 100 columns has its outermost call, list,
//     tuple or dict split one element per line with a trailing comma,
//     recursively for elements that are still too long; a list
//     comprehension splits before each `for` and `if`; a statement's
//     operator chain that does not fit in parentheses on a line of its own
//     is split before its loosest operator, and a conditional expression
//     before `if` and `else`, inside parentheses (as black does).
// Parsing the output gives the same output again.
//
//===----------------------------------------------------------------------===//

#include "frontend/Python.h"
#include "ir/Mdl/MdlOps.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace tmc::mdl;

namespace {

constexpr size_t kLineWidth = 100;
constexpr unsigned kIndent = 4;
/// A method call this short stays after the closing bracket of the call
/// before it rather than being split itself.
constexpr size_t kShortTail = 24;

/// Python operator precedence, loosest first; Atom binds tightest.
enum Precedence {
  kTuple,
  kIfExp,
  kOr,
  kAnd,
  kNot,
  kCompare,
  kBitOr,
  kBitXor,
  kBitAnd,
  kShift,
  kArith,
  kTerm,
  kUnary,
  kPower,
  kPrimary,
  kAtom,
};

Precedence binaryPrecedence(StringRef op) {
  return llvm::StringSwitch<Precedence>(op)
      .Case("|", kBitOr)
      .Case("^", kBitXor)
      .Case("&", kBitAnd)
      .Cases({"<<", ">>"}, kShift)
      .Cases({"+", "-"}, kArith)
      .Case("**", kPower)
      .Default(kTerm);
}

Precedence precedenceOf(Value value) {
  Operation *op = value.getDefiningOp();
  return llvm::TypeSwitch<Operation *, Precedence>(op)
      .Case([](BinaryOp b) { return binaryPrecedence(b.getOp()); })
      .Case([](UnaryOp u) { return u.getOp() == "not" ? kNot : kUnary; })
      .Case([](CompareOp) { return kCompare; })
      .Case([](LogicalOp l) { return l.getOp() == "or" ? kOr : kAnd; })
      .Case([](IfExpOp) { return kIfExp; })
      .Case<AttrOp, SubscriptOp, CallOp>([](Operation *) { return kPrimary; })
      .Default([](Operation *) { return kAtom; });
}

/// A name or number, possibly negated, and with `allowAttributes` an
/// attribute chain (`self.head_dim`): black hugs `**` around these, and `:`
/// in slices around the ones without attributes.
bool isSimpleOperand(Value value, bool allowAttributes) {
  Operation *op = value.getDefiningOp();
  if (isa<NameOp, IntOp, FloatOp>(op))
    return true;
  if (auto unary = dyn_cast<UnaryOp>(op))
    return unary.getOp() != "not" &&
           isSimpleOperand(unary.getOperand(), allowAttributes);
  if (auto attr = dyn_cast<AttrOp>(op))
    return allowAttributes &&
           isa<NameOp, AttrOp>(attr.getBase().getDefiningOp()) &&
           isSimpleOperand(attr.getBase(), allowAttributes);
  return false;
}

/// `text` as a double-quoted Python string literal.
std::string quote(StringRef text) {
  std::string out = "\"";
  for (char c : text) {
    switch (c) {
    case '\\':
      out += "\\\\";
      break;
    case '"':
      out += "\\\"";
      break;
    case '\n':
      out += "\\n";
      break;
    case '\t':
      out += "\\t";
      break;
    case '\r':
      out += "\\r";
      break;
    default:
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
        out += "\\x" + llvm::utohexstr(static_cast<unsigned char>(c),
                                       /*LowerCase=*/true, 2);
      else
        out += c;
    }
  }
  return out + "\"";
}

/// `text` as a triple-quoted docstring whose second and later lines are
/// indented by `indent` (the parser removed their common indentation).
std::string docstring(StringRef text, unsigned indent) {
  std::string body;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '\\')
      body += "\\\\";
    else if (c == '"' && (i + 1 == text.size() || text[i + 1] == '"'))
      body += "\\\"";
    else if (c == '\r')
      body += "\\r";
    else if ((static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t') ||
             c == 0x7f)
      body += "\\x" + llvm::utohexstr(static_cast<unsigned char>(c), true, 2);
    else
      body += c;
  }
  SmallVector<StringRef> lines;
  StringRef(body).split(lines, '\n');
  std::string out = "\"\"\"" + lines.front().str();
  std::string pad(indent, ' ');
  for (auto [i, line] : llvm::enumerate(llvm::drop_begin(lines))) {
    bool last = i + 2 == lines.size();
    out += "\n";
    if (!line.empty() || last)
      out += pad + line.str();
  }
  return out + "\"\"\"";
}

class PythonPrinter {
public:
  explicit PythonPrinter(llvm::raw_ostream &os) : os(os) {}

  LogicalResult printModule(ModuleOp module);

private:
  enum class Level { Module, Class, Body };

  // Expressions, on one line.
  std::string expr(Value value);
  /// A tuple of two or more elements without parentheses, as after `return`.
  std::string bare(Value value);
  std::string operand(Value value, Precedence min);
  std::string callArg(CallOp call, unsigned i, Value arg);
  std::string subscriptIndex(Value index);
  /// `value` laid out to start at column `used` of a line indented by
  /// `indent`, with `suffix` columns following it on its last line. A
  /// statement-level value prints tuples bare and may be parenthesized.
  std::string layout(Value value, unsigned indent, size_t used, size_t suffix,
                     bool statementLevel);
  /// `op`'s brackets split one element per line; empty if it has none.
  std::string split(Operation *op, unsigned indent);
  /// `value` as an operand binding at least as tight as `min`, laid out.
  std::string layoutOperand(Value value, Precedence min, unsigned indent,
                            size_t used);
  /// A list comprehension split before each `for` and `if`.
  std::string splitComprehension(ListCompOp op, unsigned indent);
  /// An operator chain or conditional expression in parentheses, split
  /// before its loosest operators; empty for other ops.
  std::string splitOperators(Operation *op, unsigned indent);

  // Statements.
  /// Prints the statements of `block` up to `end` (all when null).
  LogicalResult printBlock(Block &block, unsigned indent, Level level,
                           bool afterDocstring, Operation *end = nullptr);
  LogicalResult printStatement(Operation *op, unsigned indent);
  void printLine(unsigned indent, StringRef text, Operation *op);
  void printHeader(unsigned indent, StringRef text, Operation *op);
  LogicalResult printIf(IfOp op, unsigned indent, StringRef keyword);
  LogicalResult printDef(DefOp op, unsigned indent);
  /// The docstring and statements of a class or function at `indent`.
  LogicalResult printBody(Block &body, std::optional<StringRef> doc,
                          unsigned indent, Level level);
  LogicalResult printClass(ClassOp op, unsigned indent);
  void printDecorators(OperandRange decorators, unsigned indent);
  std::string fromImport(FromImportOp op, unsigned indent);

  llvm::raw_ostream &os;
};

} // namespace

//===----------------------------------------------------------------------===//
// Expressions
//===----------------------------------------------------------------------===//

std::string PythonPrinter::operand(Value value, Precedence min) {
  std::string text = expr(value);
  return precedenceOf(value) < min ? "(" + text + ")" : text;
}

std::string PythonPrinter::bare(Value value) {
  auto tuple = value.getDefiningOp<TupleOp>();
  if (!tuple || tuple.getElements().size() < 2)
    return expr(value);
  return llvm::join(
      llvm::map_range(tuple.getElements(), [&](Value v) { return expr(v); }),
      ", ");
}

std::string PythonPrinter::callArg(CallOp call, unsigned i, Value arg) {
  StringRef name = call.getArgName(i);
  if (name.empty())
    return expr(arg);
  if (name == "*" || name == "**")
    return name.str() + operand(arg, kBitOr);
  return name.str() + "=" + expr(arg);
}

std::string PythonPrinter::subscriptIndex(Value index) {
  auto item = [&](Value v) {
    auto slice = v.getDefiningOp<SliceOp>();
    if (!slice)
      return expr(v);
    // As black does: `:` is spaced like a binary operator when a bound is
    // more than a name or number (`x[..., : x.shape[-1] // 2]`).
    SmallVector<Value> bounds;
    for (Value bound : {slice.getLower(), slice.getUpper(), slice.getStep()})
      if (bound)
        bounds.push_back(bound);
    bool spaced = !llvm::all_of(
        bounds, [](Value v) { return isSimpleOperand(v, false); });
    std::string colon = spaced ? " : " : ":";
    std::string text;
    if (slice.getLower())
      text += expr(slice.getLower());
    text += colon;
    if (slice.getUpper())
      text += expr(slice.getUpper());
    if (slice.getStep())
      text += colon + expr(slice.getStep());
    // No space at either end of the subscript: `x[: n + 1]`, `x[n + 1 :]`.
    return spaced ? StringRef(text).trim().str() : text;
  };
  auto tuple = index.getDefiningOp<TupleOp>();
  if (!tuple || tuple.getElements().empty())
    return item(index);
  std::string text =
      llvm::join(llvm::map_range(tuple.getElements(), item), ", ");
  return tuple.getElements().size() == 1 ? text + "," : text;
}

std::string PythonPrinter::expr(Value value) {
  auto join = [&](ValueRange values) {
    return llvm::join(llvm::map_range(values, [&](Value v) { return expr(v); }),
                      ", ");
  };
  return llvm::TypeSwitch<Operation *, std::string>(value.getDefiningOp())
      .Case([](NameOp op) { return op.getId().str(); })
      .Case([](IntOp op) { return std::to_string(op.getValue()); })
      .Case([](FloatOp op) { return op.getSpelling().str(); })
      .Case([](StrOp op) { return quote(op.getValue()); })
      .Case([](tmc::mdl::BoolOp op) {
        return std::string(op.getValue() ? "True" : "False");
      })
      .Case([](NoneOp) { return std::string("None"); })
      .Case([](EllipsisOp) { return std::string("..."); })
      .Case([&](AttrOp op) {
        // `1.real` would lex as a malformed float.
        std::string base = operand(op.getBase(), kPrimary);
        if (isa<IntOp>(op.getBase().getDefiningOp()))
          base = "(" + base + ")";
        return base + "." + op.getName().str();
      })
      .Case([&](SubscriptOp op) {
        return operand(op.getBase(), kPrimary) + "[" +
               subscriptIndex(op.getIndex()) + "]";
      })
      .Case([&](SliceOp op) { return subscriptIndex(op); })
      .Case([&](CallOp op) {
        SmallVector<std::string> args;
        for (auto [i, arg] : llvm::enumerate(op.getArgs()))
          args.push_back(callArg(op, i, arg));
        return operand(op.getCallee(), kPrimary) + "(" +
               llvm::join(args, ", ") + ")";
      })
      .Case([&](BinaryOp op) {
        Precedence prec = binaryPrecedence(op.getOp());
        // `**` binds right to left, and tighter than a unary minus on its left.
        if (prec == kPower) {
          bool hug = isSimpleOperand(op.getLhs(), true) &&
                     isSimpleOperand(op.getRhs(), true);
          return operand(op.getLhs(), kPrimary) + (hug ? "**" : " ** ") +
                 operand(op.getRhs(), kUnary);
        }
        return operand(op.getLhs(), prec) + " " + op.getOp().str() + " " +
               operand(op.getRhs(), Precedence(prec + 1));
      })
      .Case([&](UnaryOp op) {
        if (op.getOp() == "not")
          return "not " + operand(op.getOperand(), kNot);
        return op.getOp().str() + operand(op.getOperand(), kUnary);
      })
      .Case([&](CompareOp op) {
        std::string text = operand(op.getOperands()[0], kBitOr);
        for (auto [cmp, rhs] :
             llvm::zip(op.getOps().getAsValueRange<StringAttr>(),
                       op.getOperands().drop_front()))
          text += " " + cmp.str() + " " + operand(rhs, kBitOr);
        return text;
      })
      .Case([&](LogicalOp op) {
        Precedence inner = Precedence(precedenceOf(op) + 1);
        return llvm::join(
            llvm::map_range(op.getOperands(),
                            [&](Value v) { return operand(v, inner); }),
            " " + op.getOp().str() + " ");
      })
      .Case([&](IfExpOp op) {
        return operand(op.getThenValue(), kOr) + " if " +
               operand(op.getCond(), kOr) + " else " +
               operand(op.getElseValue(), kIfExp);
      })
      .Case([&](StarredOp op) { return "*" + operand(op.getValue(), kBitOr); })
      .Case([&](ListOp op) { return "[" + join(op.getElements()) + "]"; })
      .Case([&](TupleOp op) {
        return "(" + join(op.getElements()) +
               (op.getElements().size() == 1 ? "," : "") + ")";
      })
      .Case([&](DictOp op) {
        SmallVector<std::string> entries;
        for (unsigned i = 0, e = op.getNumEntries(); i < e; ++i)
          entries.push_back(expr(op.getKey(i)) + ": " + expr(op.getValue(i)));
        return "{" + llvm::join(entries, ", ") + "}";
      })
      .Case([&](ListCompOp op) {
        std::string text = "[" + operand(op.getElement(), kIfExp) + " for " +
                           bare(op.getTarget()) + " in " +
                           operand(op.getIter(), kOr);
        for (Value cond : op.getConds())
          text += " if " + operand(cond, kOr);
        return text + "]";
      })
      .Default([](Operation *op) {
        return "<unprintable " + op->getName().getStringRef().str() + ">";
      });
}

/// A call of a plain name or attribute chain (`nn.Linear(...)`), or a
/// display: splitting its own brackets reads well. Chains and operators are
/// better wrapped whole in parentheses.
static bool splitsCleanly(Operation *op) {
  if (auto call = dyn_cast<CallOp>(op)) {
    Value callee = call.getCallee();
    while (auto attr = callee.getDefiningOp<AttrOp>())
      callee = attr.getBase();
    return isa<NameOp>(callee.getDefiningOp()) && !call.getArgs().empty();
  }
  return isa<ListOp, TupleOp, DictOp, ListCompOp>(op) && op->getNumOperands() > 0;
}

std::string PythonPrinter::layoutOperand(Value value, Precedence min,
                                         unsigned indent, size_t used) {
  // An operand that needs parentheses stays on one line.
  if (precedenceOf(value) < min)
    return operand(value, min);
  return layout(value, indent, used, 0, false);
}

std::string PythonPrinter::splitComprehension(ListCompOp op, unsigned indent) {
  // As black does: the element, each `for` and each `if` on a line of its own.
  unsigned inner = indent + kIndent;
  std::string pad(inner, ' ');
  std::string text = "[\n" + pad +
                     layoutOperand(op.getElement(), kIfExp, inner, inner) + "\n";
  std::string head = "for " + bare(op.getTarget()) + " in ";
  text += pad + head +
          layoutOperand(op.getIter(), kOr, inner, inner + head.size()) + "\n";
  for (Value cond : op.getConds())
    text += pad + "if " + layoutOperand(cond, kOr, inner, inner + 3) + "\n";
  return text + std::string(indent, ' ') + "]";
}

std::string PythonPrinter::splitOperators(Operation *op, unsigned indent) {
  // The operands of the loosest operator chain, one per line, each line after
  // the first starting with its operator: `a * b\n+ 2 * c`.
  SmallVector<std::pair<std::string, std::string>> lines; // operator, operand
  unsigned inner = indent + kIndent;
  if (auto binary = dyn_cast<BinaryOp>(op)) {
    Precedence prec = binaryPrecedence(binary.getOp());
    if (prec == kPower)
      return "";
    SmallVector<BinaryOp> chain = {binary};
    while (auto lhs = chain.back().getLhs().getDefiningOp<BinaryOp>()) {
      if (binaryPrecedence(lhs.getOp()) != prec)
        break;
      chain.push_back(lhs);
    }
    Value first = chain.back().getLhs();
    lines.push_back({"", layoutOperand(first, prec, inner, inner)});
    for (BinaryOp link : llvm::reverse(chain)) {
      std::string sym = link.getOp().str() + " ";
      lines.push_back({sym, layoutOperand(link.getRhs(), Precedence(prec + 1),
                                          inner, inner + sym.size())});
    }
  } else if (auto logical = dyn_cast<LogicalOp>(op)) {
    Precedence inner_prec = Precedence(precedenceOf(logical) + 1);
    for (auto [i, value] : llvm::enumerate(logical.getOperands())) {
      std::string sym = i == 0 ? "" : logical.getOp().str() + " ";
      lines.push_back(
          {sym, layoutOperand(value, inner_prec, inner, inner + sym.size())});
    }
  } else if (auto ifExp = dyn_cast<IfExpOp>(op)) {
    lines.push_back({"", layoutOperand(ifExp.getThenValue(), kOr, inner, inner)});
    lines.push_back(
        {"if ", layoutOperand(ifExp.getCond(), kOr, inner, inner + 3)});
    lines.push_back({"else ", layoutOperand(ifExp.getElseValue(), kIfExp, inner,
                                            inner + 5)});
  } else {
    return "";
  }
  std::string text = "(\n";
  for (auto &[sym, operandText] : lines)
    text += std::string(inner, ' ') + sym + operandText + "\n";
  return text + std::string(indent, ' ') + ")";
}

std::string PythonPrinter::split(Operation *op, unsigned indent) {
  std::string head, close;
  SmallVector<std::pair<std::string, Value>> items;
  if (auto call = dyn_cast<CallOp>(op)) {
    head = operand(call.getCallee(), kPrimary) + "(";
    close = ")";
    for (auto [i, arg] : llvm::enumerate(call.getArgs())) {
      StringRef name = call.getArgName(i);
      bool star = name == "*" || name == "**";
      items.push_back(
          {name.empty() || star ? name.str() : name.str() + "=", arg});
    }
  } else if (isa<ListOp, TupleOp>(op)) {
    head = isa<ListOp>(op) ? "[" : "(";
    close = isa<ListOp>(op) ? "]" : ")";
    for (Value element : op->getOperands())
      items.push_back({"", element});
  } else if (auto dict = dyn_cast<DictOp>(op)) {
    head = "{";
    close = "}";
    for (unsigned i = 0, e = dict.getNumEntries(); i < e; ++i)
      items.push_back({expr(dict.getKey(i)) + ": ", dict.getValue(i)});
  } else if (auto comp = dyn_cast<ListCompOp>(op)) {
    return splitComprehension(comp, indent);
  }
  if (items.empty())
    return "";
  unsigned inner = indent + kIndent;
  std::string text = head + "\n";
  for (auto &[prefix, item] : items) {
    // Starred arguments keep their operand flat: `*` binds to one primary.
    std::string itemText =
        prefix == "*" || prefix == "**"
            ? operand(item, kBitOr)
            : layout(item, inner, inner + prefix.size(), 1, false);
    text += std::string(inner, ' ') + prefix + itemText + ",\n";
  }
  return text + std::string(indent, ' ') + close;
}

std::string PythonPrinter::layout(Value value, unsigned indent, size_t used,
                                  size_t suffix, bool statementLevel) {
  std::string flat = statementLevel ? bare(value) : expr(value);
  if (used + flat.size() + suffix <= kLineWidth)
    return flat;
  Operation *op = value.getDefiningOp();
  if (splitsCleanly(op))
    return split(op, indent);
  // A statement's value that fits on a line of its own goes in parentheses.
  if (statementLevel && indent + kIndent + flat.size() <= kLineWidth)
    return "(\n" + std::string(indent + kIndent, ' ') + flat + "\n" +
           std::string(indent, ' ') + ")";
  // In a chain `a(long).b(short)`, split the earlier call and keep the short
  // tail after its closing bracket.
  if (auto call = dyn_cast<CallOp>(op)) {
    auto method = call.getCallee().getDefiningOp<AttrOp>();
    if (method && isa<CallOp>(method.getBase().getDefiningOp())) {
      std::string tail = flat.substr(expr(method.getBase()).size());
      if (suffix + tail.size() <= kShortTail)
        return layout(method.getBase(), indent, used, suffix + tail.size(),
                      false) +
               tail;
    }
  }
  std::string text = split(op, indent);
  if (text.empty() && (statementLevel || isa<IfExpOp>(op)))
    // As black does: an operator chain, or a conditional expression, split
    // before its operators inside parentheses.
    text = splitOperators(op, indent);
  return text.empty() ? flat : text;
}

//===----------------------------------------------------------------------===//
// Statements
//===----------------------------------------------------------------------===//

void PythonPrinter::printLine(unsigned indent, StringRef text, Operation *op) {
  os.indent(indent) << text;
  if (auto comment = op->getAttrOfType<StringAttr>(kTrailingCommentAttr))
    os << "  #" << comment.getValue();
  os << "\n";
}

void PythonPrinter::printHeader(unsigned indent, StringRef text,
                                Operation *op) {
  printLine(indent, (text + ":").str(), op);
}

std::string PythonPrinter::fromImport(FromImportOp op, unsigned indent) {
  SmallVector<std::string> names;
  for (auto [i, name] :
       llvm::enumerate(op.getNames().getAsValueRange<StringAttr>())) {
    StringRef alias = op.getAliases().empty()
                          ? ""
                          : cast<StringAttr>(op.getAliases()[i]).getValue();
    names.push_back(alias.empty() ? name.str() : (name + " as " + alias).str());
  }
  std::string head = "from " + op.getModule().str() + " import ";
  std::string flat = head + llvm::join(names, ", ");
  if (indent + flat.size() <= kLineWidth)
    return flat;
  std::string text = head + "(\n";
  for (const std::string &name : names)
    text += std::string(indent + kIndent, ' ') + name + ",\n";
  return text + std::string(indent, ' ') + ")";
}

void PythonPrinter::printDecorators(OperandRange decorators, unsigned indent) {
  for (Value decorator : decorators)
    os.indent(indent) << "@" << layout(decorator, indent, indent + 1, 0, false)
                      << "\n";
}

LogicalResult PythonPrinter::printClass(ClassOp op, unsigned indent) {
  printDecorators(op.getDecorators(), indent);
  std::string header = "class " + op.getSymName().str();
  if (!op.getBases().empty())
    header += "(" +
              llvm::join(
                  llvm::map_range(op.getBases().getAsRange<FlatSymbolRefAttr>(),
                                  [](FlatSymbolRefAttr base) {
                                    return base.getValue().str();
                                  }),
                  ", ") +
              ")";
  printHeader(indent, header, op);
  return printBody(op.getBody().front(), op.getDoc(), indent, Level::Class);
}

LogicalResult PythonPrinter::printBody(Block &body,
                                       std::optional<StringRef> doc,
                                       unsigned indent, Level level) {
  if (doc)
    os.indent(indent + kIndent) << docstring(*doc, indent + kIndent) << "\n";
  return printBlock(body, indent + kIndent, level, doc.has_value());
}

LogicalResult PythonPrinter::printDef(DefOp op, unsigned indent) {
  printDecorators(op.getDecorators(), indent);
  SmallVector<std::string> params;
  for (auto [i, name] :
       llvm::enumerate(op.getParams().getAsValueRange<StringAttr>())) {
    std::string param = name.str();
    Value annotation = op.getAnnotation(i);
    if (annotation)
      param += ": " + expr(annotation);
    if (Value value = op.getDefault(i))
      param += (annotation ? " = " : "=") + expr(value);
    params.push_back(param);
  }
  std::string head = "def " + op.getSymName().str() + "(";
  std::string close = ")";
  if (op.getReturns())
    close += " -> " + expr(op.getReturns());
  std::string flat = head + llvm::join(params, ", ") + close;
  if (params.empty() || indent + flat.size() + 1 <= kLineWidth) {
    printHeader(indent, flat, op);
  } else {
    os.indent(indent) << head << "\n";
    for (const std::string &param : params)
      os.indent(indent + kIndent) << param << ",\n";
    printHeader(indent, close, op);
  }
  return printBody(op.getBody().front(), op.getDoc(), indent, Level::Body);
}

LogicalResult PythonPrinter::printIf(IfOp op, unsigned indent,
                                     StringRef keyword) {
  printHeader(indent, (keyword + " " + expr(op.getCond())).str(), op);
  Block &thenBlock = op.getThenRegion().front();
  if (op.getElseRegion().empty())
    return printBlock(thenBlock, indent + kIndent, Level::Body, false);
  // Comment lines ending the branch introduce the next one: they go at the
  // column of `elif`/`else`, where the parser reads them back into the branch.
  Operation *comments = thenBlock.empty() ? nullptr : &thenBlock.back();
  while (comments && isa<CommentOp>(comments) && comments->getPrevNode() &&
         isa<CommentOp>(comments->getPrevNode()))
    comments = comments->getPrevNode();
  if (comments && !isa<CommentOp>(comments))
    comments = nullptr;
  if (failed(printBlock(thenBlock, indent + kIndent, Level::Body, false,
                        comments)))
    return failure();
  for (Operation *comment = comments; comment;
       comment = comment->getNextNode()) {
    if (comment->hasAttr(kBlankLineAttr))
      os << "\n";
    (void)printStatement(comment, indent);
  }
  if (IfOp elif = op.getElif())
    return printIf(elif, indent, "elif");
  os.indent(indent) << "else:\n";
  return printBlock(op.getElseRegion().front(), indent + kIndent, Level::Body,
                    false);
}

LogicalResult PythonPrinter::printStatement(Operation *op, unsigned indent) {
  auto valueLine = [&](StringRef prefix, Value value) {
    printLine(indent,
              prefix.str() +
                  layout(value, indent, indent + prefix.size(), 0, true),
              op);
  };
  return llvm::TypeSwitch<Operation *, LogicalResult>(op)
      .Case([&](ImportOp op) {
        std::string text = "import " + op.getModule().str();
        if (op.getAlias())
          text += " as " + op.getAlias()->str();
        printLine(indent, text, op);
        return success();
      })
      .Case([&](FromImportOp op) {
        printLine(indent, fromImport(op, indent), op);
        return success();
      })
      .Case([&](ClassOp op) { return printClass(op, indent); })
      .Case([&](DefOp op) { return printDef(op, indent); })
      .Case([&](AssignOp op) {
        std::string target = bare(op.getTarget());
        if (op.getAnnotation())
          target += ": " + expr(op.getAnnotation());
        if (op.getValue())
          valueLine(target + " = ", op.getValue());
        else
          printLine(indent, target, op);
        return success();
      })
      .Case([&](AugAssignOp op) {
        valueLine(expr(op.getTarget()) + " " + op.getOp().str() + " ",
                  op.getValue());
        return success();
      })
      .Case([&](ExprStmtOp op) {
        if (auto str = op.getValue().getDefiningOp<StrOp>())
          printLine(indent, docstring(str.getValue(), indent), op);
        else
          valueLine("", op.getValue());
        return success();
      })
      .Case([&](ReturnOp op) {
        if (op.getValue())
          valueLine("return ", op.getValue());
        else
          printLine(indent, "return", op);
        return success();
      })
      .Case([&](PassOp op) {
        printLine(indent, "pass", op);
        return success();
      })
      .Case([&](DelOp op) {
        printLine(indent,
                  "del " + llvm::join(llvm::map_range(
                                          op.getTargets(),
                                          [&](Value v) { return expr(v); }),
                                      ", "),
                  op);
        return success();
      })
      .Case([&](AssertOp op) {
        std::string text = "assert " + expr(op.getTest());
        if (op.getMessage())
          text += ", " + expr(op.getMessage());
        printLine(indent, text, op);
        return success();
      })
      .Case([&](CommentOp op) {
        printLine(indent, ("#" + op.getText()).str(), op);
        return success();
      })
      .Case([&](IfOp op) { return printIf(op, indent, "if"); })
      .Case([&](ForOp op) {
        printHeader(indent,
                    "for " + bare(op.getTarget()) + " in " + bare(op.getIter()),
                    op);
        return printBlock(op.getBody().front(), indent + kIndent, Level::Body,
                          false);
      })
      .Default([](Operation *op) {
        return op->emitOpError("cannot be printed as Python");
      });
}

/// A class or function, which the canonical format surrounds with blank lines.
static bool isDefinition(Operation *op) { return isa<ClassOp, DefOp>(op); }

/// Whether `op` opens a definition: the definition itself, or the first of
/// the comment lines written directly above it.
static bool leadsToDefinition(Operation *op) {
  for (; op; op = op->getNextNode()) {
    if (op->hasTrait<Expression>())
      continue;
    if (isDefinition(op))
      return true;
    auto next = op->getNextNode();
    while (next && next->hasTrait<Expression>())
      next = next->getNextNode();
    if (!isa<CommentOp>(op) || !next || next->hasAttr(kBlankLineAttr))
      return false;
  }
  return false;
}

LogicalResult PythonPrinter::printBlock(Block &block, unsigned indent,
                                        Level level, bool afterDocstring,
                                        Operation *end) {
  unsigned definitionGap = level == Level::Module  ? 2
                           : level == Level::Class ? 1
                                                   : 0;
  Operation *prev = nullptr;
  for (Operation &op : llvm::make_range(block.begin(), end ? end->getIterator()
                                                           : block.end())) {
    if (op.hasTrait<Expression>())
      continue;
    bool first = !prev && !afterDocstring;
    unsigned blank = 0;
    if (!first) {
      bool opensDefinition =
          leadsToDefinition(&op) &&
          !(prev && isa<CommentOp>(prev) && leadsToDefinition(prev));
      if (definitionGap && (opensDefinition || (prev && isDefinition(prev))))
        blank = definitionGap;
      else if (op.hasAttr(kBlankLineAttr))
        blank = 1;
    }
    for (unsigned i = 0; i < blank; ++i)
      os << "\n";
    if (failed(printStatement(&op, indent)))
      return failure();
    prev = &op;
  }
  return success();
}

LogicalResult PythonPrinter::printModule(ModuleOp module) {
  return printBlock(*module.getBody(), 0, Level::Module, false);
}

LogicalResult tmc::printPython(ModuleOp module, llvm::raw_ostream &os) {
  return PythonPrinter(os).printModule(module);
}
