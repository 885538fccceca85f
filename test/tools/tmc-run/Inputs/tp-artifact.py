"""Writes a tensor-parallel test artifact's manifest for tp-model.c's
model.so, the header that gives the library the manifest's ABI fingerprint,
and its full checkpoint: tp-artifact.py ARTIFACT_DIR WORLD_SIZE TMC_RUN [CKPT
[--short-head]]. TMC_RUN is the tmc-run whose version the manifest names;
compile tp-model.c with `-include ARTIFACT_DIR/fingerprint.h`; --short-head
writes a checkpoint whose head has 6 rows, not 8."""
import hashlib
import json
import struct
import subprocess
import sys

out, world = sys.argv[1], int(sys.argv[2])
version = subprocess.run([sys.argv[3], "--version"], capture_output=True, text=True,
                         check=True).stdout.split()[-1]
full = {"embed": [8, 4], "gate_up": [16, 4], "down": [4, 8], "head": [8, 4]}
splits = {"gate_up": (0, 2), "down": (1, 1), "head": (0, 1)}
params = []
for name, shape in full.items():
    spec = {"name": name, "dtype": "F32", "shape": list(shape)}
    if name in splits:
        dim, blocks = splits[name]
        spec["shape"][dim] //= world
        spec["split"] = {"dim": dim, "blocks": blocks}
    params.append(spec)
manifest = {
    "format": "tmc-artifact/2", "tmc_version": version, "target": "cpu",
    "library": "model.so", "graph": "graph.mlir", "world_size": world,
    "params": params, "attention": {},
    "entry_points": [{
        "name": "forward", "symbol": "tmc_entry_forward",
        "inputs": [{"name": "input_ids", "dtype": "I64", "shape": [-1, -1]}],
        "params": list(full),
        "results": [{"name": "logits", "dtype": "F32", "shape": [-1, -1, 8]}]}],
}
# The fingerprint as runtime/Manifest.cpp computes it: SHA-256 of the ABI
# fields' compact JSON with sorted keys.
abi = {key: manifest[key] for key in ("format", "target", "world_size", "entry_points", "params")}
text = json.dumps(abi, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
manifest["abi_fingerprint"] = hashlib.sha256(text.encode()).hexdigest()[:16]
with open(out + "/manifest.json", "w") as f:
    json.dump(manifest, f, indent=2)
with open(out + "/fingerprint.h", "w") as f:
    f.write('const char tmc_abi_fingerprint[] = "%s";\n' % manifest["abi_fingerprint"])

if len(sys.argv) > 4:
    if "--short-head" in sys.argv:
        full["head"] = [6, 4]
    header, data = {}, b""
    for k, (name, shape) in enumerate(full.items()):
        count = shape[0] * shape[1]
        values = [float((i * (k + 3) + k) % 5 - 2) for i in range(count)]
        raw = struct.pack("<%df" % count, *values)
        header[name] = {"dtype": "F32", "shape": shape,
                        "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(sys.argv[4], "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + data)
