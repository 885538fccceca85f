"""Checks `tmc modular-graph --format dot` against the modular files themselves.

Usage: modular_edges.py MODELS_DIR GRAPH.dot

Reads every MODELS_DIR/<name>/modular_<name>.py with Python's own parser (not
tmc's frontend) and derives what the graph must show:
  - an edge child -> parent for each model imported as
    `from ..<parent>.modeling_<parent> import ...`, labelled `Child <- Base`
    for each class whose base is a name imported from that parent (in the
    order of the classes), then `uses name` for the other names imported from
    it;
  - a node per model folder: `N -> M lines (saves M - N, M/Nx)` for a modular
    model (N lines of modular_<name>.py, M of modeling_<name>.py), and
    `hand-written, M lines` for the others.
Prints each difference and exits 1 when there is any.
"""

import ast
import os
import re
import sys


def lines(path):
    with open(path, encoding="utf-8") as f:
        return len(f.read().splitlines())


def expected(models_dir):
    nodes, edges = {}, {}
    for name in sorted(os.listdir(models_dir)):
        folder = os.path.join(models_dir, name)
        modular = os.path.join(folder, f"modular_{name}.py")
        modeling = os.path.join(folder, f"modeling_{name}.py")
        if not os.path.isfile(modular):
            if os.path.isfile(modeling):
                nodes[name] = f"hand-written, {lines(modeling)} lines"
            continue
        n, m = lines(modular), lines(modeling)
        nodes[name] = f"{n} -> {m} lines (saves {m - n}, {m / n:.2f}x)"
        with open(modular, encoding="utf-8") as f:
            tree = ast.parse(f.read())
        imported = {}  # local name -> (parent model, name in the parent)
        parents = []  # (model, [names]) in import order
        for node in tree.body:
            if not isinstance(node, ast.ImportFrom) or node.level != 2:
                continue
            parent, _, module = (node.module or "").partition(".")
            if module != f"modeling_{parent}":
                continue
            if parent not in [p for p, _ in parents]:
                parents.append((parent, []))
            names = dict(parents)[parent]
            for alias in node.names:
                imported[alias.asname or alias.name] = (parent, alias.name)
                if alias.name not in names:
                    names.append(alias.name)
        for parent, names in parents:
            label, taken = [], set()
            for node in tree.body:
                if not isinstance(node, ast.ClassDef):
                    continue
                for base in node.bases:
                    if isinstance(base, ast.Name) and imported.get(base.id, ("",))[0] == parent:
                        label.append(f"{node.name} <- {imported[base.id][1]}")
                        taken.add(imported[base.id][1])
            label += [f"uses {name}" for name in names if name not in taken]
            edges[(name, parent)] = label
    return nodes, edges


def actual(dot_path):
    nodes, edges = {}, {}
    with open(dot_path, encoding="utf-8") as f:
        for line in f:
            edge = re.fullmatch(r'\s*"(\w+)" -> "(\w+)" \[label="(.*)"\];\s*', line)
            if edge:
                child, parent, label = edge.groups()
                edges[(child, parent)] = label.split("\\n") if label else []
                continue
            node = re.fullmatch(r'\s*"(\w+)" \[label="\w+\\n(.*?)"(, style=\w+)?\];\s*', line)
            if node:
                nodes[node.group(1)] = node.group(2)
    return nodes, edges


def main():
    models_dir, dot_path = sys.argv[1:]
    want_nodes, want_edges = expected(models_dir)
    got_nodes, got_edges = actual(dot_path)
    problems = []
    for kind, want, got in (("node", want_nodes, got_nodes), ("edge", want_edges, got_edges)):
        for key in sorted(set(want) | set(got)):
            if want.get(key) != got.get(key):
                problems.append(f"{kind} {key}: the modular files say {want.get(key)}, "
                                f"the graph says {got.get(key)}")
    if not want_edges:
        problems.append(f"{models_dir}: no modular file imports a model; nothing was checked")
    for problem in problems:
        print(problem)
    if problems:
        sys.exit(1)
    print(f"{len(want_nodes)} models and {len(want_edges)} edges as the modular files say")


if __name__ == "__main__":
    main()
