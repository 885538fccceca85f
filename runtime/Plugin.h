//===- Plugin.h - shared objects the runtime opens on demand ----*- C++ -*-===//
//
// Optional parts of tmc that pull in big or system libraries (LibTorch, MPI,
// NCCL) live in plugins under the lib/ folder beside the executable's bin/,
// opened only when a run needs them, so that tmc-run itself links none.
//
//===----------------------------------------------------------------------===//

#ifndef TMC_RUNTIME_PLUGIN_H
#define TMC_RUNTIME_PLUGIN_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <string>

namespace tmc::rt {

/// bin/<executable> -> lib/<fileName>.
std::string pluginPath(llvm::StringRef fileName);

/// Opens `fileName` from lib/ and returns its symbol `entry`. `purpose` says
/// what needs it ("--backend=torch"); `whenMissing` how to get the plugin
/// built, `whenUnloadable` what to install when its libraries do not load.
llvm::Expected<void *> openPluginEntry(llvm::StringRef fileName, llvm::StringRef entry,
                                       llvm::StringRef purpose, llvm::StringRef whenMissing,
                                       llvm::StringRef whenUnloadable);

} // namespace tmc::rt

#endif // TMC_RUNTIME_PLUGIN_H
