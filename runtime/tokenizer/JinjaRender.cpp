//===- JinjaRender.cpp - a parsed chat template to text -------------------===//
//
// Evaluates the tree as jinja2 runs Python: truthiness, `and`/`or` returning
// an operand, `==` across types, `in` on strings, lists and dicts, floor
// division and modulo, code-point indexing and slicing of strings, and
// jinja2's default Undefined (a missing name, key or attribute prints as ""
// and is false; taking its attribute or adding to it is an error). Each
// for-loop iteration has its own scope, so a `set` inside a loop does not
// outlive the iteration, while one inside an `if` does.
//
//===----------------------------------------------------------------------===//

#include "runtime/tokenizer/JinjaAst.h"

#include "runtime/Error.h"
#include "runtime/tokenizer/Unicode.h"
#include "runtime/tokenizer/Utf8.h"

#include "llvm/ADT/STLExtras.h"

namespace tmc::tok::jinja {

const Value *Value::find(llvm::StringRef key) const {
  if (type != Type::Dict)
    return nullptr;
  for (const auto &[name, value] : *dict)
    if (name == key)
      return &value;
  return nullptr;
}

namespace {

/// A hostile template could nest loops into a practically endless render;
/// more iterations than this in one render are an error.
constexpr int64_t kMaxIterations = 1'000'000;

using Type = Value::Type;

/// "a string", "an int", ... for messages.
const char *typeName(const Value &value) {
  switch (value.type) {
  case Type::Undefined:
    return "an undefined value";
  case Type::None:
    return "none";
  case Type::Bool:
    return "a bool";
  case Type::Int:
    return "an int";
  case Type::String:
    return "a string";
  case Type::List:
    return "a list";
  case Type::Dict:
    return "a dict";
  }
  return "?";
}

bool truthy(const Value &value) {
  switch (value.type) {
  case Type::Undefined:
  case Type::None:
    return false;
  case Type::Bool:
    return value.boolean;
  case Type::Int:
    return value.integer != 0;
  case Type::String:
    return !value.string.empty();
  case Type::List:
    return !value.list->empty();
  case Type::Dict:
    return !value.dict->empty();
  }
  return false;
}

bool isNumber(const Value &value) { return value.type == Type::Int || value.type == Type::Bool; }
int64_t number(const Value &value) {
  return value.type == Type::Bool ? value.boolean : value.integer;
}

/// Python's ==: numbers (bools are ints) by value, strings, lists and dicts
/// by content; undefined equals only undefined.
bool equal(const Value &a, const Value &b) {
  if (isNumber(a) && isNumber(b))
    return number(a) == number(b);
  if (a.type != b.type)
    return false;
  switch (a.type) {
  case Type::Undefined:
  case Type::None:
    return true;
  case Type::String:
    return a.string == b.string;
  case Type::List:
    return a.list->size() == b.list->size() &&
           llvm::all_of(llvm::zip(*a.list, *b.list), [](const auto &pair) {
             return equal(std::get<0>(pair), std::get<1>(pair));
           });
  case Type::Dict:
    return a.dict->size() == b.dict->size() && llvm::all_of(*a.dict, [&](const auto &entry) {
             const Value *other = b.find(entry.first);
             return other && equal(entry.second, *other);
           });
  default:
    return false;
  }
}

/// Python's str.isspace.
bool isPythonSpace(char32_t c) { return isWhitespace(c) || (c >= 0x1C && c <= 0x1F); }

std::string strip(llvm::StringRef text) {
  size_t begin = 0, end = text.size();
  while (begin < end) {
    size_t pos = begin;
    if (!isPythonSpace(decodeAt(text, pos)))
      break;
    begin = pos;
  }
  while (end > begin) {
    size_t start = end - 1;
    while (start > begin && (uint8_t(text[start]) & 0xC0) == 0x80)
      --start;
    size_t pos = start;
    if (!isPythonSpace(decodeAt(text, pos)))
      break;
    end = start;
  }
  return text.slice(begin, end).str();
}

/// The byte offset of each code point of `text`, and its size at the end.
std::vector<size_t> codePointOffsets(llvm::StringRef text) {
  std::vector<size_t> offsets;
  for (size_t pos = 0; pos < text.size();) {
    offsets.push_back(pos);
    decodeAt(text, pos);
  }
  offsets.push_back(text.size());
  return offsets;
}

class Renderer {
public:
  Renderer(llvm::StringRef name, const Value::Dict &globals) : name(name) {
    scopes.push_back(globals);
  }

  llvm::Error renderBody(const std::vector<Node> &body, std::string &out) {
    for (const Node &node : body)
      if (llvm::Error error = renderNode(node, out))
        return error;
    return llvm::Error::success();
  }

private:
  llvm::Error fail(const Location &at, const llvm::Twine &message) const {
    return rt::makeError(name + ":" + llvm::Twine(at.line) + ":" + llvm::Twine(at.column) + ": " +
                         message);
  }

  /// Python's str() of a value, as {{ }}, `~` and `|string` print it.
  llvm::Expected<std::string> toString(const Value &value, const Location &at) const {
    switch (value.type) {
    case Type::Undefined:
      return std::string();
    case Type::None:
      return std::string("None");
    case Type::Bool:
      return std::string(value.boolean ? "True" : "False");
    case Type::Int:
      return std::to_string(value.integer);
    case Type::String:
      return value.string;
    default:
      return fail(at, llvm::Twine("printing ") + typeName(value) + " is not supported");
    }
  }

  llvm::Error undefinedError(const Value &value, const Location &at,
                             const llvm::Twine &doing) const {
    return fail(at, value.string + " (" + doing + " an undefined value)");
  }

  llvm::Error renderNode(const Node &node, std::string &out) {
    switch (node.kind) {
    case Node::Kind::Text:
      out += node.text;
      return llvm::Error::success();
    case Node::Kind::Output: {
      auto value = eval(*node.expr);
      if (!value)
        return value.takeError();
      auto text = toString(*value, node.expr->location);
      if (!text)
        return text.takeError();
      out += *text;
      return llvm::Error::success();
    }
    case Node::Kind::Set: {
      auto value = eval(*node.expr);
      if (!value)
        return value.takeError();
      assign(node.text, std::move(*value));
      return llvm::Error::success();
    }
    case Node::Kind::If:
      for (const Branch &branch : node.branches) {
        bool taken = true;
        if (branch.condition) {
          auto condition = eval(*branch.condition);
          if (!condition)
            return condition.takeError();
          taken = truthy(*condition);
        }
        if (taken)
          return renderBody(branch.body, out);
      }
      return llvm::Error::success();
    case Node::Kind::For:
      return renderFor(node, out);
    }
    return llvm::Error::success();
  }

  llvm::Error renderFor(const Node &node, std::string &out) {
    auto iterable = eval(*node.expr);
    if (!iterable)
      return iterable.takeError();
    Value::List items;
    switch (iterable->type) {
    case Type::Undefined:
      break; // jinja2 iterates an undefined value as empty
    case Type::List:
      items = *iterable->list;
      break;
    case Type::Dict:
      for (const auto &entry : *iterable->dict)
        items.push_back(Value::of(entry.first));
      break;
    case Type::String: {
      std::vector<size_t> offsets = codePointOffsets(iterable->string);
      for (size_t i = 0; i + 1 < offsets.size(); ++i)
        items.push_back(
            Value::of(iterable->string.substr(offsets[i], offsets[i + 1] - offsets[i])));
      break;
    }
    default:
      return fail(node.expr->location, llvm::Twine(typeName(*iterable)) + " is not iterable");
    }
    int64_t length = items.size();
    for (int64_t i = 0; i < length; ++i) {
      if (++iterations > kMaxIterations)
        return fail(node.location, "the template runs more than " + llvm::Twine(kMaxIterations) +
                                       " loop iterations");
      Value::Dict loop{
          {"index", Value::of(i + 1)},         {"index0", Value::of(i)},
          {"revindex", Value::of(length - i)}, {"revindex0", Value::of(length - i - 1)},
          {"first", Value::of(i == 0)},        {"last", Value::of(i == length - 1)},
          {"length", Value::of(length)}};
      if (i > 0)
        loop.push_back({"previtem", items[i - 1]});
      if (i + 1 < length)
        loop.push_back({"nextitem", items[i + 1]});
      scopes.push_back({{node.text, items[i]}, {"loop", Value::of(std::move(loop))}});
      llvm::Error error = renderBody(node.body, out);
      scopes.pop_back();
      if (error)
        return error;
    }
    return llvm::Error::success();
  }

  void assign(const std::string &variable, Value value) {
    Value::Dict &scope = scopes.back();
    for (auto &entry : scope)
      if (entry.first == variable) {
        entry.second = std::move(value);
        return;
      }
    scope.push_back({variable, std::move(value)});
  }

  Value lookup(const std::string &variable) const {
    for (const Value::Dict &scope : llvm::reverse(scopes))
      for (const auto &entry : scope)
        if (entry.first == variable)
          return entry.second;
    return Value::undefined("'" + variable + "' is undefined");
  }

  llvm::Expected<Value> eval(const Expr &expr) {
    const Location &at = expr.location;
    auto operand = [&](size_t i) { return eval(*expr.operands[i]); };
    switch (expr.kind) {
    case Expr::Kind::Literal:
      return expr.literal;
    case Expr::Kind::Name:
      return lookup(expr.name);
    case Expr::Kind::List: {
      Value::List items;
      for (const auto &item : expr.operands) {
        auto value = eval(*item);
        if (!value)
          return value.takeError();
        items.push_back(std::move(*value));
      }
      return Value::of(std::move(items));
    }
    case Expr::Kind::Dict: {
      Value::Dict entries;
      for (size_t i = 0; i < expr.operands.size(); i += 2) {
        auto key = operand(i);
        if (!key)
          return key.takeError();
        if (key->type != Type::String)
          return fail(expr.operands[i]->location, "dict keys must be strings");
        auto value = operand(i + 1);
        if (!value)
          return value.takeError();
        entries.push_back({key->string, std::move(*value)});
      }
      return Value::of(std::move(entries));
    }
    case Expr::Kind::Attribute: {
      auto object = operand(0);
      if (!object)
        return object.takeError();
      return item(*object, Value::of(expr.name), at, "taking the attribute '" + expr.name + "' of");
    }
    case Expr::Kind::Subscript: {
      auto object = operand(0);
      if (!object)
        return object.takeError();
      auto index = operand(1);
      if (!index)
        return index.takeError();
      return item(*object, *index, at, "subscripting");
    }
    case Expr::Kind::Slice:
      return slice(expr);
    case Expr::Kind::Call: {
      // raise_exception(message): transformers' TemplateError.
      auto message = operand(0);
      if (!message)
        return message.takeError();
      auto text = toString(*message, at);
      if (!text)
        return text.takeError();
      return fail(at, "the template raised an error: " + *text);
    }
    case Expr::Kind::Filter:
      return filter(expr);
    case Expr::Kind::Test: {
      auto subject = operand(0);
      if (!subject)
        return subject.takeError();
      bool result = expr.name == "defined"     ? subject->type != Type::Undefined
                    : expr.name == "undefined" ? subject->type == Type::Undefined
                    : expr.name == "none"      ? subject->type == Type::None
                                               : subject->type == Type::String;
      return Value::of(result != expr.negated);
    }
    case Expr::Kind::Not: {
      auto value = operand(0);
      if (!value)
        return value.takeError();
      return Value::of(!truthy(*value));
    }
    case Expr::Kind::Negate: {
      auto value = operand(0);
      if (!value)
        return value.takeError();
      if (!isNumber(*value))
        return fail(at, llvm::Twine("cannot negate ") + typeName(*value));
      return Value::of(-number(*value));
    }
    case Expr::Kind::Binary:
      return binary(expr);
    case Expr::Kind::Conditional: {
      auto condition = operand(1);
      if (!condition)
        return condition.takeError();
      if (truthy(*condition))
        return operand(0);
      if (!expr.operands[2])
        return Value::undefined("the conditional expression has no else");
      return operand(2);
    }
    }
    return fail(at, "unknown expression");
  }

  /// object[index] and object.attribute: a dict's entry, a list's or string's
  /// element; what is not there is undefined.
  llvm::Expected<Value> item(const Value &object, const Value &index, const Location &at,
                             const llvm::Twine &doing) {
    if (object.type == Type::Undefined)
      return undefinedError(object, at, doing);
    if (object.type == Type::Dict) {
      if (index.type != Type::String)
        return Value::undefined(std::string("a dict has no key that is ") + typeName(index));
      if (const Value *value = object.find(index.string))
        return *value;
      return Value::undefined("the dict has no key '" + index.string + "'");
    }
    if ((object.type == Type::List || object.type == Type::String) && isNumber(index)) {
      std::vector<size_t> offsets;
      int64_t size = object.type == Type::List
                         ? int64_t(object.list->size())
                         : int64_t((offsets = codePointOffsets(object.string)).size() - 1);
      int64_t i = number(index);
      if (i < 0)
        i += size;
      if (i < 0 || i >= size)
        return Value::undefined("index " + std::to_string(number(index)) + " is out of range");
      if (object.type == Type::List)
        return (*object.list)[i];
      return Value::of(object.string.substr(offsets[i], offsets[i + 1] - offsets[i]));
    }
    return Value::undefined(std::string(typeName(object)) + " has no item or attribute");
  }

  /// Python's object[start:stop:step] of a list or a string.
  llvm::Expected<Value> slice(const Expr &expr) {
    auto object = eval(*expr.operands[0]);
    if (!object)
      return object.takeError();
    if (object->type != Type::List && object->type != Type::String)
      return fail(expr.location, llvm::Twine("cannot slice ") + typeName(*object));
    std::optional<int64_t> bounds[3];
    for (int k = 0; k < 3; ++k) {
      if (!expr.operands[k + 1])
        continue;
      auto bound = eval(*expr.operands[k + 1]);
      if (!bound)
        return bound.takeError();
      if (bound->type == Type::None)
        continue;
      if (!isNumber(*bound))
        return fail(expr.operands[k + 1]->location, "slice bounds must be integers");
      bounds[k] = number(*bound);
    }
    int64_t step = bounds[2].value_or(1);
    if (step == 0)
      return fail(expr.location, "slice step cannot be zero");
    std::vector<size_t> offsets;
    if (object->type == Type::String)
      offsets = codePointOffsets(object->string);
    int64_t size =
        object->type == Type::List ? int64_t(object->list->size()) : int64_t(offsets.size() - 1);
    // PySlice_AdjustIndices.
    auto adjust = [&](std::optional<int64_t> bound, int64_t fallback) {
      if (!bound)
        return fallback;
      int64_t i = *bound < 0 ? *bound + size : *bound;
      if (step > 0)
        return std::clamp<int64_t>(i, 0, size);
      return std::clamp<int64_t>(i, -1, size - 1);
    };
    int64_t start = adjust(bounds[0], step > 0 ? 0 : size - 1);
    int64_t stop = adjust(bounds[1], step > 0 ? size : -1);
    Value::List items;
    std::string text;
    for (int64_t i = start; step > 0 ? i < stop : i > stop; i += step) {
      if (object->type == Type::List)
        items.push_back((*object->list)[i]);
      else
        text += object->string.substr(offsets[i], offsets[i + 1] - offsets[i]);
    }
    if (object->type == Type::List)
      return Value::of(std::move(items));
    return Value::of(std::move(text));
  }

  llvm::Expected<Value> filter(const Expr &expr) {
    auto subject = eval(*expr.operands[0]);
    if (!subject)
      return subject.takeError();
    if (expr.name == "length" || expr.name == "count") {
      switch (subject->type) {
      case Type::Undefined:
        return Value::of(int64_t(0));
      case Type::String:
        return Value::of(int64_t(countCodePoints(subject->string)));
      case Type::List:
        return Value::of(int64_t(subject->list->size()));
      case Type::Dict:
        return Value::of(int64_t(subject->dict->size()));
      default:
        return fail(expr.location, llvm::Twine(typeName(*subject)) + " has no length");
      }
    }
    auto text = toString(*subject, expr.location);
    if (!text)
      return text.takeError();
    return Value::of(expr.name == "trim" ? strip(*text) : std::move(*text));
  }

  llvm::Expected<Value> binary(const Expr &expr) {
    const std::string &op = expr.name;
    auto lhs = eval(*expr.operands[0]);
    if (!lhs)
      return lhs.takeError();
    if (op == "and" || op == "or") { // Python returns the operand that decided
      if (truthy(*lhs) == (op == "or"))
        return lhs;
      return eval(*expr.operands[1]);
    }
    auto rhs = eval(*expr.operands[1]);
    if (!rhs)
      return rhs.takeError();
    const Location &at = expr.location;
    auto typeError = [&] {
      return fail(at, llvm::Twine("cannot apply '") + op + "' to " + typeName(*lhs) + " and " +
                          typeName(*rhs));
    };
    if (op == "==" || op == "!=")
      return Value::of(equal(*lhs, *rhs) == (op == "=="));
    if (op == "~") {
      auto left = toString(*lhs, at);
      if (!left)
        return left.takeError();
      auto right = toString(*rhs, at);
      if (!right)
        return right.takeError();
      return Value::of(*left + *right);
    }
    if (op == "in" || op == "not in") {
      bool found;
      if (rhs->type == Type::Undefined)
        found = false;
      else if (rhs->type == Type::String && lhs->type == Type::String)
        found = llvm::StringRef(rhs->string).contains(lhs->string);
      else if (rhs->type == Type::List)
        found = llvm::any_of(*rhs->list, [&](const Value &item) { return equal(*lhs, item); });
      else if (rhs->type == Type::Dict)
        found = lhs->type == Type::String && rhs->find(lhs->string);
      else
        return typeError();
      return Value::of(found == (op == "in"));
    }
    for (const Value *side : {&*lhs, &*rhs})
      if (side->type == Type::Undefined)
        return undefinedError(*side, at, "applying '" + op + "' to");
    if (op == "<" || op == "<=" || op == ">" || op == ">=") {
      int order;
      if (isNumber(*lhs) && isNumber(*rhs))
        order = number(*lhs) < number(*rhs) ? -1 : number(*lhs) > number(*rhs);
      else if (lhs->type == Type::String && rhs->type == Type::String)
        order = lhs->string.compare(rhs->string); // UTF-8 keeps code point order
      else
        return typeError();
      bool result = op == "<"    ? order < 0
                    : op == "<=" ? order <= 0
                    : op == ">"  ? order > 0
                                 : order >= 0;
      return Value::of(result);
    }
    if (op == "+" && lhs->type == Type::String && rhs->type == Type::String)
      return Value::of(lhs->string + rhs->string);
    if (op == "+" && lhs->type == Type::List && rhs->type == Type::List) {
      Value::List items = *lhs->list;
      items.insert(items.end(), rhs->list->begin(), rhs->list->end());
      return Value::of(std::move(items));
    }
    if (!isNumber(*lhs) || !isNumber(*rhs)) {
      if (op == "%" && lhs->type == Type::String)
        return fail(at, "string formatting with '%' is not supported");
      return typeError();
    }
    int64_t a = number(*lhs), b = number(*rhs), result;
    if (op == "+"   ? __builtin_add_overflow(a, b, &result)
        : op == "-" ? __builtin_sub_overflow(a, b, &result)
        : op == "*" ? __builtin_mul_overflow(a, b, &result)
                    : false)
      return fail(at, "integer overflow in '" + op + "'");
    if (op == "//" || op == "%") {
      if (b == 0)
        return fail(at, "integer division or modulo by zero");
      if (a == INT64_MIN && b == -1)
        return fail(at, "integer overflow in '" + op + "'");
      int64_t quotient = a / b, remainder = a % b;
      if (remainder != 0 && ((remainder < 0) != (b < 0))) { // Python floors
        --quotient;
        remainder += b;
      }
      result = op == "//" ? quotient : remainder;
    }
    return Value::of(result);
  }

  llvm::StringRef name;
  std::vector<Value::Dict> scopes;
  int64_t iterations = 0;
};

} // namespace

llvm::Expected<std::string> Template::render(const Value::Dict &globals) const {
  std::string out;
  Renderer renderer(name, globals);
  if (llvm::Error error = renderer.renderBody(*body, out))
    return std::move(error);
  return out;
}

} // namespace tmc::tok::jinja
