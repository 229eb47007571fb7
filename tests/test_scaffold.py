"""`flask new-resource`: names, refusals, `--dry-run`, the registration edits, and generated nouns that pass
their project's lint and tests in a copy of this project."""

from __future__ import annotations

import ast
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import unittest
from pathlib import Path
from unittest import mock

from app import create_app
from app.database import disconnect_db
from app.scaffold import Names, ScaffoldError, plan_resource
from app.scaffold.cli import taken_names
from app.scaffold.registration import Source, register_docs, register_model, register_view
from config import TestConfig

ROOT = Path(__file__).resolve().parents[1]
BIN = ROOT / ".venv" / "bin"
PYTHON = BIN / "python" if (BIN / "python").exists() else Path(sys.executable)
NOT_COPIED = {".venv", ".git", "__pycache__", ".pytest_cache", ".ruff_cache", "htmlcov", "node_modules"}
REGISTRATION_FILES = ("app/models/__init__.py", "app/docs/__init__.py", "app/views/router.py")


def project_files(root: Path) -> list[str]:
    """The project's files: what git tracks or would (ignored files left out), else the tree less caches."""
    git = shutil.which("git")
    if git and (root / ".git").exists():
        listed = subprocess.run(
            [git, "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=root,
            capture_output=True,
            check=True,
        ).stdout.decode()
        return sorted(path for path in listed.split("\0") if path and (root / path).is_file())
    return sorted(
        str(path.relative_to(root))
        for path in root.rglob("*")
        if path.is_file() and not NOT_COPIED & set(path.relative_to(root).parts)
    )


def copy_project(target: Path, paths: list[str] | None = None) -> None:
    """Copy the project (or only `paths` of it) into `target`."""
    for path in paths if paths is not None else project_files(ROOT):
        (target / path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / path, target / path)


def snapshot(root: Path) -> dict[str, str]:
    """Path -> content hash of every file under `root`, caches left out."""
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in root.rglob("*")
        if path.is_file() and not NOT_COPIED & set(path.relative_to(root).parts)
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
    """A small copy of the project (the app package, tests/views, pyproject) per test, and this app's names."""

    @classmethod
    def setUpClass(cls) -> None:
        app = create_app(TestConfig)
        with app.app_context():
            cls.taken = taken_names(app)
        disconnect_db()

    def setUp(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="scaffold-unit-"))
        self.addCleanup(shutil.rmtree, self.root, ignore_errors=True)
        files = [p for p in project_files(ROOT) if p.startswith(("app/", "tests/views/")) or p == "pyproject.toml"]
        copy_project(self.root, files)
        self.before = snapshot(self.root)

    def assert_nothing_written(self) -> None:
        self.assertEqual(snapshot(self.root), self.before)

    def refused(self, noun: str, singular: str | None = None, pattern: str = "") -> str:
        with self.assertRaisesRegex(ScaffoldError, pattern) as refusal:
            plan_resource(self.root, noun, singular, self.taken)
        self.assert_nothing_written()
        return str(refusal.exception)


class TestRefusals(ProjectCopy):
    def test_existing_nouns_are_refused_naming_each_clash(self):
        message = self.refused("posts", pattern="clashes with an existing noun")

        for clash in ("blueprint posts", "path /api/v1/posts", "model Post", "module app/views/posts", "listPosts"):
            self.assertIn(clash, message)
        self.refused("users", pattern="module app/models/user")
        self.refused("samples", pattern="module app/views/sample")  # the singular is a module too

    def test_clashes_with_schemas_collections_and_template_names_are_refused(self):
        self.refused("problems", pattern="OpenAPI schema Problem")
        self.refused("names", pattern="NAME twice in app/docs/names.py")
        self.refused("uuids", pattern="UUID twice")
        self.refused("paths", pattern="paths already names something in app/docs/__init__.py")

    def test_files_that_exist_are_refused(self):
        (self.root / "tests/views/test_probe_books.py").write_text("# mine\n")
        self.before = snapshot(self.root)

        self.refused("probe_books", pattern="tests/views/test_probe_books.py already exists")
        (self.root / "tests/views/test_probe_books.py").unlink()
        (self.root / "app/models/probe_book.py").write_text("# mine\n")
        self.before = snapshot(self.root)
        self.refused("probe_books", pattern="module app/models/probe_book")

    def test_a_registration_file_that_does_not_look_as_expected_is_refused_before_anything_is_written(self):
        docs = self.root / "app/docs/__init__.py"
        docs.write_text(docs.read_text().replace("NOUNS = (", "SECTIONS = ("))
        self.before = snapshot(self.root)

        self.refused("probe_books", pattern="app/docs/__init__.py does not look as expected: one `NOUNS")

    def test_a_broken_registration_file_is_refused(self):
        router = self.root / "app/views/router.py"
        router.write_text(router.read_text() + "\ndef (:\n")
        self.before = snapshot(self.root)

        self.refused("probe_books", pattern="app/views/router.py does not parse")

    def test_a_file_changed_between_planning_and_writing_undoes_everything(self):
        plan = plan_resource(self.root, "probe_books", None, self.taken)
        router = self.root / "app/views/router.py"
        router.write_text(router.read_text() + "# changed meanwhile\n")
        self.before = snapshot(self.root)

        with self.assertRaisesRegex(ScaffoldError, "app/views/router.py changed"):
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

    def test_dry_run_prints_the_files_and_the_edits_and_writes_nothing(self):
        result = self.run_command("probe_books", "--dry-run")

        self.assertEqual(result.exit_code, 0, result.output)
        for path in (
            "app/models/probe_book.py",
            "app/docs/probe_books.py",
            "app/views/probe_books.py",
            "tests/views/test_probe_books.py",
        ):
            self.assertIn(f"write {path}", result.output)
        for path in REGISTRATION_FILES:
            self.assertIn(f"+++ b/{path}", result.output)
        self.assertIn("+from app.models.probe_book import ProbeBook", result.output)
        self.assertIn("/api/v1/probe-books/{probeBookId}", result.output)
        self.assertIn("nothing written", result.output)
        self.assert_nothing_written()

    def test_a_refusal_exits_non_zero_with_the_reason(self):
        for args, reason in ((["Books"], "snake_case"), (["posts"], "clashes"), (["classes"], "keyword")):
            with self.subTest(args=args):
                result = self.run_command(*args)

                self.assertEqual(result.exit_code, 1, result.output)
                self.assertIn(reason, result.output)
                self.assertIn("Nothing was written.", result.output)
        self.assert_nothing_written()

    def test_writes_the_files_and_the_registration_lines(self):
        result = self.run_command("people", "--singular", "person")

        self.assertEqual(result.exit_code, 0, result.output)
        changed = {path for path, digest in snapshot(self.root).items() if self.before.get(path) != digest}
        expected = {"app/models/person.py", "app/docs/people.py", "app/views/people.py", "tests/views/test_people.py"}
        self.assertEqual(changed, expected | set(REGISTRATION_FILES))
        self.assertIn("from app.models.person import Person", (self.root / "app/models/__init__.py").read_text())
        self.assertNotIn("{{", (self.root / "app/views/people.py").read_text())
        self.assertIn("module app/models/person", self.run_command("people", "--singular", "person").output)


class TestRegistrationLayout(unittest.TestCase):
    """The edits keep each statement as ruff format lays it out, whatever other nouns made of it."""

    def edit(self, register, text: str, noun: str = "books", width: int = 120) -> str:
        return register(Source("module.py", textwrap.dedent(text), width), Names.parse(noun))

    def test_short_statements_stay_on_one_line_in_sorted_order(self):
        edited = self.edit(register_docs, "from app.docs import auth, posts\n\nNOUNS = (auth, posts, health)\n")

        self.assertEqual(edited, "from app.docs import auth, books, posts\n\nNOUNS = (auth, posts, books, health)\n")

    def test_a_statement_that_no_longer_fits_goes_one_item_per_line(self):
        edited = self.edit(register_docs, "from app.docs import auth, posts\n\nNOUNS = (auth, posts)\n", width=30)

        self.assertEqual(
            edited,
            "from app.docs import (\n    auth,\n    books,\n    posts,\n)\n\nNOUNS = (auth, posts, books)\n",
        )

    def test_a_trailing_comma_keeps_a_short_list_exploded(self):
        text = (
            'from app.models.base import X\nfrom app.models.user import User\n\n__all__ = [\n    "User",\n    "X",\n]\n'
        )

        edited = self.edit(register_model, text)

        self.assertIn("from app.models.base import X\nfrom app.models.book import Book\nfrom app.models.user", edited)
        self.assertIn('__all__ = [\n    "Book",\n    "User",\n    "X",\n]\n', edited)

    def test_both_router_shapes(self):
        attributes = """\
            def init_app(app):
                from app.views import auth, health, posts

                for blueprint in (auth.blueprint, posts.blueprint):
                    app.register_blueprint(blueprint)
                app.register_blueprint(health.blueprint)
            """
        modules = """\
            def init_app(app):
                from app.views import auth, health, posts

                blueprints = (auth, posts)
                for blueprint in (noun.blueprint for noun in blueprints):
                    app.register_blueprint(blueprint)
            """

        self.assertIn(
            "for blueprint in (auth.blueprint, posts.blueprint, books.blueprint):", self.edit(register_view, attributes)
        )
        self.assertIn("blueprints = (auth, posts, books)\n", self.edit(register_view, modules))
        self.assertIn("from app.views import auth, books, health, posts\n", self.edit(register_view, modules))

    def test_a_comment_inside_a_statement_or_a_missing_statement_is_refused(self):
        with self.assertRaisesRegex(ScaffoldError, "comment inside"):
            self.edit(register_docs, "from app.docs import (\n    auth,  # first\n    posts,\n)\n\nNOUNS = (auth,)\n")
        with self.assertRaisesRegex(ScaffoldError, "does not look as expected"):
            self.edit(register_view, "def init_app(app):\n    from app.views import auth\n\n    app.register(auth)\n")
        with self.assertRaisesRegex(ScaffoldError, "does not look as expected"):
            self.edit(register_model, "from app import models\n")

    def test_edits_leave_valid_python(self):
        edited = self.edit(register_docs, "from app.docs import a, z\n\nNOUNS = (\n    a,\n    z,\n)\n")

        self.assertIn("NOUNS = (\n    a,\n    z,\n    books,\n)\n", edited)
        ast.parse(edited)


class TestGeneratedNounsInACopyOfTheProject(unittest.TestCase):
    """Generate two nouns into a full copy of this project, then run that copy's lint and tests on them.

    The nouns are ones no project is likely to have, so the test still passes after a team generates its own
    (`books`, say) with the command.
    """

    NOUNS = (("probe_books",), ("probe_reading_list_entries", "--singular", "probe_reading_list_entry"))
    WRITTEN = (
        "app/models/probe_book.py",
        "app/docs/probe_books.py",
        "app/views/probe_books.py",
        "tests/views/test_probe_books.py",
        "app/models/probe_reading_list_entry.py",
        "app/docs/probe_reading_list_entries.py",
        "app/views/probe_reading_list_entries.py",
        "tests/views/test_probe_reading_list_entries.py",
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

    def test_the_command_writes_the_noun_files_and_edits_only_the_registration_files(self):
        for result in self.outputs:
            self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertIn("/api/v1/probe-reading-list-entries/{probeReadingListEntryId}", self.outputs[1].stdout)
        changed = {path for path, digest in self.after.items() if self.before.get(path) != digest}

        self.assertEqual(changed, {*self.WRITTEN, *REGISTRATION_FILES})
        self.assertEqual(set(self.before) - set(self.after), set())

    def test_what_it_wrote_and_edited_is_lint_clean(self):
        files = [*self.WRITTEN, *REGISTRATION_FILES]
        check = self.run_in_copy(tool("ruff"), "check", "--no-cache", *files)
        formatted = self.run_in_copy(tool("ruff"), "format", "--no-cache", "--check", *files)

        self.assertEqual(check.returncode, 0, check.stdout + check.stderr)
        self.assertEqual(formatted.returncode, 0, formatted.stdout + formatted.stderr)

    def test_its_tests_pass_with_the_route_walk_the_docs_and_the_index_coverage(self):
        result = self.run_in_copy(
            str(PYTHON),
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "tests/views/test_probe_books.py",
            "tests/views/test_probe_reading_list_entries.py",
            "tests/views/test_docs.py",
            "tests/views/test_secure_by_default.py",
            "tests/test_index_coverage.py",
        )

        self.assertEqual(result.returncode, 0, result.stdout[-6000:] + result.stderr[-2000:])
        self.assertIn(" passed", result.stdout)
        self.assertNotIn("skipped", result.stdout)
