//===- PostProcessors.cpp - tokenizer.json "post_processor" ---------------===//
//
// From tokenizers/src/processors/: TemplateProcessing (the "single"
// template), BertProcessing ([CLS] $A [SEP]), RobertaProcessing (<s> $A </s>),
// ByteLevel (offsets only: ids unchanged) and Sequence. Pair templates are
// read but unused: tmc encodes single sequences.
//
//===----------------------------------------------------------------------===//

#include "runtime/tokenizer/Pipeline.h"

namespace tmc::tok {

namespace {

/// The ids to put before and after the sequence.
class Wrap : public PostProcessor {
public:
  std::vector<uint32_t> before, after;
  void process(std::vector<uint32_t> &ids, bool addSpecialTokens) const override {
    if (!addSpecialTokens)
      return;
    ids.insert(ids.begin(), before.begin(), before.end());
    ids.insert(ids.end(), after.begin(), after.end());
  }
};

class NoOp : public PostProcessor {
public:
  void process(std::vector<uint32_t> &, bool) const override {}
};

class SequenceProcessor : public PostProcessor {
public:
  std::vector<std::unique_ptr<PostProcessor>> steps;
  void process(std::vector<uint32_t> &ids, bool addSpecialTokens) const override {
    for (const auto &step : steps)
      step->process(ids, addSpecialTokens);
  }
};

llvm::Expected<std::unique_ptr<PostProcessor>> parseTemplate(const json &value,
                                                             const JsonLoc &loc) {
  const json &specials = member(value, "special_tokens");
  if (!specials.is_null() && !specials.is_object())
    return loc.field("special_tokens").error("expected an object, got " + describe(specials));
  const json &single = member(value, "single");
  JsonLoc singleLoc = loc.field("single");
  if (!single.is_array())
    return singleLoc.error("expected an array of pieces, got " + describe(single));
  auto wrap = std::make_unique<Wrap>();
  bool seenSequence = false;
  for (size_t i = 0; i < single.size(); ++i) {
    const json &piece = single[i];
    JsonLoc at = singleLoc.index(i);
    if (piece.is_object() && piece.contains("Sequence")) {
      if (seenSequence)
        return at.error("a single-sequence template holds one Sequence piece");
      seenSequence = true;
      continue;
    }
    const json &special = member(piece, "SpecialToken");
    if (!special.is_object() || !member(special, "id").is_string())
      return at.error("expected {\"SpecialToken\": {\"id\": ...}} or {\"Sequence\": ...}, got " +
                      piece.dump());
    std::string name = member(special, "id").get<std::string>();
    const json &entry = member(specials, name);
    JsonLoc entryLoc = loc.field("special_tokens").field(name);
    if (!entry.is_object())
      return at.error("special token '" + name + "' is not in special_tokens");
    const json &ids = member(entry, "ids");
    if (!ids.is_array())
      return entryLoc.field("ids").error("expected an array of ids, got " + describe(ids));
    for (size_t k = 0; k < ids.size(); ++k) {
      auto id = readId(ids[k], entryLoc.field("ids").index(k));
      if (!id)
        return id.takeError();
      (seenSequence ? wrap->after : wrap->before).push_back(*id);
    }
  }
  if (!seenSequence)
    return singleLoc.error("the template has no {\"Sequence\": {\"id\": \"A\"}} piece");
  return wrap;
}

/// BertProcessing and RobertaProcessing: "cls" and "sep" are [token, id].
llvm::Expected<std::unique_ptr<PostProcessor>> parseClsSep(const json &value, const JsonLoc &loc) {
  auto wrap = std::make_unique<Wrap>();
  for (auto [key, list] : {std::pair{"cls", &wrap->before}, std::pair{"sep", &wrap->after}}) {
    const json &pair = member(value, key);
    if (!pair.is_array() || pair.size() != 2 || !pair[0].is_string())
      return loc.field(key).error("expected [\"token\", id], got " + pair.dump());
    auto id = readId(pair[1], loc.field(key).index(1));
    if (!id)
      return id.takeError();
    list->push_back(*id);
  }
  return wrap;
}

} // namespace

llvm::Expected<std::unique_ptr<PostProcessor>> parsePostProcessor(const json &value,
                                                                  const JsonLoc &loc) {
  if (value.is_null())
    return nullptr;
  auto type = readType(value, loc);
  if (!type)
    return type.takeError();
  if (*type == "TemplateProcessing")
    return parseTemplate(value, loc);
  if (*type == "BertProcessing" || *type == "RobertaProcessing")
    return parseClsSep(value, loc);
  if (*type == "ByteLevel")
    return std::make_unique<NoOp>();
  if (*type == "Sequence") {
    const json &list = member(value, "processors");
    if (!list.is_array())
      return loc.field("processors").error("expected an array, got " + describe(list));
    auto sequence = std::make_unique<SequenceProcessor>();
    for (size_t i = 0; i < list.size(); ++i) {
      auto step = parsePostProcessor(list[i], loc.field("processors").index(i));
      if (!step)
        return step.takeError();
      if (*step)
        sequence->steps.push_back(std::move(*step));
    }
    return sequence;
  }
  return unsupportedType(
      loc, *type,
      {"BertProcessing", "ByteLevel", "RobertaProcessing", "Sequence", "TemplateProcessing"});
}

} // namespace tmc::tok
