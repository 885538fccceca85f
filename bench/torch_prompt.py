#!/usr/bin/env python3
"""One prompt through transformers on a GGUF file's weights: eager and torch.compile.

bench/cpu_vs_llamacpp.py runs this in a child process per thread count, so
that each count starts PyTorch's and inductor's thread pools afresh (inductor
fixes a kernel's thread count when it compiles it). The model is
LlamaForCausalLM from `from_pretrained(dir, gguf_file=...)` (gguf-py decodes
every weight to float32), attn_implementation eager, under
torch.inference_mode; one forward over the prompt with logits of its last
position only (`logits_to_keep=1`, as generate() and tmc's decode entry do),
no KV cache kept. Rows:
  - eager:          one warm-up forward, then the median of --repeat forwards
  - torch.compile:  the same model under torch.compile (inductor, dynamic=False);
                    its first forward (the compilation) is reported apart, then
                    the median of --repeat forwards
Prints one JSON object: {"eager_ms", "compile_ms", "compile_s", "max_abs_diff"}
(the last: compiled against eager logits, so the rows are known to agree).

    bench/torch_prompt.py FILE.gguf IDS.npy --threads T [--repeat 3]
"""

import argparse
import json
import os
import statistics
import sys
import time


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("gguf")
    p.add_argument("ids", help="a 1 x N int64 .npy of token ids")
    p.add_argument("--threads", type=int, required=True)
    p.add_argument("--repeat", type=int, default=3)
    A = p.parse_args()
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[name] = str(A.threads)
    os.environ.setdefault("TQDM_DISABLE", "1")
    import numpy as np
    import torch
    from transformers import AutoModelForCausalLM

    torch.set_num_threads(A.threads)
    model = AutoModelForCausalLM.from_pretrained(
        os.path.dirname(os.path.abspath(A.gguf)), gguf_file=os.path.basename(A.gguf),
        attn_implementation="eager", dtype=torch.float32).eval()
    ids = torch.from_numpy(np.load(A.ids))

    def forward(run):
        start = time.perf_counter()
        logits = run(input_ids=ids, use_cache=False, logits_to_keep=1).logits
        return (time.perf_counter() - start) * 1e3, logits

    with torch.inference_mode():
        _, eager_logits = forward(model)
        eager_ms = statistics.median(forward(model)[0] for _ in range(A.repeat))
        compiled = torch.compile(model, dynamic=False)
        compile_ms, compiled_logits = forward(compiled)
        compiled_ms = statistics.median(forward(compiled)[0] for _ in range(A.repeat))
    json.dump({"eager_ms": eager_ms, "compile_ms": compiled_ms, "compile_s": compile_ms / 1e3,
               "max_abs_diff": float((compiled_logits - eager_logits).abs().max())}, sys.stdout)
    print()


if __name__ == "__main__":
    main()
