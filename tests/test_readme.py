"""What the README and the docs pages promise exists: every `make` target the README names, every file and
heading they link, every path and module of the project they name, nothing outside the repo; and the README
stays a front door (short, the two commands first)."""

from __future__ import annotations

import re
import unittest
from pathlib import Path

from app.scaffold.generator import FILES
from app.scaffold.names import Names

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
PAGES = sorted((ROOT / "docs").glob("*.md"))
MAKEFILE = (ROOT / "Makefile").read_text()
MAX_README_LINES = 200
# The folders whose paths the pages name; each named path must be in the repository.
PROJECT_FOLDERS = ("app", "config", "tests", "scripts")
PATH = re.compile(rf"(?<![\w./-])(?:{'|'.join(PROJECT_FOLDERS)})/[^\s`'\"]*")
# A path written with a placeholder (`app/<capability>/`, `app/*.py`): its fixed part must exist.
PLACEHOLDER = re.compile(r"[<{*]")
# Nouns the pages use to show what `make new-resource` writes: their files are the generator's, not the repo's.
EXAMPLE_NOUNS = ("books", "reading_lists")
FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)
CODE_SPAN = re.compile(r"`([^`\n]+)`")
LINK = re.compile(r"\]\(([^)\s]+)\)")
MODULE_REFERENCE = re.compile(r"^app(?:\.[A-Za-z_]\w*)+")


def targets() -> set[str]:
    return set(re.findall(r"^([a-z][a-z0-9-]*):", MAKEFILE, re.MULTILINE))


def pages() -> list[Path]:
    return [README, *PAGES]


def code_spans(text: str) -> list[str]:
    """The inline code of a page (fenced blocks are commands and examples, not references)."""
    return CODE_SPAN.findall(FENCE.sub("", text))


def named_paths(text: str) -> set[str]:
    """Every project path in the page's inline code and links, without trailing punctuation."""
    found = {match for span in code_spans(text) for match in PATH.findall(span)}
    found |= {link.split("#")[0] for link in LINK.findall(text) if PATH.fullmatch(link.split("#")[0])}
    return {path.rstrip(".,;:)") for path in found}


def generated_paths() -> set[str]:
    """The files (and their folders) `make new-resource` writes for the example nouns."""
    paths = set()
    for noun in EXAMPLE_NOUNS:
        names = Names.parse(noun)
        for target in FILES.values():
            path = target.format(plural=names.plural, singular=names.singular)
            paths |= {path, path.rsplit("/", 1)[0] + "/"}
    return paths


def exists(path: str) -> bool:
    """The path is in the repository; for a path with a placeholder, the folder before the placeholder is."""
    if PLACEHOLDER.search(path):
        fixed = PLACEHOLDER.split(path, 1)[0]
        return (ROOT / fixed.rsplit("/", 1)[0]).is_dir()
    return (ROOT / path).exists()


def anchors(page: Path) -> set[str]:
    """The heading anchors GitHub makes for a page: lower case, punctuation dropped, spaces as hyphens."""
    headings = re.findall(r"^#+\s+(.+?)\s*$", FENCE.sub("", page.read_text()), re.MULTILINE)
    return {re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-") for heading in headings}


def defines(module: Path, name: str) -> bool:
    """Whether the module binds `name` at its top level: a def, a class, an assignment or an import."""
    word = re.escape(name)
    bindings = (
        rf"^(?:(?:async\s+)?def|class)\s+{word}\b",  # a function or class
        rf"^{word}\s*[:=]",  # an assignment
        rf"^(?:from\s+\S+\s+)?import\b.*\b{word}\b",  # an import on one line
        rf"^\s+{word},$",  # a name inside a parenthesised import
    )
    return re.search("|".join(bindings), module.read_text(), re.MULTILINE) is not None


def module_is_defined(reference: str) -> bool | None:
    """Whether `app.pkg.module[.name]` names a module of the project (and a name it binds); None when the first
    part names nothing in `app/` (`app.example.com` is a host, not a module)."""
    parts = reference.split(".")
    if not ((ROOT / "app" / parts[1]).is_dir() or (ROOT / "app" / f"{parts[1]}.py").is_file()):
        return None
    folder = ROOT / "app"
    for index, part in enumerate(parts[1:], start=1):
        if (folder / part / "__init__.py").is_file():
            folder = folder / part
            continue
        module = folder / f"{part}.py"
        if module.is_file():
            rest = parts[index + 1 : index + 2]
            return not rest or defines(module, rest[0])
        return defines(folder / "__init__.py", part)
    return True


class TestReadme(unittest.TestCase):
    text = README.read_text()

    def test_every_make_target_it_names_exists(self):
        named = set(re.findall(r"(?:^|`)make ([a-z][a-z0-9-]*)", self.text, re.MULTILINE))

        self.assertTrue({"run", "test", "new-resource", "remove"} <= named, named)
        self.assertIn("bench", named)  # capability: posts
        self.assertIn("worker", named)  # capability: jobs
        self.assertEqual(named - targets(), set())

    def test_the_two_commands_come_first(self):
        first_block = self.text.split("```", 2)[1]
        self.assertEqual(re.findall(r"^make (\w+)", first_block, re.MULTILINE), ["run", "test"])

    def test_it_stays_a_front_door(self):
        lines = len(self.text.splitlines())
        self.assertLessEqual(lines, MAX_README_LINES, "move detail to a page under docs/")


class TestEveryPage(unittest.TestCase):
    def test_every_linked_file_and_heading_is_in_the_repository(self):
        for page in pages():
            links = [link for link in LINK.findall(page.read_text()) if not link.startswith(("http://", "https://"))]
            for link in links:
                target, _, anchor = link.partition("#")
                with self.subTest(page=page.name, link=link):
                    path = (page.parent / target).resolve() if target else page
                    self.assertTrue(path.exists())
                    self.assertTrue(path.is_relative_to(ROOT))
                    if anchor and path.suffix == ".md":
                        self.assertIn(anchor, anchors(path))
        self.assertTrue(LINK.findall(self.readme()))

    def test_every_project_path_named_is_in_the_repository(self):
        generated = generated_paths()
        for page in pages():
            paths = named_paths(page.read_text())
            for path in sorted(paths - generated):
                with self.subTest(page=page.name, path=path):
                    self.assertTrue(exists(path), f"{page.name} names {path}, which is not in the repository")
        self.assertIn("app/capabilities.py", named_paths(self.readme()))

    def test_every_module_named_is_in_the_repository(self):
        for page in pages():
            for span in code_spans(page.read_text()):
                reference = MODULE_REFERENCE.match(span)
                if reference is None:
                    continue
                with self.subTest(page=page.name, module=reference.group()):
                    self.assertIsNot(module_is_defined(reference.group()), False)

    def test_the_checks_catch_what_they_are_for(self):
        self.assertEqual(
            named_paths("`app/storage/` and [x](app/views/uploads.py#top), `make test`, `https://x/app/y`"),
            {"app/storage/", "app/views/uploads.py"},
        )
        self.assertFalse(exists("app/storage/"))
        self.assertFalse(exists("app/storage/<noun>.py"))
        self.assertTrue(exists("app/models/<noun>.py"))
        self.assertIn("app/books/views.py", generated_paths())
        self.assertIn("tests/books/", generated_paths())
        self.assertFalse(module_is_defined("app.views.no_such_module"))
        self.assertFalse(module_is_defined("app.text.no_such_name"))
        self.assertTrue(module_is_defined("app.text.trim"))
        self.assertIsNone(module_is_defined("app.example.com"))

    def test_nothing_points_outside_the_clone(self):
        for page in pages():
            with self.subTest(page=page.name):
                self.assertNotIn("../shared", page.read_text())

    @staticmethod
    def readme() -> str:
        return README.read_text()
