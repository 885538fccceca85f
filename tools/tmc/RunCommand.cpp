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
#include <functional>

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
                                       "of equal length (\"1,2,3;4,5,6\"); @FILE reads them "
                                       "from FILE"));
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

llvm::Expected<HostTensor> parseInputIds(llvm::StringRef text) {
  llvm::SmallVector<llvm::StringRef> rows;
  text.split(rows, ';');
  std::vector<int64_t> ids;
  size_t width = 0;
  for (auto [r, row] : llvm::enumerate(rows)) {
    llvm::SmallVector<llvm::StringRef> fields;
    row.split(fields, ',');
    if (r == 0)
      width = fields.size();
    else if (fields.size() != width)
      return makeError("--input-ids: row " + llvm::Twine(r + 1) + " has " +
                       llvm::Twine(fields.size()) + " ids but row 1 has " +
                       llvm::Twine(width) + "; rows must have equal length");
    for (llvm::StringRef field : fields) {
      int64_t id;
      if (field.trim().getAsInteger(10, id) || id < 0)
        return makeError("--input-ids: '" + field.trim() +
                         "' is not a token id (a non-negative integer)");
      ids.push_back(id);
    }
  }
  HostTensor tensor(DType::I64, {static_cast<int64_t>(rows.size()), static_cast<int64_t>(width)});
  std::copy(ids.begin(), ids.end(), tensor.as<int64_t>());
  return tensor;
}

/// Each batch row's argmax over the last position's logits.
void printSummary(const HostTensor &logits) {
  llvm::ArrayRef<int64_t> shape = logits.shape();
  llvm::outs() << "logits: " << dtypeName(logits.dtype()) << " " << shapeToString(shape)
               << "\n";
  if (logits.dtype() != DType::F32 || shape.size() != 3)
    return;
  int64_t batch = shape[0], seq = shape[1], vocab = shape[2];
  llvm::outs() << "next token:";
  for (int64_t b = 0; b < batch; ++b) {
    const float *row = logits.as<float>() + (b * seq + seq - 1) * vocab;
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
  std::string idsText = inputIds;
  if (llvm::StringRef(idsText).starts_with("@")) {
    auto file = llvm::MemoryBuffer::getFile(idsText.substr(1), /*IsText=*/true);
    if (!file)
      return makeError("--input-ids: cannot read " + idsText.substr(1) + ": " +
                       file.getError().message());
    idsText = (*file)->getBuffer().trim().str();
  }
  auto ids = parseInputIds(idsText);
  if (!ids)
    return ids.takeError();
  std::function<llvm::Expected<std::vector<HostTensor>>()> runOnce;
  if (backend == "compiled") {
    runOnce = [&] { return artifact->run(entryName, {*ids}); };
  } else if (backend == "torch") {
#ifdef TMC_ENABLE_TORCH
    runOnce = [&] {
      return tmc::driver::runGraphWithTorch(*artifact, *checkpoint, entryName, {*ids});
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
                                  ids->numElements(), ids->numElements() / median * 1e3);
  }
  if (!results)
    return results.takeError();
  if (results->empty())
    return llvm::Error::success();
  printSummary(results->front());
  if (!outputPath.empty())
    return writeNpy(outputPath, results->front());
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
