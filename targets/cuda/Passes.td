//===- Passes.td - the CUDA target's own passes ------------*- tablegen -*-===//
//
// What the CUDA target adds to upstream's GPU lowering: its attention
// backends, fusion of elementwise ops, GEMMs as cuBLASLt calls, every
// remaining loop nest as a kernel and every buffer the kernels touch in
// device memory.
//
//===----------------------------------------------------------------------===//

#ifndef TMC_TARGETS_CUDA_PASSES_TD
#define TMC_TARGETS_CUDA_PASSES_TD

include "mlir/Pass/PassBase.td"

def CudaLowerAttention : Pass<"tmc-cuda-lower-attention", "mlir::ModuleOp"> {
  let summary = "Lowers each tmc.attention with its backend's CUDA lowering";
  let description = [{
    Replaces every `tmc.attention` by linalg/tensor/scf ops on tensors, with
    the lowering the CUDA target provides for the op's `backend`: `eager`
    and `sdpa` are the linalg lowerings the CPU also uses
    (targets/linalg/attention), whose loops become kernels and whose per-head
    contractions become cuBLASLt calls. A backend the registry knows but
    CUDA cannot lower is an error naming the layer.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect", "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect",
  ];
}

def CudaFuseElementwise : Pass<"tmc-cuda-fuse-elementwise", "mlir::ModuleOp"> {
  let summary = "Fuses elementwise linalg ops into their consumers, so they meet in one kernel";
  let description = [{
    Upstream's elementwise fusion on tensors (`linalg-fuse-elementwise-ops`),
    restricted to producers with one use and consumers that are not GEMMs:
    a chain such as RMSNorm's square, mean, rsqrt and scale becomes fewer
    loop nests, each a kernel, and splat constants (an epsilon) fold into the
    bodies instead of becoming buffers. Contractions marked
    `tmc.head_contraction` and named matmuls are left whole for
    `tmc-cuda-linalg-to-cublas`.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect", "::mlir::tensor::TensorDialect"];
}

def LinalgToCublas : Pass<"tmc-cuda-linalg-to-cublas", "mlir::ModuleOp"> {
  let summary = "Replaces matmuls on device buffers with calls of the runtime's cuBLASLt GEMM";
  let description = [{
    Each contraction `targets/linalg/GemmForms.h` recognizes, on f32, bf16
    or f16 buffers, becomes one call of `tmc_cuda_gemm` (runtime/cuda):
    C += A op(B) for a batch of matrices at constant strides, with f32
    accumulation (TF32 off for f32). A batched matmul is one call; a head
    contraction is one call per (batch, key/value head), batching the query
    heads of its GQA group with B's stride 0, so K and V are never repeated.
  }];
  let dependentDialects = [
    "::mlir::LLVM::LLVMDialect", "::mlir::func::FuncDialect",
    "::mlir::scf::SCFDialect", "::mlir::arith::ArithDialect",
    "::mlir::memref::MemRefDialect",
  ];
}

def WarpReductions : Pass<"tmc-cuda-warp-reductions", "mlir::ModuleOp"> {
  let summary = "Gives each row of a reduction on device buffers a warp of its own";
  let description = [{
    A `linalg.generic` on buffers with one output, whose only reduction
    dimension is its innermost loop and whose combiner (`arith.addf`,
    `arith.maximumf`, ...) has a neutral element and a 32-bit type, becomes
    a `gpu.launch` with one warp per row (its parallel iterations,
    linearized innermost fastest), `block-size / 32` rows per block: lane l
    combines the row's elements l, l + 32, ..., a butterfly of
    `gpu.shuffle xor` combines the lanes, and lane 0 folds the result into
    the output's initial value. Norms and softmaxes of one row (a decode
    step) then read their row with 32 threads instead of one. Other
    reductions are left to the loop lowering.
  }];
  let options = [
    Option<"blockSize", "block-size", "int64_t", /*default=*/"256",
           "Threads per block (a multiple of 32)">,
  ];
  let dependentDialects = [
    "::mlir::gpu::GPUDialect", "::mlir::arith::ArithDialect", "::mlir::scf::SCFDialect",
    "::mlir::affine::AffineDialect", "::mlir::memref::MemRefDialect",
  ];
}

def MapParallelLoops : Pass<"tmc-cuda-map-parallel-loops", "mlir::ModuleOp"> {
  let summary = "Turns every outermost scf.parallel into a gpu.launch, one thread per iteration";
  let description = [{
    The loop nests of the linalg ops (`convert-linalg-to-parallel-loops`)
    become kernels: the iteration space of each outermost `scf.parallel`,
    whatever its rank and however dynamic its bounds, is linearized with the
    innermost dimension fastest (so neighbouring threads touch neighbouring
    elements), split into blocks of `block-size` threads, and delinearized
    back inside the kernel behind a bounds check. Reduction dimensions
    (of the reductions `tmc-cuda-warp-reductions` left) stay sequential
    loops inside each thread.
  }];
  let options = [
    Option<"blockSize", "block-size", "int64_t", /*default=*/"256",
           "Threads per block">,
  ];
  let dependentDialects = [
    "::mlir::gpu::GPUDialect", "::mlir::arith::ArithDialect", "::mlir::scf::SCFDialect",
  ];
}

def DeviceBuffers : Pass<"tmc-cuda-device-buffers", "mlir::ModuleOp"> {
  let summary = "Puts every buffer a kernel or library touches in device memory";
  let description = [{
    A `memref.alloc` whose buffer (or a view of it) reaches a kernel, a
    call or a function result becomes `gpu.alloc`, and its `memref.dealloc`
    `gpu.dealloc`; the runtime serves both in stream order. Buffers only
    the host reads and writes (the shapes of `memref.reshape`, the
    deallocation helper's tables) stay host memory. Then the host must touch
    no device memory: a `memref.load` or `memref.store` outside a kernel on
    a device buffer, an entry argument or a global is an error naming the
    op, since it would fault at run time.
  }];
  let dependentDialects = ["::mlir::gpu::GPUDialect"];
}

#endif // TMC_TARGETS_CUDA_PASSES_TD
