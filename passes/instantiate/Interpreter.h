//===- Interpreter.h - runs a model file to build the tmc graph -*- C++ -*-===//
//
// tmc-instantiate executes the expanded model file the way Python would, on
// values that are either known at compile time (config fields, sizes, modules)
// or tensors of the graph. Statements (Statements.cpp), expressions
// (Expressions.cpp), calls and attributes (Calls.cpp) and Python builtins
// (Builtins.cpp) follow Python. Executing a module's forward emits one tmc op
// per tensor operation (the op table, TorchTable.h); functions marked
// @compiles_to become one op each (Intrinsics.cpp); a call of a module held
// in an nn.ModuleList becomes a func.call of one function per distinct layer
// kind (Graph.cpp).
//
// Errors in the model file or its config are thrown as `Failure` from deep
// inside evaluation and reported once, at the pass boundary, with the model
// file location and the chain of calls that led there; no exception crosses
// an MLIR callback.
//
//===----------------------------------------------------------------------===//

#ifndef TMC_PASSES_INSTANTIATE_INTERPRETER_H
#define TMC_PASSES_INSTANTIATE_INTERPRETER_H

#include "passes/instantiate/Graph.h"
#include "passes/instantiate/Value.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/Allocator.h"
#include "llvm/Support/StringSaver.h"

#include <memory>

namespace tmc::instantiate {

/// The arguments of one call: positional, then keywords in source order.
struct CallArgs {
  std::vector<PyValue> positional;
  std::vector<std::pair<std::string, PyValue>> keywords;
};

class Interpreter;

/// A parameter list as the Python API spells it: "input, dim=-1, dtype=None",
/// "self, *shape", "data, *, dtype=None", "*args, **kwargs". Parameters after
/// `*` or `*name` are keyword-only; defaults are None, True, False, numbers
/// or double-quoted strings.
struct Signature {
  explicit Signature(llvm::StringRef text);

  struct Param {
    std::string name;
    std::optional<PyValue> defaultValue;
  };
  std::vector<Param> params;  // the named ones, in order
  size_t numPositional = 0;   // leading params a positional argument may fill
  std::string varPositional;  // `*name` collects the rest as a tuple; "" if none
  std::string varKeyword;     // `**name` collects unknown keywords as a dict; "" if none
};

/// Call arguments bound to a signature, as Python binds a function's.
class Bound {
public:
  Bound(Interpreter &interp, const Signature &signature, const CallArgs &args,
        const llvm::Twine &what, mlir::Location loc);
  Bound(Interpreter &interp, llvm::StringRef signature, const CallArgs &args,
        const llvm::Twine &what, mlir::Location loc)
      : Bound(interp, Signature(signature), args, what, loc) {}
  /// The argument, or the parameter's default when not passed.
  const PyValue &operator[](llvm::StringRef name) const;

private:
  llvm::StringMap<PyValue> values;
};

class Interpreter {
public:
  Interpreter(mlir::ModuleOp program, Graph &graph);

  /// Runs the module-level statements (imports, functions, classes, constants).
  void loadModule();

  PyValue global(llvm::StringRef name, mlir::Location loc);
  ClassInfo *findClass(llvm::StringRef name);
  llvm::SmallVector<ClassInfo *> classes();

  /// `cls(**kwargs)`; `args` may hold a config dict's fields as keywords.
  PyValue instantiate(ClassInfo *cls, const CallArgs &args, mlir::Location loc);
  PyValue call(const PyValue &callee, const CallArgs &args, mlir::Location loc);
  PyValue getAttr(const PyValue &base, llvm::StringRef name, mlir::Location loc);
  /// Instance attribute or nothing (no error).
  std::optional<PyValue> findAttr(const PyValue &base, llvm::StringRef name);
  /// The method `name` of `cls` or of its bases, with the class defining it.
  std::pair<mdl::DefOp, ClassInfo *> findMethod(ClassInfo *cls, llvm::StringRef name);

  // Helpers shared with the op table.
  bool truthy(const PyValue &v, mlir::Location loc);
  int64_t toInt(const PyValue &v, mlir::Location loc, const llvm::Twine &what);
  double toFloat(const PyValue &v, mlir::Location loc, const llvm::Twine &what);
  std::string repr(const PyValue &v);
  bool equal(const PyValue &a, const PyValue &b);
  PyValue makeTuple(std::vector<PyValue> items);
  PyValue makeList(std::vector<PyValue> items);
  PyValue makeTensor(TensorObj *t) { return PyValue::object(Kind::Tensor, t); }
  template <typename T> T *create() {
    objects.push_back(std::make_unique<T>());
    return static_cast<T *>(objects.back().get());
  }
  llvm::StringRef intern(llvm::StringRef s) { return saver.save(s); }
  Graph &getGraph() { return graph; }
  /// The compiles_to name of a function or class decorator list, or "".
  static std::string compilesToName(mlir::OperandRange decorators);

  /// The tensor a value stands for (a tensor, or a weight read in the
  /// current function); fails with `what` otherwise.
  TensorObj *tensorOf(const PyValue &v, mlir::Location loc, const llvm::Twine &what);
  /// The items of a sequence, dict (its keys) or ModuleList.
  std::vector<PyValue> iterate(const PyValue &v, mlir::Location loc);
  /// `base.name = value`; a module or weight assigned first is named after `name`.
  void setAttr(const PyValue &base, llvm::StringRef name, const PyValue &value, mlir::Location loc);
  /// A Python operator with a tensor operand; "neg" is unary minus.
  PyValue tensorBinary(llvm::StringRef op, const PyValue &a, const PyValue &b, mlir::Location loc);

private:
  struct Frame {
    llvm::StringMap<PyValue> locals;
    ClassInfo *cls = nullptr; // class of the running method, for super()
    PyValue self;
    bool returned = false;
    PyValue result;
  };

  /// Binds `args` to `fn`'s parameters as Python does (defaults, keywords,
  /// *args, **kwargs).
  llvm::StringMap<PyValue> bindArguments(mdl::DefOp fn, ClassInfo *cls, std::optional<PyValue> self,
                                       const CallArgs &args, mlir::Location loc);
  PyValue invoke(mdl::DefOp fn, ClassInfo *cls, std::optional<PyValue> self, const CallArgs &args,
               mlir::Location loc);
  PyValue callInstance(InstanceObj *inst, const PyValue &self, const CallArgs &args,
                     mlir::Location loc);
  PyValue callMethod(MethodObj *m, const CallArgs &args, mlir::Location loc);
  void execBlock(mlir::Block &block, Frame &frame);
  void exec(mlir::Operation &stmt, Frame &frame);
  PyValue eval(mlir::Value expr, Frame &frame);
  PyValue evalCall(mdl::CallOp call, Frame &frame);
  PyValue lookup(llvm::StringRef name, Frame &frame, mlir::Location loc);
  void assign(mlir::Value target, const PyValue &value, Frame &frame, mlir::Location loc);
  PyValue subscript(const PyValue &base, const PyValue &index, mlir::Location loc);
  PyValue binary(llvm::StringRef op, const PyValue &a, const PyValue &b, mlir::Location loc);
  PyValue unary(llvm::StringRef op, const PyValue &a, mlir::Location loc);
  bool compare(llvm::StringRef op, const PyValue &a, const PyValue &b, mlir::Location loc);
  void evaluateClassAttrs(ClassInfo *cls);
  PyValue callBuiltin(llvm::StringRef name, const CallArgs &args, mlir::Location loc);
  PyValue callBuiltinMethod(const PyValue &self, llvm::StringRef name, const CallArgs &args,
                          mlir::Location loc);

  // Torch.cpp: calls through the PyTorch op table (TorchTable.h).
  /// A torch.*, torch.nn.functional.* or torch.nn.* call; nothing for other
  /// names.
  std::optional<PyValue> callTorch(llvm::StringRef name, const CallArgs &args, mlir::Location loc);
  /// A tensor method; nothing when the table has none of that name.
  std::optional<PyValue> callTensorMethod(const PyValue &self, llvm::StringRef name,
                                          const CallArgs &args, mlir::Location loc);
  /// Calling an nn.Linear, nn.Embedding, ... instance.
  PyValue callBuiltinModule(InstanceObj *inst, const CallArgs &args, mlir::Location loc);
  PyValue tensorSubscript(TensorObj *t, const PyValue &index, mlir::Location loc);

  // Intrinsics.cpp: @compiles_to.
  PyValue callIntrinsic(llvm::StringRef name, mdl::DefOp fn, const CallArgs &args,
                      mlir::Location loc);
  PyValue callRotaryEmbedding(InstanceObj *inst, const CallArgs &args, mlir::Location loc);

  mlir::ModuleOp program;
  Graph &graph;
  llvm::BumpPtrAllocator allocator;
  llvm::StringSaver saver{allocator};
  std::vector<std::unique_ptr<Object>> objects;
  std::vector<std::unique_ptr<ClassInfo>> classInfos;
  llvm::StringMap<PyValue> globals;
  llvm::StringMap<ClassInfo *> classByName;
  std::vector<mlir::Location> callStack;

public:
  /// The calls a failure unwound through, innermost first: error notes.
  std::vector<mlir::Location> unwound;

private:
  unsigned depth = 0;

  friend struct CallStackEntry;
};

/// Keeps the model-file call chain, for the notes of an error.
struct CallStackEntry {
  CallStackEntry(Interpreter &interp, mlir::Location loc);
  ~CallStackEntry();
  Interpreter &interp;
};

} // namespace tmc::instantiate

#endif // TMC_PASSES_INSTANTIATE_INTERPRETER_H
