//===- NnOps.cpp - linear algebra, rope and attention in ATen -------------===//
//
// The model-level ops of the LibTorch executor. Each follows the code of
// Hugging Face transformers line by line (named in the comments), because the
// executor is the numerics reference: where transformers computes in f32 and
// casts back, so does this file, in the same order.
//
//===----------------------------------------------------------------------===//

#include "runtime/torch/TorchOps.h"

#include "ir/Tmc/TmcOps.h"

#include "llvm/ADT/TypeSwitch.h"

#include <limits>

using namespace mlir;

namespace tmc::rt::detail {
namespace {

/// The rotation of one half of the rotary features: Llama's `rotate_half`
/// (`cat(-x2, x1)` with x1, x2 the two halves) or GLM's interleaved one
/// (`stack(-x[1::2], x[0::2]).flatten(-2)`).
at::Tensor rotate(const at::Tensor &x, bool interleaved) {
  if (interleaved) {
    at::Tensor x1 = x.slice(-1, 0, std::numeric_limits<int64_t>::max(), 2);
    at::Tensor x2 = x.slice(-1, 1, std::numeric_limits<int64_t>::max(), 2);
    return at::stack({-x2, x1}, -1).flatten(-2);
  }
  int64_t half = x.size(-1) / 2;
  return at::cat({-x.slice(-1, half), x.slice(-1, 0, half)}, -1);
}

/// transformers' rotary embedding: `_compute_default_rope_parameters` for the
/// inverse frequencies (computed on the CPU, as the module's buffer is, and
/// divided by the factor as `_compute_linear_scaling_rope_parameters` does),
/// `LlamaRotaryEmbedding.forward` for the f32 angles and their cos/sin in the
/// input dtype, and `apply_rotary_pos_emb` of Llama (rotate_half, partial
/// rotary as in Phi-3) or GLM (interleaved).
at::Tensor rope(RopeOp op, const at::Tensor &x, const at::Tensor &positions) {
  int64_t rotaryDim = op.getRotaryDim();
  if (rotaryDim <= 0 || rotaryDim % 2 != 0 || rotaryDim > x.size(3))
    fail("rotary_dim " + llvm::Twine(rotaryDim) + " does not fit head_dim " +
         llvm::Twine(x.size(3)));
  double theta = op.getTheta().convertToDouble();
  double factor = op.getScalingFactor().convertToDouble();

  at::Tensor exponents = at::arange(0, rotaryDim, 2, at::kLong).to(at::kFloat) / rotaryDim;
  at::Tensor invFreq = at::reciprocal(at::pow(theta, exponents));
  if (factor != 1.0)
    invFreq = invFreq / factor;
  invFreq = invFreq.to(x.device());

  // [batch or 1, seq, rotary_dim / 2]; one f32 product per angle, as the
  // K = 1 matmul `inv_freq @ position_ids` of transformers.
  at::Tensor pos = positions.dim() == 1 ? positions.unsqueeze(0) : positions;
  at::Tensor freqs = pos.to(x.device(), at::kFloat).unsqueeze(-1) * invFreq;
  bool interleaved = op.getInterleaved();
  at::Tensor angles =
      interleaved ? freqs.repeat_interleave(2, -1) : at::cat({freqs, freqs}, -1);
  // [batch or 1, 1, seq, rotary_dim], broadcast over heads.
  at::Tensor cos = angles.cos().to(x.scalar_type()).unsqueeze(1);
  at::Tensor sin = angles.sin().to(x.scalar_type()).unsqueeze(1);

  at::Tensor rot = x.slice(-1, 0, rotaryDim);
  at::Tensor embedded = rot * cos + rotate(rot, interleaved) * sin;
  if (rotaryDim == x.size(-1))
    return embedded;
  return at::cat({embedded, x.slice(-1, rotaryDim)}, -1);
}

/// transformers' `eager_attention_forward` with `repeat_kv` for GQA, Gemma-2's
/// softcapping, and the tmc masks: scores of hidden keys are -inf before an
/// f32 softmax, and a query that sees no key yields zeros.
at::Tensor attention(AttentionOp op, at::Tensor query, at::Tensor key, at::Tensor value,
                     const std::optional<at::Tensor> &keyMask) {
  int64_t batch = query.size(0), heads = query.size(1), kvHeads = key.size(1);
  int64_t seqQ = query.size(2), seqKv = key.size(2);
  if (kvHeads <= 0 || heads % kvHeads != 0)
    fail("query heads (" + llvm::Twine(heads) + ") must be a multiple of key/value heads (" +
         llvm::Twine(kvHeads) + ")");
  if (int64_t groups = heads / kvHeads; groups > 1) {
    key = key.repeat_interleave(groups, 1);
    value = value.repeat_interleave(groups, 1);
  }

  at::Tensor scores = at::matmul(query, key.transpose(2, 3)) * op.getScale().convertToDouble();
  if (std::optional<APFloat> softcap = op.getSoftcap()) {
    double cap = softcap->convertToDouble();
    scores = at::tanh(scores / cap) * cap;
  }

  // allowed[b or 1, 1, i, j]: query i may read key j.
  std::optional<at::Tensor> allowed;
  if (op.getCausal()) {
    auto longs = at::TensorOptions().dtype(at::kLong).device(query.device());
    at::Tensor last = at::arange(seqQ, longs).unsqueeze(1) + (seqKv - seqQ);
    at::Tensor keys = at::arange(seqKv, longs).unsqueeze(0);
    at::Tensor visible = keys <= last;
    if (std::optional<int64_t> window = op.getSlidingWindow())
      visible = visible.logical_and(keys > last - *window);
    allowed = visible.view({1, 1, seqQ, seqKv});
    if (std::optional<int64_t> chunk = op.getChunkSize()) {
      // Chunks count from each row's first attended key, as transformers'
      // chunked_causal_mask_function with its left-padding offsets.
      at::Tensor pad = keyMask ? keyMask->to(query.device()).ne(0).cumsum(-1).eq(0).sum(-1)
                               : at::zeros({batch}, longs);
      pad = pad.view({-1, 1, 1, 1});
      at::Tensor sameChunk = at::floor_divide(keys.view({1, 1, 1, seqKv}) - pad, *chunk) ==
                             at::floor_divide(last.view({1, 1, seqQ, 1}) - pad, *chunk);
      allowed = allowed->logical_and(sameChunk);
    }
  }
  if (keyMask) {
    at::Tensor attend = keyMask->to(query.device()).ne(0).view({batch, 1, 1, seqKv});
    allowed = allowed ? allowed->logical_and(attend) : attend;
  }

  if (allowed)
    scores = scores.masked_fill(allowed->logical_not(), -std::numeric_limits<double>::infinity());
  at::Tensor probs = at::softmax(scores, -1, at::kFloat);
  if (allowed)
    probs = probs.masked_fill(allowed->any(-1, /*keepdim=*/true).logical_not(), 0.0);
  return at::matmul(probs.to(query.scalar_type()), value);
}

std::optional<at::Tensor> optionalOperand(Value value, ArrayRef<at::Tensor> operands,
                                          unsigned index) {
  if (!value)
    return std::nullopt;
  return operands[index];
}

} // namespace

bool runNnOp(Operation *op, ArrayRef<at::Tensor> operands, const OpEnv &env,
             Results &results) {
  (void)env;
  std::optional<at::Tensor> result =
      llvm::TypeSwitch<Operation *, std::optional<at::Tensor>>(op)
          .Case([&](LinearOp linear) -> std::optional<at::Tensor> {
            return at::linear(operands[0], operands[1],
                              optionalOperand(linear.getBias(), operands, 2));
          })
          .Case([&](EmbeddingOp) -> std::optional<at::Tensor> {
            return at::embedding(operands[1], operands[0]);
          })
          .Case([&](MatmulOp) -> std::optional<at::Tensor> {
            return at::matmul(operands[0], operands[1]);
          })
          .Case([&](RopeOp rot) -> std::optional<at::Tensor> {
            return rope(rot, operands[0], operands[1]);
          })
          .Case([&](AttentionOp attn) -> std::optional<at::Tensor> {
            return attention(attn, operands[0], operands[1], operands[2],
                             optionalOperand(attn.getKeyMask(), operands, 3));
          })
          .Case([&](SoftmaxOp softmax) -> std::optional<at::Tensor> {
            return at::softmax(operands[0], softmax.getDim());
          })
          .Default([](Operation *) { return std::nullopt; });
  if (!result)
    return false;
  results.push_back(std::move(*result));
  return true;
}

} // namespace tmc::rt::detail
