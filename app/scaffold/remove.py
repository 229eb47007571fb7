"""Plan the removal of a capability (its files, its marked lines, its registry line), check it, then apply it.

What a capability owns outside its package is found two ways: the paths in its manifest below (its package,
settings module, docs page, tests), and marker comments in shared files (settings mixed into `Config`,
`.env.example`, README, the checklist, requirement pins, compose services, import contracts). A marker names
the capabilities a line belongs to; the line goes when any of them is removed:

    some line  # capability: uploads             (one line)
    # capability: uploads                        (a block, up to and including its end marker)
    ...
    # end capability: uploads

Markdown uses `<!-- capability: uploads -->` the same way. Removal is a deterministic text edit: no parsing
of Python, no guessing, and `--dry-run` shows every file it would touch.
"""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from app.scaffold.names import ScaffoldError
from app.scaffold.registration import REGISTRY

# The parts of the project that are not capabilities: asking to remove one is refused.
CORE = frozenset(
    {"core", "accounts", "auth", "sessions", "errors", "docs", "health", "throttling", "models", "views", "scaffold"}
)

# Paths each built-in capability owns beyond `app/<name>/` and `tests/<name>/` (a generated noun owns just those).
# Paths that are already gone are skipped: posts' import and export go with jobs, or with posts, whichever is first.
OWNED: dict[str, tuple[str, ...]] = {
    "sample": (),
    "jobs": (
        "config/jobs.py",
        "docs/jobs.md",
        "tests/integration/test_jobs.py",
        # Posts' imports and exports are jobs: they go with jobs, and posts stays.
        "app/posts/import_docs.py",
        "app/posts/import_job.py",
        "app/posts/import_views.py",
        "app/posts/export_docs.py",
        "app/posts/export_job.py",
        "app/posts/export_views.py",
        "tests/posts/test_post_imports.py",
        "tests/posts/test_post_exports.py",
    ),
    "mail": (
        "config/mail.py",
        "docs/mail.md",
        "app/templates/mail",
        "tests/integration/test_mail.py",
        "tests/integration/mail_sink.py",
    ),
    "uploads": (
        "config/uploads.py",
        "docs/uploads.md",
        "app/posts/attachments.py",
        "tests/integration/test_uploads_seaweedfs.py",
        "requirements-seaweedfs.txt",
    ),
    "oidc": ("config/oidc.py", "docs/oidc.md", "tests/integration/test_oidc.py", "tests/oidc_provider"),
    "posts": ("scripts/fuzz_hooks.py",),
}

NAME = r"[a-z][a-z0-9_]*"
MARKER = re.compile(rf"(?:#|<!--)\s*(end )?capability:\s*({NAME}(?:\s*,\s*{NAME})*)\s*(?:-->)?\s*$")
# Files never scanned for markers: this module and its documentation describe the markers, they carry none.
NOT_SCANNED = frozenset({"app/scaffold/remove.py"})
SKIPPED_DIRS = frozenset({".git", ".venv", "node_modules", "__pycache__", ".pytest_cache", ".ruff_cache", "htmlcov"})
# Exit status of a refusal (as click's usage errors): nothing was changed.
REFUSED = 2


class Refused(ScaffoldError):
    """The removal cannot go ahead; nothing was changed."""


def listed_capabilities(root: Path) -> list[str]:
    """The names in app/capabilities.py's CAPABILITIES, read without importing anything."""
    tree = ast.parse((root / REGISTRY).read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "CAPABILITIES" for t in node.targets):
            return [ast.literal_eval(element) for element in node.value.elts]  # type: ignore[attr-defined]
    raise ScaffoldError(f"{REGISTRY} has no CAPABILITIES tuple")


def declared_needs(root: Path, package: str) -> tuple[str, ...]:
    """A capability's NEEDS, read from its package's __init__.py without importing it."""
    init = root / package.replace(".", "/") / "__init__.py"
    for node in ast.parse(init.read_text(encoding="utf-8")).body:
        target = node.target if isinstance(node, ast.AnnAssign) else getattr(node, "targets", [None])[0]
        if getattr(target, "id", None) == "NEEDS" and node.value is not None:  # type: ignore[attr-defined]
            return tuple(ast.literal_eval(node.value))  # type: ignore[attr-defined]
    return ()


def project_files(root: Path) -> list[str]:
    """Files to scan for markers: what git tracks (and would track), else every file less caches."""
    if (root / ".git").exists() and shutil.which("git"):
        listed = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],  # noqa: S607
            cwd=root,
            capture_output=True,
            check=True,
        ).stdout.decode()
        return sorted(path for path in listed.split("\0") if path and (root / path).is_file())
    return sorted(
        str(path.relative_to(root))
        for path in root.rglob("*")
        if path.is_file() and not SKIPPED_DIRS & set(path.relative_to(root).parts)
    )


def uncommitted(root: Path) -> list[str]:
    """Tracked files with uncommitted changes (none: empty); refused outside a git work tree."""
    git = shutil.which("git")
    if not git or not (root / ".git").exists():
        raise Refused("not a git work tree, so uncommitted changes cannot be told apart: commit first, or --force")
    status = subprocess.run(  # noqa: S603 (a fixed git command)
        [git, "status", "--porcelain", "--untracked-files=no"], cwd=root, capture_output=True, text=True, check=True
    )
    return [line[3:] for line in status.stdout.splitlines() if line.strip()]


def strip_markers(text: str, name: str) -> str:
    """`text` without the lines and blocks marked for capability `name`."""
    kept: list[str] = []
    depth = 0
    removed = False  # since the last line kept: a blank line on both sides of a cut becomes one
    for line in text.splitlines(keepends=True):
        match = MARKER.search(line)
        names = {n.strip() for n in match.group(2).split(",")} if match else set()
        is_own_line = bool(match) and line[: match.start()].strip() == ""
        if match and name in names and is_own_line:
            depth += -1 if match.group(1) else 1
            if depth < 0:
                raise ScaffoldError(f"an `end capability: {name}` marker has no block to end")
            removed = True
            continue
        if depth > 0 or (match and name in names):
            removed = True
            continue
        if removed and not line.strip() and (not kept or not kept[-1].strip()):
            continue
        removed = False
        kept.append(line)
    if depth:
        raise ScaffoldError(f"a `capability: {name}` block has no end marker")
    while removed and len(kept) > 1 and not kept[-1].strip():
        kept.pop()  # a cut at the end of a file leaves no trailing blank lines
    return "".join(kept)


def drop_registry_line(text: str, package: str) -> str:
    """app/capabilities.py without the line listing `package`."""
    line = re.compile(rf'^\s*"{re.escape(package)}",[^\n]*\n', re.MULTILINE)
    if len(line.findall(text)) != 1:
        raise ScaffoldError(f'{REGISTRY} must list "{package}", on a line of its own')
    return line.sub("", text)


@dataclass
class Removal:
    """What removing one capability deletes and edits; nothing is touched before `apply`."""

    root: Path
    name: str
    deleted: list[str] = field(default_factory=list)
    edits: dict[str, str] = field(default_factory=dict)

    def paths(self) -> list[str]:
        """Every file it deletes or edits, one each, sorted."""
        files = set(self.edits)
        for path in self.deleted:
            target = self.root / path
            if target.is_dir():
                files |= {
                    str(p.relative_to(self.root))
                    for p in target.rglob("*")
                    if p.is_file() and not SKIPPED_DIRS & set(p.relative_to(self.root).parts)
                }
            else:
                files.add(path)
        return sorted(files)

    def apply(self) -> None:
        """Write the edits, then delete the files and folders."""
        for path, text in self.edits.items():
            (self.root / path).write_text(text, encoding="utf-8")
        for path in self.deleted:
            target = self.root / path
            if target.is_dir():
                shutil.rmtree(target)
            else:
                target.unlink()


def plan_removal(root: Path, name: str, *, force: bool = False) -> Removal:
    """Check that `name` can go (a capability, nothing present needs it, the tree committed), and plan it."""
    package = f"app.{name}"
    listed = listed_capabilities(root)
    if package not in listed:
        if name in CORE or (root / "app" / f"{name}.py").exists():
            raise Refused(f"{name} is part of the core (accounts, sessions, errors, docs, health, throttling)")
        raise Refused(f"no capability named {name}; the removable ones: {', '.join(p[4:] for p in listed)}")
    dependants = [other for other in listed if other != package and package in declared_needs(root, other)]
    if dependants:
        raise Refused(
            f"{name} is needed by {', '.join(d[4:] for d in dependants)}: remove "
            f"{'it' if len(dependants) == 1 else 'them'} first"
        )
    if not force and (changed := uncommitted(root)):
        raise Refused(f"uncommitted changes to {', '.join(changed)}: commit them (or use --force)")
    removal = Removal(root, name)
    owned = (f"app/{name}", f"tests/{name}", *OWNED.get(name, ()))
    removal.deleted = [path for path in owned if (root / path).exists()]
    gone = tuple(f"{path}/" for path in removal.deleted)
    for path in project_files(root):
        if path in NOT_SCANNED or path in removal.deleted or path.startswith(gone):
            continue
        try:
            text = (root / path).read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        edited = strip_markers(text, name) if "capability:" in text else text
        if path == REGISTRY:
            edited = drop_registry_line(edited, package)
        if edited != text:
            removal.edits[path] = edited
    return removal
