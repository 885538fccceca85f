//===- AtomicFile.cpp - files that appear whole or not at all ---*- C++ -*-===//
#include "runtime/AtomicFile.h"
#include "runtime/Error.h"

#include "llvm/ADT/ScopeExit.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Signals.h"

using namespace tmc::rt;

/// Closes `os` and turns a failed write or close into an error naming
/// `path` (clearing it, so that the stream does not abort the process).
llvm::Error tmc::rt::closeWritten(llvm::raw_fd_ostream &os, llvm::StringRef path) {
  os.flush();
  if (!os.has_error())
    os.close();
  if (!os.has_error())
    return llvm::Error::success();
  std::string message = os.error().message();
  os.clear_error();
  return makeError(path + ": cannot write: " + message);
}

llvm::Error tmc::rt::writeFileAtomically(llvm::StringRef path,
                                         llvm::function_ref<void(llvm::raw_ostream &)> write) {
  llvm::sys::fs::file_status status;
  bool special = path == "-" || (!llvm::sys::fs::status(path, status) &&
                                 llvm::sys::fs::exists(status) &&
                                 !llvm::sys::fs::is_regular_file(status) &&
                                 !llvm::sys::fs::is_directory(status));
  if (special) {
    std::error_code ec;
    llvm::raw_fd_ostream os(path, ec);
    if (ec)
      return makeError(path + ": cannot write: " + ec.message());
    write(os);
    return closeWritten(os, path);
  }
  if (llvm::sys::fs::is_directory(status))
    return makeError(path + ": cannot write: it is a directory");

  int fd = -1;
  llvm::SmallString<256> tempPath;
  if (std::error_code ec = llvm::sys::fs::createUniqueFile(path + ".tmp-%%%%%%", fd, tempPath))
    return makeError(path + ": cannot write: " + ec.message());
  llvm::sys::RemoveFileOnSignal(tempPath);
  llvm::scope_exit cleanup([&] {
    llvm::sys::fs::remove(tempPath);
    llvm::sys::DontRemoveFileOnSignal(tempPath);
  });
  {
    llvm::raw_fd_ostream os(fd, /*shouldClose=*/true);
    write(os);
    if (llvm::Error error = closeWritten(os, path))
      return error;
  }
  if (std::error_code ec = llvm::sys::fs::rename(tempPath, path))
    return makeError(path + ": cannot move " + tempPath + " into place: " + ec.message());
  cleanup.release();
  llvm::sys::DontRemoveFileOnSignal(tempPath);
  return llvm::Error::success();
}
