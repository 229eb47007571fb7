"""`flask new-resource`: names, refusals, `--dry-run`, the one registry edit, and generated nouns that pass
their project's lint (import contracts included) and tests in a copy of this project."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path
from unittest import mock

from app import create_app
from app.database import disconnect_db
from app.scaffold import Names, ScaffoldError, plan_resource
from app.scaffold.cli import taken_names
from app.scaffold.registration import REGISTRY, register_capability
from app.scaffold.remove import SKIPPED_DIRS, project_files
from config import TestConfig

ROOT = Path(__file__).resolve().parents[1]
BIN = ROOT / ".venv" / "bin"
PYTHON = BIN / "python" if (BIN / "python").exists() else Path(sys.executable)


def copy_project(target: Path, paths: list[str] | None = None) -> None:
    """Copy the project (or only `paths` of it) into `target`: the files the removal command scans."""
    for path in paths if paths is not None else project_files(ROOT):
        (target / path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / path, target / path)


def snapshot(root: Path) -> dict[str, str]:
    """Path -> content hash of every file under `root`, caches left out."""
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in root.rglob("*")
        if path.is_file() and not SKIPPED_DIRS & set(path.relative_to(root).parts)
    }


def child_env(**extra: str) -> dict[str, str]:
    """This environment, less what would point the child at this checkout or at this run's coverage data.

    MONGODB_URI stays: under `make test-server` the generated tests run against the same server.
    """
    skipped = ("PYTHONPATH", "COVERAGE_PROCESS_START")
    env = {key: value for key, value in os.environ.items() if key not in skipped and not key.startswith("COV_CORE_")}
    return {**env, "PYTHONDONTWRITEBYTECODE": "1", **extra}


def tool(name: str) -> str:
    """A dev tool from this checkout's .venv (or PATH); missing, it fails the test rather than skipping it."""
    found = BIN / name if (BIN / name).exists() else shutil.which(name)
    if not found:
        raise AssertionError(f"{name} is not installed: run `make test` (it installs the dev requirements)")
    return str(found)


class TestNames(unittest.TestCase):
    def test_singular_is_derived_from_regular_plurals(self):
        cases = {
            "books": "book",
            "categories": "category",
            "boxes": "box",
            "addresses": "address",
            "matches": "match",
            "wishes": "wish",
            "reading_lists": "reading_list",
            "mp3_files": "mp3_file",
        }
        for plural, singular in cases.items():
            with self.subTest(plural=plural):
                self.assertEqual(Names.parse(plural).singular, singular)

    def test_every_spelling_of_a_multi_word_noun(self):
        names = Names.parse("reading_lists")

        self.assertEqual(
            (names.model, names.models, names.constant, names.segment, names.id_param),
            ("ReadingList", "ReadingLists", "READING_LIST", "reading-lists", "readingListId"),
        )
        self.assertEqual(names.operation_ids[0], "listReadingLists")

    def test_the_singular_can_be_given(self):
        self.assertEqual(Names.parse("people", "person").model, "Person")
        self.assertEqual(Names.parse("news", "news").segment, "news")

    def test_names_that_are_not_lower_snake_case_identifiers_are_refused(self):
        for noun in ("Books", "2books", "book-s", "books_", "_books", "bo__oks", "böoks", "bo oks", "", "x" * 31 + "s"):
            with self.subTest(noun=noun), self.assertRaises(ScaffoldError) as refused:
                Names.parse(noun)
            self.assertIn(repr(noun), str(refused.exception))

    def test_keywords_are_refused_as_noun_or_singular(self):
        for noun, singular in (("pass", None), ("classes", None), ("imports", "import"), ("globals", None)):
            with self.subTest(noun=noun), self.assertRaises(ScaffoldError):
                Names.parse(noun, singular)
        with self.assertRaisesRegex(ScaffoldError, "'class' is a Python keyword"):
            Names.parse("classes")

    def test_a_noun_without_a_regular_plural_needs_the_singular(self):
        for noun in ("data", "address", "status", "s"):
            with self.subTest(noun=noun), self.assertRaisesRegex(ScaffoldError, "--singular"):
                Names.parse(noun)


class ProjectCopy(unittest.TestCase):
    """A small copy of the project (the app package, the tests' base, pyproject) per test, and this app's names."""

    @classmethod
    def setUpClass(cls) -> None:
        app = create_app(TestConfig)
        with app.app_context():
            cls.taken = taken_names(app)
        disconnect_db()

    def setUp(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="scaffold-unit-"))
        self.addCleanup(shutil.rmtree, self.root, ignore_errors=True)
        files = [
            p for p in project_files(ROOT) if p.startswith(("app/", "tests/views/__init__")) or p == "pyproject.toml"
        ]
        copy_project(self.root, files)
        self.before = snapshot(self.root)

    def assert_nothing_written(self) -> None:
        self.assertEqual(snapshot(self.root), self.before)

    def refused(self, noun: str, singular: str | None = None, pattern: str = "") -> str:
        with self.assertRaisesRegex(ScaffoldError, pattern) as refusal:
            plan_resource(self.root, noun, singular, self.taken)
        self.assert_nothing_written()
        return str(refusal.exception)


def written(plural: str, singular: str) -> set[str]:
    """The files a noun is: its package and its tests."""
    del singular  # every file is named after the plural
    return {
        f"app/{plural}/__init__.py",
        f"app/{plural}/models.py",
        f"app/{plural}/docs.py",
        f"app/{plural}/views.py",
        f"tests/{plural}/__init__.py",
        f"tests/{plural}/test_{plural}.py",
    }


class TestRefusals(ProjectCopy):
    def test_existing_nouns_are_refused_naming_each_clash(self):
        # capability: posts
        message = self.refused("posts", pattern="clashes with an existing noun")

        for clash in ("blueprint posts", "path /api/v1/posts", "model Post", "module app/posts", "listPosts"):
            self.assertIn(clash, message)
        # end capability: posts
        self.refused("users", pattern="module app/views/users")
        self.refused("samples", pattern="module app/sample")  # capability: sample

    def test_clashes_with_schemas_collections_and_template_names_are_refused(self):
        self.refused("problems", pattern="OpenAPI schema Problem")
        self.refused("names", pattern="NAME twice in app/names/docs.py")
        self.refused("uuids", pattern="UUID twice")

    def test_files_that_exist_are_refused(self):
        (self.root / "tests/probe_books").mkdir()
        (self.root / "tests/probe_books/test_probe_books.py").write_text("# mine\n")
        self.before = snapshot(self.root)

        self.refused("probe_books", pattern="module tests/probe_books")
        shutil.rmtree(self.root / "tests/probe_books")
        (self.root / "app/probe_book.py").write_text("# mine\n")
        self.before = snapshot(self.root)
        self.refused("probe_books", pattern="module app/probe_book")

    def test_a_registry_that_does_not_look_as_expected_is_refused_before_anything_is_written(self):
        registry = self.root / REGISTRY
        registry.write_text(registry.read_text().replace("CAPABILITIES = (", "INSTALLED = ("))
        self.before = snapshot(self.root)

        self.refused("probe_books", pattern="app/capabilities.py does not look as expected: one `CAPABILITIES")

    def test_a_broken_registry_is_refused(self):
        registry = self.root / REGISTRY
        registry.write_text(registry.read_text() + "\ndef (:\n")
        self.before = snapshot(self.root)

        self.refused("probe_books", pattern="app/capabilities.py does not parse")

    def test_a_file_changed_between_planning_and_writing_undoes_everything(self):
        plan = plan_resource(self.root, "probe_books", None, self.taken)
        registry = self.root / REGISTRY
        registry.write_text(registry.read_text() + "# changed meanwhile\n")
        self.before = snapshot(self.root)

        with self.assertRaisesRegex(ScaffoldError, "app/capabilities.py changed"):
            plan.apply()
        self.assert_nothing_written()


class TestCommand(ProjectCopy):
    def setUp(self) -> None:
        super().setUp()
        self.app = create_app(TestConfig)
        self.addCleanup(disconnect_db)
        patcher = mock.patch("app.scaffold.cli.project_root", return_value=self.root)
        patcher.start()
        self.addCleanup(patcher.stop)

    def run_command(self, *args: str):
        return self.app.test_cli_runner().invoke(args=["new-resource", *args])

    def test_dry_run_prints_the_files_and_the_edit_and_writes_nothing(self):
        result = self.run_command("probe_books", "--dry-run")

        self.assertEqual(result.exit_code, 0, result.output)
        for path in written("probe_books", "probe_book"):
            self.assertIn(f"write {path}", result.output)
        self.assertIn(f"+++ b/{REGISTRY}", result.output)
        self.assertIn('+    "app.probe_books",', result.output)
        self.assertIn("/api/v1/probe-books/{probeBookId}", result.output)
        self.assertIn("nothing written", result.output)
        self.assert_nothing_written()

    def test_a_refusal_exits_non_zero_with_the_reason(self):
        for args, reason in ((["Books"], "snake_case"), (["users"], "clashes"), (["classes"], "keyword")):
            with self.subTest(args=args):
                result = self.run_command(*args)

                self.assertEqual(result.exit_code, 1, result.output)
                self.assertIn(reason, result.output)
                self.assertIn("Nothing was written.", result.output)
        self.assert_nothing_written()

    def test_writes_the_package_the_tests_and_one_registry_line(self):
        result = self.run_command("people", "--singular", "person")

        self.assertEqual(result.exit_code, 0, result.output)
        changed = {path for path, digest in snapshot(self.root).items() if self.before.get(path) != digest}
        self.assertEqual(changed, written("people", "person") | {REGISTRY})
        self.assertIn('    "app.people",\n)', (self.root / REGISTRY).read_text())
        self.assertIn("class Person(", (self.root / "app/people/models.py").read_text())
        self.assertNotIn("{{", (self.root / "app/people/views.py").read_text())
        self.assertIn("module app/people", self.run_command("people", "--singular", "person").output)


class TestRegistryEdit(unittest.TestCase):
    """The one edit: a line at the end of the CAPABILITIES tuple, as ruff format lays the tuple out."""

    def test_the_noun_goes_last_one_line_of_its_own(self):
        text = 'CAPABILITIES = (\n    "app.tools",\n    "app.widgets",\n)\n\n\ndef load():\n    pass\n'

        edited = register_capability(text, Names.parse("books"))

        self.assertEqual(
            edited,
            'CAPABILITIES = (\n    "app.tools",\n    "app.widgets",\n    "app.books",\n)\n\n\ndef load():\n    pass\n',
        )

    def test_a_noun_already_listed_or_a_tuple_on_one_line_is_refused(self):
        with self.assertRaisesRegex(ScaffoldError, "already registered"):
            register_capability('CAPABILITIES = (\n    "app.books",\n)\n', Names.parse("books"))
        with self.assertRaisesRegex(ScaffoldError, "on its own line"):
            register_capability('CAPABILITIES = ("app.tools",)\n', Names.parse("books"))
        with self.assertRaisesRegex(ScaffoldError, "does not look as expected"):
            register_capability("CAPABILITIES = load()\n", Names.parse("books"))


class TestGeneratedNounsInACopyOfTheProject(unittest.TestCase):
    """Generate two nouns into a full copy of this project, then run that copy's lint and tests on them.

    The nouns are ones no project is likely to have, so the test still passes after a team generates its own
    (`books`, say) with the command.
    """

    NOUNS = (("probe_books",), ("probe_reading_list_entries", "--singular", "probe_reading_list_entry"))
    WRITTEN = (
        *sorted(written("probe_books", "probe_book")),
        *sorted(written("probe_reading_list_entries", "probe_reading_list_entry")),
    )

    @classmethod
    def setUpClass(cls) -> None:
        cls.root = Path(tempfile.mkdtemp(prefix="scaffold-copy-"))
        copy_project(cls.root)
        cls.before = snapshot(cls.root)
        generate = (str(PYTHON), "-m", "flask", "--app", "server", "new-resource")
        cls.outputs = [cls.run_in_copy(*generate, *noun) for noun in cls.NOUNS]
        cls.after = snapshot(cls.root)  # before the copy's own tests run

    @classmethod
    def tearDownClass(cls) -> None:
        shutil.rmtree(cls.root, ignore_errors=True)

    @classmethod
    def run_in_copy(cls, *command: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            command, cwd=cls.root, env=child_env(APP_CONFIG="test"), capture_output=True, text=True, timeout=300
        )

    def test_the_command_writes_the_noun_files_and_edits_only_the_registry(self):
        for result in self.outputs:
            self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertIn("/api/v1/probe-reading-list-entries/{probeReadingListEntryId}", self.outputs[1].stdout)
        changed = {path for path, digest in self.after.items() if self.before.get(path) != digest}

        self.assertEqual(changed, {*self.WRITTEN, REGISTRY})
        self.assertEqual(set(self.before) - set(self.after), set())

    def test_what_it_wrote_and_edited_is_lint_clean_and_keeps_the_import_contracts(self):
        files = [*self.WRITTEN, REGISTRY]
        check = self.run_in_copy(tool("ruff"), "check", "--no-cache", *files)
        formatted = self.run_in_copy(tool("ruff"), "format", "--no-cache", "--check", *files)
        contracts = self.run_in_copy(tool("lint-imports"), "--no-cache")

        self.assertEqual(check.returncode, 0, check.stdout + check.stderr)
        self.assertEqual(formatted.returncode, 0, formatted.stdout + formatted.stderr)
        self.assertEqual(contracts.returncode, 0, contracts.stdout[-4000:] + contracts.stderr)

    def test_its_tests_pass_with_the_route_walk_the_docs_the_index_coverage_and_the_spec_rules(self):
        result = self.run_in_copy(
            str(PYTHON),
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "tests/probe_books",
            "tests/probe_reading_list_entries",
            "tests/test_architecture.py",
            "tests/views/test_docs.py",
            "tests/views/test_secure_by_default.py",
            "tests/test_index_coverage.py",
            "tests/test_spec_rules.py",
        )

        self.assertEqual(result.returncode, 0, result.stdout[-6000:] + result.stderr[-2000:])
        self.assertIn(" passed", result.stdout)
        self.assertNotIn("skipped", result.stdout)
