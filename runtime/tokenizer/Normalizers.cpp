//===- Normalizers.cpp - tokenizer.json "normalizer" ----------------------===//
//
// From tokenizers/src/normalizers/: BertNormalizer (bert.rs), Strip and
// StripAccents (strip.rs), NFC/NFD/NFKC/NFKD (unicode.rs), Lowercase and
// Sequence (utils.rs), Replace, Prepend and ByteLevel. Nmt and Precompiled
// (SentencePiece's compiled charsmap, used by Unigram models) are not here
// and are reported as unsupported.
//
//===----------------------------------------------------------------------===//

#include "runtime/tokenizer/ByteLevel.h"
#include "runtime/tokenizer/Pipeline.h"
#include "runtime/tokenizer/Unicode.h"
#include "runtime/tokenizer/Utf8.h"

namespace tmc::tok {

namespace {

/// Rebuilds `text` character by character.
template <typename Fn> std::string mapChars(llvm::StringRef text, Fn fn) {
  std::string out;
  out.reserve(text.size());
  for (size_t pos = 0; pos < text.size();)
    fn(out, decodeAt(text, pos));
  return out;
}

bool isChineseChar(char32_t c) {
  return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) ||
         (c >= 0x20000 && c <= 0x2A6DF) || (c >= 0x2A700 && c <= 0x2B73F) ||
         (c >= 0x2B740 && c <= 0x2B81F) || (c >= 0x2B920 && c <= 0x2CEAF) ||
         (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
}

class BertNormalizer : public Normalizer {
public:
  bool cleanText, handleChineseChars, stripAccents, lowercase;

  llvm::Error normalize(std::string &text) const override {
    if (cleanText)
      text = mapChars(text, [](std::string &out, char32_t c) {
        bool control = c != '\t' && c != '\n' && c != '\r' && isOther(c);
        if (c == 0 || c == 0xFFFD || control)
          return;
        bool space = c == '\t' || c == '\n' || c == '\r' || isWhitespace(c);
        appendUtf8(out, space ? U' ' : c);
      });
    if (handleChineseChars)
      text = mapChars(text, [](std::string &out, char32_t c) {
        if (!isChineseChar(c))
          return appendUtf8(out, c);
        out += ' ';
        appendUtf8(out, c);
        out += ' ';
      });
    if (stripAccents) {
      auto decomposed = normalizeUnicode(text, NormalizationForm::NFD);
      if (!decomposed)
        return decomposed.takeError();
      text = mapChars(*decomposed, [](std::string &out, char32_t c) {
        if (!isNonspacingMark(c))
          appendUtf8(out, c);
      });
    }
    if (lowercase)
      text = mapChars(text, appendLowercase);
    return llvm::Error::success();
  }
};

class UnicodeNormalizer : public Normalizer {
public:
  explicit UnicodeNormalizer(NormalizationForm form) : form(form) {}
  llvm::Error normalize(std::string &text) const override {
    auto result = normalizeUnicode(text, form);
    if (!result)
      return result.takeError();
    text = std::move(*result);
    return llvm::Error::success();
  }

private:
  NormalizationForm form;
};

class Lowercase : public Normalizer {
public:
  llvm::Error normalize(std::string &text) const override {
    text = mapChars(text, appendLowercase);
    return llvm::Error::success();
  }
};

class StripAccents : public Normalizer {
public:
  llvm::Error normalize(std::string &text) const override {
    text = mapChars(text, [](std::string &out, char32_t c) {
      if (!isMark(c))
        appendUtf8(out, c);
    });
    return llvm::Error::success();
  }
};

/// Strip: leading and/or trailing White_Space characters.
class Strip : public Normalizer {
public:
  bool left, right;
  llvm::Error normalize(std::string &text) const override {
    llvm::StringRef view = text;
    size_t begin = 0, end = view.size();
    if (left)
      for (size_t pos = 0; pos < end;) {
        if (!isWhitespace(decodeAt(view, pos)))
          break;
        begin = pos;
      }
    if (right)
      while (end > begin) {
        size_t start = end - 1;
        while (start > begin && (static_cast<unsigned char>(view[start]) & 0xC0) == 0x80)
          --start;
        size_t pos = start;
        if (!isWhitespace(decodeAt(view, pos)))
          break;
        end = start;
      }
    text = view.slice(begin, end).str();
    return llvm::Error::success();
  }
};

class Replace : public Normalizer {
public:
  Replace(Pattern pattern, std::string content)
      : pattern(std::move(pattern)), content(std::move(content)) {}
  llvm::Error normalize(std::string &text) const override {
    auto spans = pattern.findSpans(text);
    if (!spans)
      return spans.takeError();
    std::string out;
    for (const Span &span : *spans)
      out += span.isMatch ? llvm::StringRef(content)
                          : llvm::StringRef(text).slice(span.begin, span.end);
    text = std::move(out);
    return llvm::Error::success();
  }

private:
  Pattern pattern;
  std::string content;
};

class Prepend : public Normalizer {
public:
  explicit Prepend(std::string prefix) : prefix(std::move(prefix)) {}
  llvm::Error normalize(std::string &text) const override {
    if (!text.empty())
      text = prefix + text;
    return llvm::Error::success();
  }

private:
  std::string prefix;
};

class ByteLevelNormalizer : public Normalizer {
public:
  llvm::Error normalize(std::string &text) const override {
    text = bytesToChars(text);
    return llvm::Error::success();
  }
};

class SequenceNormalizer : public Normalizer {
public:
  std::vector<std::unique_ptr<Normalizer>> normalizers;
  llvm::Error normalize(std::string &text) const override {
    for (const auto &normalizer : normalizers)
      if (llvm::Error error = normalizer->normalize(text))
        return error;
    return llvm::Error::success();
  }
};

} // namespace

llvm::Expected<std::unique_ptr<Normalizer>> parseNormalizer(const json &value, const JsonLoc &loc) {
  if (value.is_null())
    return nullptr;
  auto type = readType(value, loc);
  if (!type)
    return type.takeError();
  if (*type == "BertNormalizer") {
    auto normalizer = std::make_unique<BertNormalizer>();
    for (auto [key, field] : {std::pair{"clean_text", &normalizer->cleanText},
                              std::pair{"handle_chinese_chars", &normalizer->handleChineseChars},
                              std::pair{"lowercase", &normalizer->lowercase}}) {
      auto flag = readBool(value, key, loc, true);
      if (!flag)
        return flag.takeError();
      *field = *flag;
    }
    // strip_accents: null follows lowercase, as in the reference.
    auto strip = readBool(value, "strip_accents", loc, normalizer->lowercase);
    if (!strip)
      return strip.takeError();
    normalizer->stripAccents = *strip;
    return normalizer;
  }
  static const std::pair<llvm::StringRef, NormalizationForm> forms[] = {
      {"NFC", NormalizationForm::NFC},
      {"NFD", NormalizationForm::NFD},
      {"NFKC", NormalizationForm::NFKC},
      {"NFKD", NormalizationForm::NFKD}};
  for (auto [name, form] : forms)
    if (*type == name)
      return std::make_unique<UnicodeNormalizer>(form);
  if (*type == "Lowercase")
    return std::make_unique<Lowercase>();
  if (*type == "StripAccents")
    return std::make_unique<StripAccents>();
  if (*type == "ByteLevel")
    return std::make_unique<ByteLevelNormalizer>();
  if (*type == "Strip") {
    auto left = readBool(value, "strip_left", loc, true);
    if (!left)
      return left.takeError();
    auto right = readBool(value, "strip_right", loc, true);
    if (!right)
      return right.takeError();
    auto strip = std::make_unique<Strip>();
    strip->left = *left;
    strip->right = *right;
    return strip;
  }
  if (*type == "Replace") {
    auto pattern = parseStringOrRegex(member(value, "pattern"), loc.field("pattern"));
    if (!pattern)
      return pattern.takeError();
    auto content = readString(value, "content", loc);
    if (!content)
      return content.takeError();
    return std::make_unique<Replace>(std::move(*pattern), std::move(*content));
  }
  if (*type == "Prepend") {
    auto prefix = readString(value, "prepend", loc);
    if (!prefix)
      return prefix.takeError();
    return std::make_unique<Prepend>(std::move(*prefix));
  }
  if (*type == "Sequence") {
    const json &list = member(value, "normalizers");
    if (!list.is_array())
      return loc.field("normalizers").error("expected an array, got " + describe(list));
    auto sequence = std::make_unique<SequenceNormalizer>();
    for (size_t i = 0; i < list.size(); ++i) {
      auto normalizer = parseNormalizer(list[i], loc.field("normalizers").index(i));
      if (!normalizer)
        return normalizer.takeError();
      if (*normalizer)
        sequence->normalizers.push_back(std::move(*normalizer));
    }
    return sequence;
  }
  return unsupportedType(loc, *type,
                         {"BertNormalizer", "ByteLevel", "Lowercase", "NFC", "NFD", "NFKC", "NFKD",
                          "Prepend", "Replace", "Sequence", "Strip", "StripAccents"});
}

llvm::Expected<Pattern> parseStringOrRegex(const json &value, const JsonLoc &loc) {
  const json &literal = member(value, "String");
  const json &regex = member(value, "Regex");
  if (!value.is_object() || value.size() != 1 || (!literal.is_string() && !regex.is_string()))
    return loc.error("expected {\"String\": \"...\"} or {\"Regex\": \"...\"}, got " + value.dump());
  if (literal.is_string())
    return Pattern::literal(literal.get<std::string>());
  auto compiled = Regex::compile(regex.get<std::string>());
  if (!compiled)
    return loc.field("Regex").error(llvm::toString(compiled.takeError()));
  return Pattern::regex(std::move(*compiled));
}

} // namespace tmc::tok
