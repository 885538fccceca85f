//===- TorchTable.h - the PyTorch op table ----------------------*- C++ -*-===//
//
// A model file calls PyTorch; every call tmc supports is one entry of a
// table: its Python names, its signature as the Python API spells it, and
// the function that builds its tmc ops. Arguments are bound to the
// signature as Python binds them (Bound), so a builder reads them by
// parameter name and adding an op is adding an entry. docs/LANGUAGE.md
// lists the table.
//
//===----------------------------------------------------------------------===//

#ifndef TMC_PASSES_INSTANTIATE_TORCHTABLE_H
#define TMC_PASSES_INSTANTIATE_TORCHTABLE_H

#include "passes/instantiate/Interpreter.h"
#include "passes/instantiate/TensorOps.h"

namespace tmc::instantiate {

/// One call of a table entry, as its builder sees it.
struct TorchCall {
  Interpreter &interp;
  TensorOps &ops;
  const Bound &args;
  /// The name the model file called: "torch.cat", "F.softmax", "Tensor.view".
  llvm::StringRef name;
  mlir::Location loc;

  const PyValue &operator[](llvm::StringRef param) const { return args[param]; }
  /// The argument `param` as a tensor (a weight is read).
  TensorObj *tensor(llvm::StringRef param) const;
  /// tensor(), or null for None.
  TensorObj *optionalTensor(llvm::StringRef param) const;
  int64_t integer(llvm::StringRef param) const;
  /// An int, or a tuple or list of them; empty for None.
  llvm::SmallVector<int64_t> integers(llvm::StringRef param) const;
  /// The element type a torch dtype argument names.
  mlir::Type dtype(const PyValue &value) const;
  PyValue result(TensorObj *t) const { return interp.makeTensor(t); }
};

struct TorchOp {
  /// The names it is called by: "torch.mean", "F.softmax", "nn.Linear" (for
  /// torch.nn.functional.* and torch.nn.*); "Tensor.mean" is a method, whose
  /// receiver binds the first parameter; "nn.Linear.forward" is calling an
  /// nn.Linear module, which binds `self`.
  llvm::StringRef names[6];
  /// The parameters as the Python API spells them: "input, dim=None, keepdim=False".
  llvm::StringRef signature;
  PyValue (*build)(TorchCall &call);
};

/// Returns the `input` argument: dropout at inference, nn.Identity.
PyValue passInput(TorchCall &call);

/// torch.*, F.* and Tensor methods on tensors (TorchTensorOps.cpp).
llvm::ArrayRef<TorchOp> tensorOpTable();
/// nn.* modules: making them and calling them (TorchNnOps.cpp).
llvm::ArrayRef<TorchOp> nnOpTable();

} // namespace tmc::instantiate

#endif // TMC_PASSES_INSTANTIATE_TORCHTABLE_H
