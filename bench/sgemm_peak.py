#!/usr/bin/env python3
"""The machine's f32 GEMM peak, the roofline of CPU prefill.

A prompt's time goes mostly to its products (docs/CPU_PERFORMANCE.md), so its
floating-point operations per second over the fastest f32 matrix product the
machine runs says how far from the roofline it is. Measured as PyTorch's
matmul of two --size x --size float32 matrices (MKL on x86 wheels, which on
the machines measured so far is faster than Debian's OpenBLAS), --threads
threads, the best of --repeat calls after one warm-up; prints GFLOP/s
(2 n^3 per product). bench/cpu_vs_llamacpp.py reports tmc's prompts
against it.

    bench/sgemm_peak.py [--threads 2] [--size 2048] [--repeat 5]
"""

import argparse

from bandwidth import best_seconds


def sgemm_peak(threads, size=2048, repeat=5):
    """GFLOP/s of a size x size by size x size float32 matmul with `threads` threads (best of `repeat`)."""
    import torch

    def make_call():
        generator = torch.Generator().manual_seed(0)
        a = torch.rand(size, size, generator=generator)
        b = torch.rand(size, size, generator=generator)
        return lambda: torch.matmul(a, b)

    return 2 * size**3 / best_seconds(threads, repeat, make_call) / 1e9


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--size", type=int, default=2048)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    gflops = sgemm_peak(args.threads, args.size, args.repeat)
    print(f"f32 GEMM peak: {gflops:.0f} GFLOP/s ({args.threads} threads, torch.matmul of "
          f"{args.size} x {args.size} float32, best of {args.repeat})")


if __name__ == "__main__":
    main()
