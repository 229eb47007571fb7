"""The one registration line a new noun needs: its package at the end of `CAPABILITIES` in app/capabilities.py.

The edit finds the tuple with `ast` (whatever was added since) and inserts one line before its closing
parenthesis, as `ruff format` lays the tuple out (one item per line, trailing comma). A file that does not look
as expected raises `ScaffoldError`, so nothing is written.
"""

from __future__ import annotations

import ast

from app.scaffold.names import Names, ScaffoldError

REGISTRY = "app/capabilities.py"
LIST_NAME = "CAPABILITIES"


def register_capability(text: str, names: Names) -> str:
    """`text` (app/capabilities.py) with `"app.<plural>",` added as the last entry of CAPABILITIES."""
    try:
        tree = ast.parse(text)
    except SyntaxError as error:
        raise ScaffoldError(f"{REGISTRY} does not parse ({error.msg}, line {error.lineno})") from None
    found = [
        node
        for node in tree.body
        if isinstance(node, ast.Assign)
        and [getattr(t, "id", None) for t in node.targets] == [LIST_NAME]
        and isinstance(node.value, ast.Tuple)
        and all(isinstance(e, ast.Constant) and isinstance(e.value, str) for e in node.value.elts)
    ]
    if len(found) != 1:
        raise ScaffoldError(f"{REGISTRY} does not look as expected: one `{LIST_NAME} = (...)` tuple of strings")
    entries = found[0].value
    entry = f"app.{names.plural}"
    if entry in [e.value for e in entries.elts]:
        raise ScaffoldError(f"{entry} is already registered in {REGISTRY}")
    lines = text.splitlines(keepends=True)
    closing = entries.end_lineno - 1  # the line holding the tuple's `)`
    if lines[closing].strip() != ")":
        raise ScaffoldError(f"{REGISTRY} does not look as expected: `{LIST_NAME}` should end with `)` on its own line")
    lines.insert(closing, f'    "{entry}",\n')
    return "".join(lines)
