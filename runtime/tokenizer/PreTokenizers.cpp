//===- PreTokenizers.cpp - tokenizer.json "pre_tokenizer" -----------------===//
//
// From tokenizers/src/pre_tokenizers/: ByteLevel, Metaspace, Split, Sequence,
// BertPreTokenizer, Whitespace, WhitespaceSplit, Punctuation, Digits and
// CharDelimiterSplit. UnicodeScripts and FixedLength are reported as
// unsupported.
//
//===----------------------------------------------------------------------===//

#include "runtime/tokenizer/ByteLevel.h"
#include "runtime/tokenizer/Pipeline.h"
#include "runtime/tokenizer/Unicode.h"
#include "runtime/tokenizer/Utf8.h"

namespace tmc::tok {

namespace {

/// GPT-2's split, built into the ByteLevel pre-tokenizer (use_regex).
constexpr llvm::StringLiteral kGpt2Regex =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

/// Splits every piece with `pattern` and `behavior`.
llvm::Error splitWith(std::vector<Piece> &pieces, const Pattern &pattern, SplitBehavior behavior,
                      bool invert = false) {
  return splitPieces(
      pieces, [&](const Piece &piece) -> llvm::Expected<std::vector<std::pair<size_t, size_t>>> {
        auto spans = pattern.findSpans(piece.text);
        if (!spans)
          return spans.takeError();
        return applySplitBehavior(std::move(*spans), behavior, invert);
      });
}

class ByteLevelPreTokenizer : public PreTokenizer {
public:
  bool addPrefixSpace = true;
  std::optional<Pattern> regex; // set when use_regex

  llvm::Error preTokenize(std::vector<Piece> &pieces) const override {
    for (Piece &piece : pieces)
      if (!piece.token && addPrefixSpace && !llvm::StringRef(piece.text).starts_with(" "))
        piece.text.insert(0, " ");
    if (regex)
      if (llvm::Error error = splitWith(pieces, *regex, SplitBehavior::Isolated))
        return error;
    for (Piece &piece : pieces)
      if (!piece.token)
        piece.text = bytesToChars(piece.text);
    return llvm::Error::success();
  }
};

enum class PrependScheme { First, Never, Always };

class Metaspace : public PreTokenizer {
public:
  std::string replacement;
  PrependScheme scheme = PrependScheme::Always;
  bool split = true;

  llvm::Error preTokenize(std::vector<Piece> &pieces) const override {
    for (Piece &piece : pieces) {
      if (piece.token)
        continue;
      std::string text;
      for (char c : piece.text)
        text += c == ' ' ? llvm::StringRef(replacement) : llvm::StringRef(&c, 1);
      bool prepend =
          scheme == PrependScheme::Always || (scheme == PrependScheme::First && piece.atStart);
      if (prepend && !llvm::StringRef(text).starts_with(replacement))
        text.insert(0, replacement);
      piece.text = std::move(text);
    }
    if (!split)
      return llvm::Error::success();
    return splitWith(pieces, Pattern::literal(replacement), SplitBehavior::MergedWithNext);
  }
};

class Split : public PreTokenizer {
public:
  Split(Pattern pattern, SplitBehavior behavior, bool invert)
      : pattern(std::move(pattern)), behavior(behavior), invert(invert) {}
  llvm::Error preTokenize(std::vector<Piece> &pieces) const override {
    return splitWith(pieces, pattern, behavior, invert);
  }

private:
  Pattern pattern;
  SplitBehavior behavior;
  bool invert;
};

/// Splits on characters: `isDelimiter` chooses them, `behavior` what becomes of them.
class CharacterSplit : public PreTokenizer {
public:
  CharacterSplit(std::function<bool(char32_t)> isDelimiter, SplitBehavior behavior)
      : pattern(Pattern::character(std::move(isDelimiter))), behavior(behavior) {}
  llvm::Error preTokenize(std::vector<Piece> &pieces) const override {
    return splitWith(pieces, pattern, behavior);
  }

private:
  Pattern pattern;
  SplitBehavior behavior;
};

bool isBertPunctuation(char32_t c) { return isAsciiPunctuation(c) || isPunctuation(c); }

class BertPreTokenizer : public PreTokenizer {
public:
  llvm::Error preTokenize(std::vector<Piece> &pieces) const override {
    if (llvm::Error error =
            splitWith(pieces, Pattern::character(isWhitespace), SplitBehavior::Removed))
      return error;
    return splitWith(pieces, Pattern::character(isBertPunctuation), SplitBehavior::Isolated);
  }
};

/// Whitespace: the words of the regex \w+|[^\w\s]+ (Rust regex classes),
/// everything else removed.
class Whitespace : public PreTokenizer {
public:
  llvm::Error preTokenize(std::vector<Piece> &pieces) const override {
    return splitPieces(
        pieces, [](const Piece &piece) -> llvm::Expected<std::vector<std::pair<size_t, size_t>>> {
          llvm::StringRef text = piece.text;
          std::vector<std::pair<size_t, size_t>> words;
          for (size_t pos = 0; pos < text.size();) {
            size_t begin = pos;
            char32_t c = decodeAt(text, pos);
            if (isWhitespace(c))
              continue;
            bool word = isWordChar(c);
            size_t end = pos;
            while (end < text.size()) {
              size_t next = end;
              char32_t d = decodeAt(text, next);
              if (word ? !isWordChar(d) : (isWordChar(d) || isWhitespace(d)))
                break;
              end = next;
            }
            words.emplace_back(begin, end);
            pos = end;
          }
          return words;
        });
  }
};

class SequencePreTokenizer : public PreTokenizer {
public:
  std::vector<std::unique_ptr<PreTokenizer>> steps;
  llvm::Error preTokenize(std::vector<Piece> &pieces) const override {
    for (const auto &step : steps)
      if (llvm::Error error = step->preTokenize(pieces))
        return error;
    return llvm::Error::success();
  }
};

llvm::Expected<SplitBehavior> readBehavior(const json &value, const JsonLoc &loc,
                                           std::optional<SplitBehavior> fallback) {
  static const std::pair<llvm::StringRef, SplitBehavior> names[] = {
      {"Removed", SplitBehavior::Removed},
      {"Isolated", SplitBehavior::Isolated},
      {"MergedWithPrevious", SplitBehavior::MergedWithPrevious},
      {"MergedWithNext", SplitBehavior::MergedWithNext},
      {"Contiguous", SplitBehavior::Contiguous}};
  auto name = readOptionalString(value, "behavior", loc);
  if (!name)
    return name.takeError();
  if (!*name && fallback)
    return *fallback;
  for (auto [known, behavior] : names)
    if (*name && **name == known)
      return behavior;
  return loc.field("behavior")
      .error("expected Removed, Isolated, MergedWithPrevious, MergedWithNext or Contiguous, got " +
             (*name ? "'" + **name + "'" : std::string("nothing")));
}

llvm::Expected<std::unique_ptr<PreTokenizer>> parseByteLevel(const json &value,
                                                             const JsonLoc &loc) {
  auto result = std::make_unique<ByteLevelPreTokenizer>();
  auto prefix = readBool(value, "add_prefix_space", loc, true);
  if (!prefix)
    return prefix.takeError();
  auto useRegex = readBool(value, "use_regex", loc, true);
  if (!useRegex)
    return useRegex.takeError();
  result->addPrefixSpace = *prefix;
  if (*useRegex) {
    auto regex = Regex::compile(kGpt2Regex);
    if (!regex)
      return regex.takeError();
    result->regex = Pattern::regex(std::move(*regex));
  }
  return result;
}

llvm::Expected<std::unique_ptr<PreTokenizer>> parseMetaspace(const json &value,
                                                             const JsonLoc &loc) {
  auto result = std::make_unique<Metaspace>();
  auto replacement = readChar(value, "replacement", loc);
  if (!replacement)
    return replacement.takeError();
  appendUtf8(result->replacement, *replacement);
  auto scheme = readString(value, "prepend_scheme", loc, "always");
  if (!scheme)
    return scheme.takeError();
  if (*scheme == "first")
    result->scheme = PrependScheme::First;
  else if (*scheme == "never")
    result->scheme = PrependScheme::Never;
  else if (*scheme != "always")
    return loc.field("prepend_scheme")
        .error("expected \"first\", \"never\" or \"always\", got '" + *scheme + "'");
  // Files from before prepend_scheme say add_prefix_space: false for "never".
  const json &legacy = member(value, "add_prefix_space");
  if (legacy.is_boolean() && !legacy.get<bool>()) {
    if (result->scheme != PrependScheme::Never && member(value, "prepend_scheme").is_string())
      return loc.error("add_prefix_space is false but prepend_scheme is '" + *scheme + "'");
    result->scheme = PrependScheme::Never;
  }
  auto split = readBool(value, "split", loc, true);
  if (!split)
    return split.takeError();
  result->split = *split;
  return result;
}

} // namespace

llvm::Expected<std::unique_ptr<PreTokenizer>> parsePreTokenizer(const json &value,
                                                                const JsonLoc &loc) {
  if (value.is_null())
    return nullptr;
  auto type = readType(value, loc);
  if (!type)
    return type.takeError();
  if (*type == "ByteLevel")
    return parseByteLevel(value, loc);
  if (*type == "Metaspace")
    return parseMetaspace(value, loc);
  if (*type == "Split") {
    auto pattern = parseStringOrRegex(member(value, "pattern"), loc.field("pattern"));
    if (!pattern)
      return pattern.takeError();
    auto behavior = readBehavior(value, loc, std::nullopt);
    if (!behavior)
      return behavior.takeError();
    auto invert = readBool(value, "invert", loc, false);
    if (!invert)
      return invert.takeError();
    return std::make_unique<Split>(std::move(*pattern), *behavior, *invert);
  }
  if (*type == "Sequence") {
    const json &list = member(value, "pretokenizers");
    if (!list.is_array())
      return loc.field("pretokenizers").error("expected an array, got " + describe(list));
    auto sequence = std::make_unique<SequencePreTokenizer>();
    for (size_t i = 0; i < list.size(); ++i) {
      auto step = parsePreTokenizer(list[i], loc.field("pretokenizers").index(i));
      if (!step)
        return step.takeError();
      if (*step)
        sequence->steps.push_back(std::move(*step));
    }
    return sequence;
  }
  if (*type == "BertPreTokenizer")
    return std::make_unique<BertPreTokenizer>();
  if (*type == "Whitespace")
    return std::make_unique<Whitespace>();
  if (*type == "WhitespaceSplit")
    return std::make_unique<CharacterSplit>(isWhitespace, SplitBehavior::Removed);
  if (*type == "Punctuation") {
    auto behavior = readBehavior(value, loc, SplitBehavior::Isolated);
    if (!behavior)
      return behavior.takeError();
    return std::make_unique<CharacterSplit>(isBertPunctuation, *behavior);
  }
  if (*type == "Digits") {
    auto individual = readBool(value, "individual_digits", loc, false);
    if (!individual)
      return individual.takeError();
    return std::make_unique<CharacterSplit>(isNumeric, *individual ? SplitBehavior::Isolated
                                                                   : SplitBehavior::Contiguous);
  }
  if (*type == "CharDelimiterSplit") {
    auto delimiter = readChar(value, "delimiter", loc);
    if (!delimiter)
      return delimiter.takeError();
    char32_t d = *delimiter;
    return std::make_unique<CharacterSplit>([d](char32_t c) { return c == d; },
                                            SplitBehavior::Removed);
  }
  return unsupportedType(loc, *type,
                         {"BertPreTokenizer", "ByteLevel", "CharDelimiterSplit", "Digits",
                          "Metaspace", "Punctuation", "Sequence", "Split", "Whitespace",
                          "WhitespaceSplit"});
}

} // namespace tmc::tok
