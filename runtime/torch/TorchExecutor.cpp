//===- TorchExecutor.cpp - run a tmc graph op by op with ATen ------------===//
//
// The interpreter of the LibTorch reference executor: checks the inputs
// against the entry function's signature, walks its single block, fetches
// weights through the ParamProvider (checked against their tmc.param
// declarations), evaluates index arithmetic, calls other functions of the
// module, and hands tmc ops to their family's ATen implementation
// (NnOps.cpp, TensorOps.cpp). Every result is checked against its IR type, so
// a graph whose dynamic sizes disagree with its types fails at the op that
// first disagrees.
//
//===----------------------------------------------------------------------===//

#include "runtime/torch/TorchExecutor.h"
#include "runtime/torch/TorchOps.h"

#include "ir/Tmc/TmcOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Verifier.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/MathExtras.h"
#include "llvm/Support/raw_ostream.h"

#include <ATen/core/grad_mode.h>

using namespace mlir;

namespace tmc::rt {
namespace detail {

void fail(const llvm::Twine &message) { throw OpError(message.str()); }

std::optional<at::ScalarType> toScalarType(Type type) {
  if (type.isF32())
    return at::kFloat;
  if (type.isBF16())
    return at::kBFloat16;
  if (type.isF16())
    return at::kHalf;
  if (type.isF64())
    return at::kDouble;
  if (isa<Float8E4M3FNType>(type))
    return at::kFloat8_e4m3fn;
  if (isa<Float8E5M2Type>(type))
    return at::kFloat8_e5m2;
  if (type.isIndex())
    return at::kLong;
  if (auto integer = dyn_cast<IntegerType>(type)) {
    bool isUnsigned = integer.isUnsigned();
    switch (integer.getWidth()) {
    case 1:
      return at::kBool;
    case 8:
      return isUnsigned ? at::kByte : at::kChar;
    case 16:
      return isUnsigned ? std::nullopt : std::optional(at::kShort);
    case 32:
      return isUnsigned ? std::nullopt : std::optional(at::kInt);
    case 64:
      return isUnsigned ? std::nullopt : std::optional(at::kLong);
    default:
      return std::nullopt;
    }
  }
  return std::nullopt;
}

static std::string typeToString(Type type) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << type;
  return text;
}

at::ScalarType scalarTypeOf(Type type) {
  Type element = getElementTypeOrSelf(type);
  if (std::optional<at::ScalarType> scalarType = toScalarType(element))
    return *scalarType;
  fail("element type " + typeToString(element) + " has no ATen dtype");
}

int64_t toIndex(const at::Tensor &value) {
  if (!value.defined() || value.dim() != 0 ||
      !at::isIntegralType(value.scalar_type(), /*includeBool=*/false))
    fail("an index value must be a 0-d integer tensor");
  return value.item<int64_t>();
}

} // namespace detail

using namespace detail;

namespace {

/// `[2, 3] Float` for messages.
std::string describe(const at::Tensor &tensor) {
  if (!tensor.defined())
    return "an undefined tensor";
  std::string text;
  llvm::raw_string_ostream os(text);
  os << "[";
  llvm::interleaveComma(tensor.sizes(), os);
  os << "] " << c10::toString(tensor.scalar_type());
  return text;
}

/// Why `tensor` cannot be a value of `type`, or the empty string when it can.
std::string mismatch(const at::Tensor &tensor, Type type) {
  if (!tensor.defined())
    return "got an undefined tensor";
  std::optional<at::ScalarType> expected = toScalarType(getElementTypeOrSelf(type));
  if (type.isIntOrIndex()) {
    if (tensor.dim() != 0 || !at::isIntegralType(tensor.scalar_type(), false))
      return "an index or integer scalar must be a 0-d integer tensor, got " +
             describe(tensor);
    return "";
  }
  if (!expected)
    return "its element type has no ATen dtype";
  if (tensor.scalar_type() != *expected)
    return "got dtype " + std::string(c10::toString(tensor.scalar_type())) + " (" +
           describe(tensor) + ")";
  if (auto ranked = dyn_cast<RankedTensorType>(type)) {
    if (tensor.dim() != ranked.getRank())
      return "got rank " + std::to_string(tensor.dim()) + " (" + describe(tensor) + ")";
    for (auto [i, dim] : llvm::enumerate(ranked.getShape()))
      if (!ShapedType::isDynamic(dim) && tensor.size(i) != dim)
        return "dimension " + std::to_string(i) + " is " + std::to_string(tensor.size(i)) +
               " (" + describe(tensor) + ")";
  } else if (!isa<ShapedType>(type) && tensor.dim() != 0) {
    return "a scalar must be a 0-d tensor, got " + describe(tensor);
  }
  return "";
}

/// `file:line:col` of a location, or its printed form.
std::string locationString(Location loc) {
  std::string text;
  llvm::raw_string_ostream os(text);
  if (auto file = dyn_cast<FileLineColLoc>(loc))
    os << file.getFilename().getValue() << ":" << file.getLine() << ":" << file.getColumn();
  else if (auto name = dyn_cast<NameLoc>(loc))
    os << locationString(name.getChildLoc());
  else
    os << loc;
  return text;
}

/// `'tmc.linear' (model.layers.0.mlp.down_proj) at file:3:5: <message>`.
llvm::Error opError(Operation *op, const llvm::Twine &message) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << "'" << op->getName() << "'";
  if (auto path = op->getAttrOfType<StringAttr>("path"))
    os << " (" << path.getValue() << ")";
  os << " at " << locationString(op->getLoc()) << ": " << message;
  return llvm::createStringError(llvm::inconvertibleErrorCode(), text);
}

at::Tensor indexTensor(int64_t value) { return at::scalar_tensor(value, at::kLong); }

/// Wraps an integer result to the width of `type` (index and i64: unchanged).
int64_t wrapToType(uint64_t value, Type type) {
  if (auto integer = dyn_cast<IntegerType>(type); integer && integer.getWidth() < 64)
    return llvm::SignExtend64(value, integer.getWidth());
  return static_cast<int64_t>(value);
}

/// arith.constant: an integer, index or float scalar, or a dense tensor.
at::Tensor constant(arith::ConstantOp op, at::Device device) {
  Attribute value = op.getValue();
  if (auto integer = dyn_cast<IntegerAttr>(value)) {
    if (integer.getType().isIndex() || isa<IntegerType>(integer.getType()))
      return indexTensor(integer.getType().isInteger(1) ? integer.getValue().getZExtValue()
                                                        : integer.getValue().getSExtValue());
  }
  if (auto number = dyn_cast<FloatAttr>(value))
    return at::scalar_tensor(number.getValueAsDouble(),
                             at::TensorOptions().dtype(scalarTypeOf(number.getType())))
        .to(device);
  auto dense = dyn_cast<DenseIntOrFPElementsAttr>(value);
  if (!dense)
    fail("the executor cannot read a constant of this attribute kind");
  at::ScalarType dtype = scalarTypeOf(dense.getType());
  std::vector<int64_t> shape(dense.getType().getShape());
  at::Tensor flat;
  if (isa<FloatType>(dense.getElementType())) {
    std::vector<double> values;
    values.reserve(dense.getNumElements());
    for (APFloat element : dense.getValues<APFloat>()) {
      bool lost;
      element.convert(APFloat::IEEEdouble(), APFloat::rmNearestTiesToEven, &lost);
      values.push_back(element.convertToDouble());
    }
    flat = at::tensor(values, at::kDouble);
  } else {
    bool isBool = dense.getElementType().isInteger(1);
    std::vector<int64_t> values;
    values.reserve(dense.getNumElements());
    for (const APInt &element : dense.getValues<APInt>())
      values.push_back(isBool ? element.getZExtValue() : element.getSExtValue());
    flat = at::tensor(values, at::kLong);
  }
  return flat.to(dtype).reshape(shape).to(device);
}

/// Index arithmetic of `arith` on scalars.
std::optional<at::Tensor> indexArithmetic(Operation *op, ArrayRef<at::Tensor> operands) {
  auto binary = [&](auto fn) -> at::Tensor {
    int64_t a = toIndex(operands[0]), b = toIndex(operands[1]);
    return indexTensor(wrapToType(fn(a, b), op->getResult(0).getType()));
  };
  auto divisor = [](int64_t b) {
    if (b == 0)
      fail("division by zero");
    return b;
  };
  return llvm::TypeSwitch<Operation *, std::optional<at::Tensor>>(op)
      .Case([&](arith::AddIOp) {
        return binary([](int64_t a, int64_t b) { return uint64_t(a) + uint64_t(b); });
      })
      .Case([&](arith::SubIOp) {
        return binary([](int64_t a, int64_t b) { return uint64_t(a) - uint64_t(b); });
      })
      .Case([&](arith::MulIOp) {
        return binary([](int64_t a, int64_t b) { return uint64_t(a) * uint64_t(b); });
      })
      .Case([&](arith::DivSIOp) {
        return binary([&](int64_t a, int64_t b) { return uint64_t(a / divisor(b)); });
      })
      .Case([&](arith::DivUIOp) {
        return binary([&](int64_t a, int64_t b) { return uint64_t(a) / uint64_t(divisor(b)); });
      })
      .Case([&](arith::RemSIOp) {
        return binary([&](int64_t a, int64_t b) { return uint64_t(a % divisor(b)); });
      })
      .Case([&](arith::CeilDivSIOp) {
        return binary([&](int64_t a, int64_t b) {
          return uint64_t(llvm::divideCeilSigned(a, divisor(b)));
        });
      })
      .Case([&](arith::FloorDivSIOp) {
        return binary([&](int64_t a, int64_t b) {
          return uint64_t(llvm::divideFloorSigned(a, divisor(b)));
        });
      })
      .Case([&](arith::MaxSIOp) {
        return binary([](int64_t a, int64_t b) { return uint64_t(std::max(a, b)); });
      })
      .Case([&](arith::MinSIOp) {
        return binary([](int64_t a, int64_t b) { return uint64_t(std::min(a, b)); });
      })
      .Case([&](arith::IndexCastOp) {
        return indexTensor(wrapToType(toIndex(operands[0]), op->getResult(0).getType()));
      })
      .Default([](Operation *) { return std::nullopt; });
}

class Executor {
public:
  Executor(ModuleOp module, const ParamProvider &params, at::Device device)
      : module(module), params(params), env{device} {}

  /// Runs `function` on `args` (checked against its signature).
  llvm::Expected<std::vector<at::Tensor>> call(func::FuncOp function,
                                               ArrayRef<at::Tensor> args, unsigned depth);

private:
  /// Runs one op whose operands are in `values` and stores its results there.
  llvm::Error runOp(Operation *op, llvm::DenseMap<Value, at::Tensor> &values,
                    unsigned depth);
  llvm::Expected<at::Tensor> getParam(GetParamOp op);

  static constexpr unsigned kMaxCallDepth = 64;

  ModuleOp module;
  const ParamProvider &params;
  OpEnv env;
  /// Set when calls nested too deeply; that error is passed up unwrapped.
  bool tooDeep = false;
  /// Weights already fetched in this run, by name.
  llvm::StringMap<at::Tensor> weights;
};

llvm::Expected<at::Tensor> Executor::getParam(GetParamOp op) {
  StringRef name = op.getName();
  auto cached = weights.find(name);
  if (cached != weights.end())
    return cached->second;
  auto param = SymbolTable::lookupNearestSymbolFrom<ParamOp>(op, op.getNameAttr());
  if (!param)
    return opError(op, "'" + name + "' does not name a tmc.param");
  if (!params)
    return opError(op, "no weights were given, but the graph reads '" + name + "'");
  llvm::Expected<at::Tensor> weight = params(name);
  if (!weight)
    return opError(op, "cannot load weight '" + name +
                           "': " + llvm::toString(weight.takeError()));
  std::string why = mismatch(*weight, param.getTensorType());
  if (!why.empty())
    return opError(op, "weight '" + name + "' is declared " +
                           typeToString(param.getTensorType()) + " but " + why);
  weights[name] = *weight;
  return *weight;
}

llvm::Expected<std::vector<at::Tensor>>
Executor::call(func::FuncOp function, ArrayRef<at::Tensor> args, unsigned depth) {
  std::string name = ("@" + function.getSymName()).str();
  if (function.isExternal())
    return llvm::createStringError("function " + name + " has no body to run");
  if (!function.getBody().hasOneBlock())
    return llvm::createStringError("function " + name +
                                   " has several blocks; the executor runs straight-line "
                                   "functions only");
  FunctionType type = function.getFunctionType();
  if (args.size() != type.getNumInputs())
    return llvm::createStringError("function " + name + " takes " +
                                   std::to_string(type.getNumInputs()) + " argument(s), got " +
                                   std::to_string(args.size()) + " inputs");
  Block &body = function.getBody().front();
  llvm::DenseMap<Value, at::Tensor> values;
  for (auto [i, arg] : llvm::enumerate(args)) {
    std::string why = mismatch(arg, type.getInput(i));
    if (!why.empty())
      return llvm::createStringError("input " + std::to_string(i) + " of " + name +
                                     " must be " + typeToString(type.getInput(i)) + ": " +
                                     why);
    values[body.getArgument(i)] = type.getInput(i).isIntOrIndex() ? arg.to(at::kLong) : arg;
  }

  // Each value is dropped after its last use, so memory follows the live set.
  llvm::DenseMap<Operation *, llvm::SmallVector<Value>> lastUses;
  {
    llvm::DenseMap<Value, Operation *> lastUser;
    for (Operation &op : body)
      for (Value operand : op.getOperands())
        lastUser[operand] = &op;
    for (auto [value, user] : lastUser)
      lastUses[user].push_back(value);
  }

  for (Operation &op : body) {
    if (auto ret = dyn_cast<func::ReturnOp>(op)) {
      std::vector<at::Tensor> results;
      for (auto [i, operand] : llvm::enumerate(ret.getOperands())) {
        results.push_back(values.lookup(operand));
        std::string why = mismatch(results.back(), type.getResult(i));
        if (!why.empty())
          return opError(&op, "result " + llvm::Twine(i) + " of " + name + " must be " +
                                  typeToString(type.getResult(i)) + ": " + why);
      }
      return results;
    }
    if (llvm::Error error = runOp(&op, values, depth))
      return std::move(error);
    for (Value result : op.getResults())
      if (result.use_empty())
        values.erase(result);
    for (Value dead : lastUses.lookup(&op))
      values.erase(dead);
  }
  return llvm::createStringError("function " + name + " does not end with func.return");
}

llvm::Error Executor::runOp(Operation *op, llvm::DenseMap<Value, at::Tensor> &values,
                            unsigned depth) {
  llvm::SmallVector<at::Tensor> operands;
  for (Value operand : op->getOperands())
    operands.push_back(values.lookup(operand));
  Results results;

  if (auto get = dyn_cast<GetParamOp>(op)) {
    llvm::Expected<at::Tensor> weight = getParam(get);
    if (!weight)
      return weight.takeError();
    results.push_back(*weight);
  } else if (auto callOp = dyn_cast<func::CallOp>(op)) {
    auto callee = SymbolTable::lookupNearestSymbolFrom<func::FuncOp>(op, callOp.getCalleeAttr());
    if (!callee)
      return opError(op, "no func.func @" + callOp.getCallee() + " in the module");
    if (depth + 1 >= kMaxCallDepth) {
      tooDeep = true;
      return opError(op, "calls nest deeper than " + llvm::Twine(kMaxCallDepth) +
                             " (a recursive function?)");
    }
    llvm::Expected<std::vector<at::Tensor>> returned = call(callee, operands, depth + 1);
    if (!returned && tooDeep)
      return returned.takeError(); // One message, not one per level.
    if (!returned)
      return opError(op, "in call to @" + callOp.getCallee() + ": " +
                             llvm::toString(returned.takeError()));
    results.append(returned->begin(), returned->end());
  } else {
    try {
      bool handled = false;
      if (op->getDialect() && isa<TmcDialect>(op->getDialect())) {
        handled = runNnOp(op, operands, env, results) ||
                  runTensorOp(op, operands, env, results);
      } else if (auto constantOp = dyn_cast<arith::ConstantOp>(op)) {
        results.push_back(constant(constantOp, env.device));
        handled = true;
      } else if (auto dim = dyn_cast<tensor::DimOp>(op)) {
        int64_t index = toIndex(operands[1]), rank = operands[0].dim();
        if (index < 0 || index >= rank)
          fail("dimension " + llvm::Twine(index) + " is out of range for rank " +
               llvm::Twine(rank));
        results.push_back(indexTensor(operands[0].size(index)));
        handled = true;
      } else if (std::optional<at::Tensor> scalar = indexArithmetic(op, operands)) {
        results.push_back(std::move(*scalar));
        handled = true;
      }
      if (!handled)
        return opError(op, "unsupported op; the LibTorch executor runs tmc ops, arith "
                           "constants and index arithmetic, tensor.dim, func.call and "
                           "func.return");
    } catch (const OpError &error) {
      return opError(op, error.what());
    } catch (const c10::Error &error) {
      return opError(op, llvm::Twine("ATen: ") + error.what_without_backtrace());
    } catch (const std::exception &error) {
      return opError(op, error.what());
    }
  }

  if (results.size() != op->getNumResults())
    return opError(op, "produced " + llvm::Twine(results.size()) + " results for " +
                           llvm::Twine(op->getNumResults()));
  for (auto [i, result] : llvm::enumerate(op->getResults())) {
    std::string why = mismatch(results[i], result.getType());
    if (!why.empty())
      return opError(op, "result " + llvm::Twine(i) + " must be " +
                             typeToString(result.getType()) + ": " + why);
    values[result] = std::move(results[i]);
  }
  return llvm::Error::success();
}

} // namespace

llvm::Expected<std::vector<at::Tensor>> runWithTorch(ModuleOp module, StringRef entry,
                                                     ArrayRef<at::Tensor> inputs,
                                                     const ParamProvider &params) {
  {
    std::string diagnostics;
    ScopedDiagnosticHandler handler(module.getContext(), [&](Diagnostic &diag) {
      if (diag.getSeverity() == DiagnosticSeverity::Error)
        diagnostics += (diagnostics.empty() ? "" : "\n") +
                       locationString(diag.getLocation()) + ": " + diag.str();
      return success();
    });
    if (failed(verify(module)))
      return llvm::createStringError("the module does not verify:\n" + diagnostics);
  }
  auto function = module.lookupSymbol<func::FuncOp>(entry);
  if (!function) {
    std::string names;
    for (auto fn : module.getOps<func::FuncOp>())
      names += (names.empty() ? "@" : ", @") + fn.getSymName().str();
    return llvm::createStringError("no func.func @" + entry.str() + " in the module" +
                                   (names.empty() ? "" : " (it has " + names + ")"));
  }

  at::Device device(at::kCPU);
  for (const at::Tensor &input : inputs)
    if (input.defined() && input.dim() >= 1) {
      device = input.device();
      break;
    }
  at::NoGradGuard noGrad;
  Executor executor(module, params, device);
  return executor.call(function, inputs, 0);
}

} // namespace tmc::rt
