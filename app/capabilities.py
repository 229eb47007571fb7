"""The one list of optional capabilities (and generated nouns): the factory registers each, in this order.

Each entry is a package with `NEEDS` (the capabilities it cannot work without), optionally `USES` (ones it
works with when they are present: its parts marked for them go with them), and `init_app(app)`, which wires
everything it owns: blueprints, docs, models, job kinds, commands, event subscribers. `flask remove <name>`
takes a capability out (app/scaffold/remove.py); `check_needs` refuses a list where something needed is missing.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from flask import Flask

CAPABILITIES = (
    # one package a line, each after what it needs: `flask new-resource` adds one, `flask remove` takes one out
    "app.sample",
    "app.jobs",
    "app.mail",
    "app.uploads",
    "app.oidc",
    "app.mfa",  # capability: mfa
    "app.posts",
)


def load(names: tuple[str, ...] = CAPABILITIES) -> list[ModuleType]:
    """The capability packages, imported, after checking each one's needs are in the list before it."""
    modules = [importlib.import_module(name) for name in names]
    check_needs(modules)
    return modules


def check_needs(modules: list[ModuleType]) -> None:
    """Refuse an order or a list in which a capability comes before (or without) one it needs or uses."""
    seen: set[str] = set()
    for module in modules:
        wanted = (*getattr(module, "NEEDS", ()), *getattr(module, "USES", ()))
        missing = [need for need in wanted if need not in seen]
        if missing:
            raise RuntimeError(f"{module.__name__} needs {', '.join(missing)} registered before it")
        seen.add(module.__name__)


def init_capabilities(app: Flask) -> None:
    """Register every capability with `app`."""
    for module in load():
        module.init_app(app)
