"""`flask remove <capability>`: the markers, the refusals, `--dry-run`, and removals that leave a green project, each
in a copy of this project (a git work tree of its own, as a team's clone is).

Nothing here names a capability: it reads what `app/capabilities.py` lists and what each declares, so a trimmed
project keeps a passing test, and a capability added later (a generated noun, a second factor) is covered as it
lands. Each capability's removal (after what needs it) and the removal of all of them run in copies, in parallel
processes started as the session begins (`start_removals`, called from tests/conftest.py), while the rest of the
suite runs; the tests here wait for them. A copy runs its lint (ruff, ruff format, the import contracts), its
in-process suite (the spec validation, the demo data, the README and requirement checks among it; `-x`, fixed
order) and checks its served spec and its files for what was removed. The generator (`tests/test_scaffold.py`,
itself a copy of a copy) runs in the copy with everything removed, the one where it has least to lean on.
"""

from __future__ import annotations

import concurrent.futures
import json
import os
import re
import shutil
import subprocess
import tempfile
import textwrap
import unittest
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from app import create_app
from app.database import disconnect_db
from app.scaffold.names import ScaffoldError
from app.scaffold.remove import (
    PREFIX,
    Refused,
    check_markers,
    declared,
    drop_registry_line,
    listed_capabilities,
    marked_files,
    plan_removal,
    strip_markers,
)
from config import TestConfig
from tests.test_scaffold import PYTHON, child_env, copy_project, snapshot, tool

ROOT = Path(__file__).resolve().parents[1]
IDENTITY = ("-c", "user.name=Test", "-c", "user.email=test@example.com")
# The copies' suite: in-process only (integration and browser runs stay in the main job), no copy of its own.
SUITE = ("--ignore=tests/integration", "--ignore=tests/browser", "--ignore=tests/test_remove.py")
# The generator's tests copy the project again: run once, in the copy with every capability removed.
GENERATOR_TESTS = "tests/test_scaffold.py"
TIMEOUT = 2400


def capabilities(root: Path = ROOT) -> list[str]:
    """The removable capabilities' names, in registration order."""
    return [package.removeprefix(PREFIX) for package in listed_capabilities(root)]


def dependants(root: Path, name: str) -> list[str]:
    """What must go before `name` can (what needs it, and what needs those), each after its own dependants."""
    order: list[str] = []

    def visit(target: str) -> None:
        for other in capabilities(root):
            if f"{PREFIX}{target}" in declared(root, f"{PREFIX}{other}").needs and other not in order:
                visit(other)
                order.append(other)

    visit(name)
    return order


def everything(root: Path = ROOT) -> tuple[str, ...]:
    """Every capability, in an order the command accepts: each after what needs it (reverse registration)."""
    return tuple(reversed(capabilities(root)))


def sequences(root: Path = ROOT) -> dict[str, tuple[str, ...]]:
    """The removals proved in copies: each capability after its dependants, and all of them."""
    runs = {name: (*dependants(root, name), name) for name in capabilities(root)}
    runs["all"] = everything(root)
    return runs


def git(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([tool("git"), *IDENTITY, *args], cwd=root, capture_output=True, text=True, check=True)


def git_copy(prefix: str) -> Path:
    """A copy of the project as it is now, committed in a git work tree of its own (as a clone is)."""
    root = Path(tempfile.mkdtemp(prefix=prefix))
    copy_project(root)
    if (ROOT / ".venv").is_dir():
        (root / ".venv").symlink_to(ROOT / ".venv")  # one virtualenv for every copy (git ignores it)
    provider = ROOT / "tests" / "oidc_provider" / "node_modules"
    if provider.is_dir() and (root / "tests" / "oidc_provider").is_dir():
        (root / "tests" / "oidc_provider" / "node_modules").symlink_to(provider)  # npm's install, shared
    git(root, "init", "-q")
    (root / ".git" / "info" / "exclude").write_text("node_modules\n")  # the shared link, as a clone's would be
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "copy")
    return root


def copy_env(root: Path) -> dict[str, str]:
    """The test config, nothing pointing back at this checkout, and a database of the copy's own on a server."""
    env = child_env(APP_CONFIG="test")
    if env.get("MONGODB_URI"):  # copies run side by side: each drops its database, so each needs its own
        parts = urlsplit(env["MONGODB_URI"])
        env["MONGODB_URI"] = urlunsplit(parts._replace(path=f"/{parts.path.strip('/') or 'app'}_{root.name[-8:]}"))
    return env


def run(root: Path, *command: str, timeout: int = TIMEOUT) -> subprocess.CompletedProcess:
    """A command in the copy (see `copy_env`)."""
    return subprocess.run(command, cwd=root, env=copy_env(root), capture_output=True, text=True, timeout=timeout)


def remove(root: Path, *args: str) -> subprocess.CompletedProcess:
    return run(root, str(PYTHON), "-m", "flask", "--app", "server", "remove", *args)


SERVED_PATHS = textwrap.dedent(
    """
    import json
    from app import create_app
    from config import TestConfig
    print(json.dumps(sorted(create_app(TestConfig).test_client().get("/openapi.json").get_json()["paths"])))
    """
)


def documented_by_file(root: Path = ROOT) -> dict[str, set[str]]:
    """Each docs fragment's file (relative to `root`) -> the spec paths it documents, in this app."""
    app = create_app(TestConfig)
    try:
        found: dict[str, set[str]] = {}
        for module in app.extensions.get("api_docs", ()):
            found.setdefault(str(Path(module.__file__).resolve().relative_to(root)), set()).update(module.PATHS)
        return found
    finally:
        disconnect_db()


def removal_outcome(label: str, names: tuple[str, ...], generator: bool) -> dict[str, Any]:
    """Remove `names` in order from a fresh copy (each its own commit), then run the copy's checks."""
    root = git_copy(f"remove-{label}-")
    outcome: dict[str, Any] = {"steps": [], "deleted": set(), "checks": [], "served": None, "left": ""}
    try:
        status = (tool("git"), "status", "--porcelain", "--untracked-files=all")
        for name in names:
            before = set(run(root, *status).stdout.splitlines())
            dry = remove(root, name, "--dry-run")
            done = remove(root, name)
            outcome["steps"].append((name, dry, done))
            if dry.returncode or done.returncode:
                return outcome
            changed = set(run(root, *status).stdout.splitlines()) - before
            outcome["steps"][-1] += (sorted(line[3:] for line in changed), sorted(dry.stdout.split()))
            outcome["deleted"] |= {path for path in dry.stdout.split() if not (root / path).exists()}
            git(root, "add", "-A")
            git(root, "commit", "-q", "-m", f"remove {name}")
        pytest = (str(PYTHON), "-m", "pytest", "-x", "-q", "-p", "no:randomly", "-p", "no:cacheprovider", *SUITE)
        if not generator:
            pytest = (*pytest, f"--ignore={GENERATOR_TESTS}")
        outcome["checks"] = [
            ("ruff", run(root, tool("ruff"), "check", "--no-cache", ".")),
            ("ruff format", run(root, tool("ruff"), "format", "--no-cache", "--check", ".")),
            ("lint-imports", run(root, tool("lint-imports"), "--no-cache")),
            ("pytest", run(root, *pytest)),
        ]
        served = run(root, str(PYTHON), "-c", SERVED_PATHS)
        outcome["served"] = json.loads(served.stdout) if served.returncode == 0 else served.stderr
        packages = "|".join(rf"app[./]{n}\b|config[./]{n}\b|tests/{n}/" for n in names)
        outcome["left"] = run(root, tool("git"), "grep", "-n", "-E", packages).stdout
        # Files left behind by a capability whose OWNS forgot them (its settings module, its docs page).
        leftovers = {f"config/{n}.py" for n in names} | {f"docs/{n}.md" for n in names}
        tracked = run(root, tool("git"), "ls-files").stdout.splitlines()
        outcome["left"] += "".join(f"{path}: still here\n" for path in tracked if path in leftovers)
        deleted = [path for path in outcome["deleted"] if not path.endswith("__init__.py")]
        if deleted:
            mentions = run(root, tool("git"), "grep", "-n", "-F", *(arg for path in deleted for arg in ("-e", path)))
            outcome["left"] += mentions.stdout
        return outcome
    finally:
        shutil.rmtree(root, ignore_errors=True)


_pool: concurrent.futures.Executor | None = None
_running: dict[str, concurrent.futures.Future] = {}


def start_removals(labels: list[str] | None = None) -> None:
    """Start the removal copies (all, or those of `labels`) in the background; the session runs on meanwhile."""
    global _pool
    runs = sequences()
    if _pool is None:
        # Each copy is a process tree of its own; threads only wait on them. Two at a time on a two-core runner.
        _pool = concurrent.futures.ThreadPoolExecutor(max_workers=max(2, min(len(runs), (os.cpu_count() or 2))))
    for label in runs if labels is None else labels:
        if label not in _running:
            _running[label] = _pool.submit(removal_outcome, label, runs[label], label == "all")


def outcome_of(label: str) -> dict[str, Any]:
    start_removals([label])
    return _running[label].result()


class TestMarkers(unittest.TestCase):
    def test_marked_lines_blocks_and_replacements(self):
        text = (
            "keep\n"
            "drop  # capability: uploads\n"
            "other  # capability: oidc\n"
            "both  # capability: posts, uploads\n"
            "# capability: uploads\n"
            "inside\n"
            "# end capability: uploads\n"
            "<!-- capability: uploads -->\n"
            "| a row |\n"
            "<!-- end capability: uploads -->\n"
            "| row | for uploads | <!-- capability: uploads => | row | the team's to cover | -->\n"
            "x = 1  # capability: uploads => x = 2\n"
            "pin==1  # used by: oidc, uploads\n"
            "last\n"
        )

        self.assertEqual(
            strip_markers(text, "uploads"),
            "keep\nother  # capability: oidc\n| row | the team's to cover |\nx = 2\npin==1  # used by: oidc\nlast\n",
        )
        self.assertNotIn("pin==1", strip_markers(strip_markers(text, "uploads"), "oidc"))
        self.assertEqual(strip_markers(text, "sample"), text)

    def test_a_cut_between_blank_lines_leaves_one_and_none_at_the_end(self):
        text = "a\n\n# capability: x\nb\n# end capability: x\n\nc\n\n\n# capability: x\nd\n# end capability: x\n"

        self.assertEqual(strip_markers(text, "x"), "a\n\nc\n")

    def test_malformed_markers_are_refused(self):
        with self.assertRaisesRegex(ScaffoldError, "no end marker"):
            strip_markers("# capability: x\nline\n", "x")
        with self.assertRaisesRegex(ScaffoldError, "no block to end"):
            strip_markers("line\n# end capability: x\n", "x")
        for text, why in (
            ("# capability: x\nline\n", "no end marker"),
            ("# end capability: x\n", "ends no open block"),
            ("# capability: x\n# capability: y\n# end capability: x\n# end capability: y\n", "ends no open block"),
            ("line  # capability: nobody\n", "not a capability"),
            ("# capability: x => y\n# end capability: x\n", "belongs on a marked line"),
            ("line  # capability: x (why)\n", "not a marker"),
        ):
            with self.subTest(text=text), self.assertRaisesRegex(ScaffoldError, why):
                check_markers(text, {"x", "y"})

    def test_every_marker_in_the_project_is_well_formed_and_names_a_present_capability(self):
        files = marked_files(ROOT)

        self.assertEqual(bool(files), bool(capabilities()))  # markers exist exactly while capabilities do
        for path, text in files.items():
            with self.subTest(path=path):
                check_markers(text, set(capabilities()), path)

    def test_the_registry_loses_exactly_its_line(self):
        text = 'CAPABILITIES = (\n    "app.tools",\n    "app.widgets",\n)\n'

        self.assertEqual(drop_registry_line(text, "app.widgets"), 'CAPABILITIES = (\n    "app.tools",\n)\n')
        with self.assertRaisesRegex(ScaffoldError, "must list"):
            drop_registry_line(text, "app.gadgets")

    def test_every_declared_path_exists_and_needs_name_listed_capabilities(self):
        listed = listed_capabilities(ROOT)
        for package in listed:
            own = declared(ROOT, package)
            with self.subTest(capability=package):
                for path in (*own.owns, *(p for paths in own.uses.values() for p in paths)):
                    self.assertTrue((ROOT / path).exists(), path)
                self.assertLessEqual(set(own.needs) | set(own.uses), set(listed))


def write(root: Path, files: dict[str, str]) -> None:
    for path, text in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(textwrap.dedent(text))


class TestPlanning(unittest.TestCase):
    """The planner on a small tree of made-up capabilities: it reads files only, never the app."""

    def setUp(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="remove-plan-"))
        self.addCleanup(shutil.rmtree, self.root, ignore_errors=True)
        write(
            self.root,
            {
                "app/capabilities.py": 'CAPABILITIES = (\n    "app.base",\n    "app.needy",\n    "app.user",\n)\n',
                "app/base/__init__.py": 'NEEDS = ()\nOWNS = ("docs/base.md",)\n',
                "app/needy/__init__.py": 'NEEDS = ("app.base",)\n',
                "app/user/__init__.py": 'NEEDS = ()\nUSES = {"app.base": ("app/user/extra.py",)}\n',
                "app/user/extra.py": "import app.base\n",
                "app/accounts.py": "",
                "docs/base.md": "# Base\n",
                "tests/base/test_base.py": "",
                "README.md": "- base <!-- capability: base -->\n- kept\n",
                "settings.py": "A = 1\nB = 2  # capability: base => B = 3\n",
            },
        )
        git(self.root, "init", "-q")
        git(self.root, "add", "-A")
        git(self.root, "commit", "-q", "-m", "tree")
        self.before = snapshot(self.root)

    def test_the_core_and_unknown_names_are_refused(self):
        for name, why in (("accounts", "part of the core"), ("docs", "part of the core"), ("gadgets", "no capability")):
            with self.subTest(name=name), self.assertRaisesRegex(Refused, why):
                plan_removal(self.root, name)

    def test_a_capability_another_needs_is_refused_naming_it(self):
        with self.assertRaisesRegex(Refused, "base is needed by needy: remove it first"):
            plan_removal(self.root, "base")

    def test_uncommitted_changes_are_refused_unless_forced(self):
        (self.root / "README.md").write_text("changed\n")

        with self.assertRaisesRegex(Refused, "uncommitted changes to README.md"):
            plan_removal(self.root, "needy")
        self.assertEqual(plan_removal(self.root, "needy", force=True).name, "needy")

    def test_the_plan_deletes_what_it_owns_and_what_others_keep_for_it_and_edits_the_marked_lines(self):
        plan_removal(self.root, "needy").apply()
        git(self.root, "commit", "-qam", "needy")
        planned_on = snapshot(self.root)
        removal = plan_removal(self.root, "base")

        self.assertEqual(
            removal.paths(),
            [
                "README.md",
                "app/base/__init__.py",
                "app/capabilities.py",
                "app/user/extra.py",
                "docs/base.md",
                "settings.py",
                "tests/base/test_base.py",
            ],
        )
        self.assertEqual(snapshot(self.root), planned_on)  # planning writes nothing
        removal.apply()
        self.assertEqual((self.root / "settings.py").read_text(), "A = 1\nB = 3\n")
        self.assertEqual((self.root / "README.md").read_text(), "- kept\n")
        self.assertEqual((self.root / "app/capabilities.py").read_text(), 'CAPABILITIES = (\n    "app.user",\n)\n')
        self.assertTrue((self.root / "app/user/__init__.py").exists())


STAND_IN = '"""A stand-in capability."""\n\nNEEDS: tuple[str, ...] = {needs}\n\n\ndef init_app(app):\n    pass\n'


class TestCommand(unittest.TestCase):
    """`flask remove` in one copy: exit 2 and nothing changed for each refusal; a dry run changes nothing."""

    @classmethod
    def setUpClass(cls) -> None:
        cls.root = git_copy("remove-command-")
        # Two made-up capabilities, one needing the other, so the refusal is proved whatever this project keeps.
        write(
            cls.root,
            {
                "app/zbase/__init__.py": STAND_IN.format(needs="()"),
                "app/zneedy/__init__.py": STAND_IN.format(needs='("app.zbase",)'),
            },
        )
        registry = cls.root / "app" / "capabilities.py"
        registry.write_text(
            re.sub(r"\n\)\n", '\n    "app.zbase",\n    "app.zneedy",\n)\n', registry.read_text(), count=1)
        )
        git(cls.root, "add", "-A")
        git(cls.root, "commit", "-q", "-m", "stand-ins")
        cls.before = snapshot(cls.root)

    @classmethod
    def tearDownClass(cls) -> None:
        shutil.rmtree(cls.root, ignore_errors=True)

    def assert_refused(self, result: subprocess.CompletedProcess, words: str) -> None:
        self.assertEqual(result.returncode, 2, result.stdout + result.stderr)
        self.assertIn(words, result.stderr)
        self.assertIn("Nothing was changed", result.stderr)
        self.assertEqual(snapshot(self.root), self.before)

    def test_a_capability_a_present_one_needs_is_refused_with_status_2_naming_it(self):
        self.assert_refused(remove(self.root, "zbase"), "zbase is needed by zneedy")

    def test_without_the_app_the_same_command_answers_the_same(self):
        self.assert_refused(run(self.root, str(PYTHON), "-m", "app.scaffold", "zbase"), "zbase is needed by zneedy")
        dry = run(self.root, str(PYTHON), "-m", "app.scaffold", "zneedy", "--dry-run")
        self.assertEqual(dry.stdout, remove(self.root, "zneedy", "--dry-run").stdout)

    def test_the_core_and_unknown_names_are_refused(self):
        for name in ("accounts", "sessions", "throttling", "docs", "health"):
            with self.subTest(name=name):
                self.assert_refused(remove(self.root, name), "part of the core")
        self.assert_refused(remove(self.root, "gadgets"), "no capability named gadgets")

    def test_uncommitted_changes_are_refused(self):
        readme = self.root / "README.md"
        text = readme.read_text()
        readme.write_text(text + "\nA local change.\n")
        try:
            result = remove(self.root, "zneedy")
            self.assertEqual(result.returncode, 2, result.stdout + result.stderr)
            self.assertIn("uncommitted changes to README.md", result.stderr)
        finally:
            readme.write_text(text)
        self.assertEqual(snapshot(self.root), self.before)

    def test_a_dry_run_prints_every_file_one_a_line_and_changes_nothing(self):
        for name in (*capabilities(self.root)[-3:], "zneedy"):
            if dependants(self.root, name):
                continue
            with self.subTest(capability=name):
                result = remove(self.root, name, "--dry-run")

                self.assertEqual(result.returncode, 0, result.stderr)
                printed = result.stdout.splitlines()
                self.assertEqual(printed, sorted(set(printed)))
                self.assertIn("app/capabilities.py", printed)
                self.assertIn(f"app/{name}/__init__.py", printed)
                self.assertTrue(all((self.root / path).is_file() for path in printed), printed)
                self.assertEqual(snapshot(self.root), self.before)


class TestRemovals(unittest.TestCase):
    """Each capability removed in a copy (after what needs it), and all of them in one; each copy's checks."""

    documented: dict[str, set[str]] = {}

    @classmethod
    def setUpClass(cls) -> None:
        cls.documented = documented_by_file()

    def assert_green(self, label: str) -> None:
        outcome = outcome_of(label)
        for name, dry, done, *changes in outcome["steps"]:
            self.assertEqual(dry.returncode, 0, f"remove {name} --dry-run: {dry.stdout}{dry.stderr}")
            self.assertEqual(done.returncode, 0, f"remove {name}: {done.stdout}{done.stderr}")
            changed, listed = changes
            self.assertEqual(changed, listed, f"remove {name}: the dry run lists exactly what it changes")
        for what, result in outcome["checks"]:
            with self.subTest(label=label, check=what):
                self.assertEqual(result.returncode, 0, result.stdout[-6000:] + result.stderr[-3000:])
        self.assertIn(" passed", outcome["checks"][-1][1].stdout)
        self.assertNotRegex(outcome["checks"][-1][1].stdout.splitlines()[-1], r"skipped|xfail")
        self.assertIsInstance(outcome["served"], list, outcome["served"])
        removed_paths = {
            path for file, paths in self.documented.items() if file in outcome["deleted"] for path in paths
        }
        if label == "all":
            self.assertTrue(removed_paths, "no documented path was found among the removed files")
        self.assertEqual(removed_paths & set(outcome["served"]), set(), "the served spec lists removed paths")
        self.assertEqual(outcome["left"], "", "files that still name what was removed")


def _add_removal_tests() -> None:
    """One test per removal, named after it (`test_remove_posts`, `test_remove_all`)."""
    for label in sequences():
        setattr(TestRemovals, f"test_remove_{label}", lambda self, label=label: self.assert_green(label))


_add_removal_tests()
