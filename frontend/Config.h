//===- Config.h - Hugging Face config.json reader ---------------*- C++ -*-===//
//
// A model's config.json with typed field access. Every failure is an error
// that names the file, the field and what was expected, never an exception.
//
//===----------------------------------------------------------------------===//

#ifndef TMC_FRONTEND_CONFIG_H
#define TMC_FRONTEND_CONFIG_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

namespace tmc {

class ModelConfig {
public:
  /// Reads and parses `path`; errors carry `path:line:col` for bad JSON.
  static llvm::Expected<ModelConfig> fromFile(llvm::StringRef path);
  /// Parses `text`; `sourceName` is the name used in error messages.
  static llvm::Expected<ModelConfig> fromString(llvm::StringRef text,
                                                llvm::StringRef sourceName);

  llvm::StringRef getSourceName() const { return sourceName; }
  /// True when the field is present and not `null`.
  bool has(llvm::StringRef field) const;

  /// Required fields: an error when absent, `null` or of another type.
  llvm::Expected<int64_t> getInt(llvm::StringRef field) const;
  /// Accepts integers too (`"rope_theta": 10000`).
  llvm::Expected<double> getFloat(llvm::StringRef field) const;
  llvm::Expected<bool> getBool(llvm::StringRef field) const;
  llvm::Expected<std::string> getString(llvm::StringRef field) const;
  llvm::Expected<std::vector<std::string>> getStringList(llvm::StringRef field) const;

  /// Optional fields: `std::nullopt` when absent or `null`, an error when present
  /// with another type.
  llvm::Expected<std::optional<int64_t>> getOptionalInt(llvm::StringRef field) const;
  llvm::Expected<std::optional<double>> getOptionalFloat(llvm::StringRef field) const;

  const nlohmann::json &getJson() const { return json; }

private:
  ModelConfig(nlohmann::json json, std::string sourceName)
      : json(std::move(json)), sourceName(std::move(sourceName)) {}

  /// The field's value, or an error saying it is required.
  llvm::Expected<const nlohmann::json *> lookup(llvm::StringRef field) const;
  llvm::Error typeError(llvm::StringRef field, llvm::StringRef expected,
                        const nlohmann::json &value) const;

  nlohmann::json json;
  std::string sourceName;
};

} // namespace tmc

#endif // TMC_FRONTEND_CONFIG_H
