//===- PythonFuzzer.cpp - libFuzzer entry for the parser --------*- C++ -*-===//
//
// Feeds arbitrary bytes to the Python parser. Any input must either parse or
// produce a diagnostic; an accepted input must print to a fixed point
// (print(parse(print(x))) == print(x)). Built with -DTMC_ENABLE_FUZZER=ON by
// clang (see frontend/CMakeLists.txt); seed it with model files:
//   tmc-python-fuzzer corpus/ models/llama/
//
//===----------------------------------------------------------------------===//

#include "frontend/Python.h"
#include "ir/Mdl/MdlDialect.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdlib>

using namespace mlir;

static OwningOpRef<ModuleOp> parse(MLIRContext &context, llvm::StringRef text) {
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(
      llvm::MemoryBuffer::getMemBufferCopy(text, "fuzz.py"), llvm::SMLoc());
  return tmc::parsePython(sourceMgr, &context);
}

static std::string print(ModuleOp module) {
  std::string text;
  llvm::raw_string_ostream os(text);
  if (failed(tmc::printPython(module, os)))
    std::abort();
  return text;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static MLIRContext *context = [] {
    auto *ctx = new MLIRContext();
    ctx->loadDialect<tmc::mdl::MdlDialect>();
    return ctx;
  }();
  bool sawError = false;
  ScopedDiagnosticHandler handler(context, [&](Diagnostic &diag) {
    sawError |= diag.getSeverity() == DiagnosticSeverity::Error;
    return success();
  });
  OwningOpRef<ModuleOp> module = parse(
      *context, llvm::StringRef(reinterpret_cast<const char *>(data), size));
  if (!module) {
    if (!sawError)
      std::abort(); // A rejected input must say why.
    return 0;
  }
  std::string printed = print(*module);
  OwningOpRef<ModuleOp> reparsed = parse(*context, printed);
  if (!reparsed || print(*reparsed) != printed)
    std::abort();
  return 0;
}
