//===- CudaGemm.cpp - GEMMs on cuBLASLt -------------------------*- C++ -*-===//
#include "runtime/cuda/CudaGemm.h"

#include "runtime/Error.h"
#include "runtime/cuda/CudaAbi.h"
#include "runtime/cuda/CudaExecutor.h"

#include <cublasLt.h>

#include <dlfcn.h>
#include <mutex>

using namespace tmc::rt;
using namespace tmc::rt::cuda;

#define TMC_CUBLASLT_FUNCTIONS(X)                                                                \
  X(cublasLtCreate)                                                                              \
  X(cublasLtDestroy)                                                                             \
  X(cublasLtGetStatusString)                                                                     \
  X(cublasLtMatmulDescCreate)                                                                    \
  X(cublasLtMatmulDescDestroy)                                                                   \
  X(cublasLtMatmulDescSetAttribute)                                                              \
  X(cublasLtMatrixLayoutCreate)                                                                  \
  X(cublasLtMatrixLayoutDestroy)                                                                 \
  X(cublasLtMatrixLayoutSetAttribute)                                                            \
  X(cublasLtMatmulPreferenceCreate)                                                              \
  X(cublasLtMatmulPreferenceDestroy)                                                             \
  X(cublasLtMatmulPreferenceSetAttribute)                                                        \
  X(cublasLtMatmulAlgoGetHeuristic)                                                              \
  X(cublasLtMatmul)

struct Gemm::Library {
#define TMC_CUBLASLT_DECLARE(name) decltype(&::name) name = nullptr;
  TMC_CUBLASLT_FUNCTIONS(TMC_CUBLASLT_DECLARE)
#undef TMC_CUBLASLT_DECLARE
};

struct Gemm::Plan {
  const Library *lt = nullptr;
  cublasLtMatmulDesc_t operation = nullptr;
  cublasLtMatrixLayout_t layoutB = nullptr, layoutA = nullptr, layoutC = nullptr;
  cublasLtMatmulAlgo_t algorithm{};

  ~Plan() {
    if (layoutC)
      lt->cublasLtMatrixLayoutDestroy(layoutC);
    if (layoutA)
      lt->cublasLtMatrixLayoutDestroy(layoutA);
    if (layoutB)
      lt->cublasLtMatrixLayoutDestroy(layoutB);
    if (operation)
      lt->cublasLtMatmulDescDestroy(operation);
  }
};

/// Enough for the heuristic's best algorithms at every shape tmc runs
/// (cuBLAS recommends 32 MiB on Hopper).
constexpr size_t kWorkspaceBytes = 32u << 20;

static llvm::Expected<const Gemm::Library *> loadLibrary() {
  static std::once_flag once;
  static Gemm::Library library;
  static std::string error;
  std::call_once(once, [] {
    // The toolkit's copy is the fallback where the loader does not know it.
    std::string candidates[] = {"libcublasLt.so.13",
                                std::string(TMC_CUDA_ROOT) + "/lib64/libcublasLt.so.13"};
    void *handle = nullptr;
    std::string tried;
    for (const std::string &candidate : candidates) {
      if ((handle = dlopen(candidate.c_str(), RTLD_NOW | RTLD_LOCAL)))
        break;
      tried += std::string(tried.empty() ? "" : "; ") + dlerror();
    }
    if (!handle) {
      error = "cannot load cuBLASLt, which CUDA artifacts run their GEMMs on (" + tried +
              "); install the CUDA 13 toolkit's cuBLAS or add it to LD_LIBRARY_PATH";
      return;
    }
#define TMC_CUBLASLT_RESOLVE(name)                                                               \
  library.name = reinterpret_cast<decltype(library.name)>(dlsym(handle, #name));                 \
  if (!library.name) {                                                                           \
    error = "cuBLASLt has no " #name "; install the CUDA 13 toolkit's cuBLAS";                   \
    return;                                                                                      \
  }
    TMC_CUBLASLT_FUNCTIONS(TMC_CUBLASLT_RESOLVE)
#undef TMC_CUBLASLT_RESOLVE
  });
  if (!error.empty())
    return makeError(error);
  return &library;
}

static llvm::Error checkLt(const Gemm::Library &lt, const char *call, cublasStatus_t status) {
  if (status == CUBLAS_STATUS_SUCCESS)
    return llvm::Error::success();
  return makeError(std::string(call) + ": " + lt.cublasLtGetStatusString(status));
}

llvm::Expected<std::unique_ptr<Gemm>> Gemm::create(const Driver &driver, CUstream stream) {
  auto library = loadLibrary();
  if (!library)
    return library.takeError();
  std::unique_ptr<Gemm> gemm(new Gemm);
  gemm->cu = &driver;
  gemm->lt = *library;
  gemm->stream = stream;
  cublasLtHandle_t handle = nullptr;
  if (llvm::Error error = checkLt(**library, "cublasLtCreate", (*library)->cublasLtCreate(&handle)))
    return std::move(error);
  gemm->handle = handle;
  if (llvm::Error error = check(driver, "cuMemAlloc (cuBLASLt workspace)",
                                driver.cuMemAlloc(&gemm->workspace, kWorkspaceBytes)))
    return std::move(error);
  return gemm;
}

Gemm::~Gemm() {
  plans.clear();
  if (workspace)
    cu->cuMemFree(workspace);
  if (handle)
    lt->cublasLtDestroy(static_cast<cublasLtHandle_t>(handle));
}

static std::optional<cudaDataType_t> cudaType(int32_t code) {
  switch (code) {
  case TMC_CUDA_F32:
    return CUDA_R_32F;
  case TMC_CUDA_BF16:
    return CUDA_R_16BF;
  case TMC_CUDA_F16:
    return CUDA_R_16F;
  default:
    return std::nullopt;
  }
}

static uintptr_t elementBytes(int32_t code) { return code == TMC_CUDA_F32 ? 4 : 2; }

llvm::Expected<const Gemm::Plan *> Gemm::planFor(const GemmShape &shape) {
  if (auto found = plans.find(shape); found != plans.end())
    return found->second.get();
  std::optional<cudaDataType_t> type = cudaType(shape.dtype), cType = cudaType(shape.cDtype);
  if (!type || !cType)
    return makeError("tmc_cuda_gemm: unknown dtype code " +
                     std::to_string(type ? shape.cDtype : shape.dtype));
  if (*cType != *type && *cType != CUDA_R_32F)
    return makeError("tmc_cuda_gemm: C of dtype code " + std::to_string(shape.cDtype) +
                     " under inputs of code " + std::to_string(shape.dtype) +
                     "; C is of the inputs' type or f32");
  auto plan = std::make_unique<Plan>();
  plan->lt = lt;
  // f32 accumulation for every input type; TF32 stays off (COMPUTE_32F).
  if (llvm::Error error = checkLt(*lt, "cublasLtMatmulDescCreate",
                                  lt->cublasLtMatmulDescCreate(&plan->operation,
                                                               CUBLAS_COMPUTE_32F, CUDA_R_32F)))
    return std::move(error);
  // Column-major: C^T (n x m) += op(B)^T (n x k) * A^T (k x m). B's memory
  // read column-major is B^T when B is k x n, and needs a transpose when B
  // is n x k (transpose_b).
  cublasOperation_t opB = shape.transposeB ? CUBLAS_OP_T : CUBLAS_OP_N,
                    opA = CUBLAS_OP_N;
  lt->cublasLtMatmulDescSetAttribute(plan->operation, CUBLASLT_MATMUL_DESC_TRANSA, &opB,
                                     sizeof(opB));
  lt->cublasLtMatmulDescSetAttribute(plan->operation, CUBLASLT_MATMUL_DESC_TRANSB, &opA,
                                     sizeof(opA));
  auto layout = [&](cublasLtMatrixLayout_t &out, cudaDataType_t elements, uint64_t rows,
                    uint64_t cols, int64_t ld, int64_t stride) -> llvm::Error {
    if (llvm::Error error = checkLt(*lt, "cublasLtMatrixLayoutCreate",
                                    lt->cublasLtMatrixLayoutCreate(&out, elements, rows, cols, ld)))
      return error;
    int32_t batch = static_cast<int32_t>(shape.batch);
    lt->cublasLtMatrixLayoutSetAttribute(out, CUBLASLT_MATRIX_LAYOUT_BATCH_COUNT, &batch,
                                         sizeof(batch));
    lt->cublasLtMatrixLayoutSetAttribute(out, CUBLASLT_MATRIX_LAYOUT_STRIDED_BATCH_OFFSET,
                                         &stride, sizeof(stride));
    return llvm::Error::success();
  };
  if (llvm::Error error = layout(plan->layoutB, *type, shape.transposeB ? shape.k : shape.n,
                                 shape.transposeB ? shape.n : shape.k, shape.ldb, shape.strideB))
    return std::move(error);
  if (llvm::Error error = layout(plan->layoutA, *type, shape.k, shape.m, shape.lda, shape.strideA))
    return std::move(error);
  if (llvm::Error error = layout(plan->layoutC, *cType, shape.n, shape.m, shape.ldc, shape.strideC))
    return std::move(error);

  cublasLtMatmulPreference_t preference = nullptr;
  lt->cublasLtMatmulPreferenceCreate(&preference);
  size_t workspaceBytes = kWorkspaceBytes;
  lt->cublasLtMatmulPreferenceSetAttribute(preference, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES,
                                           &workspaceBytes, sizeof(workspaceBytes));
  uint32_t alignment = static_cast<uint32_t>(shape.alignment);
  for (cublasLtMatmulPreferenceAttributes_t attribute :
       {CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_A_BYTES, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_B_BYTES,
        CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_C_BYTES, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_D_BYTES})
    lt->cublasLtMatmulPreferenceSetAttribute(preference, attribute, &alignment, sizeof(alignment));
  cublasLtMatmulHeuristicResult_t heuristic{};
  int found = 0;
  cublasStatus_t status = lt->cublasLtMatmulAlgoGetHeuristic(
      static_cast<cublasLtHandle_t>(handle), plan->operation, plan->layoutB, plan->layoutA,
      plan->layoutC, plan->layoutC, preference, 1, &heuristic, &found);
  lt->cublasLtMatmulPreferenceDestroy(preference);
  if (status != CUBLAS_STATUS_SUCCESS || found == 0)
    return makeError("cuBLASLt has no algorithm for a " + std::to_string(shape.m) + "x" +
                     std::to_string(shape.n) + "x" + std::to_string(shape.k) +
                     " GEMM (batch " + std::to_string(shape.batch) +
                     "): " + lt->cublasLtGetStatusString(status));
  plan->algorithm = heuristic.algo;
  return plans.emplace(shape, std::move(plan)).first->second.get();
}

llvm::Error Gemm::run(GemmShape shape, bool accumulate, const void *a, const void *b, void *c) {
  if (shape.m == 0 || shape.n == 0 || shape.batch == 0)
    return llvm::Error::success();
  // Every batch's operands: the first ones and the strides between them.
  uintptr_t addresses = reinterpret_cast<uintptr_t>(a) | reinterpret_cast<uintptr_t>(b) |
                        reinterpret_cast<uintptr_t>(c) | 256;
  if (shape.batch > 1)
    addresses |= elementBytes(shape.dtype) * static_cast<uintptr_t>(shape.strideA | shape.strideB) |
                 elementBytes(shape.cDtype) * static_cast<uintptr_t>(shape.strideC);
  shape.alignment = static_cast<int64_t>(addresses & -addresses);
  auto plan = planFor(shape);
  if (!plan)
    return plan.takeError();
  float one = 1.0f, beta = accumulate ? 1.0f : 0.0f;
  return checkLt(*lt, "cublasLtMatmul",
                 lt->cublasLtMatmul(static_cast<cublasLtHandle_t>(handle), (*plan)->operation, &one,
                                    b, (*plan)->layoutB, a, (*plan)->layoutA, &beta, c,
                                    (*plan)->layoutC, c, (*plan)->layoutC, &(*plan)->algorithm,
                                    reinterpret_cast<void *>(workspace), kWorkspaceBytes,
                                    reinterpret_cast<cudaStream_t>(stream)));
}

extern "C" void tmc_cuda_gemm(int32_t dtype, int32_t c_dtype, int32_t transpose_b,
                              int32_t accumulate, int64_t m, int64_t n, int64_t k, const void *a,
                              int64_t lda, int64_t stride_a, const void *b, int64_t ldb,
                              int64_t stride_b, void *c, int64_t ldc, int64_t stride_c,
                              int64_t batch) {
  Executor *executor = activeExecutor();
  if (!executor)
    return;
  Gemm *gemm = executor->gemm();
  if (!gemm)
    return;
  GemmShape shape{dtype,    c_dtype, transpose_b, m,   n,        k,    lda,
                  stride_a, ldb,     stride_b,    ldc, stride_c, batch};
  if (llvm::Error error = gemm->run(shape, accumulate != 0, a, b, c))
    executor->fail(llvm::toString(std::move(error)));
}
