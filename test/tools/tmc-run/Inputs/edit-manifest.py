"""Copies artifact SRC to DST and applies one Python statement to its
manifest, `m`: edit-manifest.py SRC DST STATEMENT."""
import json
import shutil
import sys

src, dst, statement = sys.argv[1:4]
shutil.copytree(src, dst)
with open(dst + "/manifest.json") as f:
    m = json.load(f)
exec(statement)
with open(dst + "/manifest.json", "w") as f:
    json.dump(m, f, indent=2)
