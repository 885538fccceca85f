// The measurement behind docs/CPU_PERFORMANCE.md "F32 prompts: what OpenBLAS
// leaves, and a kernel on packed weights": C = X W^T for SmolLM2's prompt
// shapes (X 512 rows), OpenBLAS's cblas_sgemm against a kernel on weights
// packed once as column panels [N/32][K][32]. A prototype in AVX-512
// intrinsics to size the gain before the compiler generates such a kernel
// (targets/cpu/BlockProducts.cpp); not part of tmc. Prints GFLOP/s, the best
// of 30 calls each, and the largest difference from OpenBLAS's result.
//
//   gcc -O3 -march=native -fopenmp bench/panel_gemm.c -o /tmp/panel_gemm
//       -I/usr/include/x86_64-linux-gnu/openblas-openmp
//       /usr/lib/x86_64-linux-gnu/openblas-openmp/libopenblas.so.0 -lm
//   OMP_NUM_THREADS=1 /tmp/panel_gemm [--pack-per-call]
//
// --pack-per-call packs each thread's panels on every call instead (the
// cost OpenBLAS pays): the gain rests on packing once.

#include <cblas.h>
#include <immintrin.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum {
  kRows = 14,            // rows of X per tile: 14 x 2 zmm accumulators
  kDepth = 576,          // the deepest block of K (14 rows of X, 32 KiB, in L1)
  kGroupBytes = 1 << 20, // panels per group: kept in L2 while every tile passes
  kMaxPanelFloats = 1 << 20,
};

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

// panels[p][k][j] = w[32 p + j][k]: a row of a panel is one input column's
// 32 weights.
static void packPanels(const float *w, float *panels, int firstPanel, int lastPanel, int depth,
                       int from, int count) {
  for (int p = firstPanel; p < lastPanel; ++p)
    for (int j = 0; j < 32; ++j)
      for (int k = 0; k < count; ++k)
        panels[((long)(p - firstPanel) * count + k) * 32 + j] =
            w[(long)(32 * p + j) * depth + from + k];
}

// c[kRows][32] (+)= x[kRows][from : from + count] times one panel's rows
// [from, from + count), the accumulators in registers.
static inline void fullTile(const float *x, int ldx, const float *panel, float *c, int ldc,
                            int from, int count, int accumulate) {
  __m512 acc[kRows][2];
#pragma GCC unroll 14
  for (int i = 0; i < kRows; ++i)
    for (int h = 0; h < 2; ++h)
      acc[i][h] = accumulate ? _mm512_loadu_ps(c + (long)i * ldc + 16 * h) : _mm512_setzero_ps();
  for (int k = from; k < from + count; ++k, panel += 32) {
    __m512 b0 = _mm512_load_ps(panel), b1 = _mm512_load_ps(panel + 16);
    _mm_prefetch((const char *)(panel + 32 * 8), _MM_HINT_T0);
#pragma GCC unroll 14
    for (int i = 0; i < kRows; ++i) {
      __m512 a = _mm512_set1_ps(x[(long)i * ldx + k]);
      acc[i][0] = _mm512_fmadd_ps(a, b0, acc[i][0]);
      acc[i][1] = _mm512_fmadd_ps(a, b1, acc[i][1]);
    }
  }
#pragma GCC unroll 14
  for (int i = 0; i < kRows; ++i)
    for (int h = 0; h < 2; ++h)
      _mm512_storeu_ps(c + (long)i * ldc + 16 * h, acc[i][h]);
}

// The same for the last rows (fewer than kRows), a row at a time.
static void partialTile(const float *x, int ldx, const float *panel, float *c, int ldc, int rows,
                        int from, int count, int accumulate) {
  for (int i = 0; i < rows; ++i) {
    __m512 acc0 = accumulate ? _mm512_loadu_ps(c + (long)i * ldc) : _mm512_setzero_ps();
    __m512 acc1 = accumulate ? _mm512_loadu_ps(c + (long)i * ldc + 16) : _mm512_setzero_ps();
    const float *row = panel;
    for (int k = from; k < from + count; ++k, row += 32) {
      __m512 a = _mm512_set1_ps(x[(long)i * ldx + k]);
      acc0 = _mm512_fmadd_ps(a, _mm512_load_ps(row), acc0);
      acc1 = _mm512_fmadd_ps(a, _mm512_load_ps(row + 16), acc1);
    }
    _mm512_storeu_ps(c + (long)i * ldc, acc0);
    _mm512_storeu_ps(c + (long)i * ldc + 16, acc1);
  }
}

// Each thread takes a range of panels; within it, K in blocks of kDepth, the
// panels in groups of kGroupBytes, and every tile of rows over each group.
// `packed` holds all panels (packed once), or null: then `w` is packed per
// call, one group at a time, into the thread's buffer.
static void panelGemm(const float *x, const float *w, const float *packed, float *c, int rows,
                      int columns, int depth) {
  int panels = columns / 32;
#pragma omp parallel
  {
    int t = omp_get_thread_num(), threads = omp_get_num_threads();
    int first = panels * t / threads, last = panels * (t + 1) / threads;
    float *buffer = packed ? NULL : aligned_alloc(64, kMaxPanelFloats * sizeof(float));
    for (int from = 0; from < depth; from += kDepth) {
      int count = depth - from < kDepth ? depth - from : kDepth;
      int group = kGroupBytes / (32 * count * (int)sizeof(float));
      if (group < 1)
        group = 1;
      for (int g = first; g < last; g += group) {
        int end = g + group < last ? g + group : last;
        if (!packed)
          packPanels(w, buffer, g, end, depth, from, count);
        for (int m = 0; m < rows; m += kRows)
          for (int p = g; p < end; ++p) {
            const float *panel = packed ? packed + ((long)p * depth + from) * 32
                                        : buffer + (long)(p - g) * count * 32;
            if (rows - m >= kRows)
              fullTile(x + (long)m * depth, depth, panel, c + (long)m * columns + 32 * p, columns,
                       from, count, from > 0);
            else
              partialTile(x + (long)m * depth, depth, panel, c + (long)m * columns + 32 * p,
                          columns, rows - m, from, count, from > 0);
          }
      }
    }
    free(buffer);
  }
}

int main(int argc, char **argv) {
  int packPerCall = argc > 1 && strcmp(argv[1], "--pack-per-call") == 0;
  const int rows = 512, shapes[][2] = {{576, 576}, {576, 192}, {576, 1536}, {1536, 576}};
  for (int s = 0; s < 4; ++s) {
    int depth = shapes[s][0], columns = shapes[s][1];
    float *x = aligned_alloc(64, (size_t)rows * depth * 4);
    float *w = aligned_alloc(64, (size_t)columns * depth * 4);
    float *packed = aligned_alloc(64, (size_t)columns * depth * 4);
    float *c = aligned_alloc(64, (size_t)rows * columns * 4);
    float *reference = aligned_alloc(64, (size_t)rows * columns * 4);
    for (long i = 0; i < (long)rows * depth; ++i)
      x[i] = (i % 13) * 0.01f - 0.05f;
    for (long i = 0; i < (long)columns * depth; ++i)
      w[i] = (i % 7) * 0.01f - 0.03f;
    packPanels(w, packed, 0, columns / 32, depth, 0, depth);
    double blas = 1e9, mine = 1e9;
    for (int r = 0; r < 30; ++r) {
      double t0 = now();
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, rows, columns, depth, 1.f, x, depth, w,
                  depth, 0.f, reference, columns);
      double t1 = now();
      panelGemm(x, w, packPerCall ? NULL : packed, c, rows, columns, depth);
      double t2 = now();
      blas = fmin(blas, t1 - t0);
      mine = fmin(mine, t2 - t1);
    }
    double diff = 0;
    for (long i = 0; i < (long)rows * columns; ++i)
      diff = fmax(diff, fabs(c[i] - reference[i]));
    double flops = 2.0 * rows * columns * depth;
    printf("%4d x %4d: OpenBLAS %.0f, panels %.0f GFLOP/s (%.2fx), max difference %.1e\n", depth,
           columns, flops / blas / 1e9, flops / mine / 1e9, blas / mine, diff);
    free(x), free(w), free(packed), free(c), free(reference);
  }
  return 0;
}
