//===- AmxTiles.h - the process's permission to use AMX tiles ---*- C++ -*-===//
//
// Linux gives a process AMX's tile registers (XTILEDATA, 8 KiB of state per
// thread) only after it asks with arch_prctl(ARCH_REQ_XCOMP_PERM); the first
// tile instruction before that is a SIGILL. CPU models compiled with
// `--activation-dtype bfloat16` multiply on tiles (targets/cpu/
// BlockProducts.cpp), so the runtime asks before it loads a CPU model.
//
//===----------------------------------------------------------------------===//

#ifndef TMC_RUNTIME_AMXTILES_H
#define TMC_RUNTIME_AMXTILES_H

namespace tmc::rt {

/// Asks Linux for AMX tile state for this process (all its threads, those
/// started later included) when the CPU has AMX; true when the process may
/// use tiles. Safe to call again.
bool requestAmxTiles();

} // namespace tmc::rt

#endif // TMC_RUNTIME_AMXTILES_H
