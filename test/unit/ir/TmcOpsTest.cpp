//===- TmcOpsTest.cpp - building and verifying tmc ops in C++ ---*- C++ -*-===//
//
// Passes build tmc ops through the C++ API; these tests check that the
// builders and verifiers agree with what the assembly tests show.
//
//===----------------------------------------------------------------------===//

#include "ir/Registration.h"
#include "ir/Tmc/TmcOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"

#include <gtest/gtest.h>

using namespace mlir;

namespace {

class TmcOpsTest : public ::testing::Test {
protected:
  TmcOpsTest() {
    DialectRegistry registry;
    tmc::registerDialects(registry);
    registry.insert<func::FuncDialect>();
    context.appendDialectRegistry(registry);
    context.loadAllAvailableDialects();
  }

  /// Builds `func @f(%x) { %w = get_param; linear }` with the given types and
  /// returns the verifier's messages (empty when the module verifies).
  std::string verifyLinear(RankedTensorType input, RankedTensorType weight,
                           RankedTensorType result) {
    OpBuilder builder(&context);
    Location loc = builder.getUnknownLoc();
    OwningOpRef<ModuleOp> module = ModuleOp::create(loc);
    builder.setInsertionPointToEnd(module->getBody());
    tmc::ParamOp::create(builder, loc, "model.mlp.down_proj.weight", weight);
    auto func = func::FuncOp::create(builder, loc, "f",
                                     builder.getFunctionType({input}, {result}));
    builder.setInsertionPointToEnd(func.addEntryBlock());
    Value w = tmc::GetParamOp::create(builder, loc, weight, "model.mlp.down_proj.weight");
    auto linear = tmc::LinearOp::create(builder, loc, result, func.getArgument(0), w,
                                        /*bias=*/Value(),
                                        builder.getStringAttr("model.mlp.down_proj"));
    func::ReturnOp::create(builder, loc, linear.getResult());

    std::string messages;
    ScopedDiagnosticHandler handler(&context, [&](Diagnostic &diag) {
      messages += diag.str();
      return success();
    });
    if (succeeded(verify(*module)))
      EXPECT_TRUE(messages.empty());
    return messages;
  }

  RankedTensorType tensor(ArrayRef<int64_t> shape) {
    return RankedTensorType::get(shape, Float32Type::get(&context));
  }

  MLIRContext context;
};

TEST_F(TmcOpsTest, LinearWithDynamicLeadingDimsVerifies) {
  int64_t dyn = ShapedType::kDynamic;
  EXPECT_EQ(verifyLinear(tensor({dyn, dyn, 176}), tensor({64, 176}), tensor({dyn, dyn, 64})),
            "");
}

TEST_F(TmcOpsTest, LinearFeatureMismatchIsReported) {
  int64_t dyn = ShapedType::kDynamic;
  EXPECT_EQ(verifyLinear(tensor({dyn, 128}), tensor({64, 176}), tensor({dyn, 64})),
            "'tmc.linear' op input has 128 features but weight expects 176");
}

TEST_F(TmcOpsTest, ParamTypeMustMatchItsReader) {
  OpBuilder builder(&context);
  Location loc = builder.getUnknownLoc();
  OwningOpRef<ModuleOp> module = ModuleOp::create(loc);
  builder.setInsertionPointToEnd(module->getBody());
  tmc::ParamOp::create(builder, loc, "model.norm.weight", tensor({64}));
  auto func = func::FuncOp::create(builder, loc, "f", builder.getFunctionType({}, {}));
  builder.setInsertionPointToEnd(func.addEntryBlock());
  tmc::GetParamOp::create(builder, loc, tensor({32}), "model.norm.weight");
  func::ReturnOp::create(builder, loc);

  std::string messages;
  ScopedDiagnosticHandler handler(&context, [&](Diagnostic &diag) {
    messages += diag.str();
    return success();
  });
  EXPECT_TRUE(failed(verify(*module)));
  EXPECT_EQ(messages, "'tmc.get_param' op type 'tensor<32xf32>' differs from the declared "
                      "'tensor<64xf32>' of 'model.norm.weight'");
}

} // namespace
