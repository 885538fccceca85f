//===- LineDiff.h - unified diff of two texts -------------------*- C++ -*-===//
//
// LLVM has no diff library, and `tmc check-modular` must show what differs
// on any machine, with or without a `diff` program: a line diff (Myers'
// O(ND) algorithm) printed in the unified format of `diff -u`. The same
// diff counts the lines two texts share, for `tmc modular-candidates`.
//
//===----------------------------------------------------------------------===//

#ifndef TMC_TOOLS_TMC_LINEDIFF_H
#define TMC_TOOLS_TMC_LINEDIFF_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"

#include <string>

namespace tmc::driver {

/// The unified diff turning `before` into `after`, with `context` unchanged
/// lines around each change, under the headers `--- beforeLabel` and
/// `+++ afterLabel`; empty when the texts are equal.
std::string unifiedDiff(llvm::StringRef before, llvm::StringRef after,
                        llvm::StringRef beforeLabel, llvm::StringRef afterLabel,
                        unsigned context = 3);

/// The number of lines of `text` (a last line without a newline counts).
unsigned countLines(llvm::StringRef text);

/// The number of lines a longest common subsequence of `a` and `b` keeps:
/// the unchanged lines of the shortest edit script. Past a few thousand
/// edits only the common prefix and suffix count (see unifiedDiff).
unsigned commonLines(llvm::ArrayRef<llvm::StringRef> a, llvm::ArrayRef<llvm::StringRef> b);

} // namespace tmc::driver

#endif // TMC_TOOLS_TMC_LINEDIFF_H
