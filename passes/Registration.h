//===- Registration.h - register every tmc pass -----------------*- C++ -*-===//
#ifndef TMC_PASSES_REGISTRATION_H
#define TMC_PASSES_REGISTRATION_H

namespace tmc {
/// Registers every tmc pass and pipeline with the global pass registry, so
/// `tmc-opt --help` lists them and textual pipelines can name them.
void registerAllPasses();
} // namespace tmc

#endif // TMC_PASSES_REGISTRATION_H
