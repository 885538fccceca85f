//===- BlasThreadsTest.cpp - OpenBLAS loaded beside libomp ------*- C++ -*-===//
//
// shareOpenMPWithBlas leaves the loading thread on every CPU it had. Under
// OMP_PROC_BIND, loading the OpenMP build of OpenBLAS binds the thread to
// one CPU (libgomp's start-up), and libomp, which starts the model's
// threads afterwards, put them all on it: 2-thread decode steps took 2.5x
// as long. This process loads no OpenBLAS before the test (the runtime
// loads it with dlopen), as tmc and tmc-run do.
//
//===----------------------------------------------------------------------===//

#include "runtime/BlasThreads.h"

#include <gtest/gtest.h>

#include <sched.h>
#include <stdlib.h>

using namespace tmc::rt;

namespace {

int allowedCpus() {
  cpu_set_t cpus;
  EXPECT_EQ(sched_getaffinity(0, sizeof cpus, &cpus), 0);
  return CPU_COUNT(&cpus);
}

TEST(BlasThreads, LoadingKeepsTheThreadsCpus) {
  ASSERT_FALSE(blasLoaded()) << "this test binary must not link OpenBLAS";
  if (!openMPBlas())
    GTEST_SKIP() << "the OpenMP build of OpenBLAS (libopenblas0-openmp) is not installed";
  int before = allowedCpus();
  if (before < 2)
    GTEST_SKIP() << "one CPU: a thread bound to one CPU is not told apart";
  // Read by libgomp and libomp when they start, which is below.
  ASSERT_EQ(setenv("OMP_PROC_BIND", "true", 1), 0);
  shareOpenMPWithBlas();
  EXPECT_TRUE(blasLoaded());
  EXPECT_EQ(allowedCpus(), before);
}

} // namespace
