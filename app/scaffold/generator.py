"""Plan a new noun (its package, its tests, one registry line), check it, then write it all or nothing."""

from __future__ import annotations

import ast
import difflib
import logging
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from app.scaffold.names import Names, ScaffoldError
from app.scaffold.registration import REGISTRY, register_capability

log = logging.getLogger(__name__)

TEMPLATES = Path(__file__).parent / "templates"
PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")
# Template -> the file it becomes, relative to the project root.
# A noun is a package of its own, and a test package mirroring it: removing both and its registry line removes it.
FILES = {
    "package.py.tmpl": "app/{plural}/__init__.py",
    "model.py.tmpl": "app/{plural}/models.py",
    "docs.py.tmpl": "app/{plural}/docs.py",
    "views.py.tmpl": "app/{plural}/views.py",
    "tests_package.py.tmpl": "tests/{plural}/__init__.py",
    "test_views.py.tmpl": "tests/{plural}/test_{plural}.py",
}
# Where a module or package named after the noun would shadow or clash with the new one.
NOUN_PACKAGES = ("app", "tests", "app/models", "app/views", "app/docs")


@dataclass(frozen=True)
class Taken:
    """What the running app already uses, so a new noun cannot collide with it."""

    blueprints: frozenset[str] = frozenset()
    segments: frozenset[str] = frozenset()
    schemas: frozenset[str] = frozenset()
    operation_ids: frozenset[str] = frozenset()
    models: frozenset[str] = frozenset()
    collections: frozenset[str] = frozenset()

    def clashes(self, names: Names) -> list[str]:
        """Each way `names` collides with an existing noun, in words."""
        checks = (
            ("blueprint", {names.plural}, self.blueprints),
            ("path /api/v1/", {names.segment}, self.segments),
            ("OpenAPI schema", set(names.schemas), self.schemas),
            ("operationId", set(names.operation_ids), self.operation_ids),
            ("model", {names.model}, self.models),
            ("collection", {names.plural}, self.collections),
        )
        return [
            f"{what}{'' if what.endswith('/') else ' '}{name}"
            for what, new, old in checks
            for name in sorted(new & old)
        ]


def render(template: str, names: Names) -> str:
    """A template with its `{{name}}` placeholders filled in."""
    values = names.placeholders()

    def value(match: re.Match) -> str:
        if match.group(1) not in values:
            raise ScaffoldError(f"unknown placeholder {match.group(0)} in a template")
        return values[match.group(1)]

    return PLACEHOLDER.sub(value, template)


def module_bindings(text: str) -> Counter[str]:
    """How many times each name is bound at the top level of a module (imports, defs, classes, assignments)."""
    bound: Counter[str] = Counter()
    for node in ast.parse(text).body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            bound.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound[node.name] += 1
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                bound.update(n.id for n in ast.walk(target) if isinstance(n, ast.Name))
    return bound


def check_rendered(path: str, text: str, names: Names) -> None:
    """The noun's names must not take over a name the template itself uses (e.g. `names` -> `NAME`)."""
    try:
        bound = module_bindings(text)
    except SyntaxError as error:
        raise ScaffoldError(f"{path} would not parse ({error.msg}); choose another noun") from None
    twice = sorted(name for name, count in bound.items() if count > 1)
    if twice:
        raise ScaffoldError(
            f"the noun {names.plural!r} would define {', '.join(twice)} twice in {path}, "
            "where the template already uses that name; choose another noun"
        )


@dataclass
class Plan:
    """Everything one noun adds: new files and edited shared modules, all computed before anything is written."""

    root: Path
    names: Names
    creates: dict[str, str] = field(default_factory=dict)
    edits: dict[str, tuple[str, str]] = field(default_factory=dict)

    def describe(self, *, diff: bool = False) -> str:
        """What would be written and edited; with `diff`, the edits as unified diffs."""
        lines = [
            f"Noun {self.names.plural!r} (singular {self.names.singular!r}): model {self.names.model}, "
            f"/api/v1/{self.names.segment} and /api/v1/{self.names.segment}/{{{self.names.id_param}}}.",
        ]
        lines += [f"  write {path} ({text.count(chr(10))} lines)" for path, text in self.creates.items()]
        lines += [f"  edit  {path}" for path in self.edits]
        if diff:
            for path, (old, new) in self.edits.items():
                lines.append("")
                lines += [
                    line.rstrip("\n")
                    for line in difflib.unified_diff(
                        old.splitlines(keepends=True), new.splitlines(keepends=True), f"a/{path}", f"b/{path}"
                    )
                ]
        return "\n".join(lines)

    def apply(self) -> None:
        """Write the new files and the edit; on any failure, undo what was done and re-raise."""
        created: list[Path] = []
        made_dirs: list[Path] = []
        restored: dict[Path, str] = {}
        try:
            for path, text in self.creates.items():
                target = self.root / path
                if not target.parent.is_dir():
                    target.parent.mkdir()
                    made_dirs.append(target.parent)
                with target.open("x", encoding="utf-8") as handle:  # never overwrites
                    created.append(target)
                    handle.write(text)
            for path, (old, new) in self.edits.items():
                target = self.root / path
                if target.read_text(encoding="utf-8") != old:
                    raise ScaffoldError(f"{path} changed while the noun was being written; run the command again")
                restored[target] = old
                target.write_text(new, encoding="utf-8")
        except BaseException:
            for target in created:
                target.unlink(missing_ok=True)
            for folder in reversed(made_dirs):
                folder.rmdir()
            for target, old in restored.items():
                target.write_text(old, encoding="utf-8")
            raise
        log.info("new resource %s written: %s", self.names.plural, ", ".join([*self.creates, *self.edits]))


def plan_resource(root: Path, noun: str, singular: str | None = None, taken: Taken | None = None) -> Plan:
    """Check the noun against the project and `taken`, and compute every file; ScaffoldError if it must refuse."""
    names = Names.parse(noun, singular)
    clashes = (taken or Taken()).clashes(names)
    for package in NOUN_PACKAGES:
        for module in sorted({names.singular, names.plural}):
            if (root / package / f"{module}.py").exists() or (root / package / module).is_dir():
                clashes.append(f"module {package}/{module}")
    if clashes:
        raise ScaffoldError(f"{noun!r} clashes with an existing noun: {'; '.join(clashes)}")
    plan = Plan(root=root, names=names)
    for template, target in FILES.items():
        path = target.format(singular=names.singular, plural=names.plural)
        if (root / path).exists():
            raise ScaffoldError(f"{path} already exists; remove it or choose another noun")
        if not (root / path).parent.parent.is_dir():
            raise ScaffoldError(f"{(root / path).parent.parent} is missing; run the command from the project")
        text = render((TEMPLATES / template).read_text(encoding="utf-8"), names)
        check_rendered(path, text, names)
        plan.creates[path] = text
    try:
        old = (root / REGISTRY).read_text(encoding="utf-8")
    except OSError as error:
        raise ScaffoldError(f"cannot read {REGISTRY}: {error.strerror}") from None
    plan.edits[REGISTRY] = (old, register_capability(old, names))
    return plan
