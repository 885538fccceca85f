//===- Pattern.cpp - splitting text the way HF tokenizers do --------------===//
//
// The span and behavior logic transcribes tokenizers/src/tokenizer/pattern.rs
// and NormalizedString::split (normalizer.rs).
//
//===----------------------------------------------------------------------===//

#include "runtime/tokenizer/Pattern.h"

#include "runtime/Error.h"
#include "runtime/tokenizer/Utf8.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <optional>

namespace tmc::tok {

struct Regex::Code {
  pcre2_code *code = nullptr;
  ~Code() { pcre2_code_free(code); }
};

namespace {
std::string pcre2Message(int error) {
  PCRE2_UCHAR buffer[256];
  pcre2_get_error_message(error, buffer, sizeof(buffer));
  return reinterpret_cast<const char *>(buffer);
}
} // namespace

llvm::Expected<Regex> Regex::compile(llvm::StringRef pattern) {
  int error = 0;
  PCRE2_SIZE offset = 0;
  pcre2_code *code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                                   PCRE2_UTF | PCRE2_UCP, &error, &offset, nullptr);
  if (!code)
    return rt::makeError("regex '" + pattern + "' does not compile (PCRE2, at offset " +
                         llvm::Twine(offset) + "): " + pcre2Message(error));
  Regex regex;
  regex.code = std::make_shared<Code>();
  regex.code->code = code;
  return regex;
}

llvm::Expected<std::vector<std::pair<size_t, size_t>>> Regex::matches(llvm::StringRef text) const {
  std::unique_ptr<pcre2_match_data, void (*)(pcre2_match_data *)> data(
      pcre2_match_data_create_from_pattern(code->code, nullptr), pcre2_match_data_free);
  std::vector<std::pair<size_t, size_t>> result;
  size_t searchFrom = 0;
  std::optional<size_t> lastEnd;
  while (searchFrom <= text.size()) {
    int rc = pcre2_match(code->code, reinterpret_cast<PCRE2_SPTR>(text.data()), text.size(),
                         searchFrom, PCRE2_NO_UTF_CHECK, data.get(), nullptr);
    if (rc == PCRE2_ERROR_NOMATCH)
      break;
    if (rc < 0)
      return rt::makeError("regex matching failed (PCRE2): " + pcre2Message(rc));
    PCRE2_SIZE *ovector = pcre2_get_ovector_pointer(data.get());
    size_t begin = ovector[0], end = ovector[1];
    // As Rust's onig crate: an empty match where the last one ended is not
    // taken; the search moves on by one character.
    if (begin == end && lastEnd == end) {
      if (searchFrom == text.size())
        break;
      size_t length = validSequenceLength(text, searchFrom);
      searchFrom += length ? length : 1;
      continue;
    }
    result.emplace_back(begin, end);
    searchFrom = end;
    lastEnd = end;
  }
  return result;
}

Pattern Pattern::regex(Regex regex) {
  Pattern pattern;
  pattern.kind = Kind::Regex;
  pattern.compiled = std::make_shared<Regex>(std::move(regex));
  return pattern;
}

Pattern Pattern::literal(std::string text) {
  Pattern pattern;
  pattern.kind = Kind::Literal;
  pattern.literalText = std::move(text);
  return pattern;
}

Pattern Pattern::character(std::function<bool(char32_t)> predicate) {
  Pattern pattern;
  pattern.kind = Kind::Character;
  pattern.predicate = std::move(predicate);
  return pattern;
}

namespace {
/// Spans of `text` from the sorted, non-overlapping `matches`.
std::vector<Span> spansFrom(llvm::StringRef text,
                            const std::vector<std::pair<size_t, size_t>> &matches) {
  if (text.empty())
    return {{0, 0, false}};
  std::vector<Span> spans;
  size_t previous = 0;
  for (auto [begin, end] : matches) {
    if (previous != begin)
      spans.push_back({previous, begin, false});
    spans.push_back({begin, end, true});
    previous = end;
  }
  if (previous != text.size())
    spans.push_back({previous, text.size(), false});
  return spans;
}
} // namespace

llvm::Expected<std::vector<Span>> Pattern::findSpans(llvm::StringRef text) const {
  std::vector<std::pair<size_t, size_t>> found;
  switch (kind) {
  case Kind::Regex: {
    auto matches = compiled->matches(text);
    if (!matches)
      return matches.takeError();
    found = std::move(*matches);
    break;
  }
  case Kind::Literal:
    if (literalText.empty())
      break;
    for (size_t at = text.find(literalText); at != llvm::StringRef::npos;
         at = text.find(literalText, at + literalText.size()))
      found.emplace_back(at, at + literalText.size());
    break;
  case Kind::Character:
    for (size_t pos = 0; pos < text.size();) {
      size_t begin = pos;
      char32_t c = decodeAt(text, pos);
      if (predicate(c))
        found.emplace_back(begin, pos);
    }
    break;
  }
  return spansFrom(text, found);
}

std::vector<std::pair<size_t, size_t>> applySplitBehavior(std::vector<Span> spans,
                                                          SplitBehavior behavior, bool invert) {
  if (invert)
    for (Span &span : spans)
      span.isMatch = !span.isMatch;
  // (range, removed) as in NormalizedString::split.
  std::vector<std::pair<Span, bool>> kept;
  bool previousMatch = false;
  switch (behavior) {
  case SplitBehavior::Isolated:
    for (const Span &span : spans)
      kept.push_back({span, false});
    break;
  case SplitBehavior::Removed:
    for (const Span &span : spans)
      kept.push_back({span, span.isMatch});
    break;
  case SplitBehavior::Contiguous:
    for (const Span &span : spans) {
      if (span.isMatch == previousMatch && !kept.empty())
        kept.back().first.end = span.end;
      else
        kept.push_back({span, false});
      previousMatch = span.isMatch;
    }
    break;
  case SplitBehavior::MergedWithPrevious:
    for (const Span &span : spans) {
      if (span.isMatch && !previousMatch && !kept.empty())
        kept.back().first.end = span.end;
      else
        kept.push_back({span, false});
      previousMatch = span.isMatch;
    }
    break;
  case SplitBehavior::MergedWithNext:
    for (auto it = spans.rbegin(); it != spans.rend(); ++it) {
      if (it->isMatch && !previousMatch && !kept.empty())
        kept.back().first.begin = it->begin;
      else
        kept.push_back({*it, false});
      previousMatch = it->isMatch;
    }
    std::reverse(kept.begin(), kept.end());
    break;
  }
  std::vector<std::pair<size_t, size_t>> ranges;
  for (const auto &[span, removed] : kept)
    if (!removed)
      ranges.emplace_back(span.begin, span.end);
  return ranges;
}

} // namespace tmc::tok
