#!/usr/bin/env python3
"""The machine's memory read bandwidth, the roofline of CPU decode.

Decode reads every weight once per token, so bytes of weights per token over
this bandwidth is the fastest a decode step can be. Measured as PyTorch's sum
of a --megabytes float32 tensor (far larger than the caches), --threads
threads, the best of --repeat runs after one warm-up; prints GB/s (10^9 bytes
per second). bench/smollm2.py reports tmc's decode against it.

    bench/bandwidth.py [--threads 2] [--megabytes 1024] [--repeat 5]
"""

import argparse
import time


def best_seconds(threads, repeat, make_call):
    """The shortest of `repeat` runs, after one warm-up, of the call `make_call()` returns, with
    PyTorch on `threads` threads (its inputs made under them too)."""
    import torch

    previous = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        call = make_call()
        call()  # warm-up: pages touched, threads started
        best = float("inf")
        for _ in range(repeat):
            start = time.perf_counter()
            call()
            best = min(best, time.perf_counter() - start)
        return best
    finally:
        torch.set_num_threads(previous)


def read_bandwidth(threads, megabytes=1024, repeat=5):
    """GB/s of summing a float32 tensor of `megabytes` MiB with `threads` threads (best of `repeat`)."""
    import torch

    elements = megabytes * 2**20 // 4
    seconds = best_seconds(threads, repeat, lambda: torch.ones(elements, dtype=torch.float32).sum)
    return elements * 4 / seconds / 1e9


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--megabytes", type=int, default=1024)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    gbs = read_bandwidth(args.threads, args.megabytes, args.repeat)
    print(f"read bandwidth: {gbs:.1f} GB/s ({args.threads} threads, {args.megabytes} MiB float32 sum, "
          f"best of {args.repeat})")


if __name__ == "__main__":
    main()
