"""Running the tmc command line from the reference checks."""

import os
import subprocess
import sys


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
