//===- Json.cpp - located reading of tokenizer.json -----------------------===//

#include "runtime/tokenizer/Json.h"

#include "runtime/Error.h"
#include "runtime/tokenizer/Utf8.h"

#include "llvm/ADT/StringExtras.h"

namespace tmc::tok {

JsonLoc JsonLoc::field(llvm::StringRef key) const {
  return {file, path.empty() ? key.str() : path + "." + key.str()};
}

JsonLoc JsonLoc::index(size_t i) const { return {file, path + "[" + std::to_string(i) + "]"}; }

llvm::Error JsonLoc::error(const llvm::Twine &message) const {
  if (path.empty())
    return rt::makeError(file + ": " + message);
  return rt::makeError(file + ": " + path + ": " + message);
}

llvm::Expected<json> parseJson(llvm::StringRef text, llvm::StringRef file) {
  try {
    return json::parse(text.begin(), text.end());
  } catch (const json::parse_error &error) {
    // Where the parser stopped, as line:column of the file.
    size_t offset = std::min<size_t>(error.byte == 0 ? 0 : error.byte - 1, text.size());
    llvm::StringRef before = text.take_front(offset);
    size_t line = 1 + before.count('\n');
    size_t column = 1 + offset - (before.rfind('\n') + 1);
    std::string what = error.what();
    // "[json.exception.parse_error.101] parse error at line 1, column 2: x" -> "x".
    size_t colon = what.find(": ");
    return rt::makeError(
        file + ":" + llvm::Twine(line) + ":" + llvm::Twine(column) +
        ": not valid JSON: " + (colon == std::string::npos ? what : what.substr(colon + 2)));
  } catch (const json::exception &error) {
    // Not a syntax error: a number past double's range (found by the fuzzer).
    std::string what = error.what();
    size_t bracket = what.find("] ");
    return rt::makeError(file + ": not valid JSON: " +
                         (bracket == std::string::npos ? what : what.substr(bracket + 2)));
  }
}

const json &member(const json &object, llvm::StringRef key) {
  static const json null;
  if (!object.is_object())
    return null;
  auto it = object.find(key.str());
  return it == object.end() ? null : *it;
}

llvm::StringRef describe(const json &value) {
  switch (value.type()) {
  case json::value_t::null:
    return "null";
  case json::value_t::boolean:
    return "a boolean";
  case json::value_t::string:
    return "a string";
  case json::value_t::array:
    return "an array";
  case json::value_t::object:
    return "an object";
  case json::value_t::number_float:
    return "a fractional number";
  case json::value_t::number_integer:
    return value.get<int64_t>() < 0 ? "a negative number" : "a number";
  default:
    return "a number";
  }
}

llvm::Expected<bool> readBool(const json &object, llvm::StringRef key, const JsonLoc &loc,
                              bool fallback) {
  const json &value = member(object, key);
  if (value.is_null())
    return fallback;
  if (!value.is_boolean())
    return loc.field(key).error("expected true or false, got " + describe(value));
  return value.get<bool>();
}

llvm::Expected<std::optional<std::string>>
readOptionalString(const json &object, llvm::StringRef key, const JsonLoc &loc) {
  const json &value = member(object, key);
  if (value.is_null())
    return std::nullopt;
  if (!value.is_string())
    return loc.field(key).error("expected a string, got " + describe(value));
  return value.get<std::string>();
}

llvm::Expected<std::string> readString(const json &object, llvm::StringRef key, const JsonLoc &loc,
                                       std::optional<std::string> fallback) {
  auto value = readOptionalString(object, key, loc);
  if (!value)
    return value.takeError();
  if (*value)
    return std::move(**value);
  if (fallback)
    return *fallback;
  return loc.field(key).error("missing (a string is required)");
}

llvm::Expected<char32_t> readChar(const json &object, llvm::StringRef key, const JsonLoc &loc,
                                  std::optional<char32_t> fallback) {
  auto text = readOptionalString(object, key, loc);
  if (!text)
    return text.takeError();
  if (!*text) {
    if (fallback)
      return *fallback;
    return loc.field(key).error("missing (a one-character string is required)");
  }
  const std::string &value = **text;
  if (value.empty() || firstInvalidByte(value) || countCodePoints(value) != 1)
    return loc.field(key).error("expected exactly one character, got '" + value + "'");
  size_t pos = 0;
  return decodeAt(value, pos);
}

namespace {
/// Parsed files hold unsigned numbers, built ones (FromGguf) signed ones.
bool isNonNegativeInteger(const json &value) {
  return value.is_number_unsigned() || (value.is_number_integer() && value.get<int64_t>() >= 0);
}
} // namespace

llvm::Expected<uint64_t> readUnsigned(const json &object, llvm::StringRef key, const JsonLoc &loc,
                                      std::optional<uint64_t> fallback) {
  const json &value = member(object, key);
  if (value.is_null()) {
    if (fallback)
      return *fallback;
    return loc.field(key).error("missing (a non-negative integer is required)");
  }
  if (!isNonNegativeInteger(value))
    return loc.field(key).error("expected a non-negative integer, got " + describe(value));
  return value.get<uint64_t>();
}

llvm::Expected<uint32_t> readId(const json &value, const JsonLoc &loc) {
  if (!isNonNegativeInteger(value) || value.get<uint64_t>() > UINT32_MAX)
    return loc.error("expected a token id (an integer from 0 to 4294967295), got " +
                     (value.is_number() ? value.dump() : describe(value).str()));
  return static_cast<uint32_t>(value.get<uint64_t>());
}

llvm::Expected<std::string> readType(const json &value, const JsonLoc &loc) {
  if (!value.is_object())
    return loc.error("expected an object with a \"type\", got " + describe(value));
  const json &type = member(value, "type");
  if (!type.is_string())
    return loc.field("type").error(type.is_null() ? "missing" : "expected a string");
  return type.get<std::string>();
}

llvm::Error unsupportedType(const JsonLoc &loc, llvm::StringRef type,
                            llvm::ArrayRef<llvm::StringRef> supported) {
  return loc.error("type '" + type +
                   "' is not supported (supported: " + llvm::join(supported, ", ") + ")");
}

} // namespace tmc::tok
