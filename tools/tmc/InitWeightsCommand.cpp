//===- InitWeightsCommand.cpp - tmc init-weights ----------------*- C++ -*-===//
//
// `tmc init-weights graph.mlir --seed N -o model.safetensors`: a deterministic
// random checkpoint holding every weight a tmc module declares. Each tensor's
// values come from its own generator seeded by (seed, name), so adding a
// weight never changes the others. Values are N(0, std^2), except 1-D weights
// named like a norm (`...norm.weight`), which are 1 + N(0, std_norm^2): a
// norm scale near one, but not exactly one, so tests see it.
//
//===----------------------------------------------------------------------===//

#include "ir/Registration.h"
#include "ir/Tmc/DTypes.h"
#include "ir/Tmc/TmcOps.h"
#include "runtime/Error.h"
#include "runtime/Safetensors.h"
#include "tools/tmc/Commands.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Parser/Parser.h"

#include "llvm/ADT/Hashing.h"
#include "llvm/Support/SourceMgr.h"

#include <cmath>
#include <cstring>
#include <random>

namespace cl = llvm::cl;
using namespace mlir;
using tmc::rt::makeError;
using tmc::rt::DType;

namespace tmc::driver {
cl::SubCommand initWeightsCommand("init-weights", "write a deterministic random checkpoint");
} // namespace tmc::driver

namespace {
using tmc::driver::initWeightsCommand;

cl::opt<std::string> graphPath(cl::Positional, cl::sub(initWeightsCommand),
                               cl::desc("<graph.mlir> (its tmc.param declarations)"));
cl::opt<std::string> outputPath("o", cl::sub(initWeightsCommand),
                                cl::desc("Checkpoint to write"),
                                cl::value_desc("model.safetensors"));
cl::opt<uint64_t> seed("seed", cl::init(0), cl::sub(initWeightsCommand),
                       cl::desc("Random seed"));
cl::opt<double> stddev("std", cl::init(0.02), cl::sub(initWeightsCommand),
                       cl::desc("Standard deviation of the weights (HF initializer_range)"));
cl::opt<double> normStddev("std-norm", cl::init(0.1), cl::sub(initWeightsCommand),
                           cl::desc("Standard deviation of norm scales around 1"));

/// Box-Muller on a 64-bit Mersenne Twister: the same values on every platform
/// with the same libm, unlike std::normal_distribution.
class NormalSource {
public:
  explicit NormalSource(uint64_t seed) : engine(seed) {}
  double next() {
    constexpr double kTwoPi = 6.283185307179586;
    double u1 = (static_cast<double>(engine() >> 11) + 1.0) * 0x1.0p-53; // (0, 1]
    double u2 = static_cast<double>(engine() >> 11) * 0x1.0p-53;
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(kTwoPi * u2);
  }

private:
  std::mt19937_64 engine;
};

uint16_t toBF16(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, 4);
  bits += 0x7fff + ((bits >> 16) & 1); // round to nearest even
  return static_cast<uint16_t>(bits >> 16);
}

llvm::Expected<std::vector<uint8_t>> randomValues(tmc::ParamOp param) {
  RankedTensorType type = param.getTensorType();
  llvm::StringRef name = param.getSymName();
  bool isNormScale = type.getRank() == 1 && name.contains("norm") && name.ends_with(".weight");
  NormalSource source(llvm::hash_combine(seed.getValue(), name));
  int64_t count = type.getNumElements();
  Type element = type.getElementType();
  std::vector<uint8_t> bytes;
  for (int64_t i = 0; i < count; ++i) {
    double z = source.next();
    float value = isNormScale ? 1.0 + normStddev * z : stddev * z;
    if (element.isF32()) {
      bytes.resize(bytes.size() + 4);
      std::memcpy(bytes.data() + bytes.size() - 4, &value, 4);
    } else if (element.isBF16()) {
      uint16_t half = toBF16(value);
      bytes.resize(bytes.size() + 2);
      std::memcpy(bytes.data() + bytes.size() - 2, &half, 2);
    } else {
      std::string text;
      llvm::raw_string_ostream(text) << element;
      return makeError("weight '" + name + "' has element type " + text +
                       "; init-weights writes f32 and bf16 weights");
    }
  }
  return bytes;
}

llvm::Error initWeights() {
  MLIRContext context;
  DialectRegistry registry;
  tmc::registerDialects(registry);
  registry.insert<func::FuncDialect, arith::ArithDialect, tensor::TensorDialect>();
  context.appendDialectRegistry(registry);
  context.allowUnregisteredDialects(false);
  llvm::SourceMgr sourceMgr;
  SourceMgrDiagnosticHandler diagnostics(sourceMgr, &context);
  OwningOpRef<ModuleOp> module = parseSourceFile<ModuleOp>(graphPath, sourceMgr, &context);
  if (!module)
    return makeError(graphPath + ": not a valid tmc module (see the errors above)");

  std::vector<std::vector<uint8_t>> storage;
  std::vector<tmc::rt::TensorToWrite> tensors;
  for (auto param : module->getOps<tmc::ParamOp>()) {
    auto values = randomValues(param);
    if (!values)
      return values.takeError();
    storage.push_back(std::move(*values));
    RankedTensorType type = param.getTensorType();
    auto dtype = tmc::dtypeOf(type.getElementType());
    if (!dtype)
      return dtype.takeError();
    tensors.push_back({param.getSymName().str(), *dtype, std::vector<int64_t>(type.getShape()),
                       storage.back()});
  }
  if (tensors.empty())
    return makeError(graphPath + " declares no tmc.param weights");
  return tmc::rt::writeSafetensors(outputPath, tensors,
                                   {{"format", "pt"}, {"tmc_seed", std::to_string(seed)}});
}
} // namespace

int tmc::driver::runInitWeights() {
  if (graphPath.empty())
    return usageError("init-weights needs an input graph (tmc init-weights <graph.mlir> -o model.safetensors)");
  if (outputPath.empty())
    return usageError("init-weights needs -o model.safetensors");
  if (llvm::Error error = initWeights())
    return reportError("init-weights", std::move(error));
  return 0;
}
