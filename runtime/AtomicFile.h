//===- AtomicFile.h - files that appear whole or not at all -----*- C++ -*-===//
//
// Every file tmc writes for a user (artifacts' files, checkpoints, .npy
// outputs, traces, phase IR, expanded models) goes through one function: it
// writes a uniquely named temporary file beside the target, so concurrent
// runs never share one, and renames it into place only when every byte was
// written. The temporary file is removed on failure and when the process is
// interrupted (SIGINT, SIGTERM). Write errors such as a full disk are
// errors naming the file, never LLVM's "IO failure on output stream".
//
//===----------------------------------------------------------------------===//

#ifndef TMC_RUNTIME_ATOMICFILE_H
#define TMC_RUNTIME_ATOMICFILE_H

#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"

namespace tmc::rt {

/// Writes `path` with `write`, atomically. A path that exists and is not a
/// regular file (a device, a pipe) is written in place, as there is nothing
/// to rename over it; "-" is stdout.
llvm::Error writeFileAtomically(llvm::StringRef path,
                                llvm::function_ref<void(llvm::raw_ostream &)> write);

/// Flushes and closes `os`, which writes `path`: a failed write (a full disk)
/// is `PATH: cannot write: REASON`, not LLVM's fatal "IO failure on output
/// stream" when the stream is destroyed.
llvm::Error closeWritten(llvm::raw_fd_ostream &os, llvm::StringRef path);

} // namespace tmc::rt

#endif // TMC_RUNTIME_ATOMICFILE_H
