//===- Value.h - the values of the model-file interpreter -------*- C++ -*-===//
//
// Instantiation runs a model file as Python: config values are plain ints and
// floats, modules are instances, and tensors are SSA values of the tmc graph
// being built. Composite objects live in an arena owned by the interpreter
// for the length of one pass run, so values are small and freely copied.
//
//===----------------------------------------------------------------------===//

#ifndef TMC_PASSES_INSTANTIATE_VALUE_H
#define TMC_PASSES_INSTANTIATE_VALUE_H

#include "ir/Mdl/MdlOps.h"

#include "mlir/IR/Location.h"
#include "mlir/IR/Types.h"
#include "mlir/IR/Value.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/SmallVector.h"

#include <optional>
#include <string>
#include <vector>

namespace tmc::instantiate {

struct Object;
struct ClassInfo;

/// A located error in the model file, its config or its use of the op table.
struct Failure {
  mlir::Location loc;
  std::string message;
};

[[noreturn]] void fail(mlir::Location loc, const llvm::Twine &message);

/// Bounds on what a model file and its config can make the compiler build
/// (docs/RELIABILITY.md): loops unroll, so a range has at most 2^16 items
/// (layers); a weight has dims below 2^31 and at most 2^36 elements (a 405B
/// model's largest has 2^31).
inline constexpr int64_t kMaxRangeItems = int64_t(1) << 16;
inline constexpr int64_t kMaxWeightDim = (int64_t(1) << 31) - 1;
inline constexpr int64_t kMaxWeightElements = int64_t(1) << 36;

enum class Kind {
  None, Bool, Int, Float, Str, Ellipsis,
  Tuple, List, Dict, Slice,
  Tensor,   // a tensor of the graph
  SymInt,   // a dynamic dimension (batch, sequence length)
  DType,    // torch.float32, ...; `str` holds the torch name
  Device,   // tensor.device: accepted and ignored
  PyModule, // torch, torch.nn, torch.nn.functional; `str` holds the name
  Builtin,  // a library function or class: "torch.cat", "nn.Linear", "len"
  Function, // a `def` of the model file
  Class,    // a `class` of the model file
  Instance, // an object: a module, a config, a builtin module (nn.Linear)
  Method,   // a bound method of a model-file class or of a builtin receiver
  Param,    // a weight (nn.Parameter or a builtin module's weight)
  Shape,    // torch.ones(n) / torch.zeros(n) at construction: only its shape
  Mask,     // the symbolic attention mask of @compiles_to("causal_mask")
  Rope,     // cos or sin of @compiles_to("rotary_embedding")
  Super,    // super() inside a method
};

/// A Python value. Scalars are held inline; everything else points into the
/// interpreter's arena.
struct PyValue {
  Kind kind = Kind::None;
  bool b = false;
  int64_t i = 0;   // Int; SymInt: the symbol
  double f = 0.0;  // Float
  std::string str; // Str, DType, PyModule, Builtin
  Object *obj = nullptr;
  mlir::Operation *op = nullptr; // Function: the mdl.def

  static PyValue none() { return {}; }
  static PyValue boolean(bool v) { PyValue r; r.kind = Kind::Bool; r.b = v; return r; }
  static PyValue integer(int64_t v) { PyValue r; r.kind = Kind::Int; r.i = v; return r; }
  static PyValue real(double v) { PyValue r; r.kind = Kind::Float; r.f = v; return r; }
  static PyValue string(std::string v) { PyValue r; r.kind = Kind::Str; r.str = std::move(v); return r; }
  static PyValue named(Kind kind, std::string name) { PyValue r; r.kind = kind; r.str = std::move(name); return r; }
  static PyValue object(Kind kind, Object *obj) { PyValue r; r.kind = kind; r.obj = obj; return r; }

  bool isNone() const { return kind == Kind::None; }
  bool isNumber() const { return kind == Kind::Bool || kind == Kind::Int || kind == Kind::Float; }
  template <typename T> T *as() const { return static_cast<T *>(obj); }
};

/// Python's name for a value's type, for messages.
const char *kindName(Kind kind);

struct Object {
  virtual ~Object() = default;
};

/// Tuple and list.
struct SequenceObj : Object {
  std::vector<PyValue> items;
};

struct DictObj : Object {
  std::vector<std::pair<PyValue, PyValue>> entries;
};

struct SliceObj : Object {
  PyValue lower, upper, step;
};

/// One dimension of a traced tensor: a static size, or a symbol (batch,
/// sequence) that every tensor with the same dynamic extent shares.
struct Dim {
  int64_t size = -1; // >= 0 when static
  int sym = -1;      // >= 0 when dynamic
  static Dim fixed(int64_t n) { return {n, -1}; }
  static Dim symbol(int s) { return {-1, s}; }
  bool isStatic() const { return size >= 0; }
  bool operator==(const Dim &o) const { return size == o.size && sym == o.sym; }
  bool operator!=(const Dim &o) const { return !(*this == o); }
};

/// "(?, ?, 64)": a traced shape in messages.
std::string shapeString(llvm::ArrayRef<Dim> dims);

struct TensorObj : Object {
  mlir::Value value; // in the function that created it
  llvm::SmallVector<Dim> dims;
  mlir::Type elementType;
};

struct InstanceObj;

/// A weight. Its checkpoint name is its owner's path plus the attribute it
/// was first assigned to, so a tied weight keeps its owner's name.
struct ParamObj : Object {
  InstanceObj *owner = nullptr;
  std::string attr;
  llvm::SmallVector<int64_t> shape;
  mlir::Type elementType;
  std::string name() const;
};

struct ShapeObj : Object {
  llvm::SmallVector<int64_t> shape;
};

/// An object: of a model-file class (`cls`), or a builtin module
/// (`builtin` is "Linear", "Embedding", "ModuleList").
struct InstanceObj : Object {
  ClassInfo *cls = nullptr;
  std::string builtin;
  llvm::MapVector<llvm::StringRef, PyValue> attrs; // keys are interned in the arena
  std::vector<PyValue> items;                      // ModuleList elements
  InstanceObj *parent = nullptr;
  std::string nameInParent;
  /// The path in the module tree ("model.layers.0.mlp"); "" for the root.
  std::string path() const;
  /// The index of this module in an enclosing ModuleList, or -1.
  bool isListElement() const { return parent && parent->builtin == "ModuleList"; }
};

struct MethodObj : Object {
  PyValue self;                         // the receiver
  mdl::DefOp fn;                      // a model-file method, or
  std::string builtinName;            // a builtin method (tensor.view, dict.get)
  ClassInfo *definingClass = nullptr; // for super()
};

/// The mask `create_causal_mask` stands for: causal, an optional window, and
/// an optional key padding mask (batch, seq) with 1 for tokens; or the one of
/// `create_bidirectional_mask` (an encoder's): the key padding mask alone.
struct MaskObj : Object {
  TensorObj *keyMask = nullptr;
  bool causal = true;
  std::optional<int64_t> slidingWindow;
  std::optional<int64_t> chunkSize;
};

/// cos or sin of a rotary embedding, kept symbolic so that applying it
/// becomes one tmc.rope.
struct RopeObj : Object {
  TensorObj *positions = nullptr; // (batch, seq) or (1, seq)
  double theta = 10000.0;
  int64_t dim = 0;
  double scalingFactor = 1.0;
  bool isSin = false;
};

struct SuperObj : Object {
  PyValue self;
  ClassInfo *cls = nullptr; // the class whose method called super()
};

/// A class of the model file, with its bases resolved.
struct ClassInfo : Object {
  mdl::ClassOp op;
  llvm::SmallVector<ClassInfo *> bases; // model-file bases only
  bool isModule = false;                // derives from nn.Module
  std::string compilesTo;               // @compiles_to("...") or ""
  llvm::MapVector<llvm::StringRef, PyValue> classAttrs;
  bool attrsEvaluated = false;
  llvm::StringRef name() { return op.getSymName(); }
};

} // namespace tmc::instantiate

#endif // TMC_PASSES_INSTANTIATE_VALUE_H
