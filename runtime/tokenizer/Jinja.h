//===- Jinja.h - the Jinja subset of chat templates -------------*- C++ -*-===//
//
// Hugging Face chat templates are Jinja2 programs that transformers renders
// with trim_blocks and lstrip_blocks. This is the part of Jinja they use:
// text, {{ expr }}, {% if/elif/else %}, {% for x in xs %} with `loop`,
// {% set %}, comments and the -/+ whitespace controls; expressions with
// literals, names, subscripts and slices, attributes, calls of
// raise_exception, the filters trim/length/string/lower/upper, the tests
// defined/undefined/none/string, and Python's operators. Anything else is an
// error at its line:column when the template is parsed, never a crash.
// ChatTemplate.h is the interface the rest of tmc uses.
//
//===----------------------------------------------------------------------===//

#ifndef TMC_RUNTIME_TOKENIZER_JINJA_H
#define TMC_RUNTIME_TOKENIZER_JINJA_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace tmc::tok::jinja {

/// A value as Jinja sees Python's: undefined (a missing name or key, which
/// prints as "" and is false), None, bool, int, str, list and dict (string
/// keys, in insertion order). Lists and dicts are shared, as in Python.
struct Value {
  enum class Type { Undefined, None, Bool, Int, String, List, Dict };
  using List = std::vector<Value>;
  using Dict = std::vector<std::pair<std::string, Value>>;

  Type type = Type::Undefined;
  bool boolean = false;
  int64_t integer = 0;
  std::string string; // the text of a String; for Undefined, what was missing
  std::shared_ptr<List> list;
  std::shared_ptr<Dict> dict;

  static Value undefined(std::string what) {
    Value value;
    value.string = std::move(what);
    return value;
  }
  static Value none() { return of(Type::None); }
  static Value of(bool b) {
    Value value = of(Type::Bool);
    value.boolean = b;
    return value;
  }
  static Value of(int64_t i) {
    Value value = of(Type::Int);
    value.integer = i;
    return value;
  }
  static Value of(std::string s) {
    Value value = of(Type::String);
    value.string = std::move(s);
    return value;
  }
  static Value of(List items) {
    Value value = of(Type::List);
    value.list = std::make_shared<List>(std::move(items));
    return value;
  }
  static Value of(Dict entries) {
    Value value = of(Type::Dict);
    value.dict = std::make_shared<Dict>(std::move(entries));
    return value;
  }

  /// The entry `key` of a dict, or null.
  const Value *find(llvm::StringRef key) const;

private:
  static Value of(Type type) {
    Value value;
    value.type = type;
    return value;
  }
};

struct Node;

/// A parsed template; render() may run on several threads at once.
class Template {
public:
  /// Parses `source`; `name` starts every error message ("ckpt/tokenizer_config.json:
  /// chat_template"), followed by the line and column.
  static llvm::Expected<Template> parse(llvm::StringRef source, llvm::StringRef name);
  /// The text the template renders with these global variables (a Dict).
  llvm::Expected<std::string> render(const Value::Dict &globals) const;

  Template(Template &&);
  Template &operator=(Template &&);
  ~Template();

private:
  Template();
  std::string name;
  std::unique_ptr<std::vector<Node>> body;
};

} // namespace tmc::tok::jinja

#endif // TMC_RUNTIME_TOKENIZER_JINJA_H
