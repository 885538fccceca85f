//===- Rules.h - the signature and field rules of expansion -----*- C++ -*-===//
//
// Two rules of DESIGN.md §3 that rewrite a method's signature, each in its
// own file: `**super_kwargs` merging (SuperKwargs.cpp) and field removal with
// `field = AttributeError()` (RemovedFields.cpp). Params.cpp reads and
// rewrites a `def`'s parameter list for both.
//
//===----------------------------------------------------------------------===//

#ifndef TMC_PASSES_MODULAR_RULES_H
#define TMC_PASSES_MODULAR_RULES_H

#include "ir/Mdl/MdlOps.h"

#include <string>

namespace tmc::modular {

/// One parameter of a `def`: its name as written (`*args`, `**kwargs`, a
/// lone `*`) and its annotation and default, when it has them.
struct Param {
  std::string name;
  mlir::Value annotation, value;
};

/// The parameters of `def`, in order.
llvm::SmallVector<Param> paramsOf(mdl::DefOp def);

/// Replaces `def`'s parameters; their expressions must already be defined
/// before `def` in its block. The expressions of the old parameters that no
/// parameter uses any more are erased.
void setParams(mdl::DefOp def, llvm::ArrayRef<Param> params);

/// True when `def`'s last parameter is `**super_kwargs`.
bool hasSuperKwargs(mdl::DefOp def);

/// Checks that the super() statement of a `**super_kwargs` method passes
/// exactly `**super_kwargs` (anything else would be dropped by inlining).
mlir::LogicalResult checkSuperKwargsCall(mdl::DefOp child);

/// `def __init__(self, new=1, **super_kwargs)` over the parent's method: the
/// parent's parameters, where a child parameter of the same name replaces the
/// parent's (its default wins) and new ones come before the parent's `*`
/// section and `**kwargs`. Run after the super() statement is inlined; the
/// body must no longer read `super_kwargs`.
mlir::LogicalResult mergeSuperKwargs(mdl::DefOp child, mdl::DefOp parent);

/// A field the child removes with `field = AttributeError()`.
struct RemovedField {
  std::string name;
  mlir::Location loc;
};

/// Takes the removals out of child class `cls`: class-level
/// `field = AttributeError()` and, at the top level of its `__init__`,
/// `self.field = AttributeError()`.
llvm::SmallVector<RemovedField> takeRemovedFields(mdl::ClassOp cls);

/// Removes each field from the expanded class `cls`: its class attribute (and
/// the comment lines directly above it), the `self.field = ...` assignments
/// and the `field` parameter of `__init__`. A field that removes nothing, or
/// whose parameter the rest of `__init__` still reads, is an error.
mlir::LogicalResult removeFields(mdl::ClassOp cls, llvm::ArrayRef<RemovedField> fields,
                                 llvm::StringRef parentName);

} // namespace tmc::modular

#endif // TMC_PASSES_MODULAR_RULES_H
