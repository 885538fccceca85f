"""Copies a modeling file with a wrong constant planted in one layer's attention.

    plant_bug.py modeling_llama.py -o OUT.py [--layer 1] [--factor 1.01]

Before `attn_output = self.o_proj(attn_output)`, layer --layer scales the
attention output by --factor: a bug that only that layer has, in the code of
its attention module between two of its children (the attention and o_proj).
"""

import argparse

p = argparse.ArgumentParser()
p.add_argument("modeling")
p.add_argument("-o", "--output", required=True)
p.add_argument("--layer", type=int, default=1)
p.add_argument("--factor", type=float, default=1.01)
a = p.parse_args()

line = "        attn_output = self.o_proj(attn_output)\n"
source = open(a.modeling).read()
assert source.count(line) == 1, "the attention's o_proj call is not where it was"
bug = (f"        if self.layer_idx == {a.layer}:\n"
       f"            attn_output = attn_output * {a.factor}\n")
open(a.output, "w").write(source.replace(line, bug + line))
