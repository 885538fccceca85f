//===- Error.h - the one way tmc makes an error -----------------*- C++ -*-===//
//
// Every failure a user can cause is an llvm::Error carrying a message that
// says where and what to do; this is its one constructor, used by the runtime
// and the compiler alike.
//
//===----------------------------------------------------------------------===//

#ifndef TMC_RUNTIME_ERROR_H
#define TMC_RUNTIME_ERROR_H

#include "llvm/ADT/Twine.h"
#include "llvm/Support/Error.h"

namespace tmc::rt {

inline llvm::Error makeError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

} // namespace tmc::rt

#endif // TMC_RUNTIME_ERROR_H
