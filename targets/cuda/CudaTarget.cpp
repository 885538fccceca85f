//===- CudaTarget.cpp - the CUDA target -------------------------*- C++ -*-===//
//
// From the scheduled tmc graph to host code that launches kernels on an
// NVIDIA GPU, as two straight lists of passes: `tmc-lower-to-cuda` (to fused
// linalg on tensors: the `target` phase) and `tmc-cuda-to-llvm` (kernels,
// cubins and host code in the LLVM dialect: the `llvm` phase). GEMMs are
// cuBLASLt calls; everything else is generated from the linalg ops. Compiling
// needs the CUDA toolkit (ptxas, libdevice) but no GPU.
//
//===----------------------------------------------------------------------===//

#include "targets/cuda/CudaTarget.h"

#include "passes/abi/Passes.h"
#include "passes/conversion/Passes.h"
#include "runtime/Error.h"
#include "targets/cuda/Passes.h"
#include "targets/host/ObjectEmitter.h"
#include "targets/linalg/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

#include "llvm/Support/Path.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/TargetSelect.h"

using namespace mlir;
using namespace tmc;

void tmc::cuda::buildLowerToCudaPipeline(OpPassManager &pm) {
  // Weights become arguments and the ABI is written on the module.
  pm.addPass(createPrepareEntryPoints());
  // Each attention layer with its backend's CUDA lowering, then every other
  // tmc op, become linalg/tensor/arith/math on tensors.
  pm.addPass(createCudaLowerAttention());
  pm.addPass(createConvertTmcToLinalg());
  pm.addPass(createCanonicalizerPass());
  // Elementwise chains meet in one loop nest, so in one kernel.
  pm.addPass(createCudaFuseElementwise());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
}

void tmc::cuda::buildCudaToLLVMPipeline(OpPassManager &pm, const CudaToLLVMOptions &options) {
  // Tensors become buffers, as for the CPU, but from the heap: the runtime's
  // device allocator has no arena yet.
  lowering::buildBufferizePipeline(pm);
  // Matmuls go to cuBLASLt; row reductions become kernels of a warp per
  // row; copies and every other linalg op become parallel loop nests, and
  // each outermost nest a kernel.
  pm.addPass(createLinalgToCublas());
  pm.addNestedPass<func::FuncOp>(lowering::createCopiesToLinalg());
  pm.addPass(createWarpReductions());
  pm.addNestedPass<func::FuncOp>(createConvertLinalgToParallelLoopsPass());
  pm.addPass(createMapParallelLoops());
  // Buffers a kernel or call reaches live on the device; the host touches
  // none of them.
  pm.addPass(createDeviceBuffers());
  pm.addPass(createGpuKernelOutliningPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createSCFToControlFlowPass());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  // Math on bf16 (exp in silu, softmax) runs in f32: libdevice has no bf16
  // functions.
  pm.addPass(math::createMathExtendToSupportedTypes());
  // Kernels: NVVM for the chosen architecture, math through libdevice.
  GpuNVVMAttachTargetOptions attach;
  attach.chip = options.chip;
  attach.features = options.features;
  attach.optLevel = 3;
  pm.addPass(createGpuNVVMAttachTarget(attach));
  ConvertGpuOpsToNVVMOpsOptions toNVVM;
  pm.addNestedPass<gpu::GPUModuleOp>(createConvertGpuOpsToNVVMOps(toNVVM));
  pm.addNestedPass<gpu::GPUModuleOp>(createReconcileUnrealizedCastsPass());
  // Host code: launches and device allocations become calls of the mgpu*
  // functions the runtime provides; host buffers use its checked allocator.
  FinalizeMemRefToLLVMConversionPassOptions memrefToLLVM;
  memrefToLLVM.useGenericFunctions = true;
  pm.addPass(createFinalizeMemRefToLLVMConversionPass(memrefToLLVM));
  pm.addPass(createGpuToLLVMConversionPass());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertIndexToLLVMPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  // One `tmc_entry_<name>(void **)` per entry point for the runtime.
  pm.addPass(createEmitPackedEntryPoints());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  // Each kernel module becomes a cubin (ptxas) embedded in the host code.
  GpuModuleToBinaryPassOptions binary;
  binary.toolkitPath = options.toolkit;
  binary.compilationTarget = options.format;
  pm.addPass(createGpuModuleToBinaryPass(binary));
}

namespace {
/// An error unless LLVM's NVPTX backend knows `arch`, listing the ones it does.
llvm::Error checkArch(llvm::StringRef arch) {
  LLVMInitializeNVPTXTargetInfo();
  LLVMInitializeNVPTXTarget();
  LLVMInitializeNVPTXTargetMC();
  llvm::Triple triple("nvptx64-nvidia-cuda");
  std::string error;
  const llvm::Target *nvptx = llvm::TargetRegistry::lookupTarget(triple, error);
  if (!nvptx)
    return rt::makeError("this tmc's LLVM has no NVPTX backend: " + error);
  std::unique_ptr<llvm::MCSubtargetInfo> subtarget(
      nvptx->createMCSubtargetInfo(triple, "", ""));
  if (subtarget->isCPUStringValid(arch))
    return llvm::Error::success();
  std::string known;
  for (const llvm::SubtargetSubTypeKV &processor : subtarget->getAllProcessorDescriptions())
    if (llvm::StringRef(processor.Key).starts_with("sm_"))
      known += (known.empty() ? "" : ", ") + std::string(processor.Key);
  return rt::makeError("--cuda-arch=" + arch + " is not a GPU architecture LLVM's NVPTX "
                       "backend knows; it knows: " + known);
}

class CudaTarget : public Target {
public:
  llvm::StringRef name() const override { return "cuda"; }
  llvm::StringRef description() const override {
    return "NVIDIA GPUs: generated kernels (cubins for --cuda-arch, default sm_90a) and "
           "cuBLASLt GEMMs, driven by host code";
  }
  llvm::Error checkOptions(const TargetOptions &options) const override {
    if (options.gemm != "blas")
      return rt::makeError("--gemm=" + options.gemm +
                           " applies to the CPU target; CUDA GEMMs are cuBLASLt calls");
    if (!options.cudaArch.empty())
      if (llvm::Error error = checkArch(options.cudaArch))
        return error;
    if (options.tp != 1)
      return rt::makeError("--tp=" + llvm::Twine(options.tp) +
                           ": the CUDA target does not lower collectives to NCCL yet; compile "
                           "with --tp 1, or for --target cpu");
    if (options.trace)
      return rt::makeError("--trace: the CUDA target does not lower trace points yet; trace "
                           "with --target cpu");
    if (options.weightDtype != "float32")
      return rt::makeError("--weight-dtype=" + options.weightDtype +
                           ": the CUDA target reads weights in the graph's dtype only; for "
                           "bf16 weights compile with --dtype bfloat16");
    if (!options.kvCacheDtype.empty())
      return rt::makeError("--kv-cache-dtype=" + options.kvCacheDtype +
                           ": the CUDA target keeps KV caches in the graph's dtype only; for "
                           "bf16 caches compile with --dtype bfloat16");
    return llvm::Error::success();
  }
  void buildTargetPipeline(OpPassManager &pm, const TargetOptions &) const override {
    cuda::buildLowerToCudaPipeline(pm);
  }
  void buildLLVMPipeline(OpPassManager &pm, const TargetOptions &options) const override {
    cuda::CudaToLLVMOptions llvmOptions;
    if (!options.cudaArch.empty())
      llvmOptions.chip = options.cudaArch;
    cuda::buildCudaToLLVMPipeline(pm, llvmOptions);
  }
  llvm::Expected<std::string> writeCode(ModuleOp module, llvm::StringRef directory,
                                        llvm::StringRef dumpDir) const override {
    llvm::SmallString<256> library(directory), llvmIR(dumpDir);
    llvm::sys::path::append(library, "model.so");
    if (!dumpDir.empty())
      llvm::sys::path::append(llvmIR, "model.ll");
    // The host code needs only the runtime's symbols (runtime/cuda/CudaAbi.h),
    // which the executable loading it exports: no CUDA library at link time.
    if (llvm::Error error = host::emitSharedLibrary(module, library, llvmIR, {}))
      return std::move(error);
    return std::string("model.so");
  }
  void describe(ModuleOp module, rt::Manifest &manifest) const override {
    module.walk([&](gpu::BinaryOp binary) {
      for (Attribute object : binary.getObjects())
        if (auto nvvm = dyn_cast<NVVM::NVVMTargetAttr>(cast<gpu::ObjectAttr>(object).getTarget()))
          manifest.cudaArch = nvvm.getChip().str();
    });
  }
  void registerPasses() const override {
    cuda::registerCudaPasses();
    PassPipelineRegistration<>(
        "tmc-lower-to-cuda",
        "scheduled -> target: entry points, attention and every tmc op to fused linalg on tensors",
        cuda::buildLowerToCudaPipeline);
    PassPipelineRegistration<cuda::CudaToLLVMOptions>(
        "tmc-cuda-to-llvm",
        "target -> llvm: bufferization, cuBLASLt calls, kernels, device buffers, cubins, host code",
        cuda::buildCudaToLLVMPipeline);
  }
};
} // namespace

std::unique_ptr<Target> tmc::cuda::createCudaTarget() { return std::make_unique<CudaTarget>(); }
