"""The shape the code keeps: no import cycles (imports inside functions included), one capability list."""

from __future__ import annotations

import importlib
import pkgutil
import unittest
from types import ModuleType

import grimp

import app
from app.capabilities import CAPABILITIES, check_needs


def cycles(graph: grimp.ImportGraph, modules: set[str]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan's algorithm, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for root in sorted(modules):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root) & modules)))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    group = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        group.append(member)
                        if member == node:
                            break
                    if len(group) > 1:
                        found.append(sorted(group))
            elif child not in index:
                index[child] = low[child] = counter
                counter += 1
                stack.append(child)
                on_stack.add(child)
                work.append((child, iter(sorted(graph.find_modules_directly_imported_by(child) & modules))))
            elif child in on_stack:
                low[node] = min(low[node], index[child])
    return found


class TestImports(unittest.TestCase):
    def test_no_module_of_app_or_config_is_part_of_an_import_cycle(self):
        graph = grimp.build_graph("app", "config")
        modules = {m for m in graph.modules if m.split(".")[0] in ("app", "config")}

        self.assertEqual(cycles(graph, modules), [])

    def test_a_cycle_is_found_when_there_is_one(self):
        graph = grimp.ImportGraph()
        for module in ("a", "a.one", "a.two", "a.three"):
            graph.add_module(module)
        graph.add_import(importer="a.one", imported="a.two")
        graph.add_import(importer="a.two", imported="a.one")
        graph.add_import(importer="a.three", imported="a.one")

        self.assertEqual(cycles(graph, {"a.one", "a.two", "a.three"}), [["a.one", "a.two"]])


class TestCapabilities(unittest.TestCase):
    def test_a_capability_imports_no_other_but_those_it_needs_or_uses_and_the_core_imports_none(self):
        graph = grimp.build_graph("app")
        listed = set(CAPABILITIES)
        for name in CAPABILITIES:
            module = importlib.import_module(name)
            needs = {*module.NEEDS, *getattr(module, "USES", ())}
            for other in sorted(listed - needs - {name}):
                with self.subTest(capability=name, imports=other):
                    self.assertFalse(graph.chain_exists(importer=name, imported=other, as_packages=True))
        inside = {m for m in graph.modules if any(m == c or m.startswith(c + ".") for c in listed)}
        core = set(graph.modules) - inside - {"app"}  # the factory loads them (through app.capabilities)
        for name in sorted(listed):
            with self.subTest(core_imports=name):
                self.assertEqual(set(graph.find_downstream_modules(name, as_package=True)) & core, set())

    def test_every_capability_package_is_listed_once_and_declares_its_needs(self):
        packages = {
            info.name
            for info in pkgutil.iter_modules(app.__path__, "app.")
            if info.ispkg and hasattr(importlib.import_module(info.name), "init_app")
        }

        self.assertEqual(sorted(packages), sorted(CAPABILITIES))
        self.assertEqual(len(set(CAPABILITIES)), len(CAPABILITIES))
        for name in CAPABILITIES:
            module = importlib.import_module(name)
            self.assertIsInstance(module.NEEDS, tuple, name)
            self.assertTrue(callable(module.init_app), name)

    def test_a_capability_listed_before_one_it_needs_or_uses_is_refused(self):
        base, needing, using = ModuleType("app.base"), ModuleType("app.needing"), ModuleType("app.using")
        needing.NEEDS, using.NEEDS, using.USES = ("app.base",), (), {"app.base": ("app/using/extra.py",)}

        check_needs([base, needing, using])
        for modules, needer in (([needing, base], "needing"), ([needing], "needing"), ([using, base], "using")):
            with self.assertRaisesRegex(RuntimeError, f"app.{needer} needs app.base"):
                check_needs(modules)
