//===- Passes.td - the CPU target's own passes -------------*- tablegen -*-===//
//
// What the CPU target adds to upstream's lowering: its attention backends,
// GEMM library calls, collectives and trace points as runtime calls.
//
//===----------------------------------------------------------------------===//

#ifndef TMC_TARGETS_CPU_PASSES_TD
#define TMC_TARGETS_CPU_PASSES_TD

include "mlir/Pass/PassBase.td"

def CpuLowerAttention : Pass<"tmc-cpu-lower-attention", "mlir::ModuleOp"> {
  let summary = "Lowers each tmc.attention with its backend's CPU lowering";
  let description = [{
    Replaces every `tmc.attention` by linalg/tensor/scf ops on tensors, with
    the lowering the CPU target provides for the op's `backend` (eager when
    unset): `eager` (targets/linalg/attention/EagerRowBlocks.cpp: a block of
    query rows of one head at a time) or `sdpa` (attention/SdpaAttention.cpp). The per-head contractions are marked
    `tmc.head_contraction`. A backend the registry knows but the CPU cannot
    lower is an error naming the layer.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::bufferization::BufferizationDialect",
    "::mlir::linalg::LinalgDialect", "::mlir::math::MathDialect",
    "::mlir::memref::MemRefDialect", "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect",
  ];
}

def CpuBlockProducts : Pass<"tmc-cpu-block-products", "mlir::ModuleOp"> {
  let summary = "Vector code for the products of linears over weights stored in blocks";
  let description = [{
    Replaces each `linalg.generic` on memrefs marked `tmc.block_product`
    (a linear over a q8_0, q4_0 or q4_1 weight: `C[m, n] += sum_k x[m, k] *
    w[n, k]`, decoding `w` from its blocks) by loops over rows of `C` whose
    body works one block of 32 values at a time in the vector dialect: the
    block's bytes are loaded as one vector, split into values (nibbles for
    the 4-bit formats), converted to f32 and multiplied with the matching 32
    inputs; the block's scale multiplies the block's partial sums (and Q4_1's
    minimum the sum of its inputs), so each value costs one multiply-add.
    LLVM selects the host's vector instructions (AVX-512, AVX2, NEON) for the
    vector ops. `tmc compile --gemm loops` keeps the scalar generic instead,
    as the reference the kernels are tested against.

    A product also marked `tmc.activations = "int8"` is over interleaved
    blocks (`q4_1x16`, 16 weight rows at a time): its inputs are quantized to
    int8 per block of 32 into buffers of their own, and AVX-512 VNNI dot
    products (`llvm.x86.avx512.vpdpbusd.512`) multiply them with 16 weight
    rows at once, one row per lane.

    The same pass takes `linalg.matmul`s over a bf16, f16 or f32 weight
    ([N, K], K a multiple of 16): fewer than 16 rows of inputs (a decode
    step) get a row kernel of the same kind, 16 columns at a time. From 16
    rows on (a prompt), a block or bf16/f16 weight is decoded a panel of rows
    at a time (1 MiB of f32) into one buffer and each panel is an f32
    `linalg.matmul`, an f32 weight's product stays one, for
    tmc-linalg-to-blas after this pass; a bf16 weight whose product is marked
    `tmc.activations = "bfloat16"` is multiplied with its inputs rounded to
    bf16 by AVX-512 BF16 dot products (`x86vector.avx512.dot`, vdpbf16ps),
    or with `amx-bf16` on AMX tiles (`amx.tile_mulf`). With `amx-int8`, the
    int8 products of 16 rows of inputs or more run on AMX tiles too
    (`amx.tile_muli`, one block of 32 values per instruction).
  }];
  let options = [
    Option<"amxInt8", "amx-int8", "bool", /*default=*/"false",
           "Int8 products of prompts on AMX tiles (the host has amx-int8)">,
    Option<"floatRowPrefetch", "float-row-prefetch", "bool", /*default=*/"true",
           "Prefetch the rows of f32, bf16 and f16 weights ahead into L2 in the "
           "decode row kernel (not where the host's own prefetchers do better)">,
    Option<"amxBf16", "amx-bf16", "bool", /*default=*/"false",
           "Bf16 products of prompts on AMX tiles (the host has amx-bf16), not "
           "AVX-512 BF16 dot products">,
  ];
  let dependentDialects = [
    "::mlir::amx::AMXDialect", "::mlir::arith::ArithDialect", "::mlir::LLVM::LLVMDialect",
    "::mlir::linalg::LinalgDialect", "::mlir::math::MathDialect", "::mlir::memref::MemRefDialect",
    "::mlir::scf::SCFDialect", "::mlir::vector::VectorDialect",
    "::mlir::x86vector::X86VectorDialect",
  ];
}

def CpuParallelLoops : Pass<"tmc-cpu-parallel-loops", "mlir::func::FuncOp"> {
  let summary = "Splits large elementwise and row-wise linalg ops across the cores";
  let description = [{
    Tiles each linalg op on memrefs whose outermost loop is parallel and
    which runs at least `min-iterations` iterations into an `scf.parallel`
    over its leading parallel loops (the innermost loop and the reductions
    stay a sequential op inside), which
    `convert-scf-to-openmp` runs on the OpenMP threads the products use. An
    op whose iteration count is only known at run time gets both versions
    under an `scf.if` on that count: a decode step's norms and activations
    are too small to pay for a fork and join, a prompt's are not. Ops inside
    a parallel loop already, and ops left sequential, are lowered by
    `tmc-cpu-reduction-loops` (row reductions) and `convert-linalg-to-loops`
    after it.
  }];
  let options = [
    Option<"minIterations", "min-iterations", "int64_t", /*default=*/"32768",
           "the fewest iterations (the product of the op's loop ranges) worth a fork and join">,
  ];
  let dependentDialects = [
    "::mlir::affine::AffineDialect", "::mlir::arith::ArithDialect", "::mlir::scf::SCFDialect",
  ];
}

def CpuSharedKvProducts : Pass<"tmc-cpu-shared-kv-products", "mlir::ModuleOp"> {
  let summary = "Vector code for a decode step's attention products over shared key/value rows";
  let description = [{
    Replaces each head contraction on f32 memrefs marked
    `tmc.head_rows_at_most` (the key-chunk lowering of a decode step's
    attention: every query row of the heads that share one key/value head,
    against one chunk of its keys) whose head dim is a multiple of 16 by
    loops in the vector dialect that load each key and value row once for
    all of those rows: the scores 16 keys at a time, each row's 16 dot
    products summed across lanes by a tree of shuffles; the weighted values
    one value row at a time into the accumulators of a tile of heads.
    Others are left for `tmc-linalg-to-blas`.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::memref::MemRefDialect",
    "::mlir::scf::SCFDialect", "::mlir::vector::VectorDialect",
  ];
}

def LinalgToBlas : Pass<"tmc-linalg-to-blas", "mlir::ModuleOp"> {
  let summary = "Replaces f32 matmuls on memrefs with cblas_sgemm calls";
  let description = [{
    `linalg.matmul` (plain or transposed-B) and `linalg.batch_matmul` on f32
    memrefs whose innermost stride is 1 become calls to `cblas_sgemm` (one per
    batch) with `beta = 1`, which keeps linalg's accumulate-into-output
    semantics; a product of one row calls `cblas_sgemv`. The per-head
    contractions the attention lowering marked `tmc.head_contraction`
    (scores `q k^T` and the weighted sum `p v`, whose key/value head is
    `h floordiv group` under GQA) become one call per (batch, head) the same
    way. Other matmuls stay for the loop lowering.
  }];
  let dependentDialects = [
    "::mlir::LLVM::LLVMDialect", "::mlir::func::FuncDialect",
    "::mlir::scf::SCFDialect", "::mlir::arith::ArithDialect",
    "::mlir::memref::MemRefDialect",
  ];
}

def CpuReductionLoops : Pass<"tmc-cpu-reduction-loops", "mlir::func::FuncOp"> {
  let summary = "Lowers row reductions and row updates to loops that keep the row's value in a register";
  let description = [{
    Each `linalg.generic` on buffers whose loops are parallel but the
    innermost, a reduction its one output does not index (a softmax's row
    max and sum, a norm's mean of squares), becomes loops over its parallel
    dims around an `scf.for` over the reduction that carries the output
    element as an iteration argument: one load before, one store after. Its
    combiner (the op that reads the accumulator) gets the `reassoc` fast-math
    flag, so that LLVM vectorizes the reduction into partial sums. Other
    linalg ops are left for `convert-linalg-to-loops`, whose form loads and
    stores the output element on every iteration.

    Each elementwise `linalg.generic` on buffers (all loops parallel, one
    output indexed by the innermost) that reads a row value, an input the
    innermost loop does not index (a softmax's row max, a norm's scale),
    becomes loops whose innermost loads that value once before it: inside,
    LLVM could not hoist the load past the row's stores (they may alias for
    all it knows) and left the loop scalar.
  }];
  let dependentDialects = [
    "::mlir::affine::AffineDialect", "::mlir::arith::ArithDialect",
    "::mlir::memref::MemRefDialect", "::mlir::scf::SCFDialect",
  ];
}

def CpuParallelToOpenMP : Pass<"tmc-cpu-parallel-to-openmp", "mlir::ModuleOp"> {
  let summary = "Makes each parallel loop one OpenMP region whose threads take fixed shares";
  let description = [{
    Each outermost `scf.parallel` without reductions becomes an
    `omp.parallel` in which every thread computes its own part of the loop's
    iterations (collapsed into one range, split into as many contiguous
    parts as the region has threads, the first total % threads of them one
    iteration longer, as libomp's static schedule splits them) from
    `omp_get_thread_num` and `omp_get_num_threads`, and runs it as an
    `scf.for`, each iteration's body in a `memref.alloca_scope`. Upstream
    `convert-scf-to-openmp` builds an `omp.wsloop` instead, whose threads
    each call `__kmpc_for_static_init` (which Debian's KMP_DEBUG build of
    libomp makes format a trace message every call) and then wait at the
    loop's own barrier before the region's join. Parallel loops inside a
    converted one run as nested `scf.for`s on its thread; loops with
    reductions are left for `convert-scf-to-openmp`.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::func::FuncDialect", "::mlir::memref::MemRefDialect",
    "::mlir::omp::OpenMPDialect", "::mlir::scf::SCFDialect",
  ];
}

def CpuInlineAllocaScopes : Pass<"tmc-cpu-inline-alloca-scopes", "mlir::ModuleOp"> {
  let summary = "Inlines the alloca_scope of each parallel iteration that allocates no stack";
  let description = [{
    `tmc-cpu-parallel-to-openmp` and `convert-scf-to-openmp` wrap the body
    of each parallel iteration in a `memref.alloca_scope`, so that its stack
    allocations are freed every
    iteration. The canonicalizer inlines the scope only when nothing in it
    may allocate on the stack, and it counts every call as one that may; a
    scope kept holds a single block, so a body with a call cannot also hold
    a loop or a branch once they become blocks. A callee's frame ends with
    its call: here a scope whose region has no stack allocation of its own
    (an op with an Allocate effect on the scope, or one with unknown effects
    other than a call) is inlined, such as an attention block's iteration
    with its sgemm calls and softmax loops (EagerRowBlocks.cpp).
  }];
  let dependentDialects = ["::mlir::memref::MemRefDialect"];
}

def CpuExpandArith : Pass<"tmc-cpu-expand-arith", "mlir::func::FuncOp"> {
  let summary = "Expands the arith ops LLVM cannot lower, keeping maximumf/minimumf";
  let description = [{
    `arith-expand` without its maximumf/minimumf patterns: ceil/floor
    divisions, bf16 extensions and truncations (integer arithmetic, no
    compiler-rt call) and the scaling conversions are expanded; maximumf and
    minimumf stay for arith-to-llvm, which makes them `llvm.maximum` /
    `llvm.minimum`, so that LLVM vectorizes the reductions over them (a
    softmax's row max) instead of the scalar compare-and-select loop
    `arith-expand` leaves.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect", "::mlir::vector::VectorDialect"];
}

def CpuApproximateExp : Pass<"tmc-cpu-approximate-exp", "mlir::func::FuncOp"> {
  let summary = "f32 exp as MLIR's polynomial approximation, vectorized by LLVM";
  let description = [{
    Rewrites each f32 (scalar or vector) `math.exp` into MLIR's polynomial
    approximation (`populateMathPolynomialApproximationPatterns` for exp
    only): arithmetic, bit casts and shifts instead of a libm call, so the
    loop vectorizer widens it to the loop's width instead of calling libmvec
    once per 8 elements. At most 1.4 ulp from the exact value over [-87, 88];
    results below the smallest normal f32 become 0.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect", "::mlir::math::MathDialect", "::mlir::vector::VectorDialect"];
}

def NameAllocations : Pass<"tmc-cpu-name-allocations", "mlir::ModuleOp"> {
  let summary = "Names each heap allocation for the runtime's out-of-memory error";
  let description = [{
    Before every `memref.alloc`, calls `tmc_alloc_site(description)` with a
    string naming the buffer: its function, type and source location (the
    model-file line of the op that made it). The memref lowering then calls
    the runtime's `_mlir_memref_to_llvm_alloc` (`use-generic-functions`),
    which checks every allocation and, when one fails, reports the bytes and
    the last named site and exits, instead of compiled code writing through
    a null pointer.
  }];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect", "::mlir::func::FuncDialect"];
}

def CpuLowerCollectives : Pass<"tmc-cpu-lower-collectives", "mlir::ModuleOp"> {
  let summary = "Lowers the shard dialect's collectives to tmc's collective runtime";
  let description = [{
    The collectives tmc-shard-tp wrote on `@tp` become calls of the runtime's
    C functions (runtime/collectives/CollectiveAbi.h), which run on the
    calling thread's communicator (MPI, or ranks as threads):
    `shard.all_reduce` (sum) -> `tmc_collective_all_reduce_sum(in, out,
    count, dtype)`, `shard.all_gather` -> `tmc_collective_all_gather(in, out,
    outer, inner, dtype)` (the gathered axis splits the tensor into `outer`
    rows of `inner` elements per rank), `shard.process_linear_index` ->
    `tmc_collective_rank()`, and `shard.all_slice`, which needs no
    communication, -> `tensor.extract_slice` at the rank's offset. Buffers
    cross as addresses of contiguous memrefs (`bufferization.to_buffer`, a
    fresh `memref.alloc` for the result); `shard.grid` is dropped after.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::bufferization::BufferizationDialect",
    "::mlir::func::FuncDialect", "::mlir::memref::MemRefDialect",
    "::mlir::tensor::TensorDialect",
  ];
}

def CpuLowerTracePoints : Pass<"tmc-cpu-lower-trace-points", "mlir::ModuleOp"> {
  let summary = "Lowers tmc.trace to calls of the runtime's tracer";
  let description = [{
    Numbers the trace points (`tmc.trace_points` on the module, which the
    manifest carries) and makes each `tmc.trace` a call
    `tmc_trace(id, layer, data, dims, rank, dtype)` (runtime/Trace.h):
    the address of the tensor's contiguous buffer, the address of its
    `rank` sizes (i64), the element code, and the layer number (-1 outside
    a layer function). The runtime records the call when the artifact runs
    with `--trace-out`.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::bufferization::BufferizationDialect",
    "::mlir::func::FuncDialect", "::mlir::memref::MemRefDialect",
    "::mlir::tensor::TensorDialect",
  ];
}

#endif // TMC_TARGETS_CPU_PASSES_TD
