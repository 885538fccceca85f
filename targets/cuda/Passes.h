//===- Passes.h - the CUDA target's passes and pipelines --------*- C++ -*-===//
#ifndef TMC_TARGETS_CUDA_PASSES_H
#define TMC_TARGETS_CUDA_PASSES_H

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassOptions.h"

namespace tmc::cuda {
#define GEN_PASS_DECL
#include "targets/cuda/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "targets/cuda/Passes.h.inc"

/// The architecture `tmc compile --target cuda` compiles for by default.
inline constexpr llvm::StringLiteral kDefaultArch = "sm_90a";

/// Options of `tmc-cuda-to-llvm` (`tmc-opt --tmc-cuda-to-llvm="chip=sm_80"`).
struct CudaToLLVMOptions : mlir::PassPipelineOptions<CudaToLLVMOptions> {
  Option<std::string> chip{*this, "chip",
                           llvm::cl::desc("GPU architecture the cubin is for (sm_80, sm_90a, ...)"),
                           llvm::cl::init(kDefaultArch.str())};
  Option<std::string> features{*this, "features",
                               llvm::cl::desc("NVPTX features, such as the PTX ISA version "
                                              "(+ptx86; default: the oldest the chip allows)"),
                               llvm::cl::init("")};
  Option<std::string> toolkit{*this, "toolkit",
                              llvm::cl::desc("CUDA toolkit whose ptxas assembles the PTX and "
                                             "whose libdevice the kernels link"),
                              llvm::cl::init(TMC_CUDA_ROOT)};
  Option<std::string> format{*this, "format",
                             llvm::cl::desc("What each gpu.module becomes: 'bin' (a cubin "
                                            "assembled by ptxas) or 'isa' (PTX text)"),
                             llvm::cl::init("bin")};
};

/// `scheduled` -> `target`: entry points, attention, every tmc op to linalg
/// on tensors, fused (`tmc-lower-to-cuda`).
void buildLowerToCudaPipeline(mlir::OpPassManager &pm);

/// `target` -> `llvm`: bufferization, cuBLASLt calls, kernels, device
/// buffers, NVVM and cubins, host code in the LLVM dialect
/// (`tmc-cuda-to-llvm`).
void buildCudaToLLVMPipeline(mlir::OpPassManager &pm, const CudaToLLVMOptions &options);

} // namespace tmc::cuda

#endif // TMC_TARGETS_CUDA_PASSES_H
