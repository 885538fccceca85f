//===- TorchPlugin.cpp - libtmc-torch.so: tmc run --backend torch -*- C++ -*-===//
//
// The reference path of `tmc run`: the same weights and inputs, the graph the
// artifact was compiled from, and ATen instead of compiled code. Built as a
// plugin (ReferenceBackend.h) so that nothing else loads LibTorch.
//
//===----------------------------------------------------------------------===//

#include "runtime/torch/ReferenceBackend.h"

#include "ir/Registration.h"
#include "runtime/torch/TorchExecutor.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/AsmState.h"
#include "mlir/Parser/Parser.h"

#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"

#include <ATen/ATen.h>

#include "runtime/Error.h"

#include <cstring>

using namespace tmc::rt;


static llvm::Expected<at::ScalarType> scalarType(DType dtype) {
  switch (dtype) {
  case DType::F32: return at::kFloat;
  case DType::BF16: return at::kBFloat16;
  case DType::F16: return at::kHalf;
  case DType::F64: return at::kDouble;
  case DType::I64: return at::kLong;
  case DType::I32: return at::kInt;
  case DType::I16: return at::kShort;
  case DType::I8: return at::kChar;
  case DType::U8: return at::kByte;
  case DType::Bool: return at::kBool;
  }
  return makeError("unknown dtype");
}

static llvm::Expected<at::Tensor> toTorch(DType dtype, llvm::ArrayRef<int64_t> shape,
                                          const void *data) {
  auto type = scalarType(dtype);
  if (!type)
    return type.takeError();
  // The executor only reads weights and inputs; from_blob needs a mutable pointer.
  return at::from_blob(const_cast<void *>(data), shape, at::TensorOptions().dtype(*type));
}

static llvm::Expected<std::vector<HostTensor>>
runGraphWithTorch(const Artifact &artifact, const Checkpoint &checkpoint, llvm::StringRef entry,
                  llvm::ArrayRef<HostTensor> inputs) {
  mlir::DialectRegistry registry;
  tmc::registerDialects(registry);
  registry.insert<mlir::func::FuncDialect, mlir::arith::ArithDialect,
                  mlir::tensor::TensorDialect>();
  mlir::MLIRContext context(registry);
  llvm::SmallString<256> graphPath(artifact.directory());
  llvm::sys::path::append(graphPath, artifact.manifest().graph);
  llvm::SourceMgr sourceMgr;
  mlir::SourceMgrDiagnosticHandler diagnostics(sourceMgr, &context);
  auto module = mlir::parseSourceFile<mlir::ModuleOp>(graphPath, sourceMgr, &context);
  if (!module)
    return makeError(graphPath + ": cannot read the artifact's graph (see above)");

  // The same boundary checks as the compiled code's (ATen's own would
  // differ: an id past the table is its index error, not ours).
  const EntryPoint *entryPoint = artifact.manifest().findEntryPoint(entry);
  if (!entryPoint)
    return makeError(artifact.directory() + ": no entry point '" + entry + "'");
  if (llvm::Error error = checkInputs(*entryPoint, inputs))
    return std::move(error);
  std::vector<at::Tensor> torchInputs;
  for (const HostTensor &input : inputs) {
    auto tensor = toTorch(input.dtype(), input.shape(), input.data());
    if (!tensor)
      return tensor.takeError();
    torchInputs.push_back(*tensor);
  }
  ParamProvider params = [&](llvm::StringRef name) -> llvm::Expected<at::Tensor> {
    const TensorInfo *info = checkpoint.lookup(name);
    if (!info)
      return makeError("checkpoint has no weight '" + name + "'");
    return toTorch(info->dtype, info->shape, info->data);
  };
  auto results = runWithTorch(*module, entry, torchInputs, params);
  if (!results)
    return results.takeError();

  std::vector<HostTensor> outputs;
  for (const at::Tensor &result : *results) {
    at::Tensor contiguous = result.contiguous();
    DType dtype;
    switch (contiguous.scalar_type()) {
    case at::kFloat: dtype = DType::F32; break;
    case at::kBFloat16: dtype = DType::BF16; break;
    // An f16 KV cache (--kv-cache-dtype).
    case at::kHalf:
      dtype = DType::F16;
      break;
    case at::kLong: dtype = DType::I64; break;
    default:
      return makeError("the reference executor returned an unsupported dtype");
    }
    HostTensor output(dtype, contiguous.sizes().vec());
    std::memcpy(output.data(), contiguous.data_ptr(), output.numBytes());
    outputs.push_back(std::move(output));
  }
  return outputs;
}

extern "C" __attribute__((visibility("default"))) ReferenceRunFn tmcReferenceBackend() {
  return runGraphWithTorch;
}
