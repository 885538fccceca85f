//===- TracePoints.cpp - the table of a module's trace points ---*- C++ -*-===//

#include "passes/trace/TracePoints.h"

#include "ir/Tmc/TmcDialect.h"

using namespace mlir;

llvm::SmallVector<tmc::TraceOp> tmc::numberTracePoints(ModuleOp module) {
  SmallVector<TraceOp> points;
  module.walk([&](TraceOp op) { points.push_back(op); });
  if (points.empty())
    return points;
  Builder b(module.getContext());
  SmallVector<Attribute> table;
  for (TraceOp op : points)
    table.push_back(b.getDictionaryAttr({
        b.getNamedAttr("module", op.getModuleAttr()),
        b.getNamedAttr("output", b.getBoolAttr(op.getOutput())),
        b.getNamedAttr("index", op.getIndexAttr()),
    }));
  tmcDialect(module.getContext())
      ->getTracePointsAttrHelper()
      .setAttr(module, b.getArrayAttr(table));
  return points;
}
