//===- Pattern.h - splitting text the way HF tokenizers do ------*- C++ -*-===//
//
// HF tokenizers split a piece of text with a pattern (a regex, a literal
// string or a character class) into spans that cover it, each a match or
// not, and then keep, drop or glue the matches to their neighbours according
// to a SplitDelimiterBehavior. Regexes are PCRE2 with PCRE2_UTF | PCRE2_UCP,
// so \p{L}, \s and (?i:...) mean what the Oniguruma regexes of the reference
// mean; iteration over matches follows the reference's (an empty match right
// after the previous match is skipped).
//
//===----------------------------------------------------------------------===//

#ifndef TMC_RUNTIME_TOKENIZER_PATTERN_H
#define TMC_RUNTIME_TOKENIZER_PATTERN_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace tmc::tok {

/// A byte range of a piece of text and whether the pattern matched it.
struct Span {
  size_t begin, end;
  bool isMatch;
};

/// A compiled PCRE2 regex (shared, immutable; match data is per call).
class Regex {
public:
  /// An error quoting PCRE2's message and the offset in the pattern.
  static llvm::Expected<Regex> compile(llvm::StringRef pattern);
  /// Every non-overlapping match, leftmost first. `text` is valid UTF-8.
  llvm::Expected<std::vector<std::pair<size_t, size_t>>> matches(llvm::StringRef text) const;

private:
  struct Code;
  std::shared_ptr<Code> code;
};

/// What a Split, Replace or pre-tokenizer looks for: a regex, a literal
/// string, or one character satisfying a predicate.
class Pattern {
public:
  static Pattern regex(Regex regex);
  static Pattern literal(std::string text);
  static Pattern character(std::function<bool(char32_t)> predicate);

  /// Spans covering all of `text` (one non-match span for empty text).
  llvm::Expected<std::vector<Span>> findSpans(llvm::StringRef text) const;

private:
  enum class Kind { Regex, Literal, Character } kind = Kind::Literal;
  std::shared_ptr<Regex> compiled;
  std::string literalText;
  std::function<bool(char32_t)> predicate;
};

enum class SplitBehavior { Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous };

/// The byte ranges a split keeps, in order (empty ones included; callers drop
/// them as the reference does).
std::vector<std::pair<size_t, size_t>> applySplitBehavior(std::vector<Span> spans,
                                                          SplitBehavior behavior, bool invert);

} // namespace tmc::tok

#endif // TMC_RUNTIME_TOKENIZER_PATTERN_H
