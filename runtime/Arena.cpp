//===- Arena.cpp - the scratch memory of compiled calls ---------*- C++ -*-===//
#include "runtime/Arena.h"

#include <cstring>

using namespace tmc::rt;

Arena::Arena(int64_t size) : bytes(size) {
  if (size <= 0)
    return;
  constexpr int64_t kPage = 4096;
  int64_t rounded = (size + kPage - 1) / kPage * kPage;
  memory.reset(static_cast<char *>(std::aligned_alloc(kPage, rounded)));
  if (memory)
    std::memset(memory.get(), 0, rounded);
}
