//===- Json.h - located reading of tokenizer.json ---------------*- C++ -*-===//
//
// Every value read from tokenizer.json carries where it sits
// ("pre_tokenizer.pretokenizers[1].pattern"), so a bad or unsupported value
// is reported as "tokenizer.json: <path>: <what is wrong>". Absent and null
// fields take the reference's defaults where it has one.
//
//===----------------------------------------------------------------------===//

#ifndef TMC_RUNTIME_TOKENIZER_JSON_H
#define TMC_RUNTIME_TOKENIZER_JSON_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>

namespace tmc::tok {

using json = nlohmann::json;

/// A position in the file: the file's name and the path of keys and indices.
struct JsonLoc {
  std::string file;
  std::string path;

  JsonLoc field(llvm::StringRef key) const;
  JsonLoc index(size_t i) const;
  /// "<file>: <path>: <message>".
  llvm::Error error(const llvm::Twine &message) const;
};

/// Parses `text`; a syntax error names the file's line and column.
llvm::Expected<json> parseJson(llvm::StringRef text, llvm::StringRef file);

/// The member `key` of `object`, or null when absent.
const json &member(const json &object, llvm::StringRef key);

llvm::Expected<bool> readBool(const json &object, llvm::StringRef key, const JsonLoc &loc,
                              bool fallback);
/// A required string, or `fallback` when given and the field is absent/null.
llvm::Expected<std::string> readString(const json &object, llvm::StringRef key, const JsonLoc &loc,
                                       std::optional<std::string> fallback = std::nullopt);
/// A string, or none when absent/null.
llvm::Expected<std::optional<std::string>>
readOptionalString(const json &object, llvm::StringRef key, const JsonLoc &loc);
/// A string of exactly one character (Rust `char` fields).
llvm::Expected<char32_t> readChar(const json &object, llvm::StringRef key, const JsonLoc &loc,
                                  std::optional<char32_t> fallback = std::nullopt);
llvm::Expected<uint64_t> readUnsigned(const json &object, llvm::StringRef key, const JsonLoc &loc,
                                      std::optional<uint64_t> fallback = std::nullopt);
/// A token id: an unsigned integer that fits 32 bits.
llvm::Expected<uint32_t> readId(const json &value, const JsonLoc &loc);

/// The "type" of a component object; an error when `value` is not an object
/// or has no string "type".
llvm::Expected<std::string> readType(const json &value, const JsonLoc &loc);

/// "<loc>: type 'X' is not supported (supported: A, B, ...)".
llvm::Error unsupportedType(const JsonLoc &loc, llvm::StringRef type,
                            llvm::ArrayRef<llvm::StringRef> supported);

/// A JSON value's kind in words ("a string", "null", ...), for messages.
llvm::StringRef describe(const json &value);

} // namespace tmc::tok

#endif // TMC_RUNTIME_TOKENIZER_JSON_H
