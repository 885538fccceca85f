//===- Python.h - model files to mdl and back -------------------*- C++ -*-===//
//
// The two directions between a Python model file and the mdl dialect: the
// parser (Lexer.cpp, ParseStatements.cpp, ParseExpressions.cpp) and the
// canonical printer (Printer.cpp).
// print(parse(print(m))) == print(m) for every module the parser accepts.
//
//===----------------------------------------------------------------------===//

#ifndef TMC_FRONTEND_PYTHON_H
#define TMC_FRONTEND_PYTHON_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

namespace llvm {
class SourceMgr;
class raw_ostream;
namespace vfs {
class FileSystem;
} // namespace vfs
} // namespace llvm

namespace tmc {

/// Parses the main buffer of `sourceMgr` into a module of mdl ops. Anything
/// outside the model-file subset is reported as an error located at
/// file:line:col through the context's diagnostic handler; returns null then.
mlir::OwningOpRef<mlir::ModuleOp> parsePython(llvm::SourceMgr &sourceMgr,
                                              mlir::MLIRContext *context);

/// parsePython() of the file `path` of `fs`; a file that cannot be read is an
/// error naming it and why.
mlir::OwningOpRef<mlir::ModuleOp> parsePythonFile(llvm::StringRef path,
                                                  mlir::MLIRContext *context,
                                                  llvm::vfs::FileSystem &fs);

/// Prints the mdl ops of `module` as Python in the canonical format: 4-space
/// indents, two blank lines around top-level definitions and one between
/// methods, double-quoted strings, calls wrapped at 100 columns one argument
/// per line. Fails (with a diagnostic) on ops that are not mdl statements.
mlir::LogicalResult printPython(mlir::ModuleOp module, llvm::raw_ostream &os);

} // namespace tmc

#endif // TMC_FRONTEND_PYTHON_H
