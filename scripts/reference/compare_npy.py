#!/usr/bin/env python3
"""Compares two .npy arrays: same shape, max abs difference within --atol.

    compare_npy.py actual.npy expected.npy --atol 1e-5

Prints the shapes and the max abs difference; exits 1 when they differ by more
than the tolerance (or in shape), so a test can RUN it.
"""

import argparse
import sys

import numpy as np


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("actual")
    parser.add_argument("expected")
    parser.add_argument("--atol", type=float, required=True)
    args = parser.parse_args()

    actual, expected = np.load(args.actual), np.load(args.expected)
    if actual.shape != expected.shape:
        print(f"shape mismatch: {actual.shape} vs {expected.shape}")
        return 1
    if not np.all(np.isfinite(actual)):
        print(f"{args.actual} holds non-finite values")
        return 1
    diff = float(np.max(np.abs(actual.astype(np.float64) - expected.astype(np.float64))))
    verdict = "ok" if diff <= args.atol else "FAIL"
    print(f"{verdict}: shape {actual.shape}, max abs diff {diff:.3e} (atol {args.atol:.0e})")
    return 0 if diff <= args.atol else 1


if __name__ == "__main__":
    sys.exit(main())
