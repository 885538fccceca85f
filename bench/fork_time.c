// Where a CPU artifact's step spends its time between OpenMP regions: an
// LD_PRELOAD library around libomp's __kmpc_fork_call that times every
// parallel region by the function it runs, and the gaps between one region's
// end and the next one's start (the serial code: norms, rotary, the int8
// quantization of products' inputs, the runtime's token pick), printed on
// stderr at exit. Behind docs/CPU_PERFORMANCE.md "Decode on an AMD Zen 5:
// the step beside the weights"; not part of tmc.
//
//   gcc -O2 -shared -fPIC bench/fork_time.c -o /tmp/fork_time.so -ldl
//   OMP_NUM_THREADS=1 LD_PRELOAD=/tmp/fork_time.so tmc run ART --weights W
//       --input-ids @ids.npy --max-new-tokens 101 --eos-id=-1
//
// Subtract a run with --max-new-tokens 1 (the prompt alone) for the decode
// steps. Regions are named by their outlined function where dladdr finds
// it (the outlined functions are local symbols, so mostly "?"): tell them
// apart by their number of calls (30 layers x steps) and time per call.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

typedef void (*Microtask)(int32_t *, int32_t *, ...);
typedef void (*ForkCall)(void *, int32_t, Microtask, ...);

enum { kSlots = 4096, kMaxArgs = 12 };
static void *tasks[kSlots];
static char names[kSlots][64];
static double seconds[kSlots];
static long calls[kSlots];
static double between, lastEnd;
static long regions;

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + 1e-9 * t.tv_nsec;
}

static int slotOf(void *task) {
  uintptr_t h = ((uintptr_t)task >> 4) % kSlots;
  while (tasks[h] && tasks[h] != task)
    h = (h + 1) % kSlots;
  if (!tasks[h]) {
    Dl_info info;
    tasks[h] = task;
    snprintf(names[h], sizeof names[h], "%s",
             dladdr(task, &info) && info.dli_sname ? info.dli_sname : "?");
  }
  return h;
}

void __kmpc_fork_call(void *loc, int32_t argc, Microtask task, ...) {
  static ForkCall real;
  if (!real)
    real = (ForkCall)dlsym(RTLD_NEXT, "__kmpc_fork_call");
  if (argc > kMaxArgs) {
    fprintf(stderr, "fork_time: a region with %d shared arguments (at most %d)\n", argc, kMaxArgs);
    abort();
  }
  void *a[kMaxArgs] = {0};
  va_list args;
  va_start(args, task);
  for (int i = 0; i < argc; i++)
    a[i] = va_arg(args, void *);
  va_end(args);
  double start = now();
  // Gaps of a millisecond or more are the runtime between calls, not a step.
  if (lastEnd > 0 && start - lastEnd < 1e-3)
    between += start - lastEnd;
  // The callee reads exactly argc pointers; passing more is harmless.
  real(loc, argc, task, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11]);
  lastEnd = now();
  int slot = slotOf((void *)task);
  seconds[slot] += lastEnd - start;
  calls[slot]++;
  regions++;
}

__attribute__((destructor)) static void report(void) {
  double inRegions = 0;
  for (int i = 0; i < kSlots; i++)
    inRegions += seconds[i];
  fprintf(stderr, "fork_time: %ld regions, %.4f s in them, %.4f s between them (gaps < 1 ms)\n",
          regions, inRegions, between);
  for (int i = 0; i < kSlots; i++)
    if (tasks[i] && seconds[i] > 0.01 * inRegions)
      fprintf(stderr, "fork_time: %9.4f s %8ld calls %9.2f us/call %s\n", seconds[i], calls[i],
              1e6 * seconds[i] / calls[i], names[i]);
}
