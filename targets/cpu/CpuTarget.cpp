//===- CpuTarget.cpp - the CPU target ---------------------------*- C++ -*-===//
//
// From the scheduled tmc graph to a shared library for the host, as two
// straight lists of passes: `tmc-lower-to-cpu` (to linalg on tensors: the
// `target` phase) and `tmc-cpu-to-llvm` (to the LLVM dialect: the `llvm`
// phase). Each step says why it runs; `tmc-opt --mlir-print-ir-after-all`
// shows the IR after every one of them.
//
//===----------------------------------------------------------------------===//

#include "targets/cpu/CpuTarget.h"

#include "passes/abi/Passes.h"
#include "passes/conversion/Passes.h"
#include "runtime/Error.h"
#include "targets/cpu/Passes.h"
#include "targets/host/ObjectEmitter.h"
#include "targets/linalg/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Arith/Transforms/Passes.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Dialect/SCF/Transforms/Passes.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

#include "llvm/Support/Path.h"
#include "llvm/TargetParser/Host.h"

using namespace mlir;
using namespace tmc;

void tmc::cpu::buildLowerToCpuPipeline(OpPassManager &pm) {
  // Weights become arguments and the ABI is written on the module.
  pm.addPass(createPrepareEntryPoints());
  // Trace points (tmc compile --trace) become calls of the runtime's tracer.
  pm.addPass(createCpuLowerTracePoints());
  // Each attention layer with its backend's CPU lowering, then every other
  // tmc op, become linalg/tensor/arith/math on tensors.
  pm.addPass(createCpuLowerAttention());
  pm.addPass(createConvertTmcToLinalg());
  // Tensor-parallel collectives become calls of the collective runtime.
  pm.addPass(createCpuLowerCollectives());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
}

tmc::cpu::HostTuning tmc::cpu::hostTuning() {
  // Read once: each of tmc-cpu-to-llvm's options takes its default from here.
  static const HostTuning tuning = [] {
    HostTuning host;
    llvm::StringMap<bool> features = llvm::sys::getHostCPUFeatures();
    host.amxInt8 = features.lookup("amx-tile") && features.lookup("amx-int8");
    host.amxBf16 = features.lookup("amx-tile") && features.lookup("amx-bf16");
    // AMD Zen 5's own prefetchers stream a decode step's f32 and bf16 weight
    // rows faster than with the row kernel's prefetches beside them (SmolLM2
    // decode 6-11% faster without, docs/CPU_PERFORMANCE.md "Decode: prefetch
    // into L2"); on the Intel Xeon they made bf16 decode 1.2x faster.
    host.floatRowPrefetch = llvm::sys::getHostCPUName() != "znver5";
    return host;
  }();
  return tuning;
}

void tmc::cpu::buildCpuToLLVMPipeline(OpPassManager &pm, const CpuToLLVMOptions &options) {
  lowering::buildBufferizePipeline(pm);
  // Attention's row blocks (scf.forall on tensors) become parallel loops.
  pm.addPass(createForallToParallelLoopPass());
  // A decode step's attention products read each key and value row once for
  // the heads that share it (generated vector loops).
  pm.addPass(createCpuSharedKvProducts());
  // Products over weights in blocks or in bf16/f16 go to vector kernels
  // (whose prompt path multiplies decoded f32 panels), then every f32 matmul
  // to OpenBLAS, unless generated loops were asked for.
  if (options.gemm == "blas") {
    CpuBlockProductsOptions blockProducts;
    blockProducts.amxInt8 = options.amxInt8;
    blockProducts.amxBf16 = options.amxBf16;
    blockProducts.floatRowPrefetch = options.floatRowPrefetch;
    pm.addPass(createCpuBlockProducts(blockProducts));
    pm.addPass(createLinalgToBlas());
  }
  // Then intermediates, the kernels' scratch buffers among them (a decode
  // step's quantized or rounded inputs), take offsets of one arena planned
  // here, and the frees of those that fit their slot go.
  if (options.planBatch > 0) {
    lowering::PlanMemoryOptions plan;
    plan.batch = options.planBatch;
    pm.addPass(lowering::createPlanMemory(plan));
  }
  // Remaining linalg ops (and strided copies) become loops; views become
  // explicit address arithmetic.
  pm.addNestedPass<func::FuncOp>(lowering::createCopiesToLinalg());
  // Large ones are split across the cores first.
  pm.addNestedPass<func::FuncOp>(createCpuParallelLoops());
  // Row reductions accumulate in a register, which LLVM can vectorize.
  pm.addNestedPass<func::FuncOp>(createCpuReductionLoops());
  pm.addNestedPass<func::FuncOp>(createConvertLinalgToLoopsPass());
  pm.addPass(createLowerAffinePass());
  // Parallel loops (the block products' rows) run on OpenMP's threads, each
  // thread its share of the iterations with no runtime call; loops with
  // reductions through upstream's omp.wsloop.
  pm.addPass(createCpuParallelToOpenMP());
  pm.addPass(createConvertSCFToOpenMPPass());
  // Both wrap each iteration in a memref.alloca_scope; with no alloca
  // inside, it is inlined before its body becomes blocks.
  pm.addPass(createCpuInlineAllocaScopes());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createSCFToControlFlowPass());
  // Vector loads and stores keep their memref operands until the memref
  // conversion below; everything else of the vector dialect becomes LLVM's.
  ConvertVectorToLLVMPassOptions vectorToLLVM;
  // The tiles and the bf16 dot products of a prompt's products (BlockProducts.cpp).
  vectorToLLVM.amx = true;
  vectorToLLVM.x86Vector = true;
  pm.addPass(createConvertVectorToLLVMPass(vectorToLLVM));
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  // erf and tanh have no LLVM intrinsic and become libm calls; the rest maps
  // onto LLVM intrinsics.
  // Math on bf16 (exp in silu, softmax) runs in f32, as LLVM has no bf16 libm.
  pm.addNestedPass<func::FuncOp>(math::createMathExtendToSupportedTypes());
  // exp (softmax, SiLU) becomes arithmetic the loop vectorizer widens.
  pm.addNestedPass<func::FuncOp>(createCpuApproximateExp());
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createConvertMathToLibmPass());
  // bf16 <-> f32 conversions become integer arithmetic: no compiler-rt call
  // (__truncsfbf2) the artifact would have to link.
  // bf16 arithmetic (a bf16 linear's loops) runs in f32, rounding each result,
  // as x86 has no bf16 ALU and LLVM would call compiler-rt for every op.
  arith::ArithEmulateUnsupportedFloatsOptions emulate;
  emulate.sourceTypeStrs = {"bf16"};
  emulate.targetTypeStr = "f32";
  pm.addNestedPass<func::FuncOp>(arith::createArithEmulateUnsupportedFloats(emulate));
  // Ceil/floor divisions and bf16 conversions become plain arithmetic;
  // maximumf/minimumf stay, for LLVM's vectorized reductions.
  pm.addNestedPass<func::FuncOp>(createCpuExpandArith());
  // Every heap buffer comes from the runtime's checked allocator, named.
  pm.addPass(createNameAllocations());
  FinalizeMemRefToLLVMConversionPassOptions memrefToLLVM;
  memrefToLLVM.useGenericFunctions = true;
  pm.addPass(createFinalizeMemRefToLLVMConversionPass(memrefToLLVM));
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertIndexToLLVMPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createConvertOpenMPToLLVMPass());
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  // One `tmc_entry_<name>(void **)` per entry point for the runtime.
  pm.addPass(createEmitPackedEntryPoints());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
}


namespace {
class CpuTarget : public Target {
public:
  llvm::StringRef name() const override { return "cpu"; }
  llvm::StringRef description() const override {
    return "the host CPU: LLVM code for this machine's features, OpenBLAS for f32 GEMMs";
  }
  llvm::Error checkOptions(const TargetOptions &options) const override {
    if (options.gemm != "blas" && options.gemm != "loops")
      return rt::makeError("--gemm=" + options.gemm + " is not one of: blas, loops");
    if (!options.cudaArch.empty())
      return rt::makeError("--cuda-arch applies to --target cuda; the CPU target compiles for "
                           "this machine's CPU");
    // The int8 products are AVX-512 VNNI code for 16 lanes, the bf16 ones
    // AVX-512 BF16 dot products or AMX tiles (BlockProducts.cpp).
    llvm::SmallVector<llvm::StringRef> needed;
    if (options.activationDtype == "int8")
      needed = {"avx512bw", "avx512vnni"};
    if (options.activationDtype == "bfloat16")
      needed = {"avx512bf16"};
    llvm::StringMap<bool> features = llvm::sys::getHostCPUFeatures();
    for (llvm::StringRef feature : needed)
      if (!features.lookup(feature))
        return rt::makeError("--activation-dtype=" + options.activationDtype + ": this CPU lacks " +
                             feature +
                             ", which those products need; compile with "
                             "--activation-dtype float32");
    return llvm::Error::success();
  }
  void buildTargetPipeline(OpPassManager &pm, const TargetOptions &) const override {
    cpu::buildLowerToCpuPipeline(pm);
  }
  void buildLLVMPipeline(OpPassManager &pm, const TargetOptions &options) const override {
    // The code is for this machine (ObjectEmitter): the options' defaults
    // are its tuning (hostTuning).
    cpu::CpuToLLVMOptions llvmOptions;
    llvmOptions.gemm = options.gemm;
    llvmOptions.planBatch = options.planBatch;
    cpu::buildCpuToLLVMPipeline(pm, llvmOptions);
  }
  llvm::Expected<std::string> writeCode(ModuleOp module, llvm::StringRef directory,
                                        llvm::StringRef dumpDir) const override {
    llvm::SmallString<256> library(directory), llvmIR(dumpDir);
    llvm::sys::path::append(library, "model.so");
    if (!dumpDir.empty())
      llvm::sys::path::append(llvmIR, "model.ll");
    if (llvm::Error error = host::emitSharedLibrary(module, library, llvmIR, {"-lopenblas", "-l:libomp.so.5", "-lm"}))
      return std::move(error);
    return std::string("model.so");
  }
  void registerPasses() const override {
    cpu::registerCpuPasses();
    PassPipelineRegistration<>(
        "tmc-lower-to-cpu",
        "scheduled -> target: entry points, attention and every tmc op to linalg on tensors",
        cpu::buildLowerToCpuPipeline);
    PassPipelineRegistration<cpu::CpuToLLVMOptions>(
        "tmc-cpu-to-llvm",
        "target -> llvm: bufferization, BLAS calls, loops, the LLVM dialect, entry points",
        cpu::buildCpuToLLVMPipeline);
  }
};
} // namespace

std::unique_ptr<Target> tmc::cpu::createCpuTarget() { return std::make_unique<CpuTarget>(); }
