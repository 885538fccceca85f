//===- Plugin.cpp - shared objects the runtime opens on demand --*- C++ -*-===//
#include "runtime/Plugin.h"
#include "runtime/Error.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/DynamicLibrary.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

using namespace tmc::rt;

std::string tmc::rt::pluginPath(llvm::StringRef fileName) {
  std::string executable = llvm::sys::fs::getMainExecutable(nullptr, nullptr);
  llvm::StringRef bin = llvm::sys::path::parent_path(executable);
  llvm::SmallString<256> path(llvm::sys::path::parent_path(bin));
  llvm::sys::path::append(path, "lib", fileName);
  return std::string(path);
}

llvm::Expected<void *> tmc::rt::openPluginEntry(llvm::StringRef fileName, llvm::StringRef entry,
                                                llvm::StringRef purpose,
                                                llvm::StringRef whenMissing,
                                                llvm::StringRef whenUnloadable) {
  std::string path = pluginPath(fileName);
  if (!llvm::sys::fs::exists(path))
    return makeError(purpose + " needs " + path + ", which this tmc was built without (" +
                     whenMissing + ")");
  std::string error;
  auto library = llvm::sys::DynamicLibrary::getPermanentLibrary(path.c_str(), &error);
  if (!library.isValid())
    return makeError(path + ": cannot load (" + error + "); " + whenUnloadable);
  void *symbol = library.getAddressOfSymbol(entry.str().c_str());
  if (!symbol)
    return makeError(path + ": has no " + entry + "; rebuild tmc");
  return symbol;
}
