//===- BlasThreads.cpp - OpenBLAS on the model's OpenMP threads -*- C++ -*-===//

#include "runtime/BlasThreads.h"

#include <dlfcn.h>
#include <sched.h>
#include <unistd.h>

using namespace tmc::rt;

bool tmc::rt::blasLoaded() {
  void *loaded = dlopen("libopenblas.so.0", RTLD_LAZY | RTLD_NOLOAD);
  if (loaded)
    dlclose(loaded);
  return loaded;
}

bool tmc::rt::openMPBlas() {
#ifdef TMC_OPENBLAS_OPENMP
  if (void *loaded = dlopen(TMC_OPENBLAS_OPENMP, RTLD_LAZY | RTLD_NOLOAD)) {
    dlclose(loaded);
    return true;
  }
  return !blasLoaded() && access(TMC_OPENBLAS_OPENMP, R_OK) == 0;
#else
  return false;
#endif
}

llvm::ArrayRef<const char *> tmc::rt::blasThreadVariables() {
  static const char *const openMP[] = {"OMP_NUM_THREADS"};
  static const char *const pthreads[] = {"OPENBLAS_NUM_THREADS", "GOTO_NUM_THREADS",
                                         "OMP_NUM_THREADS"};
  if (openMPBlas())
    return openMP;
  return pthreads;
}

void tmc::rt::shareOpenMPWithBlas() {
#ifdef TMC_OPENBLAS_OPENMP
  if (blasLoaded())
    return; // the process chose its OpenBLAS already
  // libomp first: the symbols OpenBLAS looks up (GOMP_parallel, omp_*) bind
  // to the first library in the global scope that defines them, and the
  // OpenMP build's own dependency, libgomp, defines them too.
  if (!dlopen("libomp.so.5", RTLD_NOW | RTLD_GLOBAL))
    return;
  // Under OMP_PROC_BIND, loading the OpenMP build (libgomp's start-up) binds
  // the loading thread to one CPU; libomp, which starts the model's threads
  // later, would then see that one CPU and put every thread on it (2
  // threads at half the speed of one each). The thread's CPUs are given
  // back once it is loaded.
  cpu_set_t cpus;
  bool saved = sched_getaffinity(0, sizeof cpus, &cpus) == 0;
  dlopen(TMC_OPENBLAS_OPENMP, RTLD_NOW | RTLD_GLOBAL);
  if (saved)
    sched_setaffinity(0, sizeof cpus, &cpus);
#endif
}
