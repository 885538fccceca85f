//===- Graph.h - the tmc functions instantiation builds ---------*- C++ -*-===//
//
// Where traced tensor ops go. The entry function reads weights with
// tmc.get_param; a layer function (one per distinct decoder-layer kind)
// receives everything it uses from outside as arguments, captured on first
// use: tensors, dynamic sizes and weights. Two layers whose functions print
// the same share one function, so compile time grows with layer kinds, not
// layers (DESIGN.md §13).
//
//===----------------------------------------------------------------------===//

#ifndef TMC_PASSES_INSTANTIATE_GRAPH_H
#define TMC_PASSES_INSTANTIATE_GRAPH_H

#include "passes/instantiate/Value.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/StringMap.h"

namespace tmc::instantiate {

class Graph {
public:
  explicit Graph(mlir::ModuleOp module);

  mlir::MLIRContext *getContext() { return module.getContext(); }
  mlir::OpBuilder &b() { return builder; }
  mlir::ModuleOp getModule() { return module; }

  /// A fresh dynamic dimension, e.g. "batch".
  int newSymbol();

  /// Declares `param` as a tmc.param (once).
  void declareParam(ParamObj *param, mlir::Location loc);

  /// Starts the public entry function; its arguments get `dims` and are
  /// named by `tmc.name` argument attributes.
  std::vector<TensorObj *> beginEntry(llvm::StringRef name,
                                      llvm::ArrayRef<std::string> argNames,
                                      llvm::ArrayRef<llvm::SmallVector<Dim>> argDims,
                                      llvm::ArrayRef<mlir::Type> argElementTypes,
                                      mlir::Location loc);
  void endEntry(llvm::ArrayRef<TensorObj *> results, mlir::Location loc);

  /// Starts tracing a layer into its own function; op paths under
  /// `concretePrefix` ("model.layers.3") are written with `genericPrefix`
  /// ("model.layers.*").
  void beginLayer(llvm::StringRef concretePrefix, llvm::StringRef genericPrefix,
                  mlir::Location loc);
  /// Ends the layer: returns `results`, deduplicates the function against
  /// earlier layers (naming a new kind `baseName`, `baseName_1`, ...), and
  /// calls it from the enclosing function. Returns the call's results.
  std::vector<TensorObj *> endLayer(llvm::ArrayRef<TensorObj *> results, llvm::StringRef baseName,
                                    mlir::Location loc);
  bool inLayer() const { return scopes.size() > 1; }
  /// Number of distinct layer functions made so far.
  unsigned numLayerKinds() const { return kinds.size(); }

  /// The SSA value of `t` in the function being built.
  mlir::Value use(TensorObj *t);
  /// The index value of dynamic dimension `sym` in the function being built.
  mlir::Value symValue(int sym, mlir::Location loc);
  /// The weight read in the function being built.
  TensorObj *param(ParamObj *p, mlir::Location loc);

  /// A traced tensor for `value` with dimensions `dims`.
  TensorObj *make(mlir::Value value, llvm::ArrayRef<Dim> dims);
  /// Creates `OpTy` at the current module path with its ODS builder; `args`
  /// are the builder's arguments up to the path. Callers evaluate graph.use()
  /// into locals first when an op has several operands: C++ leaves argument
  /// order open, and use() may capture a layer-function argument.
  template <typename OpTy, typename... Args>
  OpTy create(mlir::Location loc, Args &&...args) {
    return OpTy::create(builder, loc, std::forward<Args>(args)..., path());
  }
  /// create() of an op with one tensor result of `dims`.
  template <typename OpTy, typename... Args>
  TensorObj *createTensor(mlir::Location loc, llvm::ArrayRef<Dim> dims, mlir::Type elementType,
                          Args &&...args) {
    OpTy op = create<OpTy>(loc, typeOf(dims, elementType), std::forward<Args>(args)...);
    return make(op.getResult(), dims);
  }
  /// In the function being built, dynamic dimension `sym` is `value`.
  void defineSymbol(int sym, mlir::Value value) { current().symbols[sym] = value; }
  mlir::RankedTensorType typeOf(llvm::ArrayRef<Dim> dims, mlir::Type elementType);

  /// The module path ops get (`at "model.layers.*.mlp"`), or null at the root.
  mlir::StringAttr path();
  void setPath(std::string p) { currentPath = std::move(p); }
  const std::string &getPath() const { return currentPath; }

  /// The element type of weights (the compile dtype).
  mlir::Type paramType() const { return weightType; }
  void setParamType(mlir::Type t) { weightType = t; }

  /// Allocates traced tensors; owned by the graph for the pass run.
  TensorObj *newTensor();

  /// The decode entry (`@decode`): attention reads and writes a KV cache.
  struct Decode {
    bool active = false;
    int64_t maxSeqLen = 0;
    int newSym = -1;    // new tokens of this call
    int kvSym = -1;     // cache positions attention reads: past + new
    unsigned nextAttention = 0; // attention calls so far: the layer index
    mlir::Type cacheType;       // the caches' elements; null: the keys' own
  };
  Decode &decode() { return decodeState; }

  /// Appends an input to the entry being built (a cache, made on first use).
  TensorObj *addEntryArgument(llvm::StringRef name, llvm::ArrayRef<Dim> dims, mlir::Type elementType,
                              mlir::Location loc);
  /// Cache slot `slot`: its value as the function being built sees it, or
  /// null when no slot was made yet; an update is returned by the layer
  /// function and, at the entry, becomes one of its results.
  TensorObj *cacheValue(unsigned slot);
  void makeCacheSlot(unsigned slot, TensorObj *entryValue);
  void setCacheValue(unsigned slot, TensorObj *value);
  unsigned numCacheSlots() const { return cacheValues.size(); }
  /// The entry-level values of every slot, in slot order.
  llvm::ArrayRef<TensorObj *> cacheResults() const { return cacheValues; }

private:
  struct Scope {
    mlir::func::FuncOp func;
    llvm::DenseMap<mlir::Value, mlir::Value> captured; // outer value -> argument
    std::vector<mlir::Value> captureOrder;             // outer values, in argument order
    llvm::DenseMap<int, mlir::Value> symbols;          // dynamic dim -> index value
    llvm::DenseMap<int, std::pair<mlir::Value, unsigned>> symbolSources; // tensor, dim
    llvm::DenseMap<ParamObj *, TensorObj *> params;
    std::string concretePrefix, genericPrefix;
    mlir::OpBuilder::InsertPoint savedInsertion;
    std::vector<std::pair<unsigned, TensorObj *>> cacheUpdates; // slot -> value, in order
  };

  mlir::Value capture(Scope &scope, mlir::Value outer);
  void addSymbolSources(Scope &scope, mlir::Value tensor, llvm::ArrayRef<Dim> dims);
  Scope &current() { return scopes.back(); }

  mlir::ModuleOp module;
  mlir::OpBuilder builder;
  std::vector<Scope> scopes;
  llvm::DenseMap<ParamObj *, mlir::Operation *> declared;
  llvm::StringMap<mlir::func::FuncOp> kinds; // printed body -> function
  llvm::StringMap<unsigned> kindsPerClass;
  std::vector<std::unique_ptr<TensorObj>> tensors;
  std::string currentPath;
  mlir::Type weightType;
  int nextSymbol = 0;
  Decode decodeState;
  std::vector<TensorObj *> cacheValues; // entry-level value of each cache slot
  unsigned nextLayer = 0;
};

} // namespace tmc::instantiate

#endif // TMC_PASSES_INSTANTIATE_GRAPH_H
