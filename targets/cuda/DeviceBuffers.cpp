//===- DeviceBuffers.cpp - buffers the kernels touch live on the device -*- C++ -*-===//
//
// After the loop nests became kernels and the GEMMs library calls, the host
// code only allocates, launches, calls and frees. This decides where each
// buffer lives: a buffer that a kernel, a call or a result reaches must be
// device memory; one only the host reads and writes (a shape for
// memref.reshape, the deallocation helper's pointer tables) stays host
// memory, since the host code has to fill it. Frees follow their buffer.
// Then it proves the host touches no device memory.
//
//===----------------------------------------------------------------------===//

#include "targets/cuda/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

#include "llvm/ADT/SetVector.h"

namespace tmc::cuda {
#define GEN_PASS_DEF_DEVICEBUFFERS
#include "targets/cuda/Passes.h.inc"
} // namespace tmc::cuda

using namespace mlir;

namespace {

/// The buffer `value` is a view of: through views, casts and the base
/// buffer of extract_strided_metadata.
Value rootOf(Value value) {
  while (Operation *def = value.getDefiningOp()) {
    if (auto metadata = dyn_cast<memref::ExtractStridedMetadataOp>(def)) {
      value = metadata.getSource();
    } else if (auto view = dyn_cast<ViewLikeOpInterface>(def)) {
      value = view.getViewSource();
    } else if (auto cast = dyn_cast<memref::CastOp>(def)) {
      value = cast.getSource();
    } else {
      break;
    }
  }
  return value;
}

bool inKernel(Operation *op) { return op->getParentOfType<gpu::LaunchOp>() != nullptr; }

/// True when an address computed from `value` becomes a pointer (handed to
/// a library call), rather than only being compared.
bool becomesPointer(Value value) {
  SmallVector<Value> work{value};
  while (!work.empty()) {
    Value next = work.pop_back_val();
    for (Operation *user : next.getUsers()) {
      if (isa<LLVM::IntToPtrOp>(user))
        return true;
      if (isa<arith::ArithDialect>(user->getDialect()))
        llvm::append_range(work, user->getResults());
    }
  }
  return false;
}

struct Placement {
  /// Allocations that stay host memory.
  llvm::DenseSet<Value> hostBuffers;
  /// Functions whose memref arguments are host buffers at every call.
  llvm::DenseSet<Operation *> hostFunctions;

  bool isHost(Value memref) const {
    Value root = rootOf(memref);
    if (hostBuffers.contains(root))
      return true;
    auto argument = dyn_cast<BlockArgument>(root);
    return argument && hostFunctions.contains(argument.getOwner()->getParentOp()) &&
           isa<func::FuncOp>(argument.getOwner()->getParentOp());
  }
};

/// Whether a use of a buffer (or of a view of it) needs it in device memory.
bool needsDevice(OpOperand &use, const llvm::DenseSet<Operation *> &hostFunctions,
                 ModuleOp module) {
  Operation *user = use.getOwner();
  if (inKernel(user) || isa<func::ReturnOp>(user))
    return true;
  if (auto call = dyn_cast<func::CallOp>(user)) {
    auto callee = module.lookupSymbol<func::FuncOp>(call.getCallee());
    return !callee || !hostFunctions.contains(callee);
  }
  if (auto pointer = dyn_cast<memref::ExtractAlignedPointerAsIndexOp>(user))
    return becomesPointer(pointer.getResult());
  if (auto metadata = dyn_cast<memref::ExtractStridedMetadataOp>(user))
    return becomesPointer(metadata.getOffset());
  return false;
}

/// True when some use of `buffer` or of a view of it needs device memory.
bool reachesDevice(Value buffer, const llvm::DenseSet<Operation *> &hostFunctions,
                   ModuleOp module) {
  SmallVector<Value> work{buffer};
  while (!work.empty()) {
    Value next = work.pop_back_val();
    for (OpOperand &use : next.getUses()) {
      Operation *user = use.getOwner();
      if (needsDevice(use, hostFunctions, module))
        return true;
      bool isSource = false;
      if (auto view = dyn_cast<ViewLikeOpInterface>(user))
        isSource = view.getViewSource() == next;
      if (isSource || isa<memref::CastOp>(user) ||
          (isa<memref::ExtractStridedMetadataOp>(user)))
        work.push_back(user->getResult(0));
    }
  }
  return false;
}

/// Host functions: private functions called only with host buffers (the
/// deallocation helper). Grows the host sets together until they settle.
Placement place(ModuleOp module) {
  Placement placement;
  SmallVector<memref::AllocOp> allocs;
  module.walk([&](memref::AllocOp alloc) {
    if (!inKernel(alloc))
      allocs.push_back(alloc);
  });
  // Start from every private callee being host; remove the ones some call
  // passes a device buffer, until nothing changes.
  module.walk([&](func::FuncOp func) {
    if (func.isPrivate() && !func.isExternal())
      placement.hostFunctions.insert(func);
  });
  bool changed = true;
  while (changed) {
    changed = false;
    placement.hostBuffers.clear();
    for (memref::AllocOp alloc : allocs)
      if (!reachesDevice(alloc.getResult(), placement.hostFunctions, module))
        placement.hostBuffers.insert(alloc.getResult());
    module.walk([&](func::CallOp call) {
      auto callee = module.lookupSymbol<func::FuncOp>(call.getCallee());
      if (!callee || !placement.hostFunctions.contains(callee))
        return;
      for (Value operand : call.getOperands())
        if (isa<MemRefType>(operand.getType()) && !placement.isHost(operand)) {
          placement.hostFunctions.erase(callee);
          changed = true;
          return;
        }
    });
  }
  return placement;
}

struct DeviceBuffers : public tmc::cuda::impl::DeviceBuffersBase<DeviceBuffers> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    Placement placement = place(module);

    // The host touches only host buffers.
    WalkResult checked = module.walk([&](Operation *op) {
      Value memref;
      if (auto load = dyn_cast<memref::LoadOp>(op))
        memref = load.getMemref();
      else if (auto store = dyn_cast<memref::StoreOp>(op))
        memref = store.getMemref();
      if (!memref || inKernel(op) || placement.isHost(memref))
        return WalkResult::advance();
      Value root = rootOf(memref);
      if (auto global = root.getDefiningOp<memref::GetGlobalOp>()) {
        op->emitOpError("reads the constant @")
            << global.getName()
            << " on the host; the CUDA target keeps constants only as kernel immediates";
      } else {
        op->emitOpError("runs on the host but its buffer is in device memory; the CUDA target "
                        "turns only loop nests of linalg ops into kernels");
      }
      return WalkResult::interrupt();
    });
    if (checked.wasInterrupted())
      return signalPassFailure();
    WalkResult constants = module.walk([&](memref::GetGlobalOp global) {
      for (Operation *user : global->getUsers())
        if (inKernel(user)) {
          user->emitOpError("reads the constant @")
              << global.getName()
              << " in a kernel, but globals live in host memory; fold it into the kernel "
                 "(tmc-cuda-fuse-elementwise folds splats)";
          return WalkResult::interrupt();
        }
      return WalkResult::advance();
    });
    if (constants.wasInterrupted())
      return signalPassFailure();

    // Device buffers come from the runtime's stream-ordered allocator.
    SmallVector<memref::AllocOp> deviceAllocs;
    module.walk([&](memref::AllocOp alloc) {
      if (!inKernel(alloc) && !placement.hostBuffers.contains(alloc.getResult()))
        deviceAllocs.push_back(alloc);
    });
    SmallVector<memref::DeallocOp> deallocs;
    module.walk([&](memref::DeallocOp dealloc) {
      if (!placement.isHost(dealloc.getMemref()))
        deallocs.push_back(dealloc);
    });
    // gpu-to-llvm lowers only the async forms: each is one step on a stream,
    // which the runtime's mgpu functions map onto the executor's one stream.
    Type token = gpu::AsyncTokenType::get(&getContext());
    auto onStream = [&](OpBuilder &b, Location loc, auto build) {
      Value start = gpu::WaitOp::create(b, loc, token, ValueRange{}).getAsyncToken();
      Value done = build(start);
      gpu::WaitOp::create(b, loc, Type(), ValueRange{done});
    };
    for (memref::DeallocOp dealloc : deallocs) {
      OpBuilder b(dealloc);
      onStream(b, dealloc.getLoc(), [&](Value start) {
        return gpu::DeallocOp::create(b, dealloc.getLoc(), token, ValueRange{start},
                                      dealloc.getMemref())
            .getAsyncToken();
      });
      dealloc.erase();
    }
    for (memref::AllocOp alloc : deviceAllocs) {
      OpBuilder b(alloc);
      onStream(b, alloc.getLoc(), [&](Value start) {
        auto device = gpu::AllocOp::create(b, alloc.getLoc(), alloc.getType(), token,
                                           ValueRange{start}, alloc.getDynamicSizes(),
                                           alloc.getSymbolOperands(), /*hostShared=*/false);
        alloc.replaceAllUsesWith(device.getMemref());
        return device.getAsyncToken();
      });
      alloc.erase();
    }
  }
};
} // namespace
