//===- Config.cpp - Hugging Face config.json reader -------------*- C++ -*-===//
#include "frontend/Config.h"

#include "llvm/Support/MemoryBuffer.h"

using namespace tmc;
using llvm::Expected;
using llvm::StringRef;

static llvm::Error makeError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

/// Line and column (both 1-based) of the 1-based byte position `byte` in `text`.
static std::pair<size_t, size_t> lineAndColumn(StringRef text, size_t byte) {
  size_t line = 1, column = 1;
  for (size_t i = 0; i + 1 < byte && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return {line, column};
}

Expected<ModelConfig> ModelConfig::fromFile(StringRef path) {
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/true);
  if (!buffer)
    return makeError(path + ": cannot read config: " + buffer.getError().message());
  return fromString((*buffer)->getBuffer(), path);
}

Expected<ModelConfig> ModelConfig::fromString(StringRef text, StringRef sourceName) {
  nlohmann::json json;
  try {
    json = nlohmann::json::parse(text.begin(), text.end());
  } catch (const nlohmann::json::parse_error &error) {
    auto [line, column] = lineAndColumn(text, error.byte);
    return makeError(sourceName + ":" + llvm::Twine(line) + ":" + llvm::Twine(column) +
                     ": invalid JSON: " + error.what());
  } catch (const nlohmann::json::exception &error) {
    return makeError(sourceName + ": invalid JSON: " + error.what());
  }
  if (!json.is_object())
    return makeError(sourceName + ":1:1: expected a JSON object of config fields, got " +
                     json.type_name());
  return ModelConfig(std::move(json), sourceName.str());
}

bool ModelConfig::has(StringRef field) const {
  auto it = json.find(field.str());
  return it != json.end() && !it->is_null();
}

Expected<const nlohmann::json *> ModelConfig::lookup(StringRef field) const {
  auto it = json.find(field.str());
  if (it == json.end() || it->is_null())
    return makeError(sourceName + ": required field '" + field + "' is missing");
  return &*it;
}

llvm::Error ModelConfig::typeError(StringRef field, StringRef expected,
                                   const nlohmann::json &value) const {
  std::string shown = value.dump();
  if (shown.size() > 40)
    shown = shown.substr(0, 37) + "...";
  return makeError(sourceName + ": field '" + field + "' must be " + expected +
                   ", got " + value.type_name() + " " + shown);
}

Expected<int64_t> ModelConfig::getInt(StringRef field) const {
  auto value = lookup(field);
  if (!value)
    return value.takeError();
  if (!(*value)->is_number_integer())
    return typeError(field, "an integer", **value);
  return (*value)->get<int64_t>();
}

Expected<double> ModelConfig::getFloat(StringRef field) const {
  auto value = lookup(field);
  if (!value)
    return value.takeError();
  if (!(*value)->is_number())
    return typeError(field, "a number", **value);
  return (*value)->get<double>();
}

Expected<bool> ModelConfig::getBool(StringRef field) const {
  auto value = lookup(field);
  if (!value)
    return value.takeError();
  if (!(*value)->is_boolean())
    return typeError(field, "true or false", **value);
  return (*value)->get<bool>();
}

Expected<std::string> ModelConfig::getString(StringRef field) const {
  auto value = lookup(field);
  if (!value)
    return value.takeError();
  if (!(*value)->is_string())
    return typeError(field, "a string", **value);
  return (*value)->get<std::string>();
}

Expected<std::vector<std::string>> ModelConfig::getStringList(StringRef field) const {
  auto value = lookup(field);
  if (!value)
    return value.takeError();
  if (!(*value)->is_array())
    return typeError(field, "a list of strings", **value);
  std::vector<std::string> result;
  for (const nlohmann::json &element : **value) {
    if (!element.is_string())
      return typeError((field + "[" + llvm::Twine(result.size()) + "]").str(),
                       "a string", element);
    result.push_back(element.get<std::string>());
  }
  return result;
}

Expected<std::optional<int64_t>> ModelConfig::getOptionalInt(StringRef field) const {
  if (!has(field))
    return std::nullopt;
  auto value = getInt(field);
  if (!value)
    return value.takeError();
  return std::optional<int64_t>(*value);
}

Expected<std::optional<double>> ModelConfig::getOptionalFloat(StringRef field) const {
  if (!has(field))
    return std::nullopt;
  auto value = getFloat(field);
  if (!value)
    return value.takeError();
  return std::optional<double>(*value);
}
