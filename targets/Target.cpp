//===- Target.cpp - the target registry -------------------------*- C++ -*-===//
#include "targets/Target.h"

#include "runtime/Error.h"
#include "targets/linalg/Passes.h"

#include <vector>

using namespace tmc;

static std::vector<std::unique_ptr<Target>> &registry() {
  static std::vector<std::unique_ptr<Target>> targets;
  return targets;
}

void tmc::registerTarget(std::unique_ptr<Target> target) {
  registry().push_back(std::move(target));
}

llvm::ArrayRef<std::unique_ptr<Target>> tmc::registeredTargets() {
  static bool registered = (registerAllTargets(), true);
  (void)registered;
  return registry();
}

llvm::Expected<const Target *> tmc::lookupTarget(llvm::StringRef name) {
  for (const std::unique_ptr<Target> &target : registeredTargets())
    if (target->name() == name)
      return target.get();
  return rt::makeError("--target=" + name + " is not a target of this tmc; available: " +
                       targetNames());
}

std::string tmc::targetNames() {
  std::string names;
  for (const std::unique_ptr<Target> &target : registeredTargets())
    names += (names.empty() ? "" : ", ") + target->name().str();
  return names;
}

void tmc::registerTargetPasses() {
  lowering::registerLinalgPasses();
  for (const std::unique_ptr<Target> &target : registeredTargets())
    target->registerPasses();
}
