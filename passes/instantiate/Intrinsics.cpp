//===- Intrinsics.cpp - functions marked @compiles_to -----------*- C++ -*-===//
//
// A model file marks the functions whose bodies tmc must not trace op by op:
// the causal mask (tracing it would materialize a [seq, seq] tensor), the
// attention functions (one tmc.attention whose backend a pass picks), the
// rotary embedding and its application (one tmc.rope). Their Python bodies
// stay the PyTorch meaning; the e2e tests compare the two. Arguments are
// read by parameter name, so a model may add parameters freely.
//
//===----------------------------------------------------------------------===//

#include "passes/instantiate/Interpreter.h"

#include "ir/Tmc/TmcOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

#include "llvm/ADT/ScopeExit.h"
#include "llvm/Support/FormatVariadic.h"

#include <cmath>

using namespace mlir;

namespace tmc::instantiate {


PyValue Interpreter::callIntrinsic(llvm::StringRef name, mdl::DefOp fn, const CallArgs &args,
                                 Location loc) {
  CallStackEntry entry(*this, loc);
  llvm::StringMap<PyValue> params = bindArguments(fn, nullptr, std::nullopt, args, loc);
  auto param = [&](llvm::StringRef key) -> PyValue {
    auto it = params.find(key);
    if (it == params.end())
      fail(fn.getLoc(), "@compiles_to(\"" + name + "\") function " + fn.getSymName() +
                            " needs a parameter named '" + key + "'");
    return it->second;
  };
  auto optionalParam = [&](llvm::StringRef key) -> PyValue {
    auto it = params.find(key);
    return it == params.end() ? PyValue::none() : it->second;
  };

  if (name == "causal_mask") {
    auto *mask = create<MaskObj>();
    PyValue keyMask = param("attention_mask");
    if (!keyMask.isNone()) {
      TensorObj *t = tensorOf(keyMask, loc, "attention_mask");
      if (t->dims.size() != 2 || !isa<IntegerType>(t->elementType))
        fail(loc, "attention_mask must be a 2-D integer tensor (batch, seq), got " +
                      shapeString(t->dims));
      mask->keyMask = t;
    }
    PyValue window = optionalParam("sliding_window");
    if (!window.isNone()) {
      int64_t w = toInt(window, loc, "sliding_window");
      if (w <= 0)
        fail(loc, "sliding_window must be positive, got " + std::to_string(w));
      mask->slidingWindow = w;
    }
    return PyValue::object(Kind::Mask, mask);
  }

  if (name == "attention") {
    TensorObj *q = tensorOf(param("query"), loc, "query");
    TensorObj *k = tensorOf(param("key"), loc, "key");
    TensorObj *v = tensorOf(param("value"), loc, "value");
    if (q->dims.size() != 4 || k->dims.size() != 4 || v->dims.size() != 4)
      fail(loc, "attention takes query, key, value as (batch, heads, seq, head_dim)");
    if (!q->dims[1].isStatic() || !k->dims[1].isStatic() || q->dims[1].size % k->dims[1].size)
      fail(loc, llvm::formatv("attention: {0} query heads are not a multiple of {1} key/value "
                              "heads",
                              q->dims[1].size, k->dims[1].size));
    if (q->dims[3] != k->dims[3] || k->dims != v->dims)
      fail(loc, "attention: query " + shapeString(q->dims) + ", key " + shapeString(k->dims) +
                    " and value " + shapeString(v->dims) + " do not agree");
    PyValue maskValue = param("attention_mask");
    MaskObj *mask = nullptr;
    if (maskValue.kind == Kind::Mask)
      mask = maskValue.as<MaskObj>();
    else if (!maskValue.isNone())
      fail(loc, "attention_mask must come from a @compiles_to(\"causal_mask\") function, not " +
                    repr(maskValue));
    PyValue scaling = optionalParam("scaling");
    double scale = scaling.isNone() ? 1.0 / std::sqrt(double(q->dims[3].size))
                                    : toFloat(scaling, loc, "scaling");
    std::optional<int64_t> window = mask ? mask->slidingWindow : std::nullopt;
    PyValue windowParam = optionalParam("sliding_window");
    if (!windowParam.isNone())
      window = toInt(windowParam, loc, "sliding_window");
    PyValue softcap = optionalParam("softcap");

    OpBuilder &b = graph.b();
    Graph::Decode &decode = graph.decode();
    if (decode.active) {
      // Decode: the new keys and values go into this layer's cache at
      // position past = kv - new; attention reads the cache's first kv
      // positions, masked by the 2-D attention_mask (batch, kv).
      if (!mask || !mask->keyMask)
        fail(loc, "attention in the decode entry needs the mask of a @compiles_to(\"causal_mask\") "
                  "function given the attention_mask");
      if (mask->keyMask->dims.size() != 2 || mask->keyMask->dims[1] != Dim::symbol(decode.kvSym))
        fail(loc, "attention in the decode entry needs the decode entry's attention_mask "
                  "(batch, past + new) as its key mask, got " + shapeString(mask->keyMask->dims));
      if (k->dims[2] != Dim::symbol(decode.newSym))
        fail(loc, "attention in the decode entry: key " + shapeString(k->dims) +
                      " does not have the new tokens' length");
      if (!k->dims[1].isStatic() || !k->dims[3].isStatic())
        fail(loc, "attention in the decode entry: key/value heads and head_dim must be static");
      unsigned layer = decode.nextAttention++;
      StringAttr path = graph.path();
      mlir::Value kv = graph.symValue(decode.kvSym, loc);
      mlir::Value fresh = graph.symValue(decode.newSym, loc);
      mlir::Value position = arith::SubIOp::create(b, loc, kv, fresh);
      SmallVector<Dim> cacheDims{k->dims[0], k->dims[1], Dim::fixed(decode.maxSeqLen), k->dims[3]};
      SmallVector<Dim> readDims{k->dims[0], k->dims[1], Dim::symbol(decode.kvSym), k->dims[3]};
      TensorObj *read[2];
      for (unsigned which = 0; which < 2; ++which) {
        TensorObj *update = which ? v : k;
        unsigned slot = 2 * layer + which;
        TensorObj *cache = graph.cacheValue(slot);
        if (!cache) {
          std::string name = "cache." + std::to_string(layer) + (which ? ".value" : ".key");
          cache = graph.addEntryArgument(name, cacheDims, update->elementType, loc);
          graph.makeCacheSlot(slot, cache);
        }
        OperationState write(loc, "tmc.kv_cache_write");
        write.addOperands({graph.use(cache), graph.use(update), position});
        write.addTypes(graph.typeOf(cacheDims, update->elementType));
        if (path)
          write.addAttribute("path", path);
        TensorObj *written = graph.make(b.create(write)->getResult(0), cacheDims);
        graph.setCacheValue(slot, written);
        OperationState readState(loc, "tmc.kv_cache_read");
        readState.addOperands({graph.use(written), kv});
        readState.addTypes(graph.typeOf(readDims, update->elementType));
        if (path)
          readState.addAttribute("path", path);
        read[which] = graph.make(b.create(readState)->getResult(0), readDims);
      }
      k = read[0];
      v = read[1];
    }
    SmallVector<mlir::Value> operands{graph.use(q), graph.use(k), graph.use(v)};
    if (mask && mask->keyMask)
      operands.push_back(graph.use(mask->keyMask));
    OperationState state(loc, "tmc.attention");
    state.addOperands(operands);
    state.addTypes(graph.typeOf(q->dims, q->elementType));
    state.addAttribute("scale", b.getF64FloatAttr(scale));
    if (mask)
      state.addAttribute("causal", b.getUnitAttr());
    if (window)
      state.addAttribute("sliding_window", b.getI64IntegerAttr(*window));
    if (!softcap.isNone())
      state.addAttribute("softcap", b.getF64FloatAttr(toFloat(softcap, loc, "softcap")));
    if (StringAttr path = graph.path())
      state.addAttribute("path", path);
    Operation *op = b.create(state);
    TensorObj *out = graph.make(op->getResult(0), q->dims);
    // The attention functions return (batch, seq, heads, head_dim).
    SmallVector<Dim> dims{q->dims[0], q->dims[2], q->dims[1], q->dims[3]};
    OperationState transpose(loc, "tmc.transpose");
    transpose.addOperands(graph.use(out));
    transpose.addTypes(graph.typeOf(dims, q->elementType));
    transpose.addAttribute("permutation", b.getDenseI64ArrayAttr({0, 2, 1, 3}));
    if (StringAttr path = graph.path())
      transpose.addAttribute("path", path);
    TensorObj *result = graph.make(b.create(transpose)->getResult(0), dims);
    return makeTuple({makeTensor(result), PyValue::none()});
  }

  if (name == "rope" || name == "rope_interleaved") {
    std::vector<PyValue> tensors;
    ArrayAttr names = fn.getParams();
    if (names.size() < 4)
      fail(fn.getLoc(), "@compiles_to(\"" + name + "\") needs parameters (q, k, cos, sin, ...)");
    auto nameAt = [&](unsigned i) { return cast<StringAttr>(names[i]).getValue(); };
    PyValue cos = params.lookup(nameAt(2)), sin = params.lookup(nameAt(3));
    if (cos.kind != Kind::Rope || sin.kind != Kind::Rope)
      fail(loc, "cos and sin must come from a @compiles_to(\"rotary_embedding\") module");
    PyValue unsqueeze = optionalParam("unsqueeze_dim");
    if (!unsqueeze.isNone() && toInt(unsqueeze, loc, "unsqueeze_dim") != 1)
      fail(loc, "tmc.rope takes q and k as (batch, heads, seq, head_dim): unsqueeze_dim 1");
    RopeObj *rope = cos.as<RopeObj>();
    OpBuilder &b = graph.b();
    for (unsigned i = 0; i < 2; ++i) {
      TensorObj *x = tensorOf(params.lookup(nameAt(i)), loc, nameAt(i));
      if (x->dims.size() != 4 || !x->dims[3].isStatic())
        fail(loc, nameAt(i) + " must be (batch, heads, seq, head_dim), got " + shapeString(x->dims));
      if (rope->dim > x->dims[3].size || rope->dim % 2)
        fail(loc, llvm::formatv("the rotary dimension {0} must be even and at most head_dim {1}",
                                rope->dim, x->dims[3].size));
      OperationState state(loc, "tmc.rope");
      state.addOperands({graph.use(x), graph.use(rope->positions)});
      state.addTypes(graph.typeOf(x->dims, x->elementType));
      state.addAttribute("theta", b.getF64FloatAttr(rope->theta));
      state.addAttribute("rotary_dim", b.getI64IntegerAttr(rope->dim));
      if (rope->scalingFactor != 1.0)
        state.addAttribute("scaling_factor", b.getF64FloatAttr(rope->scalingFactor));
      if (name == "rope_interleaved")
        state.addAttribute("interleaved", b.getUnitAttr());
      if (StringAttr path = graph.path())
        state.addAttribute("path", path);
      tensors.push_back(makeTensor(graph.make(b.create(state)->getResult(0), x->dims)));
    }
    return makeTuple(tensors);
  }

  fail(loc, "unknown @compiles_to(\"" + name + "\") on " + fn.getSymName() +
                "; functions may compile to: causal_mask, attention, rope, rope_interleaved");
}

PyValue Interpreter::callRotaryEmbedding(InstanceObj *inst, const CallArgs &args, Location loc) {
  CallStackEntry entry(*this, loc);
  Bound bound(args, {"x", "position_ids"}, inst->cls->name().str() + ".forward", loc);
  PyValue self = PyValue::object(Kind::Instance, inst);
  TensorObj *positions = tensorOf(bound["position_ids"], loc, "position_ids");
  if (positions->dims.size() != 2 || !isa<IntegerType>(positions->elementType))
    fail(loc, "position_ids must be a 2-D integer tensor (batch or 1, seq), got " +
                  shapeString(positions->dims));
  std::string savedPath = graph.getPath();
  graph.setPath(inst->path());
  auto restorePath = llvm::make_scope_exit([&] { graph.setPath(savedPath); });
  if (positions->dims[0] == Dim::fixed(1)) {
    // (1, seq): one row of positions for every sequence.
    SmallVector<Dim> dims{positions->dims[1]};
    OperationState state(loc, "tmc.reshape");
    state.addOperands(graph.use(positions));
    if (!dims[0].isStatic())
      state.addOperands(graph.symValue(dims[0].sym, loc));
    state.addTypes(graph.typeOf(dims, positions->elementType));
    if (StringAttr path = graph.path())
      state.addAttribute("path", path);
    positions = graph.make(graph.b().create(state)->getResult(0), dims);
  }
  auto *cosObj = create<RopeObj>();
  cosObj->positions = positions;
  cosObj->theta = toFloat(getAttr(self, "rope_theta", loc), loc, "rope_theta");
  cosObj->dim = toInt(getAttr(self, "dim", loc), loc, "dim");
  if (std::optional<PyValue> scaling = findAttr(self, "attention_scaling"))
    if (!scaling->isNone() && toFloat(*scaling, loc, "attention_scaling") != 1.0)
      fail(loc, "rotary attention_scaling other than 1.0 is not supported yet");
  auto *sinObj = create<RopeObj>();
  *sinObj = *cosObj;
  sinObj->isSin = true;
  return makeTuple({PyValue::object(Kind::Rope, cosObj), PyValue::object(Kind::Rope, sinObj)});
}

} // namespace tmc::instantiate
