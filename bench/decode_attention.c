// The measurement behind docs/CPU_PERFORMANCE.md "Decode attention: a kv
// head's group against chunks of keys": one decode step's attention over
// SmolLM2's 30 layers of KV caches (9 query heads on 3 kv heads, head dim 64,
// caches of 1088 positions, f32), as tmc ran it before (per query head: an
// OpenBLAS sgemv for the scores, the softmax, an sgemv for the weighted
// values, the heads across the cores) against a kernel that takes a kv head's
// 3 query heads together a chunk of keys at a time, reads each key and value
// row once for them, and combines the chunks' softmax parts after
// (flash-decoding). A prototype in AVX-512 intrinsics to size the gain before
// the compiler generates the kernel (targets/linalg/attention/EagerKeyChunks.cpp,
// targets/cpu/SharedKvProducts.cpp); not part of tmc. Prints the largest
// difference between the two and ms per step, each over 20 steps after a
// read of 96 MiB that evicts the caches. (Until 2026-12-08 a 64 MiB memset
// did, which evicts nothing: glibc writes that much with non-temporal
// stores, so the caches stayed in a large L3 and the kernels looked twice
// as fast as they run in a decode step on an AMD Zen 5.)
//
//   gcc -O3 -march=native -fopenmp bench/decode_attention.c -o /tmp/decode_attention
//       -I/usr/include/x86_64-linux-gnu/openblas-openmp
//       /usr/lib/x86_64-linux-gnu/openblas-openmp/libopenblas.so.0 -lm
//   OMP_NUM_THREADS=2 /tmp/decode_attention CONTEXT [KEYS_PER_CHUNK (256)]
#include <cblas.h>
#include <immintrin.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#define L 30
#define H 9
#define KVH 3
#define G 3
#define D 64
#define S 1088
static double now() {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}
float *K[L], *V[L], q[L][H * D], out[L][H * D], ref[L][H * D];
static float scratch[2][H][S];

static volatile float sink;
/// Reads one byte per cache line of `e`, so that its `n` bytes replace what
/// the caches held.
static void evict(const char *e, size_t n) {
  float acc = 0;
  for (size_t i = 0; i < n; i += 64)
    acc += e[i];
  sink = acc;
}

static void softmax_row(float *s, int n) {
  float m = -INFINITY;
  for (int j = 0; j < n; j++)
    m = s[j] > m ? s[j] : m;
  float l = 0;
  for (int j = 0; j < n; j++) {
    s[j] = expf(s[j] - m);
    l += s[j];
  }
  float r = 1 / l;
  for (int j = 0; j < n; j++)
    s[j] *= r;
}

static void current(int l, int ctx) {
#pragma omp parallel for schedule(static)
  for (int h = 0; h < H; h++) {
    float *s = scratch[omp_get_thread_num()][h];
    const float *k = K[l] + (size_t)(h / G) * S * D, *v = V[l] + (size_t)(h / G) * S * D;
    cblas_sgemv(CblasRowMajor, CblasNoTrans, ctx, D, 0.125f, k, D, q[l] + h * D, 1, 0.f, s, 1);
    softmax_row(s, ctx);
    cblas_sgemv(CblasRowMajor, CblasTrans, ctx, D, 1.f, v, D, s, 1, 0.f, out[l] + h * D, 1);
  }
}
// partial results per (kv head, chunk)
#define MAXC 64
static float pm[KVH][MAXC][G], pl[KVH][MAXC][G], po[KVH][MAXC][G][D];
static inline float hsum(__m512 x) { return _mm512_reduce_add_ps(x); }

static inline __m512 exp512(__m512 x) {
  x = _mm512_max_ps(x, _mm512_set1_ps(-87.f));
  __m512 t = _mm512_mul_ps(x, _mm512_set1_ps(1.44269504f));
  __m512 n = _mm512_roundscale_ps(t, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693145751953125f), x);
  r = _mm512_fnmadd_ps(n, _mm512_set1_ps(1.428606765330187e-06f), r);
  __m512 p = _mm512_set1_ps(1.f / 720);
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.f / 120));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.f / 24));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.f / 6));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(0.5f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.f));
  return _mm512_scalef_ps(p, n);
}
// 16 vectors -> one vector of their 16 sums, in the order given by the
// last line (the caller stores key u's products at a[4 * (u % 4) + u / 4])
static inline __m512 reduce16(__m512 *a) {
  // step: combine pairs with 256-bit halves, then 128, 64, 32
  __m512 b[8];
  for (int i = 0; i < 8; i++) { // a[2i], a[2i+1]: lo half of each + hi half
    __m512 lo = _mm512_shuffle_f32x4(a[2 * i], a[2 * i + 1], 0x44),
           hi = _mm512_shuffle_f32x4(a[2 * i], a[2 * i + 1], 0xEE);
    b[i] = _mm512_add_ps(lo, hi);
  } // each 256-bit half holds 8 partials of one vector
  __m512 c[4];
  for (int i = 0; i < 4; i++) {
    __m512 lo = _mm512_shuffle_f32x4(b[2 * i], b[2 * i + 1], 0x88),
           hi = _mm512_shuffle_f32x4(b[2 * i], b[2 * i + 1], 0xDD);
    c[i] = _mm512_add_ps(lo, hi);
  } // 128-bit lanes: [a0 a1 a2 a3 ...] each lane 4 partials
  __m512 d[2];
  for (int i = 0; i < 2; i++) {
    __m512 lo = _mm512_shuffle_ps(c[2 * i], c[2 * i + 1], 0x44),
           hi = _mm512_shuffle_ps(c[2 * i], c[2 * i + 1], 0xEE);
    d[i] = _mm512_add_ps(lo, hi);
  }
  __m512 lo = _mm512_shuffle_ps(d[0], d[1], 0x88), hi = _mm512_shuffle_ps(d[0], d[1], 0xDD);
  return _mm512_add_ps(lo, hi); // lane i: the sum of a[4 * (i % 4) + i / 4]
}
static void grouped(int l, int ctx, int chunk) {
  int nc = (ctx + chunk - 1) / chunk;
#pragma omp parallel
  {
    float s[G][1024 + 16];
#pragma omp for schedule(static)
    for (int it = 0; it < KVH * nc; it++) {
      int kvh = it / nc, c = it % nc, j0 = c * chunk, j1 = j0 + chunk < ctx ? j0 + chunk : ctx,
          n = j1 - j0;
      const float *k = K[l] + ((size_t)kvh * S + j0) * D, *v = V[l] + ((size_t)kvh * S + j0) * D;
      __m512 qv[G][4];
      for (int g = 0; g < G; g++)
        for (int t = 0; t < 4; t++)
          qv[g][t] = _mm512_mul_ps(_mm512_loadu_ps(q[l] + (kvh * G + g) * D + 16 * t),
                                   _mm512_set1_ps(0.125f));
      float m[G];
      for (int g = 0; g < G; g++)
        m[g] = -INFINITY;
      int n16 = n & ~15;
      for (int g = 0; g < G; g++) {
        __m512 mx = _mm512_set1_ps(-INFINITY);
        for (int j = 0; j < n16; j += 16) {
          __m512 a[16];
          for (int u = 0; u < 16; u++) {
            const float *kr = k + (j + u) * D;
            __m512 x = _mm512_mul_ps(qv[g][0], _mm512_loadu_ps(kr));
            x = _mm512_fmadd_ps(qv[g][1], _mm512_loadu_ps(kr + 16), x);
            x = _mm512_fmadd_ps(qv[g][2], _mm512_loadu_ps(kr + 32), x);
            a[4 * (u % 4) + u / 4] = _mm512_fmadd_ps(qv[g][3], _mm512_loadu_ps(kr + 48), x);
          }
          __m512 r = reduce16(a);
          _mm512_storeu_ps(&s[g][j], r);
          mx = _mm512_max_ps(mx, r);
        }
        m[g] = _mm512_reduce_max_ps(mx);
        for (int j = n16; j < n; j++) {
          const float *kr = k + j * D;
          __m512 x = _mm512_mul_ps(qv[g][0], _mm512_loadu_ps(kr));
          x = _mm512_fmadd_ps(qv[g][1], _mm512_loadu_ps(kr + 16), x);
          x = _mm512_fmadd_ps(qv[g][2], _mm512_loadu_ps(kr + 32), x);
          x = _mm512_fmadd_ps(qv[g][3], _mm512_loadu_ps(kr + 48), x);
          float y = _mm512_reduce_add_ps(x);
          s[g][j] = y;
          if (y > m[g])
            m[g] = y;
        }
      }
      __m512 o[G][4];
      float ls[G];
      for (int g = 0; g < G; g++) {
        __m512 lv = _mm512_setzero_ps(), mv = _mm512_set1_ps(m[g]);
        int j = 0;
        for (; j < n16; j += 16) {
          __m512 e = exp512(_mm512_sub_ps(_mm512_loadu_ps(&s[g][j]), mv));
          _mm512_storeu_ps(&s[g][j], e);
          lv = _mm512_add_ps(lv, e);
        }
        ls[g] = _mm512_reduce_add_ps(lv);
        for (; j < n; j++) {
          float e = expf(s[g][j] - m[g]);
          s[g][j] = e;
          ls[g] += e;
        }
        for (int t = 0; t < 4; t++)
          o[g][t] = _mm512_setzero_ps();
      }
      for (int j = 0; j < n; j++) {
        __m512 v0 = _mm512_loadu_ps(v + j * D), v1 = _mm512_loadu_ps(v + j * D + 16),
               v2 = _mm512_loadu_ps(v + j * D + 32), v3 = _mm512_loadu_ps(v + j * D + 48);
        for (int g = 0; g < G; g++) {
          __m512 e = _mm512_set1_ps(s[g][j]);
          o[g][0] = _mm512_fmadd_ps(e, v0, o[g][0]);
          o[g][1] = _mm512_fmadd_ps(e, v1, o[g][1]);
          o[g][2] = _mm512_fmadd_ps(e, v2, o[g][2]);
          o[g][3] = _mm512_fmadd_ps(e, v3, o[g][3]);
        }
      }
      for (int g = 0; g < G; g++) {
        pm[kvh][c][g] = m[g];
        pl[kvh][c][g] = ls[g];
        for (int t = 0; t < 4; t++)
          _mm512_storeu_ps(po[kvh][c][g] + 16 * t, o[g][t]);
      }
    }
  }
  for (int h = 0; h < H; h++) {
    int kvh = h / G, g = h % G;
    float M = -INFINITY;
    for (int c = 0; c < nc; c++)
      M = pm[kvh][c][g] > M ? pm[kvh][c][g] : M;
    float lsum = 0, acc[D] = {0};
    for (int c = 0; c < nc; c++) {
      float w = expf(pm[kvh][c][g] - M);
      lsum += w * pl[kvh][c][g];
      for (int d = 0; d < D; d++)
        acc[d] += w * po[kvh][c][g][d];
    }
    for (int d = 0; d < D; d++)
      out[l][h * D + d] = acc[d] / lsum;
  }
}
int main(int argc, char **argv) {
  int ctx = atoi(argv[1]), chunk = argc > 2 ? atoi(argv[2]) : 256;
  for (int l = 0; l < L; l++) {
    K[l] = aligned_alloc(2 << 20, (size_t)KVH * S * D * 4);
    V[l] = aligned_alloc(2 << 20, (size_t)KVH * S * D * 4);
    for (size_t i = 0; i < (size_t)KVH * S * D; i++) {
      K[l][i] = (rand() % 1000) / 500.f - 1;
      V[l][i] = (rand() % 1000) / 500.f - 1;
    }
    for (int i = 0; i < H * D; i++)
      q[l][i] = (rand() % 1000) / 500.f - 1;
  }
  size_t big = (size_t)96 << 20;
  char *e = malloc(big);
  for (size_t i = 0; i < big; i += 64) // its own pages, not the zero page
    e[i] = (char)i;
  for (int l = 0; l < L; l++)
    current(l, ctx);
  memcpy(ref, out, sizeof out);
  for (int l = 0; l < L; l++)
    grouped(l, ctx, chunk);
  double err = 0;
  for (int l = 0; l < L; l++)
    for (int i = 0; i < H * D; i++) {
      double d = fabs(out[l][i] - ref[l][i]);
      if (d > err)
        err = d;
    }
  printf("max diff %.2e\n", err);
  for (int rep = 0; rep < 3; rep++) {
    double tc = 0, tg = 0;
    for (int it = 0; it < 20; it++) {
      evict(e, big);
      double t0 = now();
      for (int l = 0; l < L; l++)
        current(l, ctx);
      tc += now() - t0;
      evict(e, big);
      t0 = now();
      for (int l = 0; l < L; l++)
        grouped(l, ctx, chunk);
      tg += now() - t0;
    }
    printf("threads %d ctx %d chunk %d: current %.3f ms/step, grouped %.3f ms/step, %.2fx\n",
           omp_get_max_threads(), ctx, chunk, tc / 20 * 1e3, tg / 20 * 1e3, tc / tg);
  }
}
