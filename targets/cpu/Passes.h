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
#include "mlir/Dialect/OpenMP/OpenMPDialect.h"
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

/// What this machine's CPU code uses (from llvm::sys::getHostCPUName and its
/// features): tmc compile compiles for the host, and `tmc-cpu-to-llvm`'s
/// options default to the same, so that tmc-opt reproduces its phases.
struct HostTuning {
  /// AMX tiles for int8 and bf16 prompts.
  bool amxInt8 = false, amxBf16 = false;
  /// Software prefetches in the f32/bf16/f16 decode row kernel.
  bool floatRowPrefetch = true;
};
HostTuning hostTuning();

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
                       llvm::cl::desc("Int8 products of prompts on AMX tiles (default: whether "
                                      "the host has amx-int8)"),
                       llvm::cl::init(hostTuning().amxInt8)};
  Option<bool> floatRowPrefetch{
      *this, "float-row-prefetch",
      llvm::cl::desc("Prefetch f32, bf16 and f16 weight rows ahead in the decode row kernel "
                     "(default: not on CPUs whose prefetchers do better, hostTuning)"),
      llvm::cl::init(hostTuning().floatRowPrefetch)};
  Option<bool> amxBf16{*this, "amx-bf16",
                       llvm::cl::desc("Bf16 products of prompts on AMX tiles, not AVX-512 BF16 "
                                      "dot products (default: whether the host has amx-bf16)"),
                       llvm::cl::init(hostTuning().amxBf16)};
};

/// `scheduled` -> `target`: entry points, attention, every tmc op to linalg
/// on tensors (`tmc-lower-to-cpu`).
void buildLowerToCpuPipeline(mlir::OpPassManager &pm);

/// `target` -> `llvm`: bufferization, BLAS calls, loops, the LLVM dialect and
/// the packed entry points (`tmc-cpu-to-llvm`).
void buildCpuToLLVMPipeline(mlir::OpPassManager &pm, const CpuToLLVMOptions &options);

} // namespace tmc::cpu

#endif // TMC_TARGETS_CPU_PASSES_H
