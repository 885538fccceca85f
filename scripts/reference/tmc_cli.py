"""Running the tmc command line from the reference checks."""

import os
import subprocess
import sys

import numpy as np


def run(cmd):
    """Runs `cmd`; on failure prints it with its output and exits 1."""
    result = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if result.returncode != 0:
        sys.stderr.write("%s: command failed: %s\n%s%s" % (os.path.basename(sys.argv[0]), " ".join(cmd),
                                                           result.stdout, result.stderr))
        raise SystemExit(1)
    return result


def rows_text(ids, mask=None):
    """--input-ids text of (left-padded) rows: the tokens of each row only."""
    rows = []
    for r in range(len(ids)):
        tokens = [t for t, m in zip(ids[r], mask[r]) if m] if mask is not None else ids[r]
        rows.append(",".join(str(int(t)) for t in tokens))
    return ";".join(rows)


class Comparisons:
    """Max-abs comparisons, one printed line each; `failures` names those over tolerance."""

    def __init__(self, width):
        self.width = width
        self.failures = []

    def check(self, what, got, want, mask, atol):
        """Compares `got` with `want` where `mask` (if any) is set."""
        if got.shape != want.shape:
            self.failures.append(what)
            print("%-*s shape %s != %s  FAIL" % (self.width, what, got.shape, want.shape))
            return
        diff = np.abs(got.astype(np.float64) - want.astype(np.float64))
        if mask is not None:
            diff = diff[mask.astype(bool)]
        err = float(diff.max())
        ok = err <= atol and np.isfinite(err)
        if not ok:
            self.failures.append(what)
        print("%-*s max abs %.3e (atol %.0e)  %s" % (self.width, what, err, atol, "ok" if ok else "FAIL"))
