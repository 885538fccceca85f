//===- TmcDialect.cpp - the tensor-graph dialect ----------------*- C++ -*-===//
#include "ir/Tmc/TmcDialect.h"
#include "ir/Tmc/DTypes.h"
#include "ir/Tmc/TmcAttrs.h"
#include "ir/Tmc/TmcOps.h"
#include "runtime/GgmlTypes.h"

using namespace mlir;
using namespace tmc;

#include "ir/Tmc/TmcDialect.cpp.inc"

void TmcDialect::initialize() {
  registerAttributes();
  addOperations<
#define GET_OP_LIST
#include "ir/Tmc/TmcOps.cpp.inc"
      >();
}

/// The ABI attributes hold what the runtime relies on, so their shape is
/// checked where they are written, not when the manifest is read.
LogicalResult TmcDialect::verifyOperationAttribute(Operation *op, NamedAttribute attribute) {
  StringRef name = attribute.getName().getValue();
  Attribute value = attribute.getValue();
  auto expect = [&](bool ok, StringRef what) -> LogicalResult {
    if (ok)
      return success();
    return op->emitOpError("'") << name << "' must be " << what;
  };
  auto isArrayOf = [&](auto isElement) {
    auto array = dyn_cast<ArrayAttr>(value);
    return array && llvm::all_of(array, isElement);
  };
  if (name == ParamsAttrHelper::getNameStr())
    return expect(isArrayOf([](Attribute a) { return isa<TensorSpecAttr>(a); }),
                  "a list of #tmc.tensor");
  if (name == EntryPointsAttrHelper::getNameStr())
    return expect(isArrayOf([](Attribute a) { return isa<EntryPointAttr>(a); }),
                  "a list of #tmc.entry_point");
  if (name == AttentionBackendsAttrHelper::getNameStr()) {
    auto dict = dyn_cast<DictionaryAttr>(value);
    return expect(dict && llvm::all_of(dict, [](NamedAttribute entry) {
                    return isa<StringAttr>(entry.getValue());
                  }),
                  "a dictionary from layer kinds to backend names");
  }
  if (name == MaxSeqLenAttrHelper::getNameStr()) {
    auto length = dyn_cast<IntegerAttr>(value);
    return expect(length && length.getInt() > 0, "a positive integer");
  }
  if (name == BlockProductAttrHelper::getNameStr()) {
    auto format = dyn_cast<StringAttr>(value);
    return expect(format && rt::blockLayoutFromName(format.getValue()),
                  "a block layout: " + rt::blockLayoutNames());
  }
  if (name == ActivationsAttrHelper::getNameStr()) {
    auto activations = dyn_cast<StringAttr>(value);
    return expect(activations &&
                      (activations.getValue() == "int8" || activations.getValue() == "bfloat16"),
                  "\"int8\" or \"bfloat16\"");
  }
  if (name == HeadContractionAttrHelper::getNameStr())
    return expect(isa<HeadContractionAttr>(value), "a #tmc.head_contraction");
  if (name == HeadRowsAtMostAttrHelper::getNameStr()) {
    auto rows = dyn_cast<IntegerAttr>(value);
    return expect(rows && rows.getInt() > 0, "a positive integer");
  }
  if (name == TpPlanAttrHelper::getNameStr()) {
    auto dict = dyn_cast<DictionaryAttr>(value);
    return expect(dict && llvm::all_of(dict, [](NamedAttribute entry) {
                    return isa<StringAttr>(entry.getValue());
                  }),
                  "a dictionary from module names to tensor-parallel strategies");
  }
  if (name == PaddingSideAttrHelper::getNameStr()) {
    auto side = dyn_cast<StringAttr>(value);
    return expect(side && (side.getValue() == "left" || side.getValue() == "right"),
                  "\"left\" or \"right\"");
  }
  if (name == IgnoredCheckpointKeysAttrHelper::getNameStr())
    return expect(isArrayOf([](Attribute a) { return isa<StringAttr>(a); }),
                  "a list of patterns (strings)");
  if (name == WorldSizeAttrHelper::getNameStr()) {
    auto size = dyn_cast<IntegerAttr>(value);
    return expect(size && size.getInt() > 0, "a positive integer");
  }
  if (name == SplitAttrHelper::getNameStr()) {
    auto split = dyn_cast<SplitAttr>(value);
    return expect(split && split.getDim() >= 0 && split.getBlocks() >= 1,
                  "a #tmc.split with dim >= 0 and blocks >= 1");
  }
  if (name == StorageAttrHelper::getNameStr()) {
    auto storage = dyn_cast<StringAttr>(value);
    return expect(storage && (isWeightStorage(storage.getValue()) ||
                              rt::blockLayoutFromName(storage.getValue())),
                  "a weight storage: " + weightStorageNames() + ", or a block layout: " +
                      rt::blockLayoutNames());
  }
  if (name == ModelTypeAttrHelper::getNameStr() ||
      name == AttnImplementationAttrHelper::getNameStr() ||
      name == ModelClassAttrHelper::getNameStr())
    return expect(isa<StringAttr>(value), "a string");
  if (name == ModulePathAttrHelper::getNameStr())
    return expect(isa<StringAttr>(value) && !cast<StringAttr>(value).empty(),
                  "a module path (model.layers.3)");
  if (name == TracePointsAttrHelper::getNameStr())
    return expect(isArrayOf([](Attribute a) {
                    auto point = dyn_cast<DictionaryAttr>(a);
                    return point && isa_and_nonnull<StringAttr>(point.get("module")) &&
                           isa_and_nonnull<BoolAttr>(point.get("output")) &&
                           isa_and_nonnull<IntegerAttr>(point.get("index"));
                  }),
                  "a list of {module, output, index} dictionaries");
  return op->emitOpError("unknown tmc attribute '") << name << "'";
}
