//===- BlasThreads.cpp - OpenBLAS on the model's OpenMP threads -*- C++ -*-===//

#include "runtime/BlasThreads.h"

#include <dlfcn.h>
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
  dlopen(TMC_OPENBLAS_OPENMP, RTLD_NOW | RTLD_GLOBAL);
#endif
}
