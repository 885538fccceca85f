//===- NcclPluginTest.cpp - libtmc-nccl.so loads and fails clearly -*- C++ -*-===//
//
// The NCCL plugin needs a GPU to run; without one it must still load (CUDA
// and NCCL resolve) and report the CUDA failure as an error, not crash.
//
//===----------------------------------------------------------------------===//

#include "runtime/collectives/InProcessCollectives.h"
#include "runtime/collectives/LoadCollectives.h"
#include "runtime/collectives/nccl/NcclPlugin.h"

#include <gtest/gtest.h>

using namespace tmc::rt;

TEST(NcclPluginTest, LoadsAndMakesACommunicatorOrSaysWhyNot) {
  InProcessWorld world(1);
  auto collectives = openNcclCollectives(world.rank(0), /*device=*/0, /*stream=*/nullptr);
  if (collectives) {
    EXPECT_EQ((*collectives)->worldSize(), 1);
    EXPECT_STREQ((*collectives)->backendName(), "nccl");
    return;
  }
  std::string message = llvm::toString(collectives.takeError());
  EXPECT_NE(message.find("rank 0: cannot make the NCCL communicator: cudaSetDevice(0) failed"),
            std::string::npos)
      << message;
}
