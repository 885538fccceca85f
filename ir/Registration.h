//===- Registration.h - register the tmc dialects ---------------*- C++ -*-===//
#ifndef TMC_IR_REGISTRATION_H
#define TMC_IR_REGISTRATION_H

namespace mlir {
class DialectRegistry;
} // namespace mlir

namespace tmc {
/// Adds the mdl and tmc dialects to `registry`.
void registerDialects(mlir::DialectRegistry &registry);
} // namespace tmc

#endif // TMC_IR_REGISTRATION_H
