"""Exits 0 when two Python files have the same syntax tree.

The printer may change layout, quotes, redundant parentheses, f-strings
without placeholders, imports of several modules and the indentation inside
docstrings, none of which changes the tree once those are normalized here.
"""

import ast
import inspect
import sys


class Canonical(ast.NodeTransformer):
    """Undoes what the printer normalizes: f"text" without placeholders is
    printed as "text", and `import a, b` as one import per line."""

    def visit_Import(self, node):
        return [ast.Import(names=[name]) for name in node.names]

    def visit_JoinedStr(self, node):
        if all(isinstance(v, ast.Constant) for v in node.values):
            return ast.Constant("".join(v.value for v in node.values))
        return node


def tree(path):
    module = Canonical().visit(ast.parse(open(path, encoding="utf-8").read()))
    for node in ast.walk(module):
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            if isinstance(node.value.value, str):
                node.value.value = inspect.cleandoc(node.value.value)
    return ast.dump(module)


if tree(sys.argv[1]) != tree(sys.argv[2]):
    sys.exit(f"{sys.argv[1]} and {sys.argv[2]} differ as Python")
