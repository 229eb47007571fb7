"""`flask remove <capability>`: the marker edit, the refusals, `--dry-run`, and removals that leave a green project,
each in a copy of this project (a git work tree of its own, as a team's clone is).

Timing: a copy's whole in-process suite takes minutes on a small machine, so each capability's removal runs its
copy's lint (ruff, ruff format, the import contracts), the spec validation and the tests most likely to break
(what remains that touched it, the architecture, the route walk, the config), every removal in its own copy and
all of them at once, in parallel processes; the copy with every capability removed runs its whole in-process suite.
"""

from __future__ import annotations

import concurrent.futures
import shutil
import subprocess
import tempfile
import unittest
from pathlib import Path

from app.scaffold.names import ScaffoldError
from app.scaffold.remove import drop_registry_line, listed_capabilities, strip_markers
from tests.test_scaffold import PYTHON, child_env, copy_project, snapshot, tool

ROOT = Path(__file__).resolve().parents[1]
IN_PROCESS = ("--ignore=tests/integration", "--ignore=tests/browser")
# In the order a team removing everything could take them (mail needs jobs, so it goes first).
ALL = ("sample", "posts", "mail", "jobs", "uploads", "oidc")
# Beyond the lint, the architecture, the spec and the route walk: the tests of what remains that touched it.
CHECKED = {
    "sample": ("tests/views/test_docs.py",),
    "posts": ("tests/test_demo_data.py", "tests/models", "tests/test_validation.py"),
    "jobs": ("tests/posts",),
    "mail": ("tests/views/test_signup.py", "tests/views/test_login.py", "tests/views/test_me.py"),
    "uploads": ("tests/posts", "tests/views/test_me.py"),
    "oidc": ("tests/views/test_me.py", "tests/views/test_login.py"),
}
ALWAYS = (
    "tests/test_architecture.py",
    "tests/views/test_docs.py",
    "tests/views/test_secure_by_default.py",
    "tests/test_config.py",
    "tests/test_readme.py",
)


class TestMarkers(unittest.TestCase):
    def test_marked_lines_and_blocks_go_and_nothing_else(self):
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
            "last\n"
        )

        self.assertEqual(strip_markers(text, "uploads"), "keep\nother  # capability: oidc\nlast\n")
        self.assertEqual(strip_markers(text, "sample"), text)

    def test_a_cut_between_blank_lines_leaves_one_and_none_at_the_end(self):
        text = "a\n\n# capability: x\nb\n# end capability: x\n\nc\n\n\n# capability: x\nd\n# end capability: x\n"

        self.assertEqual(strip_markers(text, "x"), "a\n\nc\n")

    def test_an_unended_block_is_refused(self):
        with self.assertRaisesRegex(ScaffoldError, "no end marker"):
            strip_markers("# capability: x\nline\n", "x")
        with self.assertRaisesRegex(ScaffoldError, "no block to end"):
            strip_markers("line\n# end capability: x\n", "x")

    def test_the_registry_loses_exactly_its_line(self):
        text = 'CAPABILITIES = (\n    "app.jobs",\n    "app.mail",\n)\n'

        self.assertEqual(drop_registry_line(text, "app.mail"), 'CAPABILITIES = (\n    "app.jobs",\n)\n')
        with self.assertRaisesRegex(ScaffoldError, "must list"):
            drop_registry_line(text, "app.posts")

    def test_every_listed_capability_can_be_named(self):
        self.assertEqual(sorted(name[4:] for name in listed_capabilities(ROOT)), sorted(ALL))


def git_copy(prefix: str) -> Path:
    """A copy of the project, committed in a git work tree of its own (as a clone is)."""
    root = Path(tempfile.mkdtemp(prefix=prefix))
    copy_project(root)
    git = tool("git")
    identity = ("-c", "user.name=Test", "-c", "user.email=test@example.com")
    for command in (("init", "-q"), ("add", "-A"), (*identity, "commit", "-q", "-m", "copy")):
        subprocess.run([git, *command], cwd=root, check=True, capture_output=True)
    return root


def run(root: Path, *command: str, timeout: int = 1500) -> subprocess.CompletedProcess:
    """A command in the copy, with the test config and nothing pointing back at this checkout."""
    return subprocess.run(
        command, cwd=root, env=child_env(APP_CONFIG="test"), capture_output=True, text=True, timeout=timeout
    )


def remove(root: Path, *args: str) -> subprocess.CompletedProcess:
    return run(root, str(PYTHON), "-m", "flask", "--app", "server", "remove", *args)


def checks(root: Path, tests: tuple[str, ...]) -> list[tuple[str, subprocess.CompletedProcess]]:
    """Lint, import contracts, and the tests (the spec validation is tests/views/test_docs.py) of a copy."""
    pytest = (str(PYTHON), "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly", *tests)
    return [
        ("ruff", run(root, tool("ruff"), "check", "--no-cache", ".")),
        ("ruff format", run(root, tool("ruff"), "format", "--no-cache", "--check", ".")),
        ("lint-imports", run(root, tool("lint-imports"), "--no-cache")),
        ("pytest", run(root, *pytest)),
    ]


def removal_outcome(names: tuple[str, ...], tests: tuple[str, ...]) -> dict:
    """Remove `names` in order from a fresh copy, then run its checks; what each step said."""
    root = git_copy(f"remove-{'-'.join(names)}-")
    try:
        removed = []
        for name in names:  # each removal its own commit, as the command asks
            removed.append(remove(root, name))
            if removed[-1].returncode:
                return {"removed": removed, "checks": [], "left": []}
            run(root, tool("git"), "add", "-A")
            run(root, tool("git"), "-c", "user.name=Test", "-c", "user.email=t@example.com", "commit", "-qm", name)
        mentions = run(root, tool("git"), "grep", "-l", "-E", "|".join(rf"app[./]{n}\b" for n in names))
        return {"removed": removed, "checks": checks(root, tests), "left": mentions.stdout.split()}
    finally:
        shutil.rmtree(root, ignore_errors=True)


class TestRefusals(unittest.TestCase):
    """One copy: every refusal changes nothing and exits 2, naming why; a dry run changes nothing."""

    @classmethod
    def setUpClass(cls) -> None:
        cls.root = git_copy("remove-refusals-")
        cls.before = snapshot(cls.root)

    @classmethod
    def tearDownClass(cls) -> None:
        shutil.rmtree(cls.root, ignore_errors=True)

    def assert_refused(self, result: subprocess.CompletedProcess, words: str) -> None:
        self.assertEqual(result.returncode, 2, result.stdout + result.stderr)
        self.assertIn(words, result.stderr)
        self.assertIn("Nothing was changed", result.stderr)
        self.assertEqual(snapshot(self.root), self.before)

    def test_a_capability_another_present_one_needs_is_refused_naming_it(self):
        self.assert_refused(remove(self.root, "jobs"), "jobs is needed by mail")

    def test_the_core_and_unknown_names_are_refused(self):
        self.assert_refused(remove(self.root, "accounts"), "part of the core")
        self.assert_refused(remove(self.root, "throttling"), "part of the core")
        self.assert_refused(remove(self.root, "gadgets"), "no capability named gadgets")

    def test_uncommitted_changes_are_refused(self):
        readme = self.root / "README.md"
        text = readme.read_text()
        readme.write_text(text + "\nA local change.\n")
        try:
            result = remove(self.root, "sample")
            self.assertEqual(result.returncode, 2, result.stdout + result.stderr)
            self.assertIn("uncommitted changes to README.md", result.stderr)
        finally:
            readme.write_text(text)
        self.assertEqual(snapshot(self.root), self.before)

    def test_a_dry_run_prints_every_file_one_a_line_and_changes_nothing(self):
        result = remove(self.root, "uploads", "--dry-run")

        self.assertEqual(result.returncode, 0, result.stderr)
        printed = result.stdout.split()
        for path in ("app/uploads/__init__.py", "app/posts/attachments.py", "config/uploads.py", "app/capabilities.py"):
            self.assertIn(path, printed)
        for path in ("app/posts/service.py", "config/__init__.py", "requirements.txt", "docker-compose.yml"):
            self.assertIn(path, printed)  # edited: the lines marked for uploads
        self.assertTrue(all((self.root / path).is_file() for path in printed))
        self.assertEqual(snapshot(self.root), self.before)


class TestRemovals(unittest.TestCase):
    """Each capability removed in its own copy, and all of them in one, in parallel; then each copy's checks."""

    @classmethod
    def setUpClass(cls) -> None:
        # jobs goes after mail, which needs it
        jobs = {(("mail", name) if name == "jobs" else (name,)): (*ALWAYS, *CHECKED[name]) for name in ALL}
        jobs[ALL] = (*IN_PROCESS,)  # the minimal API: its whole in-process suite
        with concurrent.futures.ThreadPoolExecutor(max_workers=len(jobs)) as pool:
            futures = {names: pool.submit(removal_outcome, names, tests) for names, tests in jobs.items()}
        cls.outcomes = {names: future.result() for names, future in futures.items()}

    def assert_green(self, names: tuple[str, ...]) -> None:
        outcome = self.outcomes[names]
        for result in outcome["removed"]:
            self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        for what, result in outcome["checks"]:
            with self.subTest(names=names, check=what):
                self.assertEqual(result.returncode, 0, result.stdout[-5000:] + result.stderr[-3000:])
        self.assertNotIn("skipped", outcome["checks"][-1][1].stdout)
        self.assertEqual(outcome["left"], [], "files that still name a removed package")

    def test_sample(self):
        self.assert_green(("sample",))

    def test_posts(self):
        self.assert_green(("posts",))

    def test_jobs_after_mail_keeps_posts_without_imports_and_exports(self):
        self.assert_green(("mail", "jobs"))

    def test_mail(self):
        self.assert_green(("mail",))

    def test_uploads_keeps_posts_without_attachments(self):
        self.assert_green(("uploads",))

    def test_oidc(self):
        self.assert_green(("oidc",))

    def test_every_removable_capability_leaves_a_minimal_api_that_passes_its_own_suite(self):
        self.assert_green(ALL)
