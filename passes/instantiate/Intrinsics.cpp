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
#include "passes/instantiate/TensorOps.h"

#include "ir/Tmc/TmcOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include "llvm/ADT/ScopeExit.h"
#include "llvm/Support/FormatVariadic.h"

#include <cmath>

using namespace mlir;

namespace tmc::instantiate {


namespace {

/// What a decode-entry attention layer attends to.
struct CachedKeys {
  TensorObj *key, *value, *keyMask;
};

/// Decode: the layer's new keys and values `k`, `v` go into its caches at
/// position past = kv - new (the entry's attention_mask is (batch, kv)). A
/// full layer then reads the cache's first kv positions. A sliding layer
/// whose window is shorter than max-seq-len keeps a ring of `window` slots
/// and attends to the ring's window (read before the write overwrites its
/// oldest slots) followed by the new keys, under the matching key mask.
CachedKeys throughCache(Graph &graph, TensorObj *k, TensorObj *v, TensorObj *keyMask,
                        std::optional<int64_t> window, Location loc) {
  Graph::Decode &decode = graph.decode();
  if (keyMask->dims.size() != 2 || keyMask->dims[1] != Dim::symbol(decode.kvSym))
    fail(loc, "attention in the decode entry needs the decode entry's attention_mask "
              "(batch, past + new) as its key mask, got " + shapeString(keyMask->dims));
  if (k->dims[2] != Dim::symbol(decode.newSym))
    fail(loc, "attention in the decode entry: key " + shapeString(k->dims) +
                  " does not have the new tokens' length");
  if (!k->dims[1].isStatic() || !k->dims[3].isStatic())
    fail(loc, "attention in the decode entry: key/value heads and head_dim must be static");
  OpBuilder &b = graph.b();
  unsigned layer = decode.nextAttention++;
  mlir::Value kv = graph.symValue(decode.kvSym, loc);
  mlir::Value position = arith::SubIOp::create(b, loc, kv, graph.symValue(decode.newSym, loc));
  bool ring = window && *window < decode.maxSeqLen;
  SmallVector<Dim> cacheDims{k->dims[0], k->dims[1],
                             Dim::fixed(ring ? *window : decode.maxSeqLen), k->dims[3]};
  int keysSym = ring ? graph.newSymbol() : decode.kvSym; // ring: window + new
  SmallVector<Dim> keyDims{k->dims[0], k->dims[1], Dim::symbol(keysSym), k->dims[3]};
  TensorObj *attended[2];
  for (unsigned which = 0; which < 2; ++which) {
    TensorObj *update = which ? v : k;
    Type type = update->elementType;
    // kv-cache-dtype: the cache holds the keys rounded to its type, and
    // attention reads them widened back (targets may fuse the widening
    // into their reads of the cache).
    Type cacheType = decode.cacheType ? decode.cacheType : type;
    TensorOps ops{graph, loc};
    unsigned slot = 2 * layer + which;
    TensorObj *cache = graph.cacheValue(slot);
    if (!cache) {
      std::string name = "cache." + std::to_string(layer) + (which ? ".value" : ".key");
      cache = graph.addEntryArgument(name, cacheDims, cacheType, loc);
      graph.makeCacheSlot(slot, cache);
    }
    mlir::Value cacheValue = graph.use(cache);
    TensorObj *windowRead = ring ? ops.cast(graph.createTensor<KvCacheWindowOp>(
                                                loc, cacheDims, cacheType, cacheValue, position),
                                            type)
                                 : nullptr;
    TensorObj *stored = ops.cast(update, cacheType);
    TensorObj *written = graph.createTensor<KvCacheWriteOp>(loc, cacheDims, cacheType, cacheValue,
                                                            graph.use(stored), position, ring);
    graph.setCacheValue(slot, written);
    if (!ring) {
      attended[which] = ops.cast(
          graph.createTensor<KvCacheReadOp>(loc, keyDims, cacheType, graph.use(written), kv), type);
      continue;
    }
    // The new keys as the cache holds them, as the window's older ones are.
    mlir::Value parts[] = {graph.use(windowRead), graph.use(ops.cast(stored, type))};
    attended[which] = graph.createTensor<ConcatOp>(loc, keyDims, type, parts, /*dim=*/2);
    graph.defineSymbol(keysSym, tensor::DimOp::create(b, loc, graph.use(attended[which]), 2));
  }
  if (ring)
    keyMask = graph.createTensor<KvCacheWindowMaskOp>(
        loc, {keyMask->dims[0], Dim::symbol(keysSym)}, keyMask->elementType, graph.use(keyMask),
        position, *window);
  return {attended[0], attended[1], keyMask};
}

} // namespace

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

  auto keyMaskOf = [&](PyValue keyMask) -> TensorObj * {
    if (keyMask.isNone())
      return nullptr;
    TensorObj *t = tensorOf(keyMask, loc, "attention_mask");
    if (t->dims.size() != 2 || !isa<IntegerType>(t->elementType))
      fail(loc, "attention_mask must be a 2-D integer tensor (batch, seq), got " +
                    shapeString(t->dims));
    return t;
  };

  if (name == "bidirectional_mask") {
    // As the Python body: no attention_mask, no mask.
    TensorObj *keyMask = keyMaskOf(param("attention_mask"));
    if (!keyMask)
      return PyValue::none();
    auto *mask = create<MaskObj>();
    mask->keyMask = keyMask;
    mask->causal = false;
    return PyValue::object(Kind::Mask, mask);
  }

  if (name == "causal_mask") {
    auto *mask = create<MaskObj>();
    mask->keyMask = keyMaskOf(param("attention_mask"));
    auto positive = [&](llvm::StringRef key) -> std::optional<int64_t> {
      PyValue v = optionalParam(key);
      if (v.isNone())
        return std::nullopt;
      int64_t n = toInt(v, loc, key);
      if (n <= 0)
        fail(loc, key + " must be positive, got " + std::to_string(n));
      return n;
    };
    mask->slidingWindow = positive("sliding_window");
    mask->chunkSize = positive("chunk_size");
    if (mask->slidingWindow && mask->chunkSize)
      fail(loc, "a mask is either sliding (sliding_window) or chunked (chunk_size), not both");
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
      fail(loc, "attention_mask must come from a @compiles_to(\"causal_mask\") or "
                "@compiles_to(\"bidirectional_mask\") function, not " +
                    repr(maskValue));
    PyValue scaling = optionalParam("scaling");
    double scale = scaling.isNone() ? 1.0 / std::sqrt(double(q->dims[3].size))
                                    : toFloat(scaling, loc, "scaling");
    std::optional<int64_t> window = mask ? mask->slidingWindow : std::nullopt;
    PyValue windowParam = optionalParam("sliding_window");
    if (!windowParam.isNone())
      window = toInt(windowParam, loc, "sliding_window");
    std::optional<int64_t> chunk = mask ? mask->chunkSize : std::nullopt;
    if (window && chunk)
      fail(loc, "attention: a layer is either sliding (sliding_window) or chunked (chunk_size)");
    PyValue softcap = optionalParam("softcap");
    TensorObj *keyMask = mask ? mask->keyMask : nullptr;

    OpBuilder &b = graph.b();
    if (graph.decode().active) {
      if (!keyMask)
        fail(loc, "attention in the decode entry needs the mask of a @compiles_to(\"causal_mask\") "
                  "function given the attention_mask");
      CachedKeys cached = throughCache(graph, k, v, keyMask, window, loc);
      k = cached.key;
      v = cached.value;
      keyMask = cached.keyMask;
    }
    mlir::Value query = graph.use(q), key = graph.use(k), value = graph.use(v);
    mlir::Value keyMaskValue = keyMask ? graph.use(keyMask) : mlir::Value();
    FloatAttr softcapAttr =
        softcap.isNone() ? FloatAttr() : b.getF64FloatAttr(toFloat(softcap, loc, "softcap"));
    TensorObj *out = graph.createTensor<AttentionOp>(
        loc, q->dims, q->elementType, query, key, value, keyMaskValue, b.getF64FloatAttr(scale),
        mask && mask->causal ? b.getUnitAttr() : UnitAttr(), window ? b.getI64IntegerAttr(*window) : IntegerAttr(),
        chunk ? b.getI64IntegerAttr(*chunk) : IntegerAttr(), softcapAttr, /*backend=*/StringAttr());
    // The attention functions return (batch, seq, heads, head_dim).
    TensorObj *result = graph.createTensor<TransposeOp>(
        loc, {q->dims[0], q->dims[2], q->dims[1], q->dims[3]}, q->elementType, graph.use(out),
        ArrayRef<int64_t>{0, 2, 1, 3});
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
      mlir::Value input = graph.use(x), positions = graph.use(rope->positions);
      tensors.push_back(makeTensor(graph.createTensor<RopeOp>(
          loc, x->dims, x->elementType, input, positions, b.getF64FloatAttr(rope->theta),
          b.getI64IntegerAttr(rope->dim), b.getF64FloatAttr(rope->scalingFactor),
          name == "rope_interleaved" ? b.getUnitAttr() : UnitAttr())));
    }
    return makeTuple(tensors);
  }

  fail(loc, "unknown @compiles_to(\"" + name + "\") on " + fn.getSymName() +
                "; functions may compile to: causal_mask, bidirectional_mask, attention, rope, "
                "rope_interleaved");
}

PyValue Interpreter::callRotaryEmbedding(InstanceObj *inst, const CallArgs &args, Location loc) {
  CallStackEntry entry(*this, loc);
  Bound bound(*this, "x, position_ids", args, inst->cls->name() + ".forward", loc);
  PyValue self = PyValue::object(Kind::Instance, inst);
  TensorObj *positions = tensorOf(bound["position_ids"], loc, "position_ids");
  if (positions->dims.size() != 2 || !isa<IntegerType>(positions->elementType))
    fail(loc, "position_ids must be a 2-D integer tensor (batch or 1, seq), got " +
                  shapeString(positions->dims));
  std::string savedPath = graph.getPath();
  graph.setPath(inst->path());
  llvm::scope_exit restorePath([&] { graph.setPath(savedPath); });
  if (positions->dims[0] == Dim::fixed(1)) {
    // (1, seq): one row of positions for every sequence.
    SmallVector<Dim> dims{positions->dims[1]};
    mlir::Value input = graph.use(positions);
    SmallVector<mlir::Value> sizes;
    if (!dims[0].isStatic())
      sizes.push_back(graph.symValue(dims[0].sym, loc));
    positions = graph.createTensor<ReshapeOp>(loc, dims, positions->elementType, input, sizes);
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
