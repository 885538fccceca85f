//===- RunCommand.cpp - tmc run ---------------------------------*- C++ -*-===//
//
// `tmc run ARTIFACT --weights W --input-ids 1,2,3 [--output logits.npy]`:
// loads the artifact and the checkpoint, checks they match, runs the entry
// point on the token ids (rows separated by ';' make a batch), prints the
// logits' shape and each row's next-token argmax, and optionally saves the
// logits.
//
//===----------------------------------------------------------------------===//

#include "runtime/Artifact.h"
#include "tools/tmc/Commands.h"
#ifdef TMC_ENABLE_TORCH
#include "tools/tmc/TorchBackend.h"
#endif

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <cstring>
#include <functional>
#include <optional>

namespace cl = llvm::cl;
using namespace tmc::rt;

namespace tmc::driver {
cl::SubCommand runCommand("run", "run a compiled artifact on a checkpoint");
} // namespace tmc::driver

namespace {
using tmc::driver::runCommand;

cl::opt<std::string> artifactDir(cl::Positional, cl::sub(runCommand),
                                 cl::desc("<artifact-dir>"));
cl::opt<std::string> weightsPath("weights", cl::sub(runCommand),
                                 cl::desc("Checkpoint: a .safetensors file or a directory "
                                          "(model.safetensors or a sharded index)"));
cl::opt<std::string> inputIds("input-ids", cl::sub(runCommand),
                              cl::desc("Token ids, comma separated; ';' separates batch rows "
                                       "(\"1,2,3;4,5\": shorter rows are left-padded when the "
                                       "model takes an attention_mask); @FILE reads them from "
                                       "FILE, @FILE.npy from a 2-D int64 array"));
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
                    cl::desc("Print the median run time and tokens/s on stderr"));
cl::opt<std::string> outputPath("output", cl::sub(runCommand),
                                cl::desc("Write the first result (logits) as a .npy file"),
                                cl::value_desc("logits.npy"));

llvm::Error makeError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

/// Token rows "1,2,3;4,5" (or @file with that text, or @file.npy). Rows of
/// different lengths are left-padded with `padId` when `mask` is wanted, as
/// transformers pads for generation; `mask` gets 1 for tokens, 0 for padding.
llvm::Error parseInputIds(llvm::StringRef flag, llvm::StringRef text, bool ragged, int64_t padId,
                          HostTensor &ids, std::optional<HostTensor> *mask) {
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
  std::vector<int64_t> shape{static_cast<int64_t>(rows.size()), static_cast<int64_t>(width)};
  ids = HostTensor(DType::I64, shape);
  HostTensor padding(DType::I64, shape);
  bool padded = false;
  for (auto [r, row] : llvm::enumerate(values)) {
    size_t pad = width - row.size();
    padded |= pad > 0;
    for (size_t c = 0; c < width; ++c) {
      ids.as<int64_t>()[r * width + c] = c < pad ? padId : row[c - pad];
      padding.as<int64_t>()[r * width + c] = c < pad ? 0 : 1;
    }
  }
  if (mask && padded)
    *mask = std::move(padding);
  return llvm::Error::success();
}

/// bf16 results as f32 (exact): NumPy has no bf16.
HostTensor widenBF16(const HostTensor &tensor) {
  if (tensor.dtype() != DType::BF16)
    return tensor;
  HostTensor wide(DType::F32, tensor.shape().vec());
  const uint16_t *in = tensor.as<uint16_t>();
  for (int64_t i = 0, e = tensor.numElements(); i < e; ++i) {
    uint32_t bits = uint32_t(in[i]) << 16;
    std::memcpy(wide.as<float>() + i, &bits, sizeof(bits));
  }
  return wide;
}

/// Each batch row's argmax over the last position's logits.
void printSummary(const HostTensor &logits) {
  llvm::ArrayRef<int64_t> shape = logits.shape();
  llvm::outs() << "logits: " << dtypeName(logits.dtype()) << " " << shapeToString(shape)
               << "\n";
  if (shape.size() != 3 || (logits.dtype() != DType::F32 && logits.dtype() != DType::BF16))
    return;
  HostTensor wide = widenBF16(logits);
  int64_t batch = shape[0], seq = shape[1], vocab = shape[2];
  llvm::outs() << "next token:";
  for (int64_t b = 0; b < batch; ++b) {
    const float *row = wide.as<float>() + (b * seq + seq - 1) * vocab;
    llvm::outs() << " " << std::max_element(row, row + vocab) - row;
  }
  llvm::outs() << "\n";
}

llvm::Error run() {
  auto artifact = Artifact::open(artifactDir);
  if (!artifact)
    return artifact.takeError();
  auto checkpoint = Checkpoint::open(weightsPath);
  if (!checkpoint)
    return checkpoint.takeError();
  if (llvm::Error error = artifact->bindWeights(*checkpoint))
    return error;
  const tmc::rt::EntryPoint *entry = artifact->manifest().findEntryPoint(entryName);
  if (!entry)
    return makeError(artifactDir + ": no entry point '" + entryName + "'");
  bool takesMask = llvm::any_of(entry->inputs, [](const tmc::rt::TensorSpec &spec) {
    return spec.name == "attention_mask";
  });
  HostTensor ids(DType::I64, {0, 0});
  std::optional<HostTensor> mask;
  if (llvm::Error error = parseInputIds("--input-ids", inputIds, takesMask, padId, ids,
                                        takesMask ? &mask : nullptr))
    return error;
  if (!attentionMask.empty()) {
    if (!takesMask)
      return makeError("--attention-mask: entry point '" + entryName + "' takes no mask");
    HostTensor given(DType::I64, {0, 0});
    if (llvm::Error error =
            parseInputIds("--attention-mask", attentionMask, false, 0, given, nullptr))
      return error;
    if (given.shape() != ids.shape())
      return makeError("--attention-mask is " + shapeToString(given.shape()) +
                       " but --input-ids is " + shapeToString(ids.shape()));
    mask = std::move(given);
  }
  std::vector<HostTensor> inputs;
  for (const tmc::rt::TensorSpec &spec : entry->inputs) {
    if (spec.name == "attention_mask") {
      if (!mask) { // no padding: every position is a token
        mask = HostTensor(DType::I64, ids.shape().vec());
        std::fill(mask->as<int64_t>(), mask->as<int64_t>() + mask->numElements(), 1);
      }
      inputs.push_back(*mask);
    } else {
      inputs.push_back(ids);
    }
  }
  std::function<llvm::Expected<std::vector<HostTensor>>()> runOnce;
  if (backend == "compiled") {
    runOnce = [&] { return artifact->run(entryName, inputs); };
  } else if (backend == "torch") {
#ifdef TMC_ENABLE_TORCH
    runOnce = [&] {
      return tmc::driver::runGraphWithTorch(*artifact, *checkpoint, entryName, inputs);
    };
#else
    return makeError("--backend=torch needs a tmc built with LibTorch (-DTMC_ENABLE_TORCH=ON)");
#endif
  } else {
    return makeError("--backend=" + backend + " is not one of: compiled, torch");
  }
  if (repeat == 0)
    return makeError("--repeat must be at least 1");
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
    std::sort(milliseconds.begin(), milliseconds.end());
    double median = milliseconds[milliseconds.size() / 2];
    llvm::errs() << llvm::formatv("run: {0} backend, median {1:f2} ms over {2} runs, "
                                  "{3} tokens, {4:f1} tokens/s\n",
                                  backend.getValue(), median, repeat.getValue(),
                                  ids.numElements(), ids.numElements() / median * 1e3);
  }
  if (!results)
    return results.takeError();
  if (results->empty())
    return llvm::Error::success();
  printSummary(results->front());
  if (!outputPath.empty())
    return writeNpy(outputPath, widenBF16(results->front()));
  return llvm::Error::success();
}
} // namespace

int tmc::driver::runRun() {
  if (artifactDir.empty())
    return usageError("run needs an artifact directory (tmc run ARTIFACT_DIR --weights W --input-ids ...)");
  if (weightsPath.empty())
    return usageError("run needs --weights <checkpoint>");
  if (inputIds.empty())
    return usageError("run needs --input-ids (e.g. --input-ids 1,2,3)");
  if (llvm::Error error = run())
    return reportError("run", std::move(error));
  return 0;
}
