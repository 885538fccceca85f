//===- Runner.cpp - tmc-run and tmc run -------------------------*- C++ -*-===//
//
// `tmc-run ARTIFACT --weights W --input-ids 1,2,3 [--output logits.npy]`:
// loads the artifact and the checkpoint, checks they match, runs the entry
// point on the token ids (rows separated by ';' make a batch), prints the
// logits' shape and each row's next-token argmax, and optionally saves the
// logits; with --max-new-tokens it generates. `tmc run` is the same code.
//
//===----------------------------------------------------------------------===//

#include "runtime/Runner.h"

#include "runtime/Artifact.h"
#include "runtime/Embeddings.h"
#include "runtime/Error.h"
#include "runtime/Generate.h"
#include "runtime/RandomWeights.h"
#include "runtime/Trace.h"
#include "runtime/collectives/InProcessCollectives.h"
#include "runtime/collectives/LoadCollectives.h"
#include "runtime/tokenizer/ChatTemplate.h"
#include "runtime/tokenizer/Tokenizer.h"
#include "runtime/torch/ReferenceBackend.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <optional>
#include <thread>

#include <sys/resource.h>

#include <nlohmann/json.hpp>

namespace cl = llvm::cl;
using namespace tmc::rt;

namespace {
cl::SubCommand &runCommand = tmc::rt::runnerSubCommand();

cl::opt<std::string> artifactDir(cl::Positional, cl::sub(runCommand),
                                 cl::desc("<artifact-dir>"));
cl::opt<std::string> weightsPath("weights", cl::sub(runCommand),
                                 cl::desc("Checkpoint: a .safetensors file, a .gguf file "
                                          "or a directory (model.safetensors or a sharded "
                                          "index)"));
cl::opt<bool> randomWeights(
    "random-weights", cl::sub(runCommand),
    cl::desc("Instead of --weights: every weight drawn at random from --seed (normal(0, "
             "0.02); 1-D weights 1), for benchmarks of shapes that have no checkpoint"));
cl::opt<std::string> inputIds("input-ids", cl::sub(runCommand),
                              cl::desc("Token ids, comma separated; ';' separates batch rows "
                                       "(\"1,2,3;4,5\": shorter rows are left-padded when the "
                                       "model takes an attention_mask); @FILE reads them from "
                                       "FILE, @FILE.npy from a 2-D int64 array"));
cl::list<std::string> prompts(
    "prompt", cl::sub(runCommand), cl::value_desc("TEXT"),
    cl::desc("Text, tokenized with the checkpoint's tokenizer (tokenizer.json beside the "
             "weights, or a GGUF file's metadata). A decoder continues it and prints the "
             "generated text as it comes (32 new tokens unless --max-new-tokens says "
             "otherwise); an encoder (BERT) embeds it, one sentence embedding per --prompt "
             "(see --pooling)"));
cl::opt<bool> chatPrompt("chat", cl::sub(runCommand),
                         cl::desc("With --prompt: the text is one user message in the "
                                  "checkpoint's chat template (chat_template.jinja or "
                                  "tokenizer_config.json beside the weights, or GGUF metadata), "
                                  "followed by the assistant's header"));
cl::opt<bool> outputIds("output-ids", cl::sub(runCommand),
                        cl::desc("With --prompt, print the generated ids instead of the text"));
cl::opt<std::string> poolingName(
    "pooling", cl::sub(runCommand), cl::value_desc("mean|cls|max"),
    cl::desc("How an encoder's --prompt embeddings pool the last hidden state: the mean of "
             "the tokens, the first token or the per-dim max (default: the checkpoint's "
             "sentence-transformers Pooling module, else mean)"));
cl::opt<bool> normalizeEmbeddings(
    "normalize", cl::sub(runCommand),
    cl::desc("Divide each --prompt embedding by its L2 norm (default: whether the checkpoint's "
             "sentence-transformers modules.json has a Normalize module)"));
cl::opt<std::string> attentionMask(
    "attention-mask", cl::sub(runCommand),
    cl::desc("1 for tokens, 0 for padding, shaped like --input-ids (\"1,1,0;1,1,1\", @file, "
             "@file.npy); default: from the padding of ragged --input-ids rows"));
cl::opt<int64_t> padId("pad-id", cl::init(0), cl::sub(runCommand),
                       cl::desc("Token id that left-pads shorter --input-ids rows (default 0)"));
cl::opt<std::string> entryName("entry", cl::init("forward"), cl::sub(runCommand),
                               cl::desc("Entry point to run"));
cl::opt<std::string> backend("backend", cl::init("compiled"), cl::sub(runCommand),
                             cl::desc("compiled (the artifact's code) or torch (its graph, "
                                      "run by the LibTorch reference executor)"));
cl::opt<unsigned> repeat("repeat", cl::init(1), cl::sub(runCommand),
                         cl::desc("Run the entry point this many times (for timing)"));
cl::opt<bool> stats("stats", cl::sub(runCommand),
                    cl::desc("Print the median run time and tokens/s on stderr; with several "
                             "ranks also each rank's share of the time spent in collectives"));
cl::opt<std::string> outputPath("output", cl::sub(runCommand),
                                cl::desc("Write the first result (logits) as a .npy file; with "
                                         "--max-new-tokens the logits each token was picked "
                                         "from (batch, new, vocab); with an encoder's --prompt "
                                         "the embeddings (prompts, hidden)"),
                                cl::value_desc("logits.npy"));

cl::opt<std::string> outputDir(
    "output-dir", cl::sub(runCommand), cl::value_desc("DIR"),
    cl::desc("Write every result of the entry point as DIR/<name>.npy (result0.npy, "
             "result1.npy, ...: an encoder's last hidden state and pooled output)"));

cl::opt<int64_t> maxNewTokens(
    "max-new-tokens", cl::init(0), cl::sub(runCommand),
    cl::desc("Generate this many tokens with the KV cache (the artifact's decode entry) and "
             "print each row's new ids; greedy unless a sampling flag is given"),
    cl::value_desc("N"));
cl::opt<double> temperature("temperature", cl::init(1.0), cl::sub(runCommand),
                            cl::desc("Sample with this temperature (0: greedy)"));
cl::opt<int64_t> topK("top-k", cl::init(0), cl::sub(runCommand),
                      cl::desc("Sample among the K most likely tokens (0: all)"));
cl::opt<double> topP("top-p", cl::init(1.0), cl::sub(runCommand),
                     cl::desc("Sample among the most likely tokens holding probability P"));
cl::opt<uint64_t> seed("seed", cl::init(0), cl::sub(runCommand),
                       cl::desc("Seed of the sampler and of --random-weights (std::mt19937_64)"));
cl::opt<std::string> ranksMode(
    "ranks", cl::init("auto"), cl::sub(runCommand), cl::value_desc("auto|mpi|threads"),
    cl::desc("How the ranks of a tensor-parallel artifact (tmc compile --tp N) run: mpi, one "
             "rank per process of `mpirun -n N` (MPI through lib/libtmc-mpi.so); threads, all N "
             "ranks as threads of this process; auto (default), mpi when an MPI launcher "
             "started this process, else a single process for a TP=1 artifact. Only rank 0 "
             "prints and writes --output"));
cl::opt<std::string> traceOut(
    "trace-out", cl::sub(runCommand), cl::value_desc("trace.json"),
    cl::desc("Write every module's inputs and outputs of the first entry call (the prompt "
             "with --max-new-tokens) as a tree in the layout of transformers' "
             "model_addition_debugger SUMMARY file; the artifact must be compiled with "
             "--trace (docs/DEBUGGING.md)"));
cl::list<int64_t> eosIds("eos-id", cl::sub(runCommand), cl::CommaSeparated,
                         cl::desc("Token ids that end a row (default: eos_token_id of the "
                                  "checkpoint's generation_config.json, else config.json)"));


/// Rows of token ids as one batch: shorter rows are padded with `padId` on
/// the left (decoders, as transformers pads for generation) or, with
/// `padRight`, on the right (encoders, as their tokenizers pad); `mask` gets
/// 1 for tokens, 0 for padding. Whether any row was padded.
bool padRows(const std::vector<std::vector<int64_t>> &rows, int64_t padId, bool padRight,
             HostTensor &ids, HostTensor &mask) {
  size_t width = 0;
  for (const std::vector<int64_t> &row : rows)
    width = std::max(width, row.size());
  std::vector<int64_t> shape{static_cast<int64_t>(rows.size()), static_cast<int64_t>(width)};
  ids = HostTensor(DType::I64, shape);
  mask = HostTensor(DType::I64, shape);
  bool padded = false;
  for (auto [r, row] : llvm::enumerate(rows)) {
    size_t pad = width - row.size(), first = padRight ? 0 : pad;
    padded |= pad > 0;
    for (size_t c = 0; c < width; ++c) {
      bool token = c >= first && c < first + row.size();
      ids.as<int64_t>()[r * width + c] = token ? row[c - first] : padId;
      mask.as<int64_t>()[r * width + c] = token;
    }
  }
  return padded;
}

/// Token rows "1,2,3;4,5" (or @file with that text, or @file.npy). Rows of
/// different lengths are padded with `padId` when `mask` is wanted (padRows);
/// `mask` gets 1 for tokens, 0 for padding.
llvm::Error parseInputIds(llvm::StringRef flag, llvm::StringRef text, bool ragged, int64_t padId,
                          bool padRight, HostTensor &ids, std::optional<HostTensor> *mask) {
  std::string contents = text.str();
  if (text.starts_with("@")) {
    llvm::StringRef file = text.drop_front();
    if (file.ends_with(".npy")) {
      auto tensor = readNpy(file);
      if (!tensor)
        return makeError(flag + ": " + llvm::toString(tensor.takeError()));
      if (tensor->dtype() != DType::I64 || tensor->shape().size() != 2)
        return makeError(flag + ": " + file + " must hold a 2-D int64 array (batch, seq)");
      ids = std::move(*tensor);
      return llvm::Error::success();
    }
    auto buffer = llvm::MemoryBuffer::getFile(file, /*IsText=*/true);
    if (!buffer)
      return makeError(flag + ": cannot read " + file + ": " + buffer.getError().message());
    contents = (*buffer)->getBuffer().trim().str();
  }
  llvm::SmallVector<llvm::StringRef> rows;
  llvm::StringRef(contents).split(rows, ';');
  std::vector<std::vector<int64_t>> values;
  size_t width = 0;
  for (auto [r, row] : llvm::enumerate(rows)) {
    llvm::SmallVector<llvm::StringRef> fields;
    row.split(fields, ',');
    values.emplace_back();
    for (llvm::StringRef field : fields) {
      int64_t id;
      if (field.trim().getAsInteger(10, id) || id < 0)
        return makeError(flag + ": '" + field.trim() +
                         "' is not a token id (a non-negative integer)");
      values.back().push_back(id);
    }
    if (r > 0 && values.back().size() != width && !ragged)
      return makeError(flag + ": row " + llvm::Twine(r + 1) + " has " +
                       llvm::Twine(values.back().size()) + " ids but row 1 has " +
                       llvm::Twine(width) + "; rows must have equal length (this entry point "
                       "takes no attention_mask to pad them with)");
    width = std::max(width, values.back().size());
  }
  HostTensor padding(DType::I64, {0, 0});
  if (padRows(values, padId, padRight, ids, padding) && mask)
    *mask = std::move(padding);
  return llvm::Error::success();
}

/// One rank of the run: every rank runs the same forward or generate loop on
/// its own weights; rank 0 alone prints and writes files.
struct Rank {
  int64_t index = 0;
  Collectives *collectives = nullptr; // null: a single process
  llvm::raw_ostream &out;             // stdout on rank 0, discarded elsewhere
  /// Set once this rank called startTogether(), and once the ranks passed
  /// it: a failure from then on may leave the others waiting in a
  /// collective, so it aborts the world.
  bool agreed = false;
  bool started = false;
  /// Set when this rank stops because another one failed.
  bool stoppedByOther = false;

  bool leader() const { return index == 0; }
  int64_t worldSize() const { return collectives ? collectives->worldSize() : 1; }
};

/// The ranks agree to start: each says whether it got ready (weights bound,
/// inputs read), so that a rank that failed before its first collective
/// makes every rank stop with an error instead of leaving them waiting.
llvm::Error startTogether(Rank &rank, llvm::Error own) {
  rank.agreed = true;
  if (rank.worldSize() == 1) {
    rank.started = !own;
    return own;
  }
  float mine = own ? 1.0f : 0.0f;
  std::vector<float> failed(rank.worldSize());
  rank.collectives->allGather(&mine, failed.data(), 1, 1, CollectiveType::F32);
  if (own)
    return own;
  for (auto [r, flag] : llvm::enumerate(failed))
    if (flag != 0) {
      rank.stoppedByOther = true;
      return makeError("stopped: rank " + llvm::Twine(r) + " failed");
    }
  rank.started = true;
  return llvm::Error::success();
}

/// "collectives: 2 ranks (threads), 12.3% of the run time in 96 calls per
/// rank (rank 0 12.1%, rank 1 12.5%)": every rank's share of `milliseconds`
/// spent in the C ABI's collectives, gathered on rank 0.
void printCollectiveShare(Rank &rank, double milliseconds) {
  if (rank.worldSize() == 1)
    return;
  Collectives &collectives = *rank.collectives;
  float mine[3] = {float(collectives.secondsInCollectives * 1e3), float(milliseconds),
                   float(collectives.collectiveCalls)};
  std::vector<float> all(3 * rank.worldSize());
  collectives.allGather(mine, all.data(), 1, 3, CollectiveType::F32);
  if (!rank.leader())
    return;
  double inCollectives = 0, total = 0;
  std::string perRank;
  for (int64_t r = 0; r < rank.worldSize(); ++r) {
    inCollectives += all[3 * r];
    total += all[3 * r + 1];
    perRank += llvm::formatv("{0}rank {1} {2:f1}%", r ? ", " : "", r,
                             all[3 * r + 1] > 0 ? 100 * all[3 * r] / all[3 * r + 1] : 0.0)
                   .str();
  }
  llvm::errs() << llvm::formatv("collectives: {0} ranks ({1}), {2:f1}% of the run time in {3} "
                                "calls per rank ({4})\n",
                                rank.worldSize(), collectives.backendName(),
                                total > 0 ? 100 * inCollectives / total : 0.0,
                                int64_t(mine[2]), perRank);
}

void resetCollectiveTime(Rank &rank) {
  if (rank.collectives) {
    rank.collectives->secondsInCollectives = 0;
    rank.collectives->collectiveCalls = 0;
  }
}

/// The first result's shape and, for a decoder's logits, each row's argmax.
void printSummary(llvm::raw_ostream &out, const HostTensor &logits, bool encoder) {
  llvm::ArrayRef<int64_t> shape = logits.shape();
  out << (encoder ? "last hidden state: " : "logits: ") << dtypeName(logits.dtype()) << " "
      << shapeToString(shape) << "\n";
  if (encoder || shape.size() != 3 ||
      (logits.dtype() != DType::F32 && logits.dtype() != DType::BF16))
    return;
  HostTensor wide = widenBF16(logits);
  int64_t batch = shape[0], seq = shape[1], vocab = shape[2];
  out << "next token:";
  for (int64_t b = 0; b < batch; ++b) {
    const float *row = wide.as<float>() + (b * seq + seq - 1) * vocab;
    out << " " << std::max_element(row, row + vocab) - row;
  }
  out << "\n";
}

/// eos and pad ids as transformers' generate() reads them: generation_config.json,
/// then config.json, of a checkpoint directory; a GGUF file's tokenizer metadata.
void readSpecialIds(llvm::StringRef weights, const Checkpoint &checkpoint,
                    std::vector<int64_t> &eos, std::optional<int64_t> &pad) {
  if (weights.ends_with(".gguf")) {
    const auto &meta = checkpoint.metadata();
    int64_t id;
    auto eosIt = meta.find("tokenizer.ggml.eos_token_id");
    if (eos.empty() && eosIt != meta.end() && !llvm::StringRef(eosIt->second).getAsInteger(10, id))
      eos.push_back(id);
    auto padIt = meta.find("tokenizer.ggml.padding_token_id");
    if (!pad && padIt != meta.end() && !llvm::StringRef(padIt->second).getAsInteger(10, id))
      pad = id;
    return;
  }
  if (!llvm::sys::fs::is_directory(weights))
    return;
  for (const char *file : {"generation_config.json", "config.json"}) {
    auto buffer = llvm::MemoryBuffer::getFile((weights + "/" + file).str());
    if (!buffer)
      continue;
    auto json = nlohmann::json::parse((*buffer)->getBuffer().begin(),
                                      (*buffer)->getBuffer().end(), nullptr, false);
    if (json.is_discarded() || !json.is_object())
      continue;
    if (eos.empty() && json.contains("eos_token_id")) {
      const auto &e = json["eos_token_id"];
      if (e.is_number_integer())
        eos.push_back(e.get<int64_t>());
      else if (e.is_array())
        for (const auto &x : e)
          if (x.is_number_integer())
            eos.push_back(x.get<int64_t>());
    }
    if (!pad && json.contains("pad_token_id") && json["pad_token_id"].is_number_integer())
      pad = json["pad_token_id"].get<int64_t>();
  }
}

/// --input-ids and their mask: --attention-mask, else the padding of ragged
/// rows (left-padded with `pad` when `ragged`), else all ones.
llvm::Error readTokens(bool ragged, int64_t pad, bool padRight, HostTensor &ids,
                       HostTensor &mask) {
  std::optional<HostTensor> padding;
  if (llvm::Error error = parseInputIds("--input-ids", inputIds, ragged, pad, padRight, ids,
                                        ragged ? &padding : nullptr))
    return error;
  if (!attentionMask.empty()) {
    if (llvm::Error error =
            parseInputIds("--attention-mask", attentionMask, false, 0, false, mask, nullptr))
      return error;
    if (mask.shape() != ids.shape())
      return makeError("--attention-mask is " + shapeToString(mask.shape()) +
                       " but --input-ids is " + shapeToString(ids.shape()));
  } else if (padding) {
    mask = std::move(*padding);
  } else {
    mask = HostTensor(DType::I64, ids.shape().vec());
    std::fill(mask.as<int64_t>(), mask.as<int64_t>() + mask.numElements(), 1);
  }
  return llvm::Error::success();
}

/// Runs `entryPoint` on the --backend: the artifact's code or the LibTorch
/// executor (a plugin that links MLIR and LibTorch, loaded only for this).
llvm::Expected<EntryRunner> entryRunner(Artifact &artifact, const Checkpoint &checkpoint,
                                        const std::string &entryPoint) {
  if (backend == "torch" && artifact.manifest().worldSize > 1)
    return makeError("--backend=torch runs one process's graph, but " + artifactDir +
                     " was compiled for " + llvm::Twine(artifact.manifest().worldSize) +
                     " ranks; compare against a --tp 1 artifact instead");
  if (!traceOut.empty() && backend != "compiled")
    return makeError("--trace-out records the trace points of the compiled code; "
                     "--backend=" + backend + " has none");
  if (!traceOut.empty() && artifact.manifest().tracePoints.empty())
    return makeError("--trace-out: " + artifactDir +
                     " has no trace points; compile it with `tmc compile ... --trace`");
  if (backend == "compiled")
    return EntryRunner([&artifact, entryPoint](llvm::ArrayRef<HostTensor> inputs) {
      auto results = artifact.run(entryPoint, inputs);
      finishThreadTrace();
      return results;
    });
  if (backend == "torch") {
    auto reference = loadReferenceBackend();
    if (!reference)
      return reference.takeError();
    return EntryRunner([&artifact, &checkpoint, entryPoint,
                        run = *reference](llvm::ArrayRef<HostTensor> inputs) {
      return run(artifact, checkpoint, entryPoint, inputs);
    });
  }
  return makeError("--backend=" + backend + " is not one of: compiled, torch");
}

/// The --prompt texts as token ids, with the special tokens the tokenizer
/// adds (BOS; BERT's [CLS] and [SEP]); the tokenizer stays in `tokenizer`.
llvm::Expected<std::vector<std::vector<int64_t>>>
tokenizePrompts(std::unique_ptr<tmc::tok::Tokenizer> &tokenizer) {
  if (!inputIds.empty())
    return makeError("--prompt and --input-ids both give the prompt; use one");
  auto loaded = tmc::tok::Tokenizer::forCheckpoint(weightsPath);
  if (!loaded)
    return makeError("--prompt: " + llvm::toString(loaded.takeError()));
  tokenizer = std::move(*loaded);
  std::vector<std::vector<int64_t>> rows;
  for (const std::string &prompt : prompts) {
    auto encoded = chatPrompt ? tmc::tok::encodeChatPrompt(weightsPath, *tokenizer, prompt)
                              : tokenizer->encode(prompt, /*addSpecialTokens=*/true);
    if (!encoded)
      return makeError((chatPrompt ? "--chat: " : "--prompt: ") +
                       llvm::toString(encoded.takeError()));
    if (encoded->empty())
      return makeError("--prompt " + llvm::Twine(rows.size() + 1) + " has no tokens");
    rows.emplace_back(encoded->begin(), encoded->end());
  }
  return rows;
}

/// What generation held against what the process reached: the weights, the
/// caches and the arena of the memory plan, then the peak resident set; and
/// how many buffers compiled code still took from the heap per step.
void printMemory(const Artifact &artifact, const GenerationStats &genStats) {
  constexpr double kMiB = 1 << 20;
  struct rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  std::vector<uint64_t> buffers = genStats.stepHeapBuffers;
  std::sort(buffers.begin(), buffers.end());
  llvm::errs() << llvm::formatv(
      "memory: weights {0:f1} MiB, on 2 MiB pages {5:f1} MiB, KV caches {1:f1} MiB, on 2 MiB "
      "pages {6:f1} MiB, arena {2:f1} MiB, peak RSS {3:f1} MiB; {4} heap buffers per decode step "
      "(median)\n",
      artifact.weightBytes() / kMiB, genStats.cacheBytes / kMiB, artifact.arenaBytes() / kMiB,
      usage.ru_maxrss * 1024 / kMiB, buffers.empty() ? 0 : buffers[buffers.size() / 2],
      artifact.weightHugePageBytes() / kMiB, genStats.cacheHugePageBytes / kMiB);
}

llvm::Error runGenerate(Rank &rank, Artifact &artifact, const Checkpoint &checkpoint) {
  std::string entryPoint = entryName.getNumOccurrences() ? entryName.getValue() : "decode";
  const tmc::rt::EntryPoint *entry = artifact.manifest().findEntryPoint(entryPoint);
  if (!entry && artifact.manifest().isEncoder())
    return makeError(artifactDir + " holds an encoder (" + artifact.manifest().modelClass +
                     "): it has no decode entry to generate with; --prompt TEXT embeds text");
  if (!entry)
    return makeError(artifactDir + ": no entry point '" + entryPoint +
                     "' (compile the model with --max-seq-len N for generation)");
  GenerationOptions options;
  options.maxNewTokens =
      maxNewTokens.getNumOccurrences() || prompts.empty() ? maxNewTokens.getValue() : 32;
  options.sample = temperature.getNumOccurrences() || topK.getNumOccurrences() ||
                   topP.getNumOccurrences();
  if (options.sample && temperature.getNumOccurrences() && temperature == 0)
    options.sample = false;
  options.temperature = temperature;
  options.topK = topK;
  options.topP = topP;
  options.seed = seed;
  std::optional<int64_t> pad;
  if (padId.getNumOccurrences())
    pad = padId.getValue();
  options.eosIds.assign(eosIds.begin(), eosIds.end());
  readSpecialIds(weightsPath, checkpoint, options.eosIds, pad);
  options.padId = pad.value_or(0);

  HostTensor ids(DType::I64, {0, 0}), mask(DType::I64, {0, 0});
  std::unique_ptr<tmc::tok::Tokenizer> tokenizer;
  std::optional<tmc::tok::DecodeStream> stream;
  if (!prompts.empty()) {
    if (prompts.size() > 1)
      return makeError("--prompt: generation continues one prompt; give one --prompt");
    auto tokenized = tokenizePrompts(tokenizer);
    if (!tokenized)
      return tokenized.takeError();
    padRows(*tokenized, options.padId, /*padRight=*/false, ids, mask);
    if (options.eosIds.empty() && tokenizer->eosId())
      options.eosIds.push_back(*tokenizer->eosId());
    if (!outputIds) {
      // Text as it comes: each step's new piece, special tokens (eos) left out.
      stream.emplace(*tokenizer, /*skipSpecialTokens=*/true);
      options.onStep = [&](llvm::ArrayRef<int64_t> tokens) -> llvm::Error {
        if (tokens[0] < 0 || tokens[0] >= int64_t(tokenizer->idLimit()))
          return makeError("the model generated id " + llvm::Twine(tokens[0]) +
                           ", which its tokenizer does not know");
        auto piece = stream->step(uint32_t(tokens[0]));
        if (!piece)
          return piece.takeError();
        rank.out << *piece;
        rank.out.flush();
        return llvm::Error::success();
      };
    }
  } else if (llvm::Error error =
                 readTokens(/*ragged=*/true, options.padId, /*padRight=*/false, ids, mask)) {
    return error;
  }
  auto runner = entryRunner(artifact, checkpoint, entryPoint);
  if (!runner)
    return runner.takeError();
  if (llvm::Error error = startTogether(rank, llvm::Error::success()))
    return error;
  resetCollectiveTime(rank);
  GenerationStats genStats;
  genStats.keepLogits = !outputPath.empty() && rank.leader();
  std::shared_ptr<void> deviceCaches = artifact.keepCachesOnDevice();
  auto generated = generate(*entry, *runner, ids, mask, options, &genStats);
  deviceCaches.reset();
  if (!generated)
    return generated.takeError();
  if (stream) {
    // Bytes of a character the last token left incomplete, as decode() shows them.
    auto rest = stream->finish();
    if (!rest)
      return rest.takeError();
    rank.out << *rest << "\n";
  } else {
    for (const std::vector<int64_t> &row : *generated) {
      llvm::interleave(row, rank.out, ",");
      rank.out << "\n";
    }
  }
  if (!outputPath.empty() && rank.leader()) {
    // [batch, steps, vocab]: the logits each new token was picked from.
    int64_t batch = ids.shape()[0], vocab = genStats.vocab;
    int64_t steps = vocab ? genStats.logits.size() / (batch * vocab) : 0;
    HostTensor out(DType::F32, {batch, steps, vocab});
    for (int64_t t = 0; t < steps; ++t)
      for (int64_t b = 0; b < batch; ++b)
        std::copy_n(&genStats.logits[(t * batch + b) * vocab], vocab,
                    out.as<float>() + (b * steps + t) * vocab);
    if (llvm::Error error = writeNpy(outputPath, out))
      return error;
  }
  if (stats) {
    std::vector<double> steps = genStats.stepMs;
    std::sort(steps.begin(), steps.end());
    double total = genStats.prefillMs;
    for (double ms : steps)
      total += ms;
    int64_t batch = ids.shape()[0], produced = 0;
    for (const auto &row : *generated)
      produced += row.size();
    printCollectiveShare(rank, total);
    if (rank.leader())
      llvm::errs() << llvm::formatv(
        "generate: {0} backend, batch {1}, prefill {2} tokens in {3:f2} ms ({4:f1} tokens/s), "
        "{5} decode steps, median {6:f3} ms/step, {7:f1} tokens/s overall\n",
        backend.getValue(), batch, genStats.promptTokens, genStats.prefillMs,
        genStats.promptTokens / genStats.prefillMs * 1e3, steps.size(),
        steps.empty() ? 0.0 : steps[steps.size() / 2], produced / total * 1e3);
    if (rank.leader())
      printMemory(artifact, genStats);
  }
  return llvm::Error::success();
}

/// The inputs of `entry` by name: its attention_mask, token_type_ids of
/// zeros (one segment, as a tokenizer gives one text), and the token ids for
/// any other (input_ids; `arg0` of a hand-written graph).
std::vector<HostTensor> entryInputs(const tmc::rt::EntryPoint &entry, const HostTensor &ids,
                                    const HostTensor &mask) {
  std::vector<HostTensor> inputs;
  for (const tmc::rt::TensorSpec &spec : entry.inputs) {
    if (spec.name == "attention_mask") {
      inputs.push_back(mask);
    } else if (spec.name == "token_type_ids") {
      HostTensor types(DType::I64, ids.shape().vec());
      std::fill_n(types.as<int64_t>(), types.numElements(), 0);
      inputs.push_back(std::move(types));
    } else {
      inputs.push_back(ids);
    }
  }
  return inputs;
}

/// An encoder's --prompt texts: one sentence embedding each, pooled from the
/// last hidden state (--pooling, --normalize) and printed or written (--output).
llvm::Error runEmbed(Rank &rank, Artifact &artifact, const Checkpoint &checkpoint) {
  const tmc::rt::EntryPoint *entry = artifact.manifest().findEntryPoint(entryName);
  if (!entry)
    return makeError(artifactDir + ": no entry point '" + entryName + "'");
  auto defaults = sentenceTransformersPooling(weightsPath);
  if (!defaults)
    return makeError("--prompt: " + llvm::toString(defaults.takeError()));
  PoolingOptions pooling = defaults->value_or(PoolingOptions());
  if (poolingName.getNumOccurrences()) {
    std::optional<Pooling> mode = poolingByName(poolingName);
    if (!mode)
      return makeError("--pooling=" + poolingName + " is not one of: mean, cls, max");
    pooling.mode = *mode;
  }
  if (normalizeEmbeddings.getNumOccurrences())
    pooling.normalize = normalizeEmbeddings;

  std::unique_ptr<tmc::tok::Tokenizer> tokenizer;
  auto tokenized = tokenizePrompts(tokenizer);
  if (!tokenized)
    return tokenized.takeError();
  std::optional<int64_t> pad;
  if (padId.getNumOccurrences())
    pad = padId.getValue();
  std::vector<int64_t> unusedEos;
  readSpecialIds(weightsPath, checkpoint, unusedEos, pad);
  HostTensor ids(DType::I64, {0, 0}), mask(DType::I64, {0, 0});
  padRows(*tokenized, pad.value_or(0), /*padRight=*/true, ids, mask);
  std::vector<HostTensor> inputs = entryInputs(*entry, ids, mask);
  auto runner = entryRunner(artifact, checkpoint, entryName);
  if (!runner)
    return runner.takeError();
  if (llvm::Error error = startTogether(rank, llvm::Error::success()))
    return error;
  auto start = std::chrono::steady_clock::now();
  auto results = (*runner)(inputs);
  if (!results)
    return results.takeError();
  double milliseconds =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  auto embeddings = poolEmbeddings(results->front(), mask, pooling);
  if (!embeddings)
    return embeddings.takeError();
  if (stats && rank.leader())
    llvm::errs() << llvm::formatv("embed: {0} backend, {1} prompts, {2} tokens in {3:f2} ms "
                                  "({4:f1} tokens/s)\n",
                                  backend.getValue(), ids.shape()[0], ids.numElements(),
                                  milliseconds, ids.numElements() / milliseconds * 1e3);
  if (!rank.leader())
    return llvm::Error::success();
  if (!outputPath.empty())
    return writeNpy(outputPath, *embeddings);
  int64_t width = embeddings->shape()[1];
  for (int64_t r = 0; r < embeddings->shape()[0]; ++r) {
    const float *row = embeddings->as<float>() + r * width;
    rank.out << llvm::formatv("embedding {0} ({1} dims):", r, width);
    for (int64_t d = 0; d < width; ++d)
      rank.out << llvm::formatv(" {0:e}", row[d]);
    rank.out << "\n";
  }
  return llvm::Error::success();
}

/// --input-ids through the entry point, --repeat times: the first result's
/// summary, --output and --output-dir.
llvm::Error runForward(Rank &rank, Artifact &artifact, const Checkpoint &checkpoint) {
  const tmc::rt::EntryPoint *entry = artifact.manifest().findEntryPoint(entryName);
  if (!entry)
    return makeError(artifactDir + ": no entry point '" + entryName + "'");
  bool takesMask = llvm::any_of(entry->inputs, [](const tmc::rt::TensorSpec &spec) {
    return spec.name == "attention_mask";
  });
  if (!attentionMask.empty() && !takesMask)
    return makeError("--attention-mask: entry point '" + entryName + "' takes no mask");
  HostTensor ids(DType::I64, {0, 0}), mask(DType::I64, {0, 0});
  if (llvm::Error error = readTokens(/*ragged=*/takesMask, padId,
                                     artifact.manifest().isEncoder(), ids, mask))
    return error;
  std::vector<HostTensor> inputs = entryInputs(*entry, ids, mask);
  auto runner = entryRunner(artifact, checkpoint, entryName);
  if (!runner)
    return runner.takeError();
  auto runOnce = [&] { return (*runner)(inputs); };
  if (repeat == 0)
    return makeError("--repeat must be at least 1");
  if (llvm::Error error = startTogether(rank, llvm::Error::success()))
    return error;
  resetCollectiveTime(rank);
  llvm::Expected<std::vector<HostTensor>> results = std::vector<HostTensor>();
  std::vector<double> milliseconds;
  for (unsigned i = 0; i < repeat; ++i) {
    auto start = std::chrono::steady_clock::now();
    results = runOnce();
    if (!results)
      return results.takeError();
    milliseconds.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
            .count());
  }
  if (stats) {
    double total = 0;
    for (double ms : milliseconds)
      total += ms;
    printCollectiveShare(rank, total);
    std::sort(milliseconds.begin(), milliseconds.end());
    double median = milliseconds[milliseconds.size() / 2];
    if (rank.leader())
      llvm::errs() << llvm::formatv("run: {0} backend, median {1:f2} ms over {2} runs, "
                                  "{3} tokens, {4:f1} tokens/s\n",
                                  backend.getValue(), median, repeat.getValue(),
                                  ids.numElements(), ids.numElements() / median * 1e3);
  }
  if (!results)
    return results.takeError();
  if (results->empty())
    return llvm::Error::success();
  printSummary(rank.out, results->front(), artifact.manifest().isEncoder());
  if (!rank.leader())
    return llvm::Error::success();
  if (!outputPath.empty())
    if (llvm::Error error = writeNpy(outputPath, widenBF16(results->front())))
      return error;
  if (!outputDir.empty()) {
    if (std::error_code error = llvm::sys::fs::create_directories(outputDir))
      return makeError("--output-dir " + outputDir + ": " + error.message());
    for (auto [spec, result] : llvm::zip(entry->results, *results))
      if (llvm::Error error = writeNpy(outputDir + "/" + spec.name + ".npy", widenBF16(result)))
        return error;
  }
  return llvm::Error::success();
}
/// One rank's whole run. A failure before the ranks started together still
/// takes part in startTogether(), so that the others stop too.
llvm::Error runRank(Rank &rank, Artifact &artifact, const Checkpoint &checkpoint) {
  // Rank 0 records the trace; the artifact gathers whole tensors to it.
  std::optional<Tracer> tracer;
  std::optional<ThreadTracerScope> tracing;
  if (!traceOut.empty() && rank.leader()) {
    tracer.emplace(artifact.manifest());
    tracing.emplace(&*tracer);
  }
  llvm::Error error = artifact.bindWeights(checkpoint, rank.index);
  if (!error)
    error = artifact.manifest().isEncoder() && !prompts.empty()
                ? runEmbed(rank, artifact, checkpoint)
            : maxNewTokens.getNumOccurrences() || !prompts.empty()
                ? runGenerate(rank, artifact, checkpoint)
                : runForward(rank, artifact, checkpoint);
  if (!error && tracer) {
    error = tracer->write(traceOut);
    if (!error)
      llvm::errs() << "trace: " << tracer->events() << " tensors of " << tracer->modules()
                   << " modules written to " << traceOut << "\n";
  }
  if (error && !rank.agreed)
    return startTogether(rank, std::move(error));
  return error;
}
/// "rank 1: ..." when there are several ranks.
llvm::Error onRank(int64_t rank, int64_t worldSize, llvm::Error error) {
  if (!error || worldSize == 1)
    return error;
  return makeError("rank " + llvm::Twine(rank) + ": " + llvm::toString(std::move(error)));
}

std::string relaunchHint(int64_t worldSize) {
  if (worldSize == 1)
    return "run it without mpirun";
  std::string n = std::to_string(worldSize);
  return "launch it with `mpirun -n " + n + " tmc-run ...` or `tmc launch -n " + n +
         " -- run ...`, or run its ranks as threads of this process with --ranks=threads";
}

/// All ranks as threads of this process: each has its own Artifact object
/// and weights; the compiled library and the mapped checkpoint are shared.
llvm::Error runThreads(const Artifact &base, const Checkpoint &checkpoint) {
  int64_t worldSize = base.manifest().worldSize;
  InProcessWorld world(worldSize);
  std::vector<std::string> errors(worldSize);
  std::vector<char> failed(worldSize, 0), stoppedByOther(worldSize, 0);
  std::vector<std::thread> threads;
  for (int64_t r = 0; r < worldSize; ++r)
    threads.emplace_back([&, r] {
      Collectives &collectives = world.rank(r);
      ThreadCollectivesScope scope(&collectives);
      llvm::raw_null_ostream discard;
      Rank rank{r, &collectives, r == 0 ? static_cast<llvm::raw_ostream &>(llvm::outs()) : discard};
      Artifact artifact = base;
      llvm::Error error = runRank(rank, artifact, checkpoint);
      if (!error)
        return;
      failed[r] = 1;
      stoppedByOther[r] = rank.stoppedByOther || (rank.started && collectives.aborted());
      if (rank.started)
        collectives.abort();
      errors[r] = llvm::toString(std::move(error));
    });
  for (std::thread &thread : threads)
    thread.join();

  // The errors of the ranks that failed on their own (of all failed ranks
  // if none did), each text once with the ranks that gave it.
  std::vector<std::pair<std::string, std::vector<int64_t>>> reported;
  for (int pass = 0; pass < 2 && reported.empty(); ++pass)
    for (int64_t r = 0; r < worldSize; ++r) {
      if (!failed[r] || (pass == 0 && stoppedByOther[r]))
        continue;
      auto same = llvm::find_if(reported,
                                [&](const auto &entry) { return entry.first == errors[r]; });
      if (same == reported.end())
        reported.push_back({errors[r], {r}});
      else
        same->second.push_back(r);
    }
  if (reported.empty())
    return llvm::Error::success();
  std::string message;
  for (auto [i, entry] : llvm::enumerate(reported)) {
    if (i)
      message += "\n";
    if (worldSize > 1) {
      message += entry.second.size() == 1 ? "rank " : "ranks ";
      for (auto [j, r] : llvm::enumerate(entry.second))
        message += (j ? ", " : "") + std::to_string(r);
      message += ": ";
    }
    message += entry.first;
  }
  return makeError(message);
}

/// A failure after the ranks started may leave the others waiting in a
/// collective: once this process has printed its error, the exit ends the
/// whole MPI job (MPI_Abort) instead of finalizing.
Collectives *abortAtExit = nullptr;
void abortMpiJob() {
  llvm::errs().flush();
  if (abortAtExit)
    abortAtExit->abort();
}

/// The checkpoint of --weights, or the artifact's weights drawn at random.
llvm::Expected<Checkpoint> openWeights(const Manifest &manifest) {
  if (randomWeights)
    return randomCheckpoint(manifest, seed);
  return Checkpoint::open(weightsPath);
}

/// This process is one rank of an MPI job.
llvm::Error runMpi(Artifact &artifact) {
  auto collectives = openMpiCollectives();
  if (!collectives)
    return collectives.takeError();
  int64_t worldSize = (*collectives)->worldSize(), index = (*collectives)->rank();
  // mpirun merges the ranks' stderr: a buffered stream writes each error
  // message at once (at exit), not interleaved with the other ranks' pieces.
  llvm::errs().SetBuffered();
  int64_t expected = artifact.manifest().worldSize;
  if (llvm::Error error =
          checkWorldSize(artifact.manifest(), artifactDir, worldSize,
                         "mpirun -n " + std::to_string(worldSize),
                         expected == 1 ? "run it without mpirun"
                                       : "run it with mpirun -n " + std::to_string(expected)))
    return onRank(index, worldSize, std::move(error));
  ThreadCollectivesScope scope(collectives->get());
  llvm::raw_null_ostream discard;
  Rank rank{index, collectives->get(),
            index == 0 ? static_cast<llvm::raw_ostream &>(llvm::outs()) : discard};
  auto checkpoint = openWeights(artifact.manifest());
  if (!checkpoint)
    return onRank(index, worldSize, startTogether(rank, checkpoint.takeError()));
  llvm::Error error = runRank(rank, artifact, *checkpoint);
  if (error && rank.started) {
    abortAtExit = collectives->release();
    std::atexit(abortMpiJob);
  }
  llvm::outs().flush();
  return onRank(index, worldSize, std::move(error));
}

llvm::Error run() {
  if (ranksMode != "auto" && ranksMode != "mpi" && ranksMode != "threads")
    return makeError("--ranks=" + ranksMode + " is not one of: auto, mpi, threads");
  auto artifact = Artifact::open(artifactDir);
  if (!artifact)
    return artifact.takeError();
  if (ranksMode == "mpi" || (ranksMode == "auto" && launchedByMpi()))
    return runMpi(*artifact);
  int64_t worldSize = artifact->manifest().worldSize;
  if (ranksMode == "auto")
    if (llvm::Error error = checkWorldSize(artifact->manifest(), artifactDir, 1,
                                           "a single process", relaunchHint(worldSize)))
      return error;
  auto checkpoint = openWeights(artifact->manifest());
  if (!checkpoint)
    return checkpoint.takeError();
  if (ranksMode == "threads")
    return runThreads(*artifact, *checkpoint);
  Rank rank{0, nullptr, llvm::outs()};
  return runRank(rank, *artifact, *checkpoint);
}
} // namespace

std::vector<std::string> tmc::rt::glueFileArguments(int argc, char **argv) {
  std::vector<std::string> glued;
  for (int i = 0; i < argc; ++i) {
    llvm::StringRef arg = argv[i];
    if (arg.starts_with("-") && !arg.contains('=') && i + 1 < argc && argv[i + 1][0] == '@') {
      glued.push_back((arg + "=" + argv[i + 1]).str());
      ++i;
      continue;
    }
    glued.push_back(arg.str());
  }
  return glued;
}

std::string tmc::rt::missingRunFlag() {
  if (artifactDir.empty())
    return "needs an artifact directory (ARTIFACT_DIR --weights W --input-ids ...)";
  if (weightsPath.empty() && !randomWeights)
    return "needs --weights <checkpoint> (or --random-weights)";
  if (!weightsPath.empty() && randomWeights)
    return "--weights and --random-weights both give the weights; use one";
  if (randomWeights && !prompts.empty())
    return "--prompt needs the checkpoint's tokenizer: give --weights, or token ids with "
           "--input-ids";
  if (chatPrompt && prompts.empty())
    return "--chat needs --prompt TEXT (the user message)";
  if (inputIds.empty() && prompts.empty())
    return "needs --input-ids (e.g. --input-ids 1,2,3) or --prompt TEXT";
  return "";
}

llvm::Error tmc::rt::runArtifact() { return run(); }
