//===- Passes.h - the CPU target's passes and pipelines ---------*- C++ -*-===//
#ifndef TMC_TARGETS_CPU_PASSES_H
#define TMC_TARGETS_CPU_PASSES_H

#include "mlir/Dialect/AMX/AMXDialect.h"
#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/X86Vector/X86VectorDialect.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassOptions.h"

namespace tmc::cpu {
#define GEN_PASS_DECL
#include "targets/cpu/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "targets/cpu/Passes.h.inc"

/// Options of `tmc-cpu-to-llvm` (`tmc-opt --tmc-cpu-to-llvm="gemm=loops"`).
struct CpuToLLVMOptions : mlir::PassPipelineOptions<CpuToLLVMOptions> {
  Option<std::string> gemm{*this, "gemm",
                           llvm::cl::desc("GEMM implementation: 'blas' (cblas_sgemm "
                                          "from OpenBLAS) or 'loops' (generated code)"),
                           llvm::cl::init("blas")};
  Option<int64_t> planBatch{*this, "plan-batch",
                            llvm::cl::desc("Rows the memory plan covers (tmc-plan-memory); 0: "
                                           "every intermediate from the heap"),
                            llvm::cl::init(1)};
  Option<bool> amxInt8{*this, "amx-int8",
                       llvm::cl::desc("Int8 products of prompts on AMX tiles (tmc compile sets "
                                      "it where the host has amx-int8)"),
                       llvm::cl::init(false)};
  Option<bool> floatRowPrefetch{
      *this, "float-row-prefetch",
      llvm::cl::desc("Prefetch f32, bf16 and f16 weight rows ahead in the decode row kernel "
                     "(tmc compile clears it on CPUs whose prefetchers do better: "
                     "targets/cpu/CpuTarget.cpp)"),
      llvm::cl::init(true)};
  Option<bool> amxBf16{*this, "amx-bf16",
                       llvm::cl::desc("Bf16 products of prompts on AMX tiles, not AVX-512 BF16 "
                                      "dot products (tmc compile sets it where the host has "
                                      "amx-bf16)"),
                       llvm::cl::init(false)};
};

/// `scheduled` -> `target`: entry points, attention, every tmc op to linalg
/// on tensors (`tmc-lower-to-cpu`).
void buildLowerToCpuPipeline(mlir::OpPassManager &pm);

/// `target` -> `llvm`: bufferization, BLAS calls, loops, the LLVM dialect and
/// the packed entry points (`tmc-cpu-to-llvm`).
void buildCpuToLLVMPipeline(mlir::OpPassManager &pm, const CpuToLLVMOptions &options);

} // namespace tmc::cpu

#endif // TMC_TARGETS_CPU_PASSES_H
