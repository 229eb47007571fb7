"""The app uses only the public names of its dependencies (issue 19: "public APIs only").

Libraries change their private parts without notice, so a private name used here breaks silently on an
upgrade, and a library patched process-wide changes under every other caller. This walks the syntax tree of
every module of app/, config/, server.py and gunicorn.conf.py and fails on:

- importing a private name of a dependency: `from x import _y`, `import x._y`, or a private segment in the
  module path (`from flask_limiter._manager import LimitManager`);
- a private attribute of a name bound by importing a dependency, read or written (`flask_limiter._manager`,
  `g._jwt_extended_jwt = ...`, `current_app._get_current_object()`), also through `getattr`/`setattr`/
  `hasattr`/`delattr` with a constant name (`setattr(Collection, "_insert", ...)`);
- a private attribute of a name imported from a models module (`app.models`, `app.<capability>.models`,
  `.models`): our models add no private names, so one there is MongoEngine's (`Post._get_collection()`);
- on any value, a private name of the classes whose instances the app handles everywhere: MongoEngine's
  documents, querysets and fields, and werkzeug's LocalProxy (`doc._data`, `queryset._query`,
  `self._created`, `current_user._get_current_object()`), read from the installed libraries, so an upgrade
  extends the list. An attribute of ours may not take one of those names either;
- assigning, deleting or `setattr`-ing an attribute of a dependency's module or class, whatever its name
  (`gunicorn.util.write_error = ...`, `Collection.insert_one = ...`): that swaps the library's behaviour
  for the whole process. Attributes of a dependency's objects (`g.request_id = ...`) are theirs to hold;
- a class that subclasses a dependency's class and defines a method with a single leading underscore
  (overriding, or adding to, the library's internals).

A dependency is any module that is not part of this repository, the standard library included. A private
name has one leading underscore; dunders (`__init__`, `__name__`) are Python's own protocol and allowed.
What a syntax walk cannot see is not checked: another library's private attribute reached through a value
(`client._endpoint`), a dependency reached through a local alias (`util = gunicorn.util; util.x = ...`),
a method our class inherits from a library class and calls on `self` under a name not in the list above, and
a name built at run time (`setattr(cls, name, ...)` in a loop, on a class of ours).
"""

from __future__ import annotations

import ast
import functools
import importlib
import unittest
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import werkzeug.local
from mongoengine import Document, EmbeddedDocument
from mongoengine.base import BaseField
from mongoengine.queryset import QuerySet

from app.models import User

ROOT = Path(__file__).resolve().parent.parent
CHECKED = [ROOT / "server.py", ROOT / "gunicorn.conf.py", *sorted((ROOT / "app").rglob("*.py"))]
CHECKED += sorted((ROOT / "config").rglob("*.py"))
# Top-level modules and packages of this repository: everything else imported is a dependency.
FIRST_PARTY = {p.stem for p in ROOT.glob("*.py")} | {p.parent.name for p in ROOT.glob("*/__init__.py")}
ATTRIBUTE_FUNCTIONS = {"getattr", "setattr", "hasattr", "delattr"}
WRITING_FUNCTIONS = {"setattr", "delattr"}


def is_private(name: str) -> bool:
    """One leading underscore, and not a dunder."""
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def is_dependency(module: str | None, level: int = 0) -> bool:
    """A module from outside this repository (relative imports are ours)."""
    return level == 0 and module is not None and module.split(".")[0] not in FIRST_PARTY


@functools.cache
def value_private_names() -> frozenset[str]:
    """Private names of the library classes whose instances the app passes around: documents (with what
    MongoEngine's metaclass adds to a concrete one, here `User`), querysets, fields, request-bound proxies."""
    classes = (Document, EmbeddedDocument, User, QuerySet, BaseField, werkzeug.local.LocalProxy)
    return frozenset(name for cls in classes for name in dir(cls) if is_private(name) and "__" not in name)


def is_models_module(module: str | None, level: int = 0) -> bool:
    """`app.models`, `app.models.x`, `app.<capability>.models`, or a relative `.models`."""
    if module is None:
        return False
    parts = module.split(".")
    if level:
        return parts[-1] == "models"
    return parts[0] == "app" and "models" in parts[1:3]


def model_names(tree: ast.AST) -> set[str]:
    """Names bound by importing from one of our models modules."""
    return {
        alias.asname or alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and is_models_module(node.module, node.level)
        for alias in node.names
    }


@functools.cache
def is_module_or_class(qualified: str) -> bool:
    """Whether a dependency's dotted name is one of its modules or classes (shared by the whole process)."""
    try:
        importlib.import_module(qualified)
        return True
    except ImportError:
        pass
    parent, _, name = qualified.rpartition(".")
    try:
        value = getattr(importlib.import_module(parent), name)
    except (ImportError, AttributeError, RuntimeError, ValueError):
        return False
    return isinstance(value, ModuleType | type)


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
    return [f"{where}:{line}: {what}" for line, what in found]


def uses(tree: ast.AST) -> Iterator[tuple[int, str]]:
    """(line, what) for each use of a dependency's private name in a module's syntax tree."""
    bound = dependency_names(tree)
    models = model_names(tree)
    library_private = value_private_names()
    written = {
        id(target)
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign | ast.Delete)
        for target in (node.targets if isinstance(node, ast.Assign | ast.Delete) else [node.target])
    }

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
        elif isinstance(node, ast.Attribute):
            chain = dotted(node)
            name, *rest = chain.split(".") if chain is not None else [None]
            if id(node) in written and name in bound and is_module_or_class(qualified(name, rest[:-1])):
                yield found(node, f"{qualified(name, rest)} replaced in the library")
            if not is_private(node.attr):
                continue
            if name in bound:
                yield found(node, f"{qualified(name, rest)} (private attribute of {bound[name]})")
            elif name in models:
                yield found(node, f"{chain} (private attribute of a model: MongoEngine's)")
            elif node.attr in library_private:
                yield found(node, f"{chain or '....' + node.attr} (a private name of MongoEngine or werkzeug)")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ATTRIBUTE_FUNCTIONS:
            if not node.args:
                continue
            target = dotted(node.args[0])
            name, *rest = target.split(".") if target is not None else [None]
            attribute = node.args[1] if len(node.args) >= 2 else None
            constant = attribute.value if isinstance(attribute, ast.Constant) else None
            if isinstance(constant, str) and name in bound and is_private(constant):
                yield found(node, f"{node.func.id}({target}, {constant!r})")
            elif node.func.id in WRITING_FUNCTIONS and name in bound and is_module_or_class(qualified(name, rest)):
                yield found(node, f"{node.func.id}({qualified(name, rest)}, ...) in the library")
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

    def test_the_check_sees_private_names_of_models_and_values_and_libraries_patched_in_place(self):
        sample = ast.parse(
            "import gunicorn.util\n"
            "import gunicorn.http.wsgi\n"
            "from mongomock.collection import Collection\n"
            "from flask import g\n"
            "from app.gadgets.models import Gadget\n"
            "from .models import Thing\n"
            "gunicorn.util.write_error = None\n"
            "gunicorn.http.wsgi.SERVER = 'api'\n"
            "Collection.insert_one = None\n"
            "setattr(gunicorn.util, 'write_nonblock', None)\n"
            "del Collection.find\n"
            "g.request_id = 'a value of the request: allowed'\n"
            "Gadget._get_collection()\n"
            "Thing._meta\n"
            "doc._data\n"
            "queryset._query\n"
            "self._created\n"
            "proxy._get_current_object()\n"
            "parts._replace(query='')\n"
            "self._client\n"
        )
        self.assertEqual(
            [f"{line}: {what}" for line, what in sorted(uses(sample))],
            [
                "7: gunicorn.util.write_error replaced in the library",
                "8: gunicorn.http.wsgi.SERVER replaced in the library",
                "9: mongomock.collection.Collection.insert_one replaced in the library",
                "10: setattr(gunicorn.util, ...) in the library",
                "11: mongomock.collection.Collection.find replaced in the library",
                "13: Gadget._get_collection (private attribute of a model: MongoEngine's)",
                "14: Thing._meta (private attribute of a model: MongoEngine's)",
                "15: doc._data (a private name of MongoEngine or werkzeug)",
                "16: queryset._query (a private name of MongoEngine or werkzeug)",
                "17: self._created (a private name of MongoEngine or werkzeug)",
                "18: proxy._get_current_object (a private name of MongoEngine or werkzeug)",
            ],
        )


if __name__ == "__main__":
    unittest.main()
