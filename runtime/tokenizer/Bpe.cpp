//===- Bpe.cpp - the BPE model --------------------------------------------===//
//
// Transcribes tokenizers/src/models/bpe/{model.rs,word.rs}: merge_word builds
// the initial symbols (with byte fallback and [UNK] fusing), merge_all runs a
// priority queue of candidate merges ordered by (rank, position), skipping
// entries that earlier merges made stale.
//
//===----------------------------------------------------------------------===//

#include "runtime/tokenizer/Models.h"

#include "runtime/Error.h"
#include "runtime/tokenizer/Utf8.h"

#include "llvm/Support/Format.h"

#include <queue>

namespace tmc::tok {

namespace {
uint64_t pairKey(uint32_t left, uint32_t right) {
  return (static_cast<uint64_t>(left) << 32) | right;
}

std::string byteTokenName(uint8_t byte) {
  std::string name;
  llvm::raw_string_ostream(name) << llvm::format("<0x%02X>", byte);
  return name;
}
} // namespace

llvm::Expected<std::unique_ptr<Bpe>>
Bpe::create(Vocabulary vocabulary, llvm::ArrayRef<std::pair<std::string, std::string>> merges,
            BpeOptions options, const std::function<JsonLoc(size_t)> &where) {
  std::unique_ptr<Bpe> bpe(new Bpe());
  size_t prefixLength =
      options.continuingSubwordPrefix ? options.continuingSubwordPrefix->size() : 0;
  for (size_t rank = 0; rank < merges.size(); ++rank) {
    const auto &[left, right] = merges[rank];
    auto leftId = vocabulary.ids.find(left);
    auto rightId = vocabulary.ids.find(right);
    for (const std::string *part : {&left, &right})
      if (!vocabulary.ids.count(*part))
        return where(rank).error("merge '" + left + " " + right + "' names '" + *part +
                                 "', which is not in the vocabulary");
    // The merged token drops the right part's continuing-subword prefix.
    if (right.size() < prefixLength)
      return where(rank).error("merge '" + left + " " + right +
                               "': the right part is shorter than the continuing subword prefix");
    std::string merged = left + right.substr(prefixLength);
    auto mergedId = vocabulary.ids.find(merged);
    if (mergedId == vocabulary.ids.end())
      return where(rank).error("merge '" + left + " " + right + "' makes '" + merged +
                               "', which is not in the vocabulary");
    // A repeated pair keeps its last rank, as the reference's map does.
    bpe->merges[pairKey(leftId->second, rightId->second)] = {static_cast<uint32_t>(rank),
                                                             mergedId->second};
  }
  if (options.byteFallback) {
    for (unsigned byte = 0; byte < 256; ++byte) {
      auto it = vocabulary.ids.find(byteTokenName(byte));
      if (it != vocabulary.ids.end())
        bpe->byteTokens[byte] = it->second;
    }
  }
  bpe->vocabulary = std::move(vocabulary);
  bpe->options = std::move(options);
  return bpe;
}

std::optional<uint32_t> Bpe::tokenToId(llvm::StringRef token) const {
  auto it = vocabulary.ids.find(token);
  return it == vocabulary.ids.end() ? std::nullopt : std::optional<uint32_t>(it->second);
}

std::optional<llvm::StringRef> Bpe::idToToken(uint32_t id) const {
  auto it = vocabulary.tokens.find(id);
  return it == vocabulary.tokens.end() ? std::nullopt : std::optional<llvm::StringRef>(it->second);
}

llvm::Error Bpe::tokenize(llvm::StringRef word, std::vector<uint32_t> &ids) const {
  if (word.empty())
    return llvm::Error::success();
  if (options.ignoreMerges)
    if (auto id = tokenToId(word)) {
      ids.push_back(*id);
      return llvm::Error::success();
    }

  std::vector<uint32_t> symbols;
  std::optional<uint32_t> pendingUnk; // an [UNK] not added yet, so fuse_unk can extend it
  for (size_t pos = 0; pos < word.size();) {
    size_t begin = pos;
    decodeAt(word, pos);
    std::string piece = word.slice(begin, pos).str();
    if (begin != 0 && options.continuingSubwordPrefix)
      piece = *options.continuingSubwordPrefix + piece;
    if (pos == word.size() && options.endOfWordSuffix)
      piece += *options.endOfWordSuffix;

    if (auto id = tokenToId(piece)) {
      if (pendingUnk)
        symbols.push_back(*pendingUnk);
      pendingUnk.reset();
      symbols.push_back(*id);
      continue;
    }
    if (options.byteFallback) {
      bool all = true;
      for (char byte : piece)
        all = all && byteTokens[static_cast<uint8_t>(byte)].has_value();
      if (all) {
        for (char byte : piece)
          symbols.push_back(*byteTokens[static_cast<uint8_t>(byte)]);
        continue;
      }
    }
    if (!options.unkToken)
      continue; // no [UNK]: the character is dropped, as in the reference
    auto unk = tokenToId(*options.unkToken);
    if (!unk)
      return rt::makeError("the BPE unk_token '" + *options.unkToken +
                           "' is not in the vocabulary, and '" + word.slice(begin, pos) +
                           "' needs it");
    if (pendingUnk && !options.fuseUnk)
      symbols.push_back(*pendingUnk);
    pendingUnk = *unk;
  }
  if (pendingUnk)
    symbols.push_back(*pendingUnk);

  mergeAll(symbols);
  ids.insert(ids.end(), symbols.begin(), symbols.end());
  return llvm::Error::success();
}

void Bpe::mergeAll(std::vector<uint32_t> &symbols) const {
  struct Candidate {
    uint32_t rank;
    size_t pos;
    uint32_t merged;
    // std::priority_queue pops the largest: invert to get the lowest rank,
    // then the leftmost position.
    bool operator<(const Candidate &other) const {
      return rank != other.rank ? rank > other.rank : pos > other.pos;
    }
  };
  size_t n = symbols.size();
  std::vector<long> prev(n), next(n);
  std::vector<bool> removed(n, false);
  std::priority_queue<Candidate> queue;
  for (size_t i = 0; i < n; ++i) {
    prev[i] = static_cast<long>(i) - 1;
    next[i] = i + 1 < n ? static_cast<long>(i + 1) : -1;
  }
  auto candidate = [&](size_t pos) {
    if (next[pos] < 0)
      return;
    auto it = merges.find(pairKey(symbols[pos], symbols[next[pos]]));
    if (it != merges.end())
      queue.push({it->second.first, pos, it->second.second});
  };
  for (size_t i = 0; i + 1 < n; ++i)
    candidate(i);

  while (!queue.empty()) {
    Candidate top = queue.top();
    queue.pop();
    if (removed[top.pos] || next[top.pos] < 0)
      continue;
    size_t right = next[top.pos];
    // Stale entry: the pair at this position changed since it was queued.
    auto it = merges.find(pairKey(symbols[top.pos], symbols[right]));
    if (it == merges.end() || it->second.second != top.merged)
      continue;
    symbols[top.pos] = top.merged;
    removed[right] = true;
    next[top.pos] = next[right];
    if (next[right] >= 0)
      prev[next[right]] = top.pos;
    if (prev[top.pos] >= 0)
      candidate(prev[top.pos]);
    candidate(top.pos);
  }
  size_t out = 0;
  for (size_t i = 0; i < n; ++i)
    if (!removed[i])
      symbols[out++] = symbols[i];
  symbols.resize(out);
}

namespace {
llvm::Expected<std::vector<std::pair<std::string, std::string>>> readMerges(const json &value,
                                                                            const JsonLoc &loc) {
  if (!value.is_array())
    return loc.error("expected an array of merges, got " + describe(value));
  std::vector<std::pair<std::string, std::string>> merges;
  merges.reserve(value.size());
  for (size_t i = 0; i < value.size(); ++i) {
    const json &merge = value[i];
    if (merge.is_array() && merge.size() == 2 && merge[0].is_string() && merge[1].is_string()) {
      merges.emplace_back(merge[0].get<std::string>(), merge[1].get<std::string>());
      continue;
    }
    // The older layout: "left right", split on the one space.
    if (merge.is_string()) {
      llvm::StringRef text = merge.get_ref<const std::string &>();
      auto [left, right] = text.split(' ');
      if (text.count(' ') == 1) {
        merges.emplace_back(left.str(), right.str());
        continue;
      }
    }
    return loc.index(i).error("expected a merge [\"left\", \"right\"] or \"left right\", got " +
                              merge.dump());
  }
  return merges;
}
} // namespace

llvm::Expected<std::unique_ptr<Model>> parseBpe(const json &value, const JsonLoc &loc) {
  if (member(value, "vocab").is_null())
    return loc.field("vocab").error("missing: a BPE model needs its vocabulary");
  auto vocabulary = Vocabulary::fromJson(member(value, "vocab"), loc.field("vocab"));
  if (!vocabulary)
    return vocabulary.takeError();
  const json &mergeList = member(value, "merges");
  auto merges = mergeList.is_null()
                    ? llvm::Expected<std::vector<std::pair<std::string, std::string>>>(
                          loc.field("merges").error("missing: a BPE model needs its merges"))
                    : readMerges(mergeList, loc.field("merges"));
  if (!merges)
    return merges.takeError();
  const json &dropout = member(value, "dropout");
  if (!dropout.is_null() && !(dropout.is_number() && dropout.get<double>() == 0.0))
    return loc.field("dropout").error("BPE dropout " + dropout.dump() +
                                      " is not supported (tmc tokenizes deterministically)");
  BpeOptions options;
  for (auto [key, field] :
       {std::pair{"unk_token", &options.unkToken},
        std::pair{"continuing_subword_prefix", &options.continuingSubwordPrefix},
        std::pair{"end_of_word_suffix", &options.endOfWordSuffix}}) {
    auto text = readOptionalString(value, key, loc);
    if (!text)
      return text.takeError();
    *field = std::move(*text);
  }
  for (auto [key, field] :
       {std::pair{"fuse_unk", &options.fuseUnk}, std::pair{"byte_fallback", &options.byteFallback},
        std::pair{"ignore_merges", &options.ignoreMerges}}) {
    auto flag = readBool(value, key, loc, false);
    if (!flag)
      return flag.takeError();
    *field = *flag;
  }
  JsonLoc mergesLoc = loc.field("merges");
  auto bpe = Bpe::create(std::move(*vocabulary), *merges, std::move(options),
                         [&](size_t i) { return mergesLoc.index(i); });
  if (!bpe)
    return bpe.takeError();
  return std::unique_ptr<Model>(std::move(*bpe));
}

} // namespace tmc::tok
