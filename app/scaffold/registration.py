"""The registration lines a new noun needs in the models, docs and router modules, edited in place.

Each edit finds its statement with `ast` (whatever other nouns were added since), changes only that
statement, and lays it out as `ruff format` would: one line when it fits, else one item per line with a
trailing comma. A file that does not look as expected raises `ScaffoldError`, so nothing is written.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from dataclasses import dataclass

from app.scaffold.names import Names, ScaffoldError


@dataclass(frozen=True)
class Source:
    """A module's text with its syntax tree, and the conversions between their positions."""

    path: str
    text: str
    line_length: int

    @property
    def tree(self) -> ast.Module:
        try:
            return ast.parse(self.text)
        except SyntaxError as error:
            raise ScaffoldError(f"{self.path} does not parse ({error.msg}, line {error.lineno})") from None

    def offset(self, lineno: int, col: int) -> int:
        """The string index of an ast position (columns count UTF-8 bytes)."""
        lines = self.text.splitlines(keepends=True)
        start = sum(len(line) for line in lines[: lineno - 1])
        return start + len(lines[lineno - 1].encode()[:col].decode())

    def span(self, node: ast.AST) -> tuple[int, int]:
        return (
            self.offset(node.lineno, node.col_offset),  # type: ignore[attr-defined]
            self.offset(node.end_lineno, node.end_col_offset),  # type: ignore[attr-defined]
        )

    def segment(self, node: ast.AST) -> str:
        start, end = self.span(node)
        return self.text[start:end]

    def names(self) -> set[str]:
        """Every identifier the module binds or reads, anywhere in it."""
        found: set[str] = set()
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Name):
                found.add(node.id)
            elif isinstance(node, ast.alias):
                found.add((node.asname or node.name).split(".")[0])
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                found.add(node.name)
            elif isinstance(node, ast.arg):
                found.add(node.arg)
        return found


@dataclass(frozen=True)
class Edit:
    """Replace text[start:end] with `text`."""

    start: int
    end: int
    text: str


def member_key(name: str) -> tuple[int, str, str]:
    """isort's order for imported names and ruff's for `__all__`: CONSTANTS, then Classes, then the rest."""
    kind = 0 if name.isupper() and len(name) > 1 else 1 if name[:1].isupper() else 2
    return kind, name.lower(), name


def inserted(items: list[str], new: str, key=None) -> list[str]:
    """`items` with `new` before the first item that sorts after it (appended when none does)."""
    key = key or (lambda item: item)
    position = next((i for i, item in enumerate(items) if key(item) > key(new)), len(items))
    return [*items[:position], new, *items[position:]]


def layout(source: Source, node: ast.AST, head: str, items: list[str], opening: str = "", closing: str = "") -> Edit:
    """`node` rewritten as `head` + the items (in brackets when given), laid out as ruff format would."""
    start, end = source.span(node)
    original = source.text[start:end]
    if "#" in original:
        raise ScaffoldError(f"{source.path}: line {node.lineno} has a comment inside; add the noun there by hand")
    line_start = source.text.rfind("\n", 0, start) + 1
    line_end = source.text.find("\n", end)
    before = source.text[line_start:start]
    after = source.text[end : len(source.text) if line_end < 0 else line_end]
    indent = before[: len(before) - len(before.lstrip())]
    # A trailing comma after the last item keeps ruff's one-item-per-line layout (a lone tuple item's is not one).
    magic_comma = len(items) > 2 and original.rstrip(")] \n").endswith(",")
    flat = f"{head}{opening}{', '.join(items)}{closing}"
    if not magic_comma and len(before) + len(flat) + len(after) <= source.line_length:
        return Edit(start, end, flat)
    lines = "".join(f"{indent}    {item},\n" for item in items)
    return Edit(start, end, f"{head}{opening or '('}\n{lines}{indent}{closing or ')'}")


def import_from(source: Source, node: ast.ImportFrom, new: str) -> Edit:
    """`from module import ...` with `new` added in isort's order."""
    names = [alias.name if alias.asname is None else f"{alias.name} as {alias.asname}" for alias in node.names]
    if new in names:
        raise ScaffoldError(f"{source.path}: {new} is already imported there")
    items = inserted(names, new, member_key)
    return layout(source, node, f"from {node.module} import ", items)


def sequence(source: Source, node: ast.Tuple | ast.List, new: str, *, key=None, before: str | None = None) -> Edit:
    """A tuple or list literal with `new` added: in `key` order, else before the item `before`, else at the end."""
    items = [source.segment(element) for element in node.elts]
    if new in items:
        raise ScaffoldError(f"{source.path}: {new} is already listed there")
    if key:
        items = inserted(items, new, key)
    else:
        at = items.index(before) if before in items else len(items)
        items = [*items[:at], new, *items[at:]]
    return layout(source, node, "", items, *("()" if isinstance(node, ast.Tuple) else "[]"))


def apply(source: Source, edits: Iterable[Edit]) -> str:
    """The text with every edit made (they must not overlap), checked to still parse."""
    text = source.text
    for edit in sorted(edits, key=lambda e: e.start, reverse=True):
        text = text[: edit.start] + edit.text + text[edit.end :]
    try:
        ast.parse(text)
    except SyntaxError as error:  # pragma: no cover (a bug here, not in the project)
        raise ScaffoldError(f"editing {source.path} would break it: {error.msg}") from None
    return text


def unexpected(source: Source, what: str) -> ScaffoldError:
    return ScaffoldError(f"{source.path} does not look as expected: {what} not found; add the noun there by hand")


def refuse_taken(source: Source, *names: str) -> None:
    """The new names must not already mean something in the module being edited."""
    clash = sorted(set(names) & source.names())
    if clash:
        raise ScaffoldError(f"{', '.join(clash)} already names something in {source.path}; choose another noun")


def register_model(source: Source, names: Names) -> str:
    """`from app.models.<singular> import <Model>` among the model imports, and `<Model>` in `__all__`."""
    refuse_taken(source, names.model)
    tree = source.tree
    imports = [
        node
        for node in tree.body
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("app.models.") and node.level == 0
    ]
    if not imports:
        raise unexpected(source, "`from app.models.<noun> import <Model>` lines")
    module = f"app.models.{names.singular}"
    later = [node for node in imports if node.module.lower() > module]
    line = f"from {module} import {names.model}\n"
    if later:
        at = source.offset(later[0].lineno, 0)
    else:
        at = source.offset(imports[-1].end_lineno, 0)
        at = source.text.find("\n", at) + 1 or len(source.text)
    edits = [Edit(at, at, line)]
    exported = [
        node
        for node in tree.body
        if isinstance(node, ast.Assign)
        and [getattr(t, "id", None) for t in node.targets] == ["__all__"]
        and isinstance(node.value, (ast.List, ast.Tuple))
    ]
    if exported:
        edits.append(sequence(source, exported[0].value, f'"{names.model}"', key=lambda s: member_key(s.strip("\"'"))))
    return apply(source, edits)


def register_docs(source: Source, names: Names) -> str:
    """`from app.docs import ..., <plural>` and `<plural>` at the end of `NOUNS`."""
    refuse_taken(source, names.plural)
    tree = source.tree
    imports = [node for node in tree.body if isinstance(node, ast.ImportFrom) and node.module == "app.docs"]
    nouns = [
        node
        for node in tree.body
        if isinstance(node, ast.Assign)
        and [getattr(t, "id", None) for t in node.targets] == ["NOUNS"]
        and isinstance(node.value, ast.Tuple)
    ]
    if not imports:
        raise unexpected(source, "`from app.docs import <nouns>`")
    if len(nouns) != 1:
        raise unexpected(source, "one `NOUNS = (...)` tuple")
    # The probes stay last in the spec, as they are in Swagger UI's list.
    last = nouns[0].value.elts[-1] if nouns[0].value.elts else None
    before = "health" if isinstance(last, ast.Name) and last.id == "health" else None
    edits = [
        import_from(source, imports[0], names.plural),
        sequence(source, nouns[0].value, names.plural, before=before),
    ]
    return apply(source, edits)


def register_view(source: Source, names: Names) -> str:
    """`from app.views import ..., <plural>`, and the noun at the end of the tuple whose blueprints are registered
    under the API prefix: `(posts.blueprint, ...)` or `(posts, ...)`, whichever the router holds."""
    refuse_taken(source, names.plural)
    tree = source.tree
    imports = [node for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module == "app.views"]
    if not imports:
        raise unexpected(source, "`from app.views import <nouns>`")
    views = {alias.asname or alias.name for alias in imports[0].names}

    def style(element: ast.expr) -> str | None:
        if isinstance(element, ast.Name) and element.id in views:
            return "{}"
        if (
            isinstance(element, ast.Attribute)
            and element.attr == "blueprint"
            and getattr(element.value, "id", None) in views
        ):
            return "{}.blueprint"
        return None

    tuples = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Tuple)
        and node.elts
        and len({style(e) for e in node.elts} - {None}) == 1
        and None not in {style(e) for e in node.elts}
    ]
    if len(tuples) != 1:
        raise unexpected(source, "one tuple of the views' blueprints, `(posts.blueprint, ...)` or `(posts, ...)`")
    new = style(tuples[0].elts[0]).format(names.plural)
    return apply(source, [import_from(source, imports[0], names.plural), sequence(source, tuples[0], new)])
