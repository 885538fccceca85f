//===- Passes.h - lowering tmc programs to native code ----------*- C++ -*-===//
#ifndef TMC_PASSES_LOWERING_PASSES_H
#define TMC_PASSES_LOWERING_PASSES_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassOptions.h"

namespace tmc {
#define GEN_PASS_DECL
#include "passes/lowering/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "passes/lowering/Passes.h.inc"

/// Options of the CPU pipeline (`tmc-opt --tmc-lower-to-cpu="gemm=loops"`).
struct CpuPipelineOptions : mlir::PassPipelineOptions<CpuPipelineOptions> {
  Option<std::string> gemm{*this, "gemm",
                           llvm::cl::desc("GEMM implementation: 'blas' (cblas_sgemm "
                                          "from OpenBLAS) or 'loops' (generated code)"),
                           llvm::cl::init("blas")};
  Option<std::string> attnImplementation{
      *this, "attn-implementation",
      llvm::cl::desc("Attention backend of every layer (eager, sdpa), or per layer kind "
                     "(sdpa,sliding_attention=eager); empty: the module's "
                     "tmc.attn_implementation, else eager"),
      llvm::cl::init("")};
};

/// tmc graph -> linalg -> bufferized loops -> LLVM dialect with entry points.
void buildCpuPipeline(mlir::OpPassManager &pm, const CpuPipelineOptions &options);

/// Registers `tmc-lower-to-cpu`.
void registerCpuPipeline();

} // namespace tmc

#endif // TMC_PASSES_LOWERING_PASSES_H
