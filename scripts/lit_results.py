#!/usr/bin/env python3
"""Summarizes a lit run's results (lit -o FILE.json) and fails on tests skipped without leave.

    lit_results.py build/lit.json --required "torch;cuda-toolkit;mpi"

Prints one line of counts, e.g. `Passed 310, Unsupported 1 (gpu: 1)`, where
each unsupported test is counted under the lit features it lacked. A test may
be unsupported only when every feature it lacks is hardware this machine
does not have (`gpu`, `avx512-vnni`, `avx512-bf16`, `amx-bf16`: test/lit.cfg.py) or a feature the caller did not require (a TMC_REQUIRE name: torch,
cuda-toolkit, mpi). Any other unsupported test, any failure and a missing or
unreadable result file make it exit 1, naming the tests first.
"""

import argparse
import collections
import json
import sys

# TMC_REQUIRE's names (CMakeLists.txt) -> the lit feature of their tests (test/lit.cfg.py).
LIT_FEATURE = {"torch": "torch", "cuda-toolkit": "cuda", "mpi": "mpi"}
# Features of the machine rather than of the build: a test needing one may be
# skipped where the hardware is missing.
HARDWARE = {"gpu", "avx512-vnni", "avx512-bf16", "amx-bf16"}
# What lit's own summary calls each result code.
LABELS = {"PASS": "Passed", "FAIL": "Failed", "UNSUPPORTED": "Unsupported", "XFAIL": "Expectedly Failed",
          "XPASS": "Unexpectedly Passed", "UNRESOLVED": "Unresolved", "TIMEOUT": "Timed Out",
          "SKIPPED": "Skipped", "EXCLUDED": "Excluded"}
BAD = {"FAIL", "XPASS", "UNRESOLVED", "TIMEOUT", "SKIPPED"}
UNAVAILABLE = "Test requires the following unavailable features: "


def missing_features(output):
    """The features an UNSUPPORTED result lacked, or None when REQUIRES is not why."""
    first = output.strip().splitlines()[0] if output.strip() else ""
    if not first.startswith(UNAVAILABLE):
        return None
    return [f.strip() for f in first[len(UNAVAILABLE):].split(",") if f.strip()]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", help="lit's -o output")
    parser.add_argument("--required", default="", help="TMC_REQUIRE: ';'-separated features whose tests must run")
    args = parser.parse_args()

    required = {f for f in args.required.split(";") if f}
    may_lack = HARDWARE | {lit for name, lit in LIT_FEATURE.items() if name not in required}
    try:
        with open(args.results) as f:
            tests = json.load(f)["tests"]
    except (OSError, ValueError, KeyError) as e:
        print("no lit results (%s)" % e)
        return 1

    counts = collections.Counter(t["code"] for t in tests)
    reasons = collections.Counter()
    not_allowed = []
    for t in tests:
        if t["code"] != "UNSUPPORTED":
            continue
        lacks = missing_features(t.get("output", ""))
        if lacks is None:
            reasons["UNSUPPORTED line"] += 1
            not_allowed.append((t["name"], t.get("output", "").strip()))
            continue
        reasons["+".join(sorted(lacks))] += 1
        if not set(lacks) <= may_lack:
            not_allowed.append((t["name"], "lacks " + ", ".join(lacks)))

    failed = [t["name"] for t in tests if t["code"] in BAD]
    for name in failed:
        print("lit: %s" % name)
    for name, why in not_allowed:
        print("lit: %s: unsupported (%s); only tests that need hardware this machine lacks (a GPU, AVX-512 VNNI), or a feature TMC_REQUIRE leaves out, may be skipped" % (name, why))

    parts = []
    for code, label in LABELS.items():
        if counts[code]:
            part = "%s %d" % (label, counts[code])
            if code == "UNSUPPORTED":
                part += " (%s)" % ", ".join("%s: %d" % r for r in sorted(reasons.items()))
            parts.append(part)
    if not_allowed:
        parts.append("%d unsupported not allowed" % len(not_allowed))
    print(", ".join(parts) if parts else "no tests")
    return 1 if failed or not_allowed or not tests else 0


if __name__ == "__main__":
    sys.exit(main())
