//===- ParallelIterations.cpp - an scf.parallel's iterations as one range -===//

#include "targets/linalg/ParallelIterations.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

using namespace mlir;

tmc::lowering::CollapsedIterations tmc::lowering::collapseIterations(OpBuilder &b, Location loc,
                                                                     scf::ParallelOp loop) {
  CollapsedIterations iterations;
  iterations.total = arith::ConstantIndexOp::create(b, loc, 1);
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  for (auto [lower, upper, step] :
       llvm::zip(loop.getLowerBound(), loop.getUpperBound(), loop.getStep())) {
    Value span = arith::SubIOp::create(b, loc, upper, lower);
    Value count = arith::CeilDivUIOp::create(b, loc, span, step);
    Value any = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sgt, upper, lower);
    iterations.trips.push_back(arith::SelectOp::create(b, loc, any, count, zero));
    iterations.total = arith::MulIOp::create(b, loc, iterations.total, iterations.trips.back());
  }
  return iterations;
}

SmallVector<Value> tmc::lowering::inductionValuesAt(OpBuilder &b, Location loc,
                                                    scf::ParallelOp loop,
                                                    const CollapsedIterations &iterations,
                                                    Value linear) {
  SmallVector<Value> ivs(loop.getNumLoops());
  Value rest = linear;
  for (int64_t dim = loop.getNumLoops() - 1; dim >= 0; --dim) {
    Value index =
        dim == 0 ? rest : arith::RemUIOp::create(b, loc, rest, iterations.trips[dim]).getResult();
    if (dim > 0)
      rest = arith::DivUIOp::create(b, loc, rest, iterations.trips[dim]);
    Value scaled = arith::MulIOp::create(b, loc, index, loop.getStep()[dim]);
    ivs[dim] = arith::AddIOp::create(b, loc, loop.getLowerBound()[dim], scaled);
  }
  return ivs;
}
