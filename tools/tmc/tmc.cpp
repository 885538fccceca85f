//===- tmc.cpp - the tmc driver ---------------------------------*- C++ -*-===//
//
// `tmc <command> [options]`: one binary for the whole workflow of DESIGN.md
// §12. The first argument picks the command; each command parses its own
// flags. Usage errors are one line on stderr and exit code 2.
//
//===----------------------------------------------------------------------===//

#include "passes/Pipelines.h"
#include "runtime/Runner.h"
#include "runtime/Version.h"
#include "targets/Target.h"
#include "tools/tmc/Commands.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/raw_ostream.h"

#include <string>

namespace cl = llvm::cl;

namespace {

constexpr int kExitUsage = 2;

/// One `tmc <name>` command.
struct Command {
  const char *name;
  const char *synopsis;
  const char *summary;
  int (*run)();
};

const Command kCommands[] = {
    {"expand", "<model-name|modular_x.py>... [--all] [-o modeling_x.py] [--models-dir DIR]",
     "expand modular files (parents first) into self-contained modeling files",
     tmc::driver::runExpand},
    {"check-modular", "[MODELS_DIR] [--stats]",
     "check every generated modeling file equals its regenerated self",
     tmc::driver::runCheckModular},
    {"modular-graph", "[MODELS_DIR] [--format dot|json|text]",
     "which class of which model each modular file takes, and the lines it saves",
     tmc::driver::runModularGraph},
    {"modular-candidates", "FILE.py [--models DIR] [--top K] [--prefix P] [--format text|json]",
     "the bundled models most like a hand-written modeling file, class by class\n"
     "      (score: mean over its classes of the best 2 * common lines / lines of both)",
     tmc::driver::runModularCandidates},
    {"init-weights", "<graph.mlir> --seed N -o model.safetensors",
     "write a deterministic random checkpoint for a module's weights",
     tmc::driver::runInitWeights},
    {"compile",
     "<model-name|checkpoint-dir|model.gguf|graph.mlir> [--config C.json] [--dtype float32|bfloat16]\n"
     "      [--attn-implementation eager|sdpa] [--max-seq-len N] [--tp N] [--trace]\n"
     "      [--dump-ir-dir DIR] -o ARTIFACT_DIR",
     "compile a model (or a tmc graph) ahead of time for a target", tmc::driver::runCompile},
    {"run", "ARTIFACT_DIR --weights W --input-ids 1,2,3 [--attention-mask M] [--output logits.npy]\n"
            "      [--max-new-tokens N [--temperature T --top-k K --top-p P --seed S] [--stats]]\n"
            "      [--prompt TEXT [--chat] [--output-ids]] [--trace-out trace.json] [--output-dir DIR]\n"
            "      encoders: --prompt TEXT [--prompt ...] [--pooling mean|cls|max] [--normalize] "
            "[--output emb.npy]",
     "run a compiled artifact on a checkpoint", tmc::driver::runRun},
    {"launch", "-n N [--hostfile HOSTS] -- run ARTIFACT_DIR ...",
     "run a tensor-parallel artifact's N ranks as MPI processes (mpirun -n N tmc run ...)",
     tmc::driver::runLaunch},
    {"trace-diff", "<a.json> <b.json> [--atol X]",
     "the first module where two activation traces (tmc run --trace-out, transformers' "
     "debugger) differ",
     tmc::driver::runTraceDiff},
    {"tokenize",
     "<tokenizer.json|checkpoint-dir> --text TEXT [--text ...] [--file F] [--no-special-tokens]\n"
     "      [--chat [--messages F.json] [--no-generation-prompt] [--rendered]]",
     "print the token ids of each text (a Hugging Face tokenizer.json), one line per text",
     tmc::driver::runTokenize},
    {"detokenize",
     "<tokenizer.json|checkpoint-dir> --ids 1,2,3 [--ids ...] [--skip-special-tokens] "
     "[--stream] [--json]",
     "print the text of token ids", tmc::driver::runDetokenize},
};

const Command *findCommand(llvm::StringRef name) {
  for (const Command &command : kCommands)
    if (name == command.name)
      return &command;
  return nullptr;
}

std::string commandNames() {
  std::string names;
  for (const Command &command : kCommands)
    names += (names.empty() ? "" : "|") + std::string(command.name);
  return names;
}

} // namespace

int tmc::driver::usageError(const llvm::Twine &message) {
  llvm::errs() << "tmc: error: " << message << " (usage: tmc <" << commandNames()
               << "> [options]; see 'tmc --help')\n";
  return kExitUsage;
}

namespace {

void printVersion(llvm::raw_ostream &os) {
  os << "tmc " << TMC_VERSION << " (MLIR/LLVM " << TMC_LLVM_VERSION << ")\n";
}

void printHelp(llvm::raw_ostream &os) {
  os << "tmc: ahead-of-time compiler for transformer models\n\n"
     << "USAGE: tmc <command> [options]\n\nCOMMANDS:\n";
  for (const Command &command : kCommands) {
    os << "  " << command.name << " " << command.synopsis << "\n      "
       << command.summary;
    os << "\n";
  }
  os << "\nTARGETS (--target):\n";
  for (const auto &target : tmc::registeredTargets())
    os << "  " << target->name() << "  " << target->description() << "\n";
  os << "\nPHASES (--compile-to): " << tmc::phaseNames() << "\n";
  os << "\nOPTIONS:\n  --help       this text; 'tmc <command> --help' for a command's "
        "options\n  --version    print the tmc and MLIR versions\n";
}

} // namespace

int tmc::driver::reportError(llvm::StringRef command, llvm::Error error) {
  llvm::errs() << "tmc " << command << ": error: " << llvm::toString(std::move(error)) << "\n";
  return 1;
}

int main(int argc, char **argv) {
  llvm::InitLLVM initLLVM(argc, argv);
  if (argc < 2)
    return tmc::driver::usageError("no command given");

  llvm::StringRef first = argv[1];
  if (first == "--help" || first == "-help" || first == "-h") {
    printHelp(llvm::outs());
    return 0;
  }
  if (first == "--version" || first == "-version") {
    printVersion(llvm::outs());
    return 0;
  }
  if (first.starts_with("-"))
    return tmc::driver::usageError("unknown option '" + first + "'");
  const Command *command = findCommand(first);
  if (!command)
    return tmc::driver::usageError("unknown command '" + first + "'");

  std::vector<std::string> glued = tmc::rt::glueFileArguments(argc, argv);
  std::vector<const char *> args;
  for (const std::string &arg : glued)
    args.push_back(arg.c_str());

  // Parse the command's flags: argv[1] names the cl::SubCommand the options
  // belong to. Errors are collected and reported as one line.
  std::string errors;
  llvm::raw_string_ostream errorStream(errors);
  if (!cl::ParseCommandLineOptions(args.size(), args.data(), command->summary, &errorStream)) {
    // "tmc: Unknown command line argument '--x'.  Try: 'tmc --help'" -> the middle.
    llvm::StringRef message = llvm::StringRef(errors).split('\n').first.trim();
    message.consume_front("tmc:");
    message = message.split("  Try:").first.trim();
    return tmc::driver::usageError(message);
  }
  return command->run();
}
