//===- Decoders.cpp - tokenizer.json "decoder" ----------------------------===//
//
// From tokenizers/src/decoders/ and the decoder halves of ByteLevel and
// Metaspace (pre_tokenizers/): each rewrites the list of token strings and
// the decoded text is their concatenation. CTC is reported as unsupported.
//
//===----------------------------------------------------------------------===//

#include "runtime/tokenizer/ByteLevel.h"
#include "runtime/tokenizer/Pipeline.h"
#include "runtime/tokenizer/Utf8.h"

namespace tmc::tok {

namespace {

/// All bytes joined, each token's characters mapped back to bytes (a token
/// with a character outside the mapping keeps its own bytes), then repaired
/// as Rust's from_utf8_lossy.
class ByteLevelDecoder : public Decoder {
public:
  llvm::Error decodeChain(std::vector<std::string> &tokens) const override {
    std::string bytes;
    for (const std::string &token : tokens) {
      std::string mapped;
      bool all = true;
      for (size_t pos = 0; pos < token.size() && all;) {
        auto byte = charToByte(decodeAt(token, pos));
        all = byte.has_value();
        if (all)
          mapped += static_cast<char>(*byte);
      }
      bytes += all ? mapped : token;
    }
    tokens = {repairUtf8(bytes)};
    return llvm::Error::success();
  }
};

class MetaspaceDecoder : public Decoder {
public:
  char32_t replacement;
  bool prepends; // prepend_scheme is not "never": the first token's replacement goes
  llvm::Error decodeChain(std::vector<std::string> &tokens) const override {
    for (size_t i = 0; i < tokens.size(); ++i) {
      std::string out;
      llvm::StringRef token = tokens[i];
      for (size_t pos = 0; pos < token.size();) {
        char32_t c = decodeAt(token, pos);
        if (c != replacement)
          appendUtf8(out, c);
        else if (i != 0 || !prepends)
          out += ' ';
      }
      tokens[i] = std::move(out);
    }
    return llvm::Error::success();
  }
};

std::string replaceAll(llvm::StringRef text, llvm::StringRef from, llvm::StringRef to) {
  std::string out;
  for (size_t at; (at = text.find(from)) != llvm::StringRef::npos;) {
    out += text.take_front(at);
    out += to;
    text = text.drop_front(at + from.size());
  }
  out += text;
  return out;
}

class WordPieceDecoder : public Decoder {
public:
  std::string prefix;
  bool cleanup;
  llvm::Error decodeChain(std::vector<std::string> &tokens) const override {
    for (size_t i = 0; i < tokens.size(); ++i) {
      std::string &token = tokens[i];
      if (i != 0)
        token =
            llvm::StringRef(token).starts_with(prefix) ? token.substr(prefix.size()) : " " + token;
      if (cleanup) {
        static const std::pair<llvm::StringRef, llvm::StringRef> rules[] = {
            {" .", "."},   {" ?", "?"},     {" !", "!"},    {" ,", ","},
            {" ' ", "'"},  {" n't", "n't"}, {" 'm", "'m"},  {" do not", " don't"},
            {" 's", "'s"}, {" 've", "'ve"}, {" 're", "'re"}};
        for (auto [from, to] : rules)
          token = replaceAll(token, from, to);
      }
    }
    return llvm::Error::success();
  }
};

class BpeDecoder : public Decoder {
public:
  std::string suffix;
  llvm::Error decodeChain(std::vector<std::string> &tokens) const override {
    for (size_t i = 0; i < tokens.size(); ++i)
      tokens[i] = replaceAll(tokens[i], suffix, i + 1 == tokens.size() ? "" : " ");
    return llvm::Error::success();
  }
};

class ReplaceDecoder : public Decoder {
public:
  ReplaceDecoder(Pattern pattern, std::string content)
      : pattern(std::move(pattern)), content(std::move(content)) {}
  llvm::Error decodeChain(std::vector<std::string> &tokens) const override {
    for (std::string &token : tokens) {
      auto spans = pattern.findSpans(token);
      if (!spans)
        return spans.takeError();
      std::string out;
      for (const Span &span : *spans)
        out += span.isMatch ? llvm::StringRef(content)
                            : llvm::StringRef(token).slice(span.begin, span.end);
      token = std::move(out);
    }
    return llvm::Error::success();
  }

private:
  Pattern pattern;
  std::string content;
};

/// Runs of <0xNN> tokens become their bytes when those are valid UTF-8, and
/// one U+FFFD per byte otherwise.
class ByteFallbackDecoder : public Decoder {
public:
  llvm::Error decodeChain(std::vector<std::string> &tokens) const override {
    std::vector<std::string> out;
    std::string bytes;
    size_t byteTokens = 0;
    auto flush = [&] {
      if (!byteTokens)
        return;
      if (firstInvalidByte(bytes))
        for (size_t i = 0; i < byteTokens; ++i)
          out.push_back(kReplacementChar.str());
      else
        out.push_back(bytes);
      bytes.clear();
      byteTokens = 0;
    };
    for (std::string &token : tokens) {
      llvm::StringRef text = token;
      unsigned value;
      if (text.size() == 6 && text.starts_with("<0x") && text.ends_with(">") &&
          !text.substr(3, 2).getAsInteger(16, value) && isxdigit(text[3]) && isxdigit(text[4])) {
        bytes += static_cast<char>(value);
        ++byteTokens;
        continue;
      }
      flush();
      out.push_back(std::move(token));
    }
    flush();
    tokens = std::move(out);
    return llvm::Error::success();
  }
};

class FuseDecoder : public Decoder {
public:
  llvm::Error decodeChain(std::vector<std::string> &tokens) const override {
    std::string joined;
    for (const std::string &token : tokens)
      joined += token;
    tokens = {joined};
    return llvm::Error::success();
  }
};

/// Removes up to `start` leading and `stop` trailing `content` characters.
class StripDecoder : public Decoder {
public:
  char32_t content;
  size_t start, stop;
  llvm::Error decodeChain(std::vector<std::string> &tokens) const override {
    for (std::string &token : tokens) {
      std::vector<char32_t> chars;
      for (size_t pos = 0; pos < token.size();)
        chars.push_back(decodeAt(token, pos));
      size_t begin = 0, end = chars.size();
      while (begin < start && begin < chars.size() && chars[begin] == content)
        ++begin;
      for (size_t i = 0; i < stop && end > begin && chars[end - 1] == content; ++i)
        --end;
      std::string out;
      for (size_t i = begin; i < end; ++i)
        appendUtf8(out, chars[i]);
      token = std::move(out);
    }
    return llvm::Error::success();
  }
};

class SequenceDecoder : public Decoder {
public:
  std::vector<std::unique_ptr<Decoder>> steps;
  llvm::Error decodeChain(std::vector<std::string> &tokens) const override {
    for (const auto &step : steps)
      if (llvm::Error error = step->decodeChain(tokens))
        return error;
    return llvm::Error::success();
  }
};

} // namespace

llvm::Expected<std::unique_ptr<Decoder>> parseDecoder(const json &value, const JsonLoc &loc) {
  if (value.is_null())
    return nullptr;
  auto type = readType(value, loc);
  if (!type)
    return type.takeError();
  if (*type == "ByteLevel")
    return std::make_unique<ByteLevelDecoder>();
  if (*type == "ByteFallback")
    return std::make_unique<ByteFallbackDecoder>();
  if (*type == "Fuse")
    return std::make_unique<FuseDecoder>();
  if (*type == "Metaspace") {
    auto decoder = std::make_unique<MetaspaceDecoder>();
    auto replacement = readChar(value, "replacement", loc);
    if (!replacement)
      return replacement.takeError();
    auto scheme = readString(value, "prepend_scheme", loc, "always");
    if (!scheme)
      return scheme.takeError();
    const json &legacy = member(value, "add_prefix_space");
    decoder->replacement = *replacement;
    decoder->prepends = *scheme != "never" && !(legacy.is_boolean() && !legacy.get<bool>());
    return decoder;
  }
  if (*type == "WordPiece") {
    auto decoder = std::make_unique<WordPieceDecoder>();
    auto prefix = readString(value, "prefix", loc, "##");
    if (!prefix)
      return prefix.takeError();
    auto cleanup = readBool(value, "cleanup", loc, true);
    if (!cleanup)
      return cleanup.takeError();
    decoder->prefix = std::move(*prefix);
    decoder->cleanup = *cleanup;
    return decoder;
  }
  if (*type == "BPEDecoder") {
    auto decoder = std::make_unique<BpeDecoder>();
    auto suffix = readString(value, "suffix", loc, "</w>");
    if (!suffix)
      return suffix.takeError();
    decoder->suffix = std::move(*suffix);
    return decoder;
  }
  if (*type == "Replace") {
    auto pattern = parseStringOrRegex(member(value, "pattern"), loc.field("pattern"));
    if (!pattern)
      return pattern.takeError();
    auto content = readString(value, "content", loc);
    if (!content)
      return content.takeError();
    return std::make_unique<ReplaceDecoder>(std::move(*pattern), std::move(*content));
  }
  if (*type == "Strip") {
    auto decoder = std::make_unique<StripDecoder>();
    auto content = readChar(value, "content", loc);
    if (!content)
      return content.takeError();
    auto start = readUnsigned(value, "start", loc, 0);
    if (!start)
      return start.takeError();
    auto stop = readUnsigned(value, "stop", loc, 0);
    if (!stop)
      return stop.takeError();
    decoder->content = *content;
    decoder->start = *start;
    decoder->stop = *stop;
    return decoder;
  }
  if (*type == "Sequence") {
    const json &list = member(value, "decoders");
    if (!list.is_array())
      return loc.field("decoders").error("expected an array, got " + describe(list));
    auto sequence = std::make_unique<SequenceDecoder>();
    for (size_t i = 0; i < list.size(); ++i) {
      auto step = parseDecoder(list[i], loc.field("decoders").index(i));
      if (!step)
        return step.takeError();
      if (*step)
        sequence->steps.push_back(std::move(*step));
    }
    return sequence;
  }
  return unsupportedType(loc, *type,
                         {"BPEDecoder", "ByteFallback", "ByteLevel", "Fuse", "Metaspace", "Replace",
                          "Sequence", "Strip", "WordPiece"});
}

} // namespace tmc::tok
