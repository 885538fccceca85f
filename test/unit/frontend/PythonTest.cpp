//===- PythonTest.cpp - model-file parser and printer -----------*- C++ -*-===//
//
// The parser and printer on whole files, the statement helpers a rewriting
// pass uses, and a randomized test: thousands of mutations of real model
// files (tokens deleted, duplicated, swapped; truncation; random bytes) must
// each parse or fail with a located error, never crash, and every mutant
// that parses must print to a fixed point.
//
//===----------------------------------------------------------------------===//

#include "frontend/Python.h"
#include "ir/Mdl/MdlOps.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <random>

using namespace mlir;

namespace {

struct Parsed {
  OwningOpRef<ModuleOp> module;
  std::vector<std::string> errors;
};

Parsed parse(MLIRContext &context, llvm::StringRef text,
             llvm::StringRef name = "m.py") {
  Parsed result;
  ScopedDiagnosticHandler handler(&context, [&](Diagnostic &diag) {
    std::string located;
    if (auto loc = dyn_cast<FileLineColLoc>(diag.getLocation()))
      located = (loc.getFilename().str() + ":" + std::to_string(loc.getLine()) +
                 ":" + std::to_string(loc.getColumn()) + ": ");
    result.errors.push_back(located + diag.str());
    return success();
  });
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(llvm::MemoryBuffer::getMemBufferCopy(text, name),
                               llvm::SMLoc());
  result.module = tmc::parsePython(sourceMgr, &context);
  return result;
}

std::string print(ModuleOp module) {
  std::string text;
  llvm::raw_string_ostream os(text);
  EXPECT_TRUE(succeeded(tmc::printPython(module, os)));
  return text;
}

std::string readFile(const std::string &path) {
  auto buffer = llvm::MemoryBuffer::getFile(path);
  return buffer ? (*buffer)->getBuffer().str() : std::string();
}

class PythonTest : public ::testing::Test {
protected:
  PythonTest() { context.loadDialect<tmc::mdl::MdlDialect>(); }
  MLIRContext context;
};

TEST_F(PythonTest, LlamaLikeFileIsCanonical) {
  std::string text =
      readFile(TMC_SOURCE_DIR "/test/frontend/Inputs/llama_like.py");
  ASSERT_FALSE(text.empty());
  Parsed parsed = parse(context, text);
  ASSERT_TRUE(parsed.module) << parsed.errors.front();
  EXPECT_EQ(print(*parsed.module), text);
}

TEST_F(PythonTest, ErrorsNameTheLocationAndTheFix) {
  Parsed parsed =
      parse(context, "def f(x):\n    while x:\n        pass\n", "loop.py");
  EXPECT_FALSE(parsed.module);
  ASSERT_EQ(parsed.errors.size(), 1u);
  EXPECT_EQ(parsed.errors[0],
            "loop.py:2:5: a 'while' loop is not supported in model "
            "files; use a for loop over range(n)");
}

TEST_F(PythonTest, EraseStatementTakesItsExpressions) {
  // What expansion does for `del self.b` in a modular __init__.
  Parsed parsed =
      parse(context, "class A(nn.Module):\n"
                     "    def __init__(self):\n"
                     "        self.a = nn.Linear(1, 2)\n"
                     "        self.b = nn.Linear(2, 3, bias=False)\n");
  ASSERT_TRUE(parsed.module);
  tmc::mdl::AssignOp second;
  parsed.module->walk([&](tmc::mdl::AssignOp assign) { second = assign; });
  ASSERT_TRUE(second);
  tmc::mdl::eraseStatement(second);
  EXPECT_TRUE(succeeded(verify(*parsed.module)));
  EXPECT_EQ(print(*parsed.module), "class A(nn.Module):\n"
                                   "    def __init__(self):\n"
                                   "        self.a = nn.Linear(1, 2)\n");
}

/// Splits `text` into identifier/number runs and single other bytes, so a
/// mutation removes or repeats a whole word the way an editing slip would.
std::vector<std::string> roughTokens(llvm::StringRef text) {
  std::vector<std::string> tokens;
  for (size_t i = 0; i < text.size();) {
    size_t j = i + 1;
    if (llvm::isAlnum(text[i]) || text[i] == '_')
      while (j < text.size() && (llvm::isAlnum(text[j]) || text[j] == '_'))
        ++j;
    tokens.push_back(text.slice(i, j).str());
    i = j;
  }
  return tokens;
}

std::string mutate(const std::vector<std::string> &tokens, std::mt19937 &rng) {
  static const char *const kInserted[] = {
      "while",  "lambda", "yield",  ":=",       "(",   ")",    "[",   "]",
      "{",      "}",      "\n",     "    ",     "\t",  "\\\n", "'",   "\"\"\"",
      "#",      "@",      "*",      "**",       ",",   ":",    "=",   "def",
      "class",  "if",     "else",   "elif",     "for", "in",   "not", "is",
      "return", "del",    "assert", "f\"{x}\"", "0x",  "1e",   "...", ".",
      "-",      "async",  "import", "from"};
  std::vector<std::string> out = tokens;
  auto pick = [&](size_t n) {
    return std::uniform_int_distribution<size_t>(0, n - 1)(rng);
  };
  unsigned edits = 1 + pick(4);
  for (unsigned e = 0; e < edits && !out.empty(); ++e) {
    size_t at = pick(out.size());
    switch (pick(6)) {
    case 0:
      out.erase(out.begin() + at);
      break;
    case 1:
      out.insert(out.begin() + at, out[at]);
      break;
    case 2:
      std::swap(out[at], out[pick(out.size())]);
      break;
    case 3:
      out.resize(at);
      break;
    case 4:
      out.insert(out.begin() + at,
                 std::string(1, static_cast<char>(pick(256))));
      break;
    default:
      out.insert(out.begin() + at, kInserted[pick(std::size(kInserted))]);
      break;
    }
  }
  std::string text;
  for (const std::string &token : out)
    text += token;
  return text;
}

TEST_F(PythonTest, MutatedModelFilesParseOrFailWithALocatedError) {
  std::vector<std::string> sources = {
      readFile(TMC_SOURCE_DIR "/test/frontend/Inputs/llama_like.py"),
      readFile(TMC_SOURCE_DIR "/models/llama/modeling_llama.py")};
  llvm::erase_if(sources, [](const std::string &s) { return s.empty(); });
  ASSERT_FALSE(sources.empty());
  // TMC_FUZZ_ITERATIONS / TMC_FUZZ_SEED run it longer or differently.
  const char *iterationsEnv = std::getenv("TMC_FUZZ_ITERATIONS");
  const char *seedEnv = std::getenv("TMC_FUZZ_SEED");
  unsigned iterations = iterationsEnv ? std::atoi(iterationsEnv) : 3000;
  std::mt19937 rng(seedEnv ? std::atoi(seedEnv) : 20261129);

  std::vector<std::vector<std::string>> tokenized;
  for (const std::string &source : sources)
    tokenized.push_back(roughTokens(source));
  unsigned accepted = 0;
  for (unsigned i = 0; i < iterations; ++i) {
    std::string text = mutate(tokenized[i % tokenized.size()], rng);
    Parsed parsed = parse(context, text);
    if (!parsed.module) {
      // Exactly one error, at a position inside the file.
      ASSERT_EQ(parsed.errors.size(), 1u) << "iteration " << i << ":\n" << text;
      EXPECT_EQ(parsed.errors[0].rfind("m.py:", 0), 0u)
          << "iteration " << i << ": " << parsed.errors[0];
      continue;
    }
    ++accepted;
    std::string printed = print(*parsed.module);
    Parsed reparsed = parse(context, printed);
    ASSERT_TRUE(reparsed.module)
        << "iteration " << i
        << ": printed output does not parse: " << reparsed.errors.front()
        << "\n"
        << printed;
    ASSERT_EQ(print(*reparsed.module), printed) << "iteration " << i << ":\n"
                                                << text;
  }
  // Some mutants (a duplicated blank, a swapped name) are still valid.
  EXPECT_GT(accepted, 0u);
}

} // namespace
