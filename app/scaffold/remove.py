"""Plan the removal of a capability (its files, its marked lines, its registry line), check it, then apply it.

Each capability declares in its package's `__init__.py`, beside `NEEDS`, what it owns outside its package
(`OWNS`: paths of files or folders; `app/<name>/` and `tests/<name>/` are always its own) and what it uses when
present (`USES`: a mapping from another capability to the paths of this one that go with it, as posts' imports
go with jobs). They are read with `ast`, never imported, so a tree that no longer imports cleanly can still be
trimmed, and a capability added later (a generated noun, a second factor) is removable without an edit here.

Lines of shared files are marked with the capabilities they belong to, and go when any of them is removed:

    some line  # capability: uploads             (one line)
    # capability: uploads                        (a block, up to and including its end marker)
    ...
    # end capability: uploads
    some line  # capability: uploads => other    (the line becomes `other` once uploads is gone)
    some line  # used by: oidc, uploads          (the line goes with the last of them)

TypeScript uses `// capability: uploads`, Markdown `<!-- capability: uploads -->` the same way (a trailing
`<!-- capability: x => row -->` swaps a checklist row for what still covers it). Removal is a deterministic text
edit, and `--dry-run` shows every file it would touch.
"""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from app.scaffold.names import ScaffoldError
from app.scaffold.registration import LIST_NAME, REGISTRY

# The parts of the project that are not capabilities: asking to remove one is refused.
CORE = frozenset(
    {"core", "accounts", "auth", "sessions", "errors", "docs", "health", "throttling", "models", "views", "scaffold"}
)
PREFIX = "app."
NAME = r"[a-z][a-z0-9_]*"
MARKER = re.compile(
    rf"(?:#|//|<!--)\s*(?P<end>end )?capability:\s*(?P<names>{NAME}(?:\s*,\s*{NAME})*)"
    rf"(?:\s*=>\s*(?P<instead>.*?))?\s*(?:-->)?\s*$"
)
# A line several capabilities share: it names the ones left, and goes with the last.
USED_BY = re.compile(rf"(?:#|//|<!--)\s*used by:\s*(?P<names>{NAME}(?:\s*,\s*{NAME})*)\s*(?:-->)?\s*$")
# Anything that looks like a marker (a placeholder such as `<name>` in prose aside) must be one.
LOOKS_LIKE = re.compile(r"(?:#|//|<!--)\s*(?:end )?capability:(?!\s*<)")
# Files never scanned for markers: this module and its tests describe the markers, they carry none.
NOT_SCANNED = frozenset({"app/scaffold/remove.py", "tests/test_remove.py"})
SKIPPED_DIRS = frozenset({".git", ".venv", "node_modules", "__pycache__", ".pytest_cache", ".ruff_cache", "htmlcov"})
# Exit status of a refusal (as click's usage errors): nothing was changed.
REFUSED = 2


class Refused(ScaffoldError):
    """The removal cannot go ahead; nothing was changed."""


@dataclass(frozen=True)
class Declared:
    """What a capability's `__init__.py` declares: NEEDS, USES (with the paths that go with each) and OWNS."""

    needs: tuple[str, ...] = ()
    uses: dict[str, tuple[str, ...]] = field(default_factory=dict)
    owns: tuple[str, ...] = ()


def listed_capabilities(root: Path) -> list[str]:
    """The packages in app/capabilities.py's CAPABILITIES, read without importing anything."""
    tree = ast.parse((root / REGISTRY).read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == LIST_NAME for t in node.targets):
            return list(ast.literal_eval(node.value))
    raise ScaffoldError(f"{REGISTRY} has no {LIST_NAME} tuple")


def declared(root: Path, package: str) -> Declared:
    """A capability's declarations, read from its package's `__init__.py` with `ast` (literals only)."""
    init = root / package.replace(".", "/") / "__init__.py"
    values: dict[str, object] = {}
    for node in ast.parse(init.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.AnnAssign) and node.value is not None:
            target, value = node.target, node.value
        elif isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        else:
            continue
        name = getattr(target, "id", None)
        if name in ("NEEDS", "USES", "OWNS"):
            try:
                values[name] = ast.literal_eval(value)
            except ValueError:
                raise ScaffoldError(f"{init.relative_to(root)}: {name} must be a literal") from None
    uses = values.get("USES", {})
    if not isinstance(uses, dict):  # a plain tuple of packages: used, with nothing of its own going with them
        uses = dict.fromkeys(uses, ())
    return Declared(
        tuple(values.get("NEEDS", ())), {k: tuple(v) for k, v in uses.items()}, tuple(values.get("OWNS", ()))
    )


def project_files(root: Path) -> list[str]:
    """Files to scan for markers: what git tracks (and would track), else every file less caches."""
    git = shutil.which("git")
    if (root / ".git").exists() and git:
        listed = subprocess.run(  # noqa: S603 (a fixed git command)
            [git, "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
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


def marker_names(match: re.Match[str]) -> set[str]:
    """The capabilities a marker (or a `used by`) names."""
    return {name.strip() for name in match.group("names").split(",")}


def check_markers(text: str, known: set[str], path: str = "") -> None:
    """Refuse a marker naming an unknown capability, a block left open, or an end marker with no block."""
    open_blocks: list[set[str]] = []
    for number, line in enumerate(text.splitlines(), 1):
        match = MARKER.search(line)
        where = f"{path}:{number}"
        if shared := USED_BY.search(line):
            if unknown := marker_names(shared) - known:
                raise ScaffoldError(f"{where}: `used by` names {', '.join(sorted(unknown))}, not a capability")
            continue
        if not match:
            if LOOKS_LIKE.search(line):
                raise ScaffoldError(f"{where}: not a marker the removal understands: {line.strip()}")
            continue
        if unknown := marker_names(match) - known:
            raise ScaffoldError(f"{where}: a marker names {', '.join(sorted(unknown))}, not a capability")
        own_line = line[: match.start()].strip() == ""
        if own_line and match.group("instead") is not None:
            raise ScaffoldError(f"{where}: `=>` belongs on a marked line, not on a block marker")
        if own_line and match.group("end"):
            if not open_blocks or open_blocks[-1] != marker_names(match):
                raise ScaffoldError(f"{where}: `end capability: {match.group('names')}` ends no open block")
            open_blocks.pop()
        elif own_line:
            open_blocks.append(marker_names(match))
    if open_blocks:
        raise ScaffoldError(f"{path}: a `capability: {', '.join(sorted(open_blocks[-1]))}` block has no end marker")


def strip_markers(text: str, name: str) -> str:
    """`text` without the lines and blocks marked for capability `name` (a `=>` line becomes what follows it)."""
    kept: list[str] = []
    depth = 0
    removed = False  # since the last line kept: blank lines on both sides of a cut keep the longer run
    blanks_after = 0
    for line in text.splitlines(keepends=True):
        if depth == 0 and (shared := USED_BY.search(line)) and name in (users := marker_names(shared)):
            users.discard(name)
            if not users:
                removed, blanks_after = True, 0
                continue
            keep = [n.strip() for n in shared.group("names").split(",") if n.strip() in users]
            line = line[: shared.start("names")] + ", ".join(keep) + line[shared.end("names") :]
        match = MARKER.search(line)
        mine = bool(match) and name in marker_names(match)
        own_line = bool(match) and line[: match.start()].strip() == ""
        if mine and own_line:
            depth += -1 if match.group("end") else 1
            if depth < 0:
                raise ScaffoldError(f"an `end capability: {name}` marker has no block to end")
            removed, blanks_after = True, 0
            continue
        if depth > 0:
            removed, blanks_after = True, 0
            continue
        if mine and match.group("instead") is not None:
            kept.append(match.group("instead") + "\n")
            removed = False
            continue
        if mine:
            removed, blanks_after = True, 0
            continue
        if removed and not line.strip():
            blanks_after += 1
            if trailing_blanks(kept) >= blanks_after:
                continue
            kept.append(line)
            continue
        removed, blanks_after = False, 0
        kept.append(line)
    if depth:
        raise ScaffoldError(f"a `capability: {name}` block has no end marker")
    while removed and len(kept) > 1 and not kept[-1].strip():
        kept.pop()  # a cut at the end of a file leaves no trailing blank lines
    return "".join(kept)


def trailing_blanks(lines: list[str]) -> int:
    """How many blank lines `lines` ends with."""
    count = 0
    while count < len(lines) and not lines[-1 - count].strip():
        count += 1
    return count


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
            elif target.exists():
                target.unlink()


def owned_paths(root: Path, package: str, listed: list[str]) -> list[str]:
    """What removing `package` deletes: its package and tests, its OWNS and USES paths, and others' USES of it."""
    name = package.removeprefix(PREFIX)
    own = declared(root, package)
    paths = [f"app/{name}", f"tests/{name}", *own.owns, *(path for used in own.uses.values() for path in used)]
    for other in listed:
        if other != package:
            paths += declared(root, other).uses.get(package, ())
    return list(dict.fromkeys(path for path in paths if (root / path).exists()))


def plan_removal(root: Path, name: str, *, force: bool = False) -> Removal:
    """Check that `name` can go (a capability, nothing present needs it, the tree committed), and plan it."""
    package = f"{PREFIX}{name}"
    listed = listed_capabilities(root)
    if package not in listed:
        if name in CORE or (root / "app" / f"{name}.py").exists() or (root / "app" / name).is_dir():
            raise Refused(f"{name} is part of the core (accounts, sessions, errors, docs, health, throttling)")
        removable = ", ".join(p.removeprefix(PREFIX) for p in listed) or "none left"
        raise Refused(f"no capability named {name}; the removable ones: {removable}")
    dependants = [other for other in listed if other != package and package in declared(root, other).needs]
    if dependants:
        raise Refused(
            f"{name} is needed by {', '.join(d.removeprefix(PREFIX) for d in dependants)}: remove "
            f"{'it' if len(dependants) == 1 else 'them'} first"
        )
    if not force and (changed := uncommitted(root)):
        raise Refused(f"uncommitted changes to {', '.join(changed)}: commit them (or use --force)")
    removal = Removal(root, name)
    removal.deleted = owned_paths(root, package, listed)
    gone = tuple(f"{path}/" for path in removal.deleted)
    for path in project_files(root):
        if path in NOT_SCANNED or path in removal.deleted or path.startswith(gone):
            continue
        try:
            text = (root / path).read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        edited = strip_markers(text, name) if "capability:" in text or "used by:" in text else text
        if path == REGISTRY and f'"{package}",' in edited:  # unless its own marker took the line already
            edited = drop_registry_line(edited, package)
        if edited != text:
            removal.edits[path] = edited
    return removal


def marked_files(root: Path) -> dict[str, str]:
    """Every scanned file that carries a marker, with its text (for checks of the markers)."""
    found = {}
    for path in project_files(root):
        if path in NOT_SCANNED:
            continue
        try:
            text = (root / path).read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        lines = text.splitlines()
        if any(LOOKS_LIKE.search(line) or USED_BY.search(line) for line in lines):
            found[path] = text
    return found
