//===- BlasThreads.h - OpenBLAS on the model's OpenMP threads ---*- C++ -*-===//
//
// A compiled CPU model runs its own parallel loops on OpenMP (libomp) and
// its f32 matmuls in OpenBLAS. Debian's default OpenBLAS keeps a pthread pool
// of its own, so a prompt alternates between two pools whose idle workers
// spin while the other pool's run: on 2 cores a 2-thread bf16 prefill spent
// 22% of its samples in libomp's spin and decode steps lost 15-20%
// (docs/CPU_PERFORMANCE.md). Debian's OpenMP build of OpenBLAS
// (libopenblas0-openmp) calls libgomp's GOMP_* entry points, which libomp
// implements; loaded after libomp, its products run on libomp's threads, one
// pool for the whole model, and a product called from inside a parallel loop
// runs on that loop's thread.
//
//===----------------------------------------------------------------------===//

#ifndef TMC_RUNTIME_BLASTHREADS_H
#define TMC_RUNTIME_BLASTHREADS_H

#include "llvm/ADT/ArrayRef.h"

namespace tmc::rt {

/// Before a CPU model library loads: loads libomp, then the OpenMP build of
/// OpenBLAS, process-wide, so that the library's libopenblas.so.0 is that
/// build and its threads are libomp's. Nothing when OpenBLAS is loaded
/// already or the OpenMP build is not installed (the pthread build is
/// used, with its own threads). Safe to call again.
void shareOpenMPWithBlas();

/// Whether the process has loaded an OpenBLAS (either build) already.
bool blasLoaded();

/// Whether the process's OpenBLAS is (or, loaded now, would be) the OpenMP
/// build.
bool openMPBlas();

/// The environment variables that set the threads of the OpenBLAS this
/// process loads, in OpenBLAS's order of precedence: OMP_NUM_THREADS alone
/// for the OpenMP build, which ignores the others.
llvm::ArrayRef<const char *> blasThreadVariables();

} // namespace tmc::rt

#endif // TMC_RUNTIME_BLASTHREADS_H
