"""The app uses only the public names of its dependencies (issue 19: "public APIs only").

Libraries change their private parts without notice, so a private name used here breaks silently on an
upgrade. This walks the syntax tree of every module of app/, config/, server.py and gunicorn.conf.py and
fails on:

- importing a private name of a dependency: `from x import _y`, `import x._y`, or a private segment in the
  module path (`from flask_limiter._manager import LimitManager`);
- a private attribute of a name bound by importing a dependency, read or written (`flask_limiter._manager`,
  `g._jwt_extended_jwt = ...`, `current_app._get_current_object()`), also through `getattr`/`setattr`/
  `hasattr`/`delattr` with a constant name (`setattr(Collection, "_insert", ...)`);
- a class that subclasses a dependency's class and defines a method with a single leading underscore
  (overriding, or adding to, the library's internals).

A dependency is any module that is not part of this repository, the standard library included. A private
name has one leading underscore; dunders (`__init__`, `__name__`) are Python's own protocol and allowed.
What a syntax walk cannot see is not checked: a private attribute reached through a value (`doc._data`),
through a name our own module re-exports, or a method our class inherits from a library class
(`Post._get_collection()`), and a private name built at run time (`setattr(cls, name, ...)` in a loop).
Replacing a dependency's *public* attribute (`gunicorn.util.write_error = ...`) is not a private name and
is not flagged here either.
"""

from __future__ import annotations

import ast
import unittest
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHECKED = [ROOT / "server.py", ROOT / "gunicorn.conf.py", *sorted((ROOT / "app").rglob("*.py"))]
CHECKED += sorted((ROOT / "config").rglob("*.py"))
# Top-level modules and packages of this repository: everything else imported is a dependency.
FIRST_PARTY = {p.stem for p in ROOT.glob("*.py")} | {p.parent.name for p in ROOT.glob("*/__init__.py")}
# The resource generator is being rewritten (issue 19, one noun registry); it reads
# `mongoengine.base._document_registry` until then. Nothing else is excluded.
KNOWN = {("app/scaffold/cli.py", "from mongoengine.base import _document_registry")}
ATTRIBUTE_FUNCTIONS = {"getattr", "setattr", "hasattr", "delattr"}


def is_private(name: str) -> bool:
    """One leading underscore, and not a dunder."""
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def is_dependency(module: str | None, level: int = 0) -> bool:
    """A module from outside this repository (relative imports are ours)."""
    return level == 0 and module is not None and module.split(".")[0] not in FIRST_PARTY


def dependency_names(tree: ast.AST) -> dict[str, str]:
    """Names bound by importing a dependency or one of its names, anywhere in the module: name -> where from."""
    bound: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if is_dependency(alias.name):  # `import a.b` binds `a`; `import a.b as c` binds `c` to a.b
                    bound[alias.asname or alias.name.split(".")[0]] = (
                        alias.name if alias.asname else alias.name.split(".")[0]
                    )
        elif isinstance(node, ast.ImportFrom) and is_dependency(node.module, node.level):
            for alias in node.names:
                bound[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return bound


def dotted(node: ast.AST) -> str | None:
    """`a.b.c` for a chain of attributes on a name, else None."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = dotted(node.value)
        return None if base is None else f"{base}.{node.attr}"
    return None


def findings(path: Path) -> list[str]:
    """Every use of a dependency's private name in one module, as `path:line: what`, in line order."""
    where = path.relative_to(ROOT).as_posix()
    found = sorted(uses(ast.parse(path.read_text(), filename=str(path))))
    return [f"{where}:{line}: {what}" for line, what in found if (where, what) not in KNOWN]


def uses(tree: ast.AST) -> Iterator[tuple[int, str]]:
    """(line, what) for each use of a dependency's private name in a module's syntax tree."""
    bound = dependency_names(tree)

    def found(node: ast.stmt | ast.expr, what: str) -> tuple[int, str]:
        return node.lineno, what

    def qualified(name: str, rest: list[str]) -> str:
        return ".".join([bound[name], *rest])

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if is_dependency(alias.name) and any(is_private(part) for part in alias.name.split(".")):
                    yield found(node, f"import {alias.name}")
        elif isinstance(node, ast.ImportFrom) and is_dependency(node.module, node.level):
            assert node.module is not None
            private_path = any(is_private(part) for part in node.module.split("."))
            for alias in node.names:
                if private_path or is_private(alias.name):
                    yield found(node, f"from {node.module} import {alias.name}")
        elif isinstance(node, ast.Attribute) and is_private(node.attr):
            chain = dotted(node)
            if chain is not None:
                name, *rest = chain.split(".")
                if name in bound:
                    yield found(node, f"{qualified(name, rest)} (private attribute of {bound[name]})")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ATTRIBUTE_FUNCTIONS:
            if len(node.args) >= 2 and isinstance(node.args[1], ast.Constant) and isinstance(node.args[1].value, str):
                target = dotted(node.args[0])
                if target is not None and target.split(".")[0] in bound and is_private(node.args[1].value):
                    yield found(node, f"{node.func.id}({target}, {node.args[1].value!r})")
        elif isinstance(node, ast.ClassDef):
            bases = [dotted(base) for base in node.bases]
            library_bases = [b for b in bases if b is not None and b.split(".")[0] in bound]
            if not library_bases:
                continue
            for item in node.body:
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef) and is_private(item.name):
                    yield found(item, f"{node.name}.{item.name} in a subclass of {', '.join(library_bases)}")


class TestPublicApisOnly(unittest.TestCase):
    def test_the_app_uses_no_private_name_of_a_dependency(self):
        problems = [problem for path in CHECKED for problem in findings(path)]
        self.assertEqual(problems, [], "private names of dependencies:\n" + "\n".join(problems))

    def test_the_check_sees_each_kind_of_private_use(self):
        """The walk itself: every kind of use it promises to find, and none of the allowed ones."""
        sample = ast.parse(
            "import flask_limiter._manager\n"
            "from flask_jwt_extended.tokens import _decode_jwt\n"
            "from flask_limiter._manager import LimitManager\n"
            "from flask import g, current_app\n"
            "import mongomock\n"
            "from rq import SimpleWorker\n"
            "from app.errors import _private_of_ours\n"
            "from . import _relative_of_ours\n"
            "g._jwt_extended_jwt = {}\n"
            "app = current_app._get_current_object()\n"
            "setattr(mongomock.collection.Collection, '_insert', None)\n"
            "g.__class__\n"
            "class ThreadWorker(SimpleWorker):\n"
            "    def _install_signal_handlers(self): ...\n"
            "    def __init__(self): ...\n"
            "    def work(self): ...\n"
        )
        self.assertEqual(
            [what for _, what in sorted(uses(sample))],
            [
                "import flask_limiter._manager",
                "from flask_jwt_extended.tokens import _decode_jwt",
                "from flask_limiter._manager import LimitManager",
                "flask.g._jwt_extended_jwt (private attribute of flask.g)",
                "flask.current_app._get_current_object (private attribute of flask.current_app)",
                "setattr(mongomock.collection.Collection, '_insert')",
                "ThreadWorker._install_signal_handlers in a subclass of SimpleWorker",
            ],
        )


if __name__ == "__main__":
    unittest.main()
