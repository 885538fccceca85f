//===- Renamer.h - Llama -> Glm renaming of modular expansion ---*- C++ -*-===//
//
// The renaming rule of DESIGN.md §3: the prefix is the child's name minus the
// suffix it shares with its parent (`GlmAttention`/`LlamaAttention` -> `Glm`
// for `Llama`); `Llama`, `llama` and `LLAMA` map to `Glm`, `glm` and `GLM`
// wherever no lowercase letter or digit precedes the match (`CodeLlama`
// stays).
//
//===----------------------------------------------------------------------===//

#ifndef TMC_PASSES_MODULAR_RENAMER_H
#define TMC_PASSES_MODULAR_RENAMER_H

#include "llvm/ADT/StringRef.h"

namespace mlir {
class Operation;
} // namespace mlir

#include <optional>
#include <string>

namespace tmc::modular {

class Renamer {
public:
  /// Renames `from` (as written in the parent, e.g. `Llama`) to `to` (`Glm`).
  Renamer(llvm::StringRef from, llvm::StringRef to);

  /// The renamer for class `child` inheriting `parent`: both names minus the
  /// suffix they share, the suffix starting at an uppercase letter
  /// (`GemmaMLP`/`LlamaMLP` share `MLP`, not `maMLP`). None when either prefix
  /// is empty.
  static std::optional<Renamer> fromClassNames(llvm::StringRef child,
                                               llvm::StringRef parent);

  /// `text` with every case variant of the parent's prefix replaced.
  std::string rename(llvm::StringRef text) const;

  /// Renames names, strings, docstrings and comments in `op` and everything
  /// it holds: every string and symbol attribute, in arrays too.
  void renameOp(mlir::Operation *op) const;

  llvm::StringRef from() const { return fromName; }
  llvm::StringRef to() const { return toName; }

private:
  std::string fromName, toName;
  std::string fromLower, toLower, fromUpper, toUpper;
};

} // namespace tmc::modular

#endif // TMC_PASSES_MODULAR_RENAMER_H
