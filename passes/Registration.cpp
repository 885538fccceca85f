//===- Registration.cpp - register every tmc pass ---------------*- C++ -*-===//
#include "passes/Registration.h"

#include "passes/graph/Passes.h"

void tmc::registerAllPasses() { registerGraphPasses(); }
